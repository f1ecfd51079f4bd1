"""Seeded synthetic people and agency records for tests, benchmarks and demonstrations.

No real person's data is used or produced: names are drawn from frequency lists written for this
package, postcodes are made-up units in real districts, contact numbers are Ofcom drama numbers.

    >>> pop = generate_population(1_000, seed=7)
    >>> frame = records_frame(agency_records(pop, seed=7))
"""

from ccehub.synthetic.holdout import Holdout, holdout
from ccehub.synthetic.population import Person, Population, generate_population
from ccehub.synthetic.records import (
    AGENCY_KINDS,
    CUSTODY_CORRUPTION,
    DEFAULT_CORRUPTION,
    RECORD_COLUMNS,
    AgencyRecord,
    Corruption,
    agency_records,
    custody_queries,
    records_frame,
    twin_references,
)

__all__ = [
    "AGENCY_KINDS",
    "CUSTODY_CORRUPTION",
    "DEFAULT_CORRUPTION",
    "RECORD_COLUMNS",
    "AgencyRecord",
    "Corruption",
    "Holdout",
    "Person",
    "Population",
    "agency_records",
    "custody_queries",
    "generate_population",
    "holdout",
    "records_frame",
    "twin_references",
]
