"""Two-half reconciliation: a police half and an LA half, joined on the pseudonymous code.

This is the study's Fig 5 step 9 as software (DOMAIN.md §6.1, §6.3.4, E-30..E-33). The arresting
force completes the police half under codes it assigned (:mod:`ccehub.pseudonyms`); the home local
authority completes the LA half and reapplies the same codes; whoever reconciles holds neither the
key nor any identity.

Identity never reaches the output, by construction rather than by filtering:

* each half has a template (:data:`POLICE_TEMPLATE`, :data:`LA_TEMPLATE`); every other column --
  names, dates of birth, addresses, postcodes, record ids, free-text notes -- is dropped on reading
  and reported by column name only;
* every kept cell is validated against a closed vocabulary, a date, an age band or a count, so a
  name typed into a template column is an input error, not output;
* exact ages become age bands on reading; ``merged.csv`` is written from an allow-list;
* error messages name file, line and column but never quote a cell.

Rules (DOMAIN.md §6.3.4): per Fig 3 factor the merged flag is ``x`` if any source records it present,
else ``unknown`` if any source says unknown, else blank (not recorded) -- and every source's value is
kept beside it. Field conflicts (Michael's outcome, Q-04) are stored side by side, never overwritten.
An LA code that no police half has is rejected. A police code with no LA half is ``awaiting_la``, or
``excluded`` with reason ``la_data_not_supplied`` once the deadline is reached.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal

from ccehub.agencies.reference import local_authority, police_force
from ccehub.pseudonyms.codes import InvalidCodeError, code_parse
from ccehub.pseudonyms.csvio import CsvInputError, CsvTable, column_key, csv_read

__all__ = [
    "FIG3_FACTORS",
    "LA_TEMPLATE",
    "MERGED_COLUMNS",
    "POLICE_TEMPLATE",
    "Flag",
    "Half",
    "ReconcileInputError",
    "Reconciliation",
    "Status",
    "flag_merge",
    "half_read",
    "halves_reconcile",
    "reconciliation_write",
]

Side = Literal["police", "la"]


class ReconcileInputError(ValueError):
    """An input half that cannot be reconciled as given. Messages never quote cell values."""


# --------------------------------------------------------------------------------------------
# Vocabulary


class Flag(StrEnum):
    """A Fig 3 cell. Blank means *not recorded*, never *absent* (DOMAIN.md §3.1, §5.1)."""

    PRESENT = "x"
    UNKNOWN = "unknown"
    NOT_RECORDED = ""


def flag_merge(values: Iterable[Flag]) -> Flag:
    """Combine one factor across sources (DOMAIN.md §6.3.4, reproduces Fig 3).

    ``x`` if any source records the factor present; else ``unknown`` if any source says unknown;
    else not recorded.
    """
    seen = set(values)
    if Flag.PRESENT in seen:
        return Flag.PRESENT
    if Flag.UNKNOWN in seen:
        return Flag.UNKNOWN
    return Flag.NOT_RECORDED


class Status(StrEnum):
    """Reconciliation status of one code (E-33; DOMAIN.md §6.3.4).

    ``awaiting_police`` belongs to the E-33 vocabulary, where halves arrive over time against a
    register of issued codes. Reconciling two files there is no such register, so an LA code with
    no police row is ``rejected`` (§6.3.4: "a submission whose code is unknown is rejected") and
    ``awaiting_police`` stays at 0; it is still counted so every summary has the same keys.
    """

    MATCHED = "matched"
    CONFLICT = "conflict"
    AWAITING_POLICE = "awaiting_police"
    AWAITING_LA = "awaiting_la"
    EXCLUDED = "excluded"
    REJECTED = "rejected"


REASON_LA_NOT_SUPPLIED: Final = "la_data_not_supplied"
REASON_DUPLICATE_POLICE: Final = "duplicate_code_in_police_half"
REASON_DUPLICATE_LA: Final = "duplicate_code_in_la_half"
REASON_UNKNOWN_CODE: Final = "unknown_code"


@dataclass(frozen=True, slots=True)
class Factor:
    column: str
    label: str  # the row heading in Fig 3


#: Fig 3 rows, in the report's order: vulnerabilities recorded *before* the identifying incident.
FIG3_FACTORS: Final = (
    Factor("domestic_abuse", "Domestic Abuse"),
    Factor("sexual_abuse_concerns", "Sexual abuse / assault concerns"),
    Factor("substance_misuse", "Substance Misuse"),
    Factor("mental_health_concerns", "Mental health concerns"),
    Factor("school_exclusions", "School exclusions"),
    Factor("care_experienced", "Care experienced"),
    Factor("reported_missing", "Reported missing"),
    Factor("gang_involvement", "Gang involvement"),
    Factor("offending_behaviour", "Offending behaviour"),
    Factor("victim_of_crime", "Victim of crime"),
)

#: Age at the identifying incident, in bands: exact ages and dates of birth never leave the reader.
AGE_BANDS: Final = (
    (0, 11, "under_12"),
    (12, 13, "12-13"),
    (14, 15, "14-15"),
    (16, 17, "16-17"),
    (18, 24, "18-24"),
    (25, 99, "25_and_over"),
)

SEX_VALUES: Final = ("male", "female", "other", "unknown")
_SEX_ALIASES: Final = {"m": "male", "f": "female", "boy": "male", "girl": "female", "u": "unknown"}
_UNKNOWN: Final = "unknown"

INCIDENT_TRIGGERS: Final = (  # E-04 trigger_type
    "targeted_operation",
    "county_lines_taskforce",
    "routine_visit_cuckooed_address",
    "missing_person_enquiry",
    "stop_and_search_other",
    "disclosure_to_allocated_worker",
    "intelligence",
    _UNKNOWN,
)
ARREST_OFFENCES: Final = (
    "none",
    "pwits_class_a",
    "pwits_class_b",
    "possession_class_a",
    "possession_class_b",
    "weapon_possession",
    "other",
    _UNKNOWN,
)
CRIMINAL_OUTCOMES: Final = (  # E-05/E-07, outcome of the identifying incident
    "no_arrest",
    "de_arrested",
    "released_under_investigation",
    "nfa",
    "charged",
    "charge_dropped",
    "remanded",
    "convicted_community",
    "convicted_custodial",
    "pending",
    _UNKNOWN,
)
NRM_DECISIONS: Final = (  # E-11, the latest decision on a referral linked to the incident
    "no_referral",
    "awaiting_rg",
    "rg_positive",
    "rg_negative",
    "cg_positive",
    "cg_negative",
    _UNKNOWN,
)
EDUCATION_STATUSES: Final = (  # E-01 education_status, at the incident
    "mainstream",
    "pru",
    "excluded",
    "not_in_education",
    "suspended_lockdown",
    "abroad",
    _UNKNOWN,
)

Kind = Literal["code", "flag", "sex", "age", "age_band", "date", "count", "choice", "force", "la"]


@dataclass(frozen=True, slots=True)
class Column:
    """One template column: its name, how a cell is validated, and what it means."""

    name: str
    kind: Kind
    meaning: str
    choices: tuple[str, ...] = ()


def _flags() -> tuple[Column, ...]:
    return tuple(
        Column(f.column, "flag", f"Fig 3 '{f.label}', before the identifying incident") for f in FIG3_FACTORS
    )


_SHARED_HEAD: Final = (
    Column("code", "code", "pseudonymous code assigned by the arresting force (required)"),
    Column("sex", "sex", "male, female, other or unknown"),
    Column("age_at_incident", "age", "whole years at the identifying incident; becomes an age band"),
    Column(
        "age_band", "age_band", "alternative to age_at_incident: " + ", ".join(b for _, _, b in AGE_BANDS)
    ),
    Column("incident_date", "date", "date of the identifying incident"),
    Column("criminal_outcome", "choice", "outcome of the identifying incident", CRIMINAL_OUTCOMES),
    Column("nrm_referral_date", "date", "date of the NRM referral linked to the incident, if any"),
)

#: Police half (E-31), completed by the arresting force from police systems.
POLICE_TEMPLATE: Final = (
    *_SHARED_HEAD[:1],
    Column("completing_force", "force", "agency code of the force completing the half (e.g. kent)"),
    *_SHARED_HEAD[1:],
    Column("incident_trigger", "choice", "how the child was identified (E-04)", INCIDENT_TRIGGERS),
    Column("arrest_offence", "choice", "offence arrested for at the incident", ARREST_OFFENCES),
    Column("police_nrm_referral", "flag", "x if police made an NRM referral for the incident"),
    Column("prior_arrests", "count", "number of arrests before the incident"),
    *_flags(),
    Column("rearrested_after", "flag", "x if arrested again after the incident"),
    Column("missing_after", "flag", "x if reported missing after the incident"),
)

#: LA half (E-32), completed by the home local authority from social-care records.
LA_TEMPLATE: Final = (
    *_SHARED_HEAD[:1],
    Column("completing_la", "la", "ONS code of the local authority completing the half (e.g. E10000016)"),
    *_SHARED_HEAD[1:],
    Column("la_nrm_referral", "flag", "x if the LA made an NRM referral for the incident"),
    Column("nrm_decision", "choice", "latest NRM decision linked to the incident", NRM_DECISIONS),
    Column("cin_plan", "flag", "x if on a child-in-need plan at the incident"),
    Column("cp_plan", "flag", "x if on a child protection plan at the incident"),
    Column("looked_after", "flag", "x if looked after at the incident"),
    Column("education_status", "choice", "education at the incident", EDUCATION_STATUSES),
    Column("leaving_care_support", "flag", "x if eligible for leaving-care support (records go past 18)"),
    *_flags(),
)

TEMPLATES: Final[Mapping[Side, tuple[Column, ...]]] = {"police": POLICE_TEMPLATE, "la": LA_TEMPLATE}

#: Fields both halves carry and that must agree; a disagreement makes the case a ``conflict``.
COMPARED_FIELDS: Final = ("sex", "age_band", "incident_date", "nrm_referral_date", "criminal_outcome")
_NOT_SINGLE_SOURCE: Final = frozenset(
    {
        "code",
        "completing_force",
        "completing_la",
        "age_at_incident",
        *COMPARED_FIELDS,
        *(f.column for f in FIG3_FACTORS),
    }
)
#: Columns only one half carries; merged.csv copies them as they are.
_POLICE_ONLY: Final = tuple(c.name for c in POLICE_TEMPLATE if c.name not in _NOT_SINGLE_SOURCE)
_LA_ONLY: Final = tuple(c.name for c in LA_TEMPLATE if c.name not in _NOT_SINGLE_SOURCE)

#: merged.csv columns, and the only columns it can ever have.
MERGED_COLUMNS: Final = (
    "code",
    "status",
    "status_reason",
    "conflicts",
    "completing_force",
    "completing_la",
    *(f"{name}{suffix}" for name in COMPARED_FIELDS for suffix in ("", "_police", "_la")),
    *(f"{f.column}{suffix}" for f in FIG3_FACTORS for suffix in ("", "_police", "_la")),
    *_POLICE_ONLY,
    *_LA_ONLY,
)

DISCREPANCY_COLUMNS: Final = ("kind", "code", "half", "lines", "field", "police_value", "la_value", "detail")

# Column names that look like identity. Every non-template column is dropped whatever its name;
# this only decides how the drop is reported.
_IDENTITY_COLUMN: Final = re.compile(
    r"(^|_)(name|names|forename|forenames|surname|given|family|middle|initials?|alias|aliases|aka|"
    r"dob|birth|birthday|born|address|addr|street|road|house|flat|town|city|postcode|post|postal|zip|"
    r"record|recordid|id|ids|ref|urn|pnc|cro|nhs|upn|uln|nino|ni|insurance|phone|mobile|tel|"
    r"telephone|email|photo|image)($|_)"
)
_DOB_COLUMNS: Final = frozenset({"date_of_birth", "dob", "birth_date", "birthdate", "d_o_b"})

# Words a column *title* is made of. A dropped column is reported by its title only when every word
# of it is one of these (or an identity word above); otherwise by its position ("column 7"), because
# a file whose first row is data, not titles, would put a child's name or date of birth in the report.
_TITLE_TEXT: Final = """
    a an and at by of on or the to for in is no not s
    first last full middle given family fore sur known preferred legal maiden previous former other
    mother mothers father fathers parent parents carer carers guardian sibling siblings brother sister
    child childs children young person persons people pupil subject individual client case
    date time day month year age band age_band years old
    home current usual last_known contact primary secondary line number num nos code codes type kind
    local authority la force police team service services agency agencies school gp health yot social
    worker workers allocated lead officer key named practitioner
    notes note comment comments free text description details detail info information remarks
    status flag flags marker markers category group ethnicity ethnic gender sex religion language
    nationality immigration legal disability needs risk level score
    email phone mobile tel telephone photo image
"""
_TITLE_WORDS: Final = frozenset(_TITLE_TEXT.split())


def _column_label(name: str, key: str, index: int) -> str:
    """How a dropped column is named in the outputs: its title if it reads as one, else its position."""
    words = [w for w in key.split("_") if w]
    if key in _DOB_COLUMNS:  # "D.O.B."
        return name
    if words and all(
        w in _TITLE_WORDS or _IDENTITY_COLUMN.search(w) or (w.isdigit() and len(w) == 1) for w in words
    ):
        return name
    return f"column {index + 1}"


# User-visible messages (DESIGN.md style rule 5: constants that tests assert on).
MSG_NO_CODE_COLUMN: Final = (
    "no 'code' column: each half must carry the pseudonymous code in a column named code"
)
MSG_LOOKS_LIKE_LA: Final = (
    "has completing_la but no completing_force: it looks like an LA half, not a police half"
)
MSG_LOOKS_LIKE_POLICE: Final = (
    "has completing_force but no completing_la: it looks like a police half, not an LA half"
)
MSG_FLAG: Final = "expected x, blank or unknown"
MSG_SEX: Final = "expected male, female, other, unknown or blank"
MSG_AGE: Final = "expected whole years from 0 to 99"
MSG_AGE_BAND: Final = "expected one of " + ", ".join(b for _, _, b in AGE_BANDS)
MSG_AGE_DISAGREE: Final = "age_at_incident and age_band disagree"
MSG_DATE: Final = "expected a date as YYYY-MM-DD or DD/MM/YYYY"
MSG_COUNT: Final = "expected a whole number of 0 or more"
MSG_CHOICE: Final = "expected one of {choices}"
MSG_FORCE: Final = (
    "expected a police force agency code such as kent or met (ccehub/agencies/data/police_forces.csv)"
)
MSG_LA: Final = "expected a local authority ONS code such as E10000016"
MSG_DEADLINE_NEEDS_AS_OF: Final = "a deadline needs the date the reconciliation is made (as_of)"
_MAX_ERRORS: Final = 50


# --------------------------------------------------------------------------------------------
# Reading a half


@dataclass(frozen=True, slots=True)
class HalfRow:
    """One row of a half with a verified code; ``values`` holds canonical template values only."""

    code: str
    line: int
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: str
    code: str = ""
    half: str = ""
    lines: str = ""
    field: str = ""
    police_value: str = ""
    la_value: str = ""
    detail: str = ""

    def as_row(self) -> list[str]:
        return [
            self.kind,
            self.code,
            self.half,
            self.lines,
            self.field,
            self.police_value,
            self.la_value,
            self.detail,
        ]


@dataclass(frozen=True, slots=True)
class InvalidCode:
    line: int
    reason: str
    #: The code as typed, kept only when it has the shape of a code (so it cannot be a name).
    shaped_text: str


@dataclass(frozen=True, slots=True)
class Half:
    side: Side
    rows_read: int
    rows: tuple[HalfRow, ...]
    invalid_codes: tuple[InvalidCode, ...]
    dropped_identity: tuple[str, ...]
    dropped_other: tuple[str, ...]
    absent_columns: tuple[str, ...]
    age_bands_from_dob: int = 0


def half_read(path: Path, *, side: Side) -> Half:
    """Read and validate one half. Raises :class:`ReconcileInputError` (all cell errors at once)."""
    try:
        table = csv_read(path)
    except CsvInputError as exc:
        raise ReconcileInputError(str(exc)) from None
    return _half_from_table(table, side=side)


def _half_from_table(table: CsvTable, *, side: Side) -> Half:
    template = {c.name: c for c in TEMPLATES[side]}
    keys = [column_key(name) for name in table.header]
    if "code" not in keys:
        raise ReconcileInputError(f"{table.path}: {MSG_NO_CODE_COLUMN}")
    if side == "police" and "completing_la" in keys and "completing_force" not in keys:
        raise ReconcileInputError(f"{table.path}: {MSG_LOOKS_LIKE_LA}")
    if side == "la" and "completing_force" in keys and "completing_la" not in keys:
        raise ReconcileInputError(f"{table.path}: {MSG_LOOKS_LIKE_POLICE}")

    kept: dict[int, Column] = {}
    dropped_identity: list[str] = []
    dropped_other: list[str] = []
    dob_index: int | None = None
    for index, (name, key) in enumerate(zip(table.header, keys, strict=True)):
        if key in template:
            kept[index] = template[key]
        elif _IDENTITY_COLUMN.search(key) or key in _DOB_COLUMNS:
            dropped_identity.append(_column_label(name, key, index))
            if key in _DOB_COLUMNS:
                dob_index = index
        else:
            dropped_other.append(_column_label(name, key, index))
    absent = tuple(c.name for c in TEMPLATES[side] if c.name not in keys)

    errors: list[str] = []
    rows: list[HalfRow] = []
    invalid: list[InvalidCode] = []
    from_dob = 0
    for row in table.rows:
        values: dict[str, str] = {
            c.name: "" for c in TEMPLATES[side] if c.name not in {"code", "age_at_incident"}
        }
        code_text = ""
        age: int | None = None
        row_errors: list[str] = []
        for index, column in kept.items():
            cell = row.values[index].strip()
            where = f"{table.path}, line {row.line}, column {table.header[index]}"
            if column.kind == "code":
                code_text = cell
                continue
            try:
                canonical = _canonical(column, cell)
            except ValueError as exc:
                row_errors.append(f"{where}: {exc}")
                continue
            if column.kind == "age":
                age = int(canonical) if canonical else None
            else:
                values[column.name] = canonical
        if age is not None:
            band = _age_band(age)
            if values["age_band"] and values["age_band"] != band:
                row_errors.append(f"{table.path}, line {row.line}: {MSG_AGE_DISAGREE}")
            values["age_band"] = band
        elif not values["age_band"] and dob_index is not None and values["incident_date"]:
            # A half that wrongly carries dates of birth: keep only the band, then forget the date.
            band_from_dob = _band_from_dob(row.values[dob_index], date.fromisoformat(values["incident_date"]))
            if band_from_dob:
                values["age_band"] = band_from_dob
                from_dob += 1
        errors.extend(row_errors)
        if row_errors:
            continue
        try:
            code = code_parse(code_text)
        except InvalidCodeError as exc:
            reason = exc.reason if code_text else "blank"
            invalid.append(InvalidCode(line=row.line, reason=reason, shaped_text=exc.shaped))
            continue
        rows.append(HalfRow(code=str(code), line=row.line, values=values))

    if errors:
        shown = errors[:_MAX_ERRORS]
        if len(errors) > _MAX_ERRORS:
            shown.append(f"... and {len(errors) - _MAX_ERRORS} more errors")
        raise ReconcileInputError("\n".join(shown))
    return Half(
        side=side,
        rows_read=len(table.rows),
        rows=tuple(rows),
        invalid_codes=tuple(invalid),
        dropped_identity=tuple(dropped_identity),
        dropped_other=tuple(dropped_other),
        absent_columns=absent,
        age_bands_from_dob=from_dob,
    )


def _vocab_key(cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", cell.lower()).strip("_")


def _canonical(column: Column, cell: str) -> str:
    """Validate one cell; return its canonical text. Raises ValueError with a safe message."""
    if column.kind == "flag":
        lowered = cell.lower()
        if lowered in {"", "x"}:
            return lowered
        if lowered in {"unknown", "*"}:
            return Flag.UNKNOWN.value
        raise ValueError(MSG_FLAG)
    if not cell:
        return ""
    if column.kind == "sex":
        lowered = cell.lower()
        value = _SEX_ALIASES.get(lowered, lowered)
        if value not in SEX_VALUES:
            raise ValueError(MSG_SEX)
        return value
    if column.kind == "age":
        if not cell.isdigit() or int(cell) > 99:
            raise ValueError(MSG_AGE)
        return str(int(cell))
    if column.kind == "age_band":
        band = cell.lower().replace("–", "-").replace(" ", "_")
        if band not in {b for _, _, b in AGE_BANDS}:
            raise ValueError(MSG_AGE_BAND)
        return band
    if column.kind == "date":
        parsed = _parse_date(cell)
        if parsed is None:
            raise ValueError(MSG_DATE)
        return parsed.isoformat()
    if column.kind == "count":
        if not cell.isdigit():
            raise ValueError(MSG_COUNT)
        return str(int(cell))
    if column.kind == "choice":
        value = _vocab_key(cell)
        if value not in column.choices:
            raise ValueError(MSG_CHOICE.format(choices=", ".join(column.choices)))
        return value
    if column.kind == "force":
        try:
            return police_force(cell.lower()).code
        except KeyError:
            raise ValueError(MSG_FORCE) from None
    if column.kind == "la":
        try:
            return local_authority(cell).ons_code
        except KeyError:
            raise ValueError(MSG_LA) from None
    raise AssertionError(f"unhandled column kind {column.kind}")  # pragma: no cover


def _parse_date(cell: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(cell, fmt).date()
        except ValueError:
            continue
    return None


def _age_band(age: int) -> str:
    for low, high, band in AGE_BANDS:
        if low <= age <= high:
            return band
    raise AssertionError("age bands cover 0-99")  # pragma: no cover


def _band_from_dob(cell: str, incident: date) -> str:
    born = _parse_date(cell.strip())
    if born is None or born > incident:
        return ""
    years = incident.year - born.year - ((incident.month, incident.day) < (born.month, born.day))
    return _age_band(years) if years <= 99 else ""


# --------------------------------------------------------------------------------------------
# Reconciling


@dataclass(frozen=True, slots=True)
class Case:
    """One code's outcome. ``police``/``la`` are absent when that half has no usable row."""

    code: str
    status: Status
    reason: str = ""
    police: HalfRow | None = None
    la: HalfRow | None = None
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconciliation:
    police: Half
    la: Half
    cases: tuple[Case, ...]
    discrepancies: tuple[Discrepancy, ...]
    deadline: date | None
    as_of: date | None
    status_counts: Mapping[str, int] = field(default_factory=dict)
    excluded_by_reason: Mapping[str, int] = field(default_factory=dict)


def _definite(value: str) -> bool:
    return value not in {"", _UNKNOWN}


def _group(half: Half, discrepancies: list[Discrepancy]) -> tuple[dict[str, HalfRow], set[str]]:
    """Rows by code. Identical duplicates collapse to one; differing duplicates are unusable."""
    by_code: dict[str, list[HalfRow]] = {}
    for row in half.rows:
        by_code.setdefault(row.code, []).append(row)
    usable: dict[str, HalfRow] = {}
    unusable: set[str] = set()
    for code, rows in by_code.items():
        if len(rows) > 1:
            identical = all(r.values == rows[0].values for r in rows)
            discrepancies.append(
                Discrepancy(
                    kind="duplicate_code",
                    code=code,
                    half=half.side,
                    lines=";".join(str(r.line) for r in rows),
                    detail="identical rows; one kept" if identical else "rows differ; case excluded",
                )
            )
            if not identical:
                unusable.add(code)
                continue
        usable[code] = rows[0]
    return usable, unusable


def halves_reconcile(
    *, police: Half, la: Half, deadline: date | None = None, as_of: date | None = None
) -> Reconciliation:
    """Join the halves on the code and classify every code (pure: dates come in as arguments).

    With a ``deadline``, a police code still without an LA half on or after the deadline
    (``as_of >= deadline``) is excluded with reason ``la_data_not_supplied``; before it, or with
    no deadline, it is ``awaiting_la``.
    """
    if deadline is not None and as_of is None:
        raise ValueError(MSG_DEADLINE_NEEDS_AS_OF)
    discrepancies = [*_dropped_columns(police), *_dropped_columns(la)]
    police_rows, police_bad = _group(police, discrepancies)
    la_rows, la_bad = _group(la, discrepancies)
    police_codes = set(police_rows) | police_bad
    discrepancies += _invalid_codes(police, police_codes) + _invalid_codes(la, police_codes)

    deadline_reached = deadline is not None and as_of is not None and as_of >= deadline
    cases: list[Case] = []
    for code in sorted(police_codes | set(la_rows) | la_bad):
        p, lrow = police_rows.get(code), la_rows.get(code)
        if code not in police_codes:
            cases.append(Case(code, Status.REJECTED, REASON_UNKNOWN_CODE, la=lrow))
            line = str(lrow.line) if lrow else ""
            detail = "no police half has this code: LA half rejected"
            discrepancies.append(Discrepancy("la_only", code=code, half="la", lines=line, detail=detail))
        elif code in police_bad:
            cases.append(Case(code, Status.EXCLUDED, REASON_DUPLICATE_POLICE))
        elif code in la_bad:
            cases.append(Case(code, Status.EXCLUDED, REASON_DUPLICATE_LA))
        elif p is not None and lrow is None:
            status = Status.EXCLUDED if deadline_reached else Status.AWAITING_LA
            reason = REASON_LA_NOT_SUPPLIED if deadline_reached else ""
            cases.append(Case(code, status, reason, police=p))
            detail = f"no LA half: {status.value}" + (f" ({reason})" if reason else "")
            discrepancies.append(
                Discrepancy("police_only", code=code, half="police", lines=str(p.line), detail=detail)
            )
        elif p is not None and lrow is not None:
            conflicts = _conflicts(p, lrow)
            discrepancies += conflicts
            status = Status.CONFLICT if conflicts else Status.MATCHED
            cases.append(Case(code, status, police=p, la=lrow, conflicts=tuple(d.field for d in conflicts)))

    counts = Counter(case.status.value for case in cases)
    excluded = Counter(case.reason for case in cases if case.status is Status.EXCLUDED)
    return Reconciliation(
        police=police,
        la=la,
        cases=tuple(cases),
        discrepancies=tuple(discrepancies),
        deadline=deadline,
        as_of=as_of,
        status_counts={status.value: counts.get(status.value, 0) for status in Status},
        excluded_by_reason=dict(sorted(excluded.items())),
    )


def _dropped_columns(half: Half) -> list[Discrepancy]:
    identity = "identity column: dropped, never enters the output"
    other = f"not in the {half.side} half template: dropped"
    return [
        *(
            Discrepancy("dropped_column", half=half.side, field=c, detail=identity)
            for c in half.dropped_identity
        ),
        *(Discrepancy("dropped_column", half=half.side, field=c, detail=other) for c in half.dropped_other),
    ]


def _invalid_codes(half: Half, police_codes: set[str]) -> list[Discrepancy]:
    found = []
    for bad in half.invalid_codes:
        detail = bad.reason
        guess = (
            _likely_intended(bad.shaped_text, police_codes) if half.side == "la" and bad.shaped_text else ""
        )
        if guess:
            detail += f"; probably {guess}"
        found.append(
            Discrepancy(
                "invalid_code",
                code=bad.shaped_text,
                half=half.side,
                lines=str(bad.line),
                field="code",
                detail=detail,
            )
        )
    return found


def _conflicts(police: HalfRow, la: HalfRow) -> list[Discrepancy]:
    """Fields both halves state definitely and differently; both values are kept (Q-04)."""
    return [
        Discrepancy(
            "conflict",
            code=police.code,
            lines=f"police {police.line}; la {la.line}",
            field=name,
            police_value=police.values[name],
            la_value=la.values[name],
            detail="both values kept; resolve with interview evidence",
        )
        for name in COMPARED_FIELDS
        if _definite(police.values[name])
        and _definite(la.values[name])
        and police.values[name] != la.values[name]
    ]


def _likely_intended(typed: str, known: Iterable[str]) -> str:
    """The one known code a single substitution or adjacent swap away from ``typed``, if unique."""
    compact = typed.replace("-", "")
    matches: list[str] = []
    for code in known:
        other = code.replace("-", "")
        if len(other) != len(compact):
            continue
        diffs = [i for i, (a, b) in enumerate(zip(compact, other, strict=True)) if a != b]
        substitution = len(diffs) == 1
        swap = (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and compact[diffs[0]] == other[diffs[1]]
            and compact[diffs[1]] == other[diffs[0]]
        )
        if substitution or swap:
            matches.append(code)
    return matches[0] if len(matches) == 1 else ""


# --------------------------------------------------------------------------------------------
# Writing


def _merged_row(case: Case) -> dict[str, str]:
    row = dict.fromkeys(MERGED_COLUMNS, "")
    row.update(
        code=case.code,
        status=case.status.value,
        status_reason=case.reason,
        conflicts=";".join(case.conflicts),
    )
    if case.status in {Status.EXCLUDED, Status.REJECTED}:
        return row  # out of the sample: the data stays out of the dataset too
    p, la = case.police, case.la
    if p is not None:
        row["completing_force"] = p.values["completing_force"]
        for name in _POLICE_ONLY:
            row[name] = p.values[name]
    if la is not None:
        row["completing_la"] = la.values["completing_la"]
        for name in _LA_ONLY:
            row[name] = la.values[name]
    for name in COMPARED_FIELDS:
        police_value = p.values[name] if p else ""
        la_value = la.values[name] if la else ""
        row[f"{name}_police"], row[f"{name}_la"] = police_value, la_value
        if name not in case.conflicts:
            # Agreement, or one side silent: take the definite value, else "unknown", else blank.
            candidates = [v for v in (police_value, la_value) if _definite(v)]
            row[name] = (
                candidates[0] if candidates else (_UNKNOWN if _UNKNOWN in {police_value, la_value} else "")
            )
    for factor in FIG3_FACTORS:
        sources = [Flag(half.values[factor.column]) for half in (p, la) if half is not None]
        row[factor.column] = flag_merge(sources).value
        row[f"{factor.column}_police"] = p.values[factor.column] if p else ""
        row[f"{factor.column}_la"] = la.values[factor.column] if la else ""
    return row


def merged_rows(reconciliation: Reconciliation) -> list[dict[str, str]]:
    """The pseudonymised dataset: one row per police code (LA-only codes are rejected, not merged)."""
    return [_merged_row(case) for case in reconciliation.cases if case.status is not Status.REJECTED]


def summary(reconciliation: Reconciliation) -> dict[str, object]:
    """What ``summary.json`` holds: counts only, no codes and no values."""

    def half_summary(half: Half) -> dict[str, object]:
        return {
            "rows_read": half.rows_read,
            "rows_with_valid_code": len(half.rows),
            "invalid_codes": len(half.invalid_codes),
            "distinct_codes": len({r.code for r in half.rows}),
            "dropped_columns": {
                "identity": list(half.dropped_identity),
                "unrecognised": list(half.dropped_other),
            },
            "absent_template_columns": list(half.absent_columns),
            "age_band_derived_from_date_of_birth": half.age_bands_from_dob,
        }

    merged = merged_rows(reconciliation)
    return {
        "format": "ccehub-reconciliation-summary/1",
        "deadline": reconciliation.deadline.isoformat() if reconciliation.deadline else None,
        "as_of": reconciliation.as_of.isoformat() if reconciliation.as_of else None,
        "status_counts": dict(reconciliation.status_counts),
        "excluded_by_reason": dict(reconciliation.excluded_by_reason),
        "discrepancy_counts": dict(sorted(Counter(d.kind for d in reconciliation.discrepancies).items())),
        "merged_rows": len(merged),
        "halves": {"police": half_summary(reconciliation.police), "la": half_summary(reconciliation.la)},
        "flag_rule": "x if any source records present; else unknown if any source says unknown; "
        "else blank (not recorded)",
    }


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def reconciliation_write(reconciliation: Reconciliation, out_dir: Path) -> dict[str, Path]:
    """Write ``merged.csv``, ``discrepancies.csv`` and ``summary.json`` into ``out_dir``.

    Raises :class:`ReconcileInputError` if ``out_dir`` cannot be created or written.
    """
    rows = merged_rows(reconciliation)
    for row in rows:  # the allow-list is the contract; fail loudly rather than leak
        if tuple(row) != MERGED_COLUMNS:
            raise AssertionError("merged row outside the allow-list")
    outputs = {
        "merged": out_dir / "merged.csv",
        "discrepancies": out_dir / "discrepancies.csv",
        "summary": out_dir / "summary.json",
    }
    texts = {
        "merged": _csv_text(MERGED_COLUMNS, ([row[c] for c in MERGED_COLUMNS] for row in rows)),
        "discrepancies": _csv_text(DISCREPANCY_COLUMNS, (d.as_row() for d in reconciliation.discrepancies)),
        "summary": json.dumps(summary(reconciliation), indent=2) + "\n",
    }
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, path in outputs.items():
            _write_atomic(path, texts[name])
    except OSError as exc:
        raise ReconcileInputError(f"{out_dir}: cannot write output ({exc.strerror or exc})") from None
    return outputs
