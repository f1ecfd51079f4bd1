"""Importing agency extracts (CSV) into the person index's record store.

All-or-nothing by default: every row is validated first, and one invalid row means nothing is written.
With ``skip_invalid`` the valid rows are imported and the rejects returned with their reasons.
Re-importing a ``record_id`` for the same agency updates that record.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.common.validators import normalise_postcode
from ccehub.linkage.standardise import GIVEN_NAME_GROUPS, strip_accents
from ccehub.records.models import AgencyRecord

REQUIRED_COLUMNS: tuple[str, ...] = (
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "home_local_authority",
    "open_nrm",
    "nrm_decision",
    "cp_plan",
    "cin_plan",
    "looked_after",
    "missing_now",
    "allocated_worker_contact",
    "not_same_child_as",
)
BOOLEAN_COLUMNS = ("open_nrm", "cp_plan", "cin_plan", "looked_after", "missing_now")
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}
SEXES = {
    "m": "male",
    "male": "male",
    "f": "female",
    "female": "female",
    "u": "unknown",
    "unknown": "unknown",
    "x": "unknown",
    "not known": "unknown",
    "not specified": "unknown",
    "other": "unknown",
    "o": "unknown",
    "i": "unknown",
    "indeterminate": "unknown",
    # NHS Data Dictionary person stated gender codes
    "0": "unknown",
    "1": "male",
    "2": "female",
    "9": "unknown",
    "": "",
}
#: ISO first, then the day-first forms UK systems export (never month-first: that is a US habit).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",  # 14 Mar 2009
    "%d %B %Y",  # 14 March 2009
    "%d-%b-%Y",  # 14-Mar-2009
)
#: Dates that systems write for "not known"; none can be a child's date of birth.
PLACEHOLDER_DATES: Final = frozenset({date(1900, 1, 1), date(1901, 1, 1)})
EARLIEST_DATE_OF_BIRTH: Final = date(1900, 1, 1)
#: Values that mean "not recorded" in a yes/no column.
UNKNOWN = {"unknown", "u", "not known", "n/k", "nk", "null", "none"}

MSG_MISSING_COLUMNS = "missing column(s): {columns}"
MSG_EMPTY_FILE = "the file is empty (expected a header row: {columns})"
MSG_NOT_UTF8 = "the file is not UTF-8 text"
MSG_UNREADABLE = "cannot read the file ({problem})"
MSG_NOT_CSV_AT = "line {line}: not a readable CSV row ({problem}); is this an agency extract?"
MSG_NOT_UTF8_AT = (
    'the file is not UTF-8 text (first on line {line}; in Excel, save it as "CSV UTF-8 (Comma delimited)")'
)
MSG_REQUIRED = "{column}: required"
MSG_DATE = "{column}: {value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
MSG_FUTURE = "{column}: {value!r} is in the future"
MSG_PLACEHOLDER_DATE = (
    "line {line}: date_of_birth {value!r} is not a real date of birth (a placeholder for unknown?): "
    "imported as not known, so the child is matched on the other fields"
)
#: Where :func:`validate_row` leaves warnings about a row it still accepts.
ROW_WARNINGS: Final = "_warnings"
MSG_SEX = "sex: {value!r} is not one of M, F, U (or male, female, unknown, or NHS codes 0, 1, 2, 9)"
MSG_BOOL = "{column}: {value!r} is not true or false"
MSG_POSTCODE = "postcode: {value!r} is not a UK postcode"
MSG_NRM = "nrm_decision: longer than 40 characters"
MSG_NRM_UNKNOWN = (
    "nrm_decision: {value!r} is not an NRM decision (write RG positive, RG negative, CG positive, "
    "CG negative or leave it blank)"
)
MSG_LA_TEXT = (
    "home_local_authority: {value!r} is not a local authority (give its agency code, ONS code or "
    "name; notes and addresses do not belong here, because this value is shown to other agencies)"
)
MSG_NOTHING_TO_MATCH = "the row has no name and no date of birth: nothing to match it on"
MSG_DUPLICATE = "record_id: {value!r} appears more than once in the file (also on line {first})"
MSG_TOO_LONG = "{column}: longer than {limit} characters"
MSG_TOO_MANY_FIELDS = "the row has {count} fields, the header has {expected} (an unquoted comma?)"
MSG_TOO_FEW_FIELDS = "the row has {count} fields, the header has {expected}"
MSG_MULTILINE = "{column}: runs across lines (an unclosed quotation mark?)"
MSG_NOT_SAME_SELF = "not_same_child_as: names the row's own record_id (list the other child's records)"
MSG_NOT_SAME_MANY = "not_same_child_as: more than {limit} record ids"
MSG_NOT_SAME_UNKNOWN = (
    "line {line}: not_same_child_as names {ids}, which {are_not} of {agency} (yet): {it_they} "
    "take{s} effect once {it_they} {is_are} imported"
)
#: Record ids in ``not_same_child_as`` are separated by semicolons (or by commas in a quoted cell, as a
#: spreadsheet writes a list typed into one cell).
NOT_SAME_SEPARATOR: Final = ";"
NOT_SAME_LIMIT: Final = 10
#: Free-text columns where a properly quoted line break (a spreadsheet cell on several lines) is
#: read as a separator; anywhere else it is a broken row.
MULTILINE_OK: Final = frozenset({"allocated_worker_contact"})
#: Key under which :func:`read_rows` passes a row's shape errors to :func:`validate_row`.
SHAPE = "\x00shape"


OUTCODE_RE = re.compile(r"^[A-PR-UWYZ](\d[\dA-HJKPSTUW]?|[A-HK-Y]\d[\dABEHMNPRV-Y]?)$")

#: How far an NRM decision has got, from the many ways extracts write it (higher = further).
_DECISION_PATTERNS: tuple[tuple[int, str, re.Pattern[str]], ...] = (
    (4, "CG_POSITIVE", re.compile(r"(cg|conclusive).*(pos|\+)|(pos|\+).*(cg|conclusive)")),
    (3, "CG_NEGATIVE", re.compile(r"(cg|conclusive).*neg|neg.*(cg|conclusive)")),
    (2, "RG_POSITIVE", re.compile(r"(rg|reasonable).*(pos|\+)|(pos|\+).*(rg|reasonable)")),
    (1, "RG_NEGATIVE", re.compile(r"(rg|reasonable).*neg|neg.*(rg|reasonable)")),
)


#: Words an extract uses for "no decision yet"; stored as blank.
NO_DECISION: Final = frozenset(
    {"pending", "awaiting", "awaiting decision", "none", "n/a", "na", "no decision", "-"}
)
#: What an authority's name can be made of (letters, spaces and a little punctuation; no digits, no
#: slashes or @): anything else is free text that must not cross the agency boundary.
_AUTHORITY_NAME_RE = re.compile(r"^[^\W\d_][^\W\d_ .,'&()-]*(?:[ .,'&()-]+[^\W\d_]+)*[.)]?$")


def decision_known(text: str) -> bool:
    """``text`` is recognisably an NRM decision (what :func:`decision_rank` can rank)."""
    return decision_rank(text) > 0


_ONS_CODE_RE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)


def authority_name_like(text: str) -> bool:
    """``text`` could name a local authority: an ONS code, or at most 60 letters, spaces and
    ``.,'&()-``."""
    text = text.strip()
    return bool(_ONS_CODE_RE.match(text)) or (len(text) <= 60 and bool(_AUTHORITY_NAME_RE.match(text)))


#: Words that make a "home local authority" a note about a person or an address, never an
#: authority's name (none is in the name of any authority of England and Wales; "with" is, in
#: Blackburn with Darwen).
_NOT_AUTHORITY_TEXT: Final = """
    mum mom mother mam mummy dad daddy father nan nana nanna nanny gran granny grandma grandmother
    grandad granddad grandpa grandfather aunt auntie aunty uncle brother bro sister sis cousin
    stepmum stepdad step carer carers foster fostered friend friends girlfriend boyfriend partner
    lives living live lived staying stays stay sofa surfing address flat road street lane avenue
    drive crescent house mr mrs ms miss mx dr nfa"""
_NOT_AUTHORITY_WORDS: Final = frozenset(_NOT_AUTHORITY_TEXT.split())
_WORD_RE: Final = re.compile(r"[^\W\d_]+")
#: Words that say a text names an authority ("Oliver Borough Council" is a place, "Oliver Smith" a
#: person).
_AUTHORITY_TEXT: Final = (
    "council borough county city district metropolitan royal unitary authority children childrens "
    "services social care la"
)
_AUTHORITY_WORDS: Final = frozenset(_AUTHORITY_TEXT.split())


@cache
def known_given_names() -> frozenset[str]:
    """Common given names (the linkage name groups and the synthetic population's list of names
    given in England and Wales): none is a word of an authority's name (tested)."""
    names = {name.lower() for group in GIVEN_NAME_GROUPS.values() for name in group}
    names.update(key.lower() for key in GIVEN_NAME_GROUPS)
    with resources.files("ccehub.synthetic.data").joinpath("given_names.csv").open(encoding="utf-8") as f:
        names.update(row["name"].strip().lower() for row in csv.DictReader(f))
    return frozenset(names)


def authority_text_shown(text: str, *, given_name: str = "", family_name: str = "") -> bool:
    """An unresolved ``home_local_authority`` may cross the agency boundary as written only when it
    could be an authority's name and is not a note about a person: no relation or address word
    ("Mum - Tracy Smith", "Lives with nan"), not a person's name ("Alfie Whitcombe": a given name
    then another word), and not the child's own given name, nor his family name beside other words
    (a family name alone may be a place: Bolton, Sutton)."""
    if not authority_name_like(text):
        return False
    if _ONS_CODE_RE.match(text.strip()):
        return True
    words = _WORD_RE.findall(strip_accents(text).lower())
    if any(word in _NOT_AUTHORITY_WORDS for word in words):
        return False
    given = {w for w in _WORD_RE.findall(strip_accents(given_name).lower()) if len(w) > 1}
    family = {w for w in _WORD_RE.findall(strip_accents(family_name).lower()) if len(w) > 1}
    if given & set(words):
        return False
    if len(words) < 2:
        return True  # one word: a place (a family name alone may be one)
    if family & set(words):
        return False  # the child's family name beside other words: a relative
    # worded as an authority ("Oliver Borough Council"), or not a given name then another word
    return bool(_AUTHORITY_WORDS & set(words)) or words[0] not in known_given_names()


def decision_rank(text: str) -> int:
    """0 for blank or unrecognised; otherwise how far the decision has got (CG positive highest)."""
    value = text.strip().lower()
    for rank, _code, pattern in _DECISION_PATTERNS:
        if pattern.search(value):
            return rank
    return 0


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no rows are looked at)."""


@dataclass
class Reject:
    line: int
    record_id: str
    reasons: list[str]


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejects: list[Reject] = field(default_factory=list)
    written: bool = False
    #: Not errors: e.g. a ``not_same_child_as`` id that names no record of the agency yet.
    warnings: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


#: A time after a date, as database and spreadsheet exports write a date column
#: ("2009-03-14 00:00:00", "2009-03-14T00:00:00", "14/03/2009 00:00").
_TRAILING_TIME: Final = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$")


def _parse_date(value: str) -> date | None:
    value = _TRAILING_TIME.sub("", value.strip())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _la_lookup() -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    for agency in Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES):
        out[agency.code.lower()] = agency
        if agency.ons_code:
            out[agency.ons_code.lower()] = agency
        out[agency.name.lower()] = agency
    return out


def resolve_la(text: str, las: dict[str, Agency]) -> Agency | None:
    key = text.strip().lower()
    found = las.get(key) or las.get("la-" + key.replace(" ", "-"))
    if found is None:
        found = next((a for name, a in las.items() if name.startswith(key + ",")), None)
    return found


class _Lines:
    """The text's lines for :mod:`csv`, noting the number of the first non-blank line read since
    ``first`` was last cleared: the line a row starts on."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text))
        self.number = 0
        self.first: int | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        if self.first is None and line.strip("\r\n"):
            self.first = self.number
        return line


def _delimiter(text: str) -> str:
    """A comma, or the semicolon or tab a header row is separated by when it has no comma (Excel
    writes semicolons where the comma is the decimal separator; some systems export tabs)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," in header:
        return ","
    return max((";", "\t"), key=header.count) if (";" in header or "\t" in header) else ","


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:  # unreadable (permissions), a folder, a device that fails to read
        raise ImportFileError(MSG_UNREADABLE.format(problem=exc.strerror or exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(MSG_NOT_UTF8_AT.format(line=line)) from exc
    source = _Lines(text)
    reader = csv.DictReader(source, delimiter=_delimiter(text))
    # Column names are matched without regard to case or surrounding spaces (``Record_ID`` is
    # ``record_id``), as exports from case-management systems write them.
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:  # e.g. a field longer than the csv module reads (131,072 characters)
        raise ImportFileError(MSG_NOT_CSV_AT.format(line=source.number, problem=exc)) from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    if not header:
        raise ImportFileError(MSG_EMPTY_FILE.format(columns=", ".join(REQUIRED_COLUMNS)))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(MSG_MISSING_COLUMNS.format(columns=", ".join(missing)))
    reader.fieldnames = header

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        source.first = None  # the header's lines are read
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # a whole-file problem (binary data, a field of megabytes): no row after it can be
                # trusted to start where it seems to, so the file is refused, not the row
                raise ImportFileError(
                    MSG_NOT_CSV_AT.format(line=source.first or source.number, problem=exc)
                ) from None
            # errors name the line a row starts on: not the line after the previous row (blank lines
            # between rows are skipped), nor where it ends (a quoted line break makes a row span lines)
            start, source.first = source.first or reader.line_num, None
            cells = [*row.values(), *(row.get(None) or [])]
            if not any(cell.strip() for cell in cells if isinstance(cell, str)):
                continue  # a row of empty cells (",,,,,", as a spreadsheet writes a cleared row)
            out = {k: (v or "").strip() for k, v in row.items() if k is not None}
            shape: list[str] = []
            extra = row.get(None)  # type: ignore[call-overload]
            if extra:
                shape.append(MSG_TOO_MANY_FIELDS.format(count=len(header) + len(extra), expected=len(header)))
            elif any(v is None for k, v in row.items() if k is not None):
                given = sum(v is not None for k, v in row.items() if k is not None)
                shape.append(MSG_TOO_FEW_FIELDS.format(count=given, expected=len(header)))
            for k, v in out.items():
                if "\n" in v or "\r" in v:
                    if k in MULTILINE_OK and not shape:
                        # a contact written on several lines in a spreadsheet cell, quoted properly
                        out[k] = ", ".join(part.strip() for part in v.splitlines() if part.strip())
                    else:
                        shape.append(MSG_MULTILINE.format(column=k))
            if shape:
                out[SHAPE] = "\n".join(shape)
            yield start, out

    return header, rows()


def sex_error(value: str) -> str | None:
    """Why ``value`` is not a recorded sex (blank is fine: not recorded), or ``None``."""
    return None if value.strip().lower() in SEXES else MSG_SEX.format(value=value)


def postcode_value(value: str) -> str | None:
    """A full postcode normalised, or a postcode district on its own; ``None`` if it is neither."""
    try:
        return normalise_postcode(value)
    except ValidationError:
        outcode = value.replace(" ", "").upper()
        return outcode if OUTCODE_RE.match(outcode) else None


def validate_row(
    row: dict[str, str], las: dict[str, Agency], today: date
) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = [e for e in row.get(SHAPE, "").split("\n") if e]
    values: dict[str, Any] = {}
    record_id = row.get("record_id", "")
    if not record_id:
        errors.append(MSG_REQUIRED.format(column="record_id"))
    elif len(record_id) > 64:
        errors.append(MSG_TOO_LONG.format(column="record_id", limit=64))
    values["record_id"] = record_id
    for column in ("given_name", "family_name"):
        value = row.get(column, "")
        if len(value) > 100:
            errors.append(MSG_TOO_LONG.format(column=column, limit=100))
        values[column] = value
    dob_text = row.get("date_of_birth", "")
    values["date_of_birth"] = None
    if dob_text:
        dob = _parse_date(dob_text)
        if dob is None:
            errors.append(MSG_DATE.format(column="date_of_birth", value=dob_text))
        elif dob > today:
            errors.append(MSG_FUTURE.format(column="date_of_birth", value=dob_text))
        elif dob in PLACEHOLDER_DATES or dob < EARLIEST_DATE_OF_BIRTH:
            # Refusing the row would leave the child unfindable: keep it, without the date.
            values[ROW_WARNINGS] = [dob_text]
        else:
            values["date_of_birth"] = dob
    sex_text = row.get("sex", "")
    if problem := sex_error(sex_text):
        errors.append(problem)
    values["sex"] = SEXES.get(sex_text.strip().lower(), "")
    postcode = row.get("postcode", "")
    values["postcode"] = ""
    if postcode:
        # some extracts hold only the postcode district
        if (normalised := postcode_value(postcode)) is not None:
            values["postcode"] = normalised
        else:
            errors.append(MSG_POSTCODE.format(value=postcode))
    la_text = row.get("home_local_authority", "")
    if len(la_text) > 100:
        errors.append(MSG_TOO_LONG.format(column="home_local_authority", limit=100))
    # Kept as given; resolved to an agency where it names one (code, ONS code or name), so a
    # look-up can say "known to Islington children's services". An unresolved value is not an error:
    # extracts name authorities in many ways, and the value still reaches the look-up as written.
    values["home_local_authority_text"] = la_text[:100]
    values["home_local_authority"] = resolve_la(la_text, las) if la_text else None
    if (
        la_text
        and values["home_local_authority"] is None
        and not authority_text_shown(
            la_text, given_name=values["given_name"], family_name=values["family_name"]
        )
    ):
        errors.append(MSG_LA_TEXT.format(value=la_text[:60]))
    for column in BOOLEAN_COLUMNS:
        text = row.get(column, "").lower()
        if text in TRUE:
            values[column] = True
        elif text in FALSE:
            values[column] = False
        elif text == "" or text in UNKNOWN:
            values[column] = None
        else:
            errors.append(MSG_BOOL.format(column=column, value=row.get(column, "")))
    # Kept as the extract wrote it (systems word decisions differently; decision_rank() reads it),
    # but it must be recognisably a decision: it is shown to other agencies, so free text is refused.
    decision = row.get("nrm_decision", "")
    if decision.lower() in NO_DECISION:
        decision = ""
    if len(decision) > 40:
        errors.append(MSG_NRM)
    elif decision and not decision_known(decision):
        errors.append(MSG_NRM_UNKNOWN.format(value=decision))
    values["nrm_decision"] = decision[:40]
    if record_id and not (values["given_name"] or values["family_name"] or dob_text):
        errors.append(MSG_NOTHING_TO_MATCH)
    contact = row.get("allocated_worker_contact", "")
    if len(contact) > 200:
        errors.append(MSG_TOO_LONG.format(column="allocated_worker_contact", limit=200))
    values["allocated_worker_contact"] = contact
    listed = row.get("not_same_child_as", "").replace(",", NOT_SAME_SEPARATOR)
    others = [part.strip() for part in listed.split(NOT_SAME_SEPARATOR)]
    others = list(dict.fromkeys(part for part in others if part))
    if record_id and record_id in others:
        errors.append(MSG_NOT_SAME_SELF)
    if len(others) > NOT_SAME_LIMIT:
        errors.append(MSG_NOT_SAME_MANY.format(limit=NOT_SAME_LIMIT))
    if any(len(part) > 64 for part in others):
        errors.append(MSG_TOO_LONG.format(column="not_same_child_as (each record id)", limit=64))
    values["not_same_child_as"] = others
    return values, errors


def held_record_ids(agency_id: Any, record_ids: Iterable[str]) -> set[str]:
    """Which of ``record_ids`` the agency holds (asked in chunks, within every database's limit on
    query parameters)."""
    wanted = sorted(set(record_ids))
    held: set[str] = set()
    for start in range(0, len(wanted), 5_000):
        held |= set(
            AgencyRecord.objects.filter(
                agency_id=agency_id, record_id__in=wanted[start : start + 5_000]
            ).values_list("record_id", flat=True)
        )
    return held


def _unknown_references(agency: Agency, valid: list[dict[str, Any]], lines: dict[str, int]) -> list[str]:
    """Warnings for ``not_same_child_as`` ids that name neither a row of the file nor a record of the
    agency: probably a typo, or a record still to come; either way the pair does nothing yet."""
    named = {other for v in valid for other in v["not_same_child_as"]}
    if not named:
        return []
    known = {v["record_id"] for v in valid}
    known |= held_record_ids(agency.pk, named - known)
    warnings = []
    for v in valid:
        missing = [other for other in v["not_same_child_as"] if other not in known]
        if missing:
            plural = len(missing) > 1
            warnings.append(
                MSG_NOT_SAME_UNKNOWN.format(
                    line=lines.get(v["record_id"], "?"),
                    ids=", ".join(repr(m) for m in missing),
                    are_not="are not records" if plural else "is not a record",
                    s="" if plural else "s",
                    agency=agency.code,
                    it_they="they" if plural else "it",
                    is_are="are" if plural else "is",
                )
            )
    return warnings


def import_records(
    *,
    actor: Actor,
    agency: Agency,
    path: Path,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every row, then (unless a row is invalid and ``skip_invalid`` is off) write them."""
    header, rows = read_rows(path)
    las = _la_lookup()
    today = timezone.localdate()
    result = ImportResult()
    valid: list[dict[str, Any]] = []
    first_seen: dict[str, int] = {}
    placeholder_dates: list[tuple[int, str]] = []
    for line, row in rows:
        result.rows += 1
        values, errors = validate_row(row, las, today)
        placeholder_dates.extend((line, text) for text in values.pop(ROW_WARNINGS, []))
        record_id = values["record_id"]
        if record_id:
            if record_id in first_seen:
                # The first row stands (the record stays findable; often the rows are copies of one
                # another); each later one is rejected with the line of the first.
                errors.append(MSG_DUPLICATE.format(value=record_id, first=first_seen[record_id]))
            else:
                first_seen[record_id] = line
        if errors:
            result.rejects.append(Reject(line=line, record_id=record_id, reasons=errors))
        else:
            valid.append(values)
        if progress is not None and result.rows % 1000 == 0:
            progress(1000)
    if progress is not None:
        progress(result.rows % 1000)
    notes = [MSG_PLACEHOLDER_DATE.format(line=line, value=text) for line, text in placeholder_dates]
    if (result.rejects and not skip_invalid) or dry_run:
        if not result.rejects or skip_invalid:  # a dry run warns as the import it previews would
            result.warnings = notes + _unknown_references(agency, valid, first_seen)
        return result
    result.warnings = notes + _unknown_references(agency, valid, first_seen)
    present = (
        set(
            AgencyRecord.objects.filter(
                agency=agency, record_id__in=[v["record_id"] for v in valid]
            ).values_list("record_id", flat=True)
        )
        if len(valid) <= 50_000
        else set(AgencyRecord.objects.filter(agency=agency).values_list("record_id", flat=True))
    )
    # An update changes only the columns the file has: re-importing a six-column extract must not
    # wipe the safeguarding flags a fuller extract recorded earlier.
    columns = [c for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c != "record_id" and c in header]
    if "home_local_authority" in header:
        columns.append("home_local_authority_text")
    with transaction.atomic():
        new = [AgencyRecord(agency=agency, **v) for v in valid if v["record_id"] not in present]
        AgencyRecord.objects.bulk_create(new, batch_size=2000)
        changed = [v for v in valid if v["record_id"] in present]
        if changed:
            existing = {
                r.record_id: r
                for r in AgencyRecord.objects.filter(
                    agency=agency, record_id__in=[v["record_id"] for v in changed]
                )
            }
            updates = []
            for v in changed:
                record = existing[v["record_id"]]
                for column in columns:
                    setattr(record, column, v[column])
                record.updated_at = timezone.now()
                updates.append(record)
            AgencyRecord.objects.bulk_update(updates, [*columns, "updated_at"], batch_size=2000)
        result.created, result.updated = len(new), len(changed)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            object_type="agency_record_import",
            object_id=agency.code,
            fields=[c for c in header if c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS],
            detail=f"{path.name}: {result.created} created, {result.updated} updated, {len(result.rejects)} rejected",
        )
        result.written = True
    return result


def write_rejects(rejects: list[Reject], path: Path) -> None:
    """Rejects quote the extract's own values (dates of birth, postcodes): owner-only permissions.

    A data steward opens this file in a spreadsheet, so a record id that reads as a formula is written
    as text (:func:`~ccehub.common.csvsafe.spreadsheet_safe`).
    """
    import os

    from ccehub.common.csvsafe import spreadsheet_safe

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "record_id", "reasons"])
        for reject in rejects:
            cells = [reject.line, reject.record_id, "; ".join(reject.reasons)]
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
