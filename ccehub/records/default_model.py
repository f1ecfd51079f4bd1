"""A shipped, pre-trained linkage model for when an area's own records are too few to train on.

Expectation-maximisation needs many pairs of records of the same child to learn how agencies
mis-record names, dates of birth and postcodes. A new deployment, a single authority's first extract
or a test with a few dozen rows has too few: training then either fails or leaves levels it never saw
with no weight, and an exact name and date of birth can score as unknown. Below
:data:`MIN_RECORDS_TO_TRAIN` records (or whenever training fails) the build uses this model instead:
trained the same way on a seeded synthetic population (never real people) and regenerated with
``ccehub link train-default`` whenever the comparisons change (a test fails when it is stale).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Below this many agency records the shipped model is used rather than training a new one.
MIN_RECORDS_TO_TRAIN = 5_000
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "data" / "default_person_model.json"
DEFAULT_POPULATION = 10_000
DEFAULT_SEED = 2026


def default_model() -> Any:
    """The shipped model (raises ``ValueError`` if it no longer matches the code's comparisons)."""
    from ccehub.linkage import LinkageModel

    return LinkageModel.load(DEFAULT_MODEL_PATH)


def train_default_model(
    path: Path = DEFAULT_MODEL_PATH, *, people: int = DEFAULT_POPULATION, seed: int = DEFAULT_SEED
) -> Any:
    """Train the shipped model on a seeded synthetic population and write it to ``path``."""
    from ccehub.linkage import standardise_frame, train_model
    from ccehub.synthetic import agency_records, generate_population, records_frame

    population = generate_population(people, seed)
    standardised = standardise_frame(records_frame(agency_records(population, seed)))
    model = train_model(standardised, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model
