"""The offence catalogue: reference data, not code (R-03, Q-11, E-06).

Each row of ``data/offences.csv`` gives an offence code, a label, its E-06 category, whether it is a
drugs offence (for the R-24 presumption) and whether the section 45 defence is excluded for it, with
the citation that justifies the flag. Whether s45 is excluded comes from Modern Slavery Act 2015
Schedule 4 (offences to which the defence does not apply), not from the report, whose wording is
inconsistent (Q-11). Changing the law means editing the CSV, not a branch in the rules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

#: Error text for a malformed reference-data file (a deployment fault, not user input).
MSG_BAD_CATALOGUE: Final = "offence catalogue {path}: row {row}: {problem}"

_CSV_PACKAGE: Final = "ccehub.rules.data"
_CSV_NAME: Final = "offences.csv"
_COLUMNS: Final = ("code", "label", "category", "drug_offence", "s45_excluded", "citation")
_BOOLS: Final[dict[str, bool]] = {"true": True, "false": False}


class OffenceCatalogueError(RuntimeError):
    """The offence reference data is malformed."""


@dataclass(frozen=True, slots=True)
class Offence:
    """One offence code from the catalogue."""

    code: str
    label: str
    category: str
    drug_offence: bool
    s45_excluded: bool
    citation: str


def parse_catalogue(text: str, *, path: str = _CSV_NAME) -> dict[str, Offence]:
    """Parse catalogue CSV text, checking every column (used for the shipped file and in tests)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise OffenceCatalogueError(
            MSG_BAD_CATALOGUE.format(path=path, row=1, problem=f"columns must be {', '.join(_COLUMNS)}")
        )
    catalogue: dict[str, Offence] = {}
    for row_number, row in enumerate(reader, start=2):

        def bad(problem: str, row_number: int = row_number) -> OffenceCatalogueError:
            return OffenceCatalogueError(MSG_BAD_CATALOGUE.format(path=path, row=row_number, problem=problem))

        code = (row.get("code") or "").strip()
        if not code:
            raise bad("empty code")
        if code in catalogue:
            raise bad(f"duplicate code {code!r}")
        flags: dict[str, bool] = {}
        for column in ("drug_offence", "s45_excluded"):
            value = (row.get(column) or "").strip().lower()
            if value not in _BOOLS:
                raise bad(f"{column} must be true or false, got {value!r}")
            flags[column] = _BOOLS[value]
        citation = (row.get("citation") or "").strip()
        if not citation:
            raise bad(f"{code}: a citation is required for every s45 flag")
        catalogue[code] = Offence(
            code=code,
            label=(row.get("label") or "").strip(),
            category=(row.get("category") or "").strip(),
            drug_offence=flags["drug_offence"],
            s45_excluded=flags["s45_excluded"],
            citation=citation,
        )
    return catalogue


@cache
def catalogue() -> Mapping[str, Offence]:
    """The shipped offence catalogue, keyed by code (read once)."""
    text = resources.files(_CSV_PACKAGE).joinpath(_CSV_NAME).read_text(encoding="utf-8")
    return parse_catalogue(text)


def offence_codes() -> tuple[str, ...]:
    """All known offence codes, in catalogue order."""
    return tuple(catalogue())


def get_offence(code: str) -> Offence:
    """The catalogue entry for ``code``.

    Raises:
        KeyError: ``code`` is not in the catalogue.
    """
    return catalogue()[code]


def offence_labels() -> dict[str, str]:
    """Plain-English label for each offence code (for pages and decision records)."""
    return {code: offence.label for code, offence in catalogue().items()}


def any_drug_offence(offences: Iterable[Offence]) -> bool:
    """Whether any offence is a drugs offence (R-24 trigger)."""
    return any(offence.drug_offence for offence in offences)
