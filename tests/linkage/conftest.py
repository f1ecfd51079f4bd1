"""A small synthetic world, linked once per test session: population, hold-out, index on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from ccehub.linkage import PersonIndex, build_index
from ccehub.linkage.index import BuildSummary
from ccehub.synthetic import Holdout, Population, agency_records, generate_population, holdout, records_frame

WORLD_PEOPLE = 4_000
WORLD_SEED = 11


@dataclass(frozen=True)
class World:
    population: Population
    split: Holdout
    raw: pd.DataFrame
    directory: Path
    summary: BuildSummary
    index: PersonIndex

    @property
    def truth(self) -> pd.DataFrame:
        return self.raw[["agency", "record_id", "true_person_id"]]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    population = generate_population(WORLD_PEOPLE, seed=WORLD_SEED)
    split = holdout(population, 600, seed=WORLD_SEED, twin_share=0.1, sibling_share=0.3)
    raw = records_frame(agency_records(population, seed=WORLD_SEED, persons=split.indexed))
    directory = tmp_path_factory.mktemp("person-index")
    summary = build_index(raw, directory, seed=WORLD_SEED)
    return World(population, split, raw, directory, summary, PersonIndex.load(directory))
