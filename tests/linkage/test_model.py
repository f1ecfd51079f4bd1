"""Training, saving and loading the model: every level trained, the version travels with it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ccehub.linkage import LinkageModel, PersonIndex
from ccehub.linkage.settings import COMPARISONS, PERSON_MODEL, SPEC_VERSION

from .conftest import World


def test_every_level_is_trained(world: World) -> None:
    """EM and random sampling leave no level without m and u (null levels excepted)."""
    model = world.index.model
    for comparison in model.splink_settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            assert isinstance(level.get("m_probability"), float), level["label_for_charts"]
            assert isinstance(level.get("u_probability"), float), level["label_for_charts"]
    prior = model.probability_two_random_records_match
    assert 0 < prior < 0.01


def test_weights_point_the_right_way(world: World) -> None:
    """Agreement is evidence for a match, disagreement against; twins' pattern is not a match."""
    weights = {c.name: c for c in world.index.model.weights().comparisons}
    given = {lw.label: lw.match_weight for lw in weights["given_name"].levels}
    household = {lw.label: lw.match_weight for lw in weights["household_birth"].levels}
    assert given["Exact"] > given["Same name group (diminutive, transliteration)"] > 0
    assert given["All other"] < -5
    assert household["Family name, postcode and date of birth agree"] > 10
    assert (
        household["Family name and postcode agree, date of birth differs"]
        < household["Family name and postcode agree, date of birth near"]
    )
    assert household["All other"] < -5
    prior = world.index.model.weights().prior_match_weight
    same_sex = weights["sex"].levels[1].match_weight
    # a same-sex twin: everything agrees but the given name
    twin = prior + household["Family name, postcode and date of birth agree"] + given["All other"] + same_sex
    assert twin < -2
    # a brother or sister: family name and address agree, given name and date of birth do not
    sibling = prior + household["Family name and postcode agree, date of birth differs"] + given["All other"]
    assert sibling + same_sex < -5


def test_save_and_load_round_trip(world: World, tmp_path: Path) -> None:
    """A saved model loads with the same version, parameters and weights."""
    model = world.index.model
    path = model.save(tmp_path)
    assert path.name == "model.json"
    loaded = LinkageModel.load(tmp_path)
    assert loaded.version == model.version
    assert loaded.version.startswith(SPEC_VERSION + "-")
    assert loaded.splink_settings == model.splink_settings
    assert loaded.weights() == model.weights()
    payload = json.loads(path.read_text())
    assert payload["training"]["records"] == world.summary.records


def test_version_is_content_addressed(world: World, tmp_path: Path) -> None:
    """Changing a parameter changes the version id; the id does not depend on where it was saved."""
    from ccehub.linkage.model import model_version

    settings = json.loads(json.dumps(world.index.model.splink_settings))
    assert model_version(settings, SPEC_VERSION) == world.index.model.version
    settings["comparisons"][0]["comparison_levels"][1]["m_probability"] *= 0.5
    assert model_version(settings, SPEC_VERSION) != world.index.model.version


def test_model_must_match_the_spec(world: World, tmp_path: Path) -> None:
    """A model whose level SQL differs from today's spec is refused, not silently mis-scored."""
    settings = json.loads(json.dumps(world.index.model.splink_settings))
    settings["comparisons"][0]["comparison_levels"][2]["sql_condition"] = "given_phon_l = given_phon_r"
    tampered = LinkageModel(settings, "x", SPEC_VERSION, "duckdb")
    with pytest.raises(ValueError, match="was trained as"):
        tampered.weights()
    old = LinkageModel(world.index.model.splink_settings, "x", "cce-person-0", "duckdb")
    with pytest.raises(ValueError, match="rebuild the index"):
        old.weights(PERSON_MODEL)


def test_index_directory(world: World) -> None:
    """The index directory holds the model, the records with person ids and a manifest."""
    names = {p.name for p in world.directory.iterdir()}
    assert {"model.json", "records.parquet", "manifest.json"} <= names
    manifest = json.loads((world.directory / "manifest.json").read_text())
    assert manifest["model_version"] == world.summary.model_version
    assert manifest["records"] == len(world.raw)
    index = PersonIndex.load(world.directory)
    assert len(index) == len(world.raw)
    assert index.n_persons == world.summary.persons
    clusters = index.clusters()
    assert list(clusters.columns) == ["agency", "record_id", "person_id"]
    assert clusters["person_id"].str.match(r"^P-[0-9A-F]{12}$").all()
    assert len(COMPARISONS) == len(index.model.splink_settings["comparisons"])
    assert math.isfinite(world.summary.seconds)
