"""Agency records of synthetic people, mis-recorded the ways real systems mis-record children.

Each person is known to some of the four agencies of their area (police, local authority children's
services, youth offending team, health); police records are sometimes held by another force, because
children exploited through county lines are arrested far from home. Every record is written
independently, so one person's records disagree: diminutives and transliterations, typing slips,
hyphenated surnames cut down to one barrel, names swapped, day and month transposed, a day or a year
out, a new address after a move, blank fields, capitals and accents. The true person id travels with
every record for evaluation only; linkage never reads it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from typing import Final

import pandas as pd

from ccehub.linkage.progress import ProgressArg, reporter
from ccehub.synthetic import names as nm
from ccehub.synthetic.population import Person, Population, random_postcode

AGENCY_KINDS: Final[tuple[str, ...]] = ("police", "local_authority", "yot", "health")
#: Probability that a person in the population is known to each kind of agency.
DEFAULT_COVERAGE: Final[dict[str, float]] = {
    "police": 0.6,
    "local_authority": 0.75,
    "yot": 0.3,
    "health": 0.55,
}
_RECORD_PREFIX: Final[dict[str, str]] = {
    "police": "PN",
    "local_authority": "CS",
    "yot": "YJ",
    "health": "NH",
    "custody": "CU",
}
_KEYBOARD_NEIGHBOURS: Final[dict[str, str]] = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}
#: Columns of :func:`records_frame`, in order. The first seven are what ``ccehub import`` reads.
RECORD_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "agency",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "agency_kind",
    "true_person_id",
    "home_local_authority",
    "open_nrm",
    "nrm_decision",
    "cp_plan",
    "cin_plan",
    "looked_after",
    "missing_now",
    "allocated_worker_contact",
)


@dataclass(frozen=True, slots=True)
class Corruption:
    """Per-record probabilities of each way a field is mis-recorded (independent per record)."""

    given_nickname: float = 0.10
    given_spelling: float = 0.35
    given_typo: float = 0.03
    given_missing: float = 0.01
    given_alias: float = 0.002
    names_swapped: float = 0.01
    family_typo: float = 0.03
    family_spelling: float = 0.30
    family_barrel: float = 0.40
    family_missing: float = 0.01
    dob_swap: float = 0.015
    dob_day: float = 0.015
    dob_year: float = 0.01
    dob_digit: float = 0.005
    dob_missing: float = 0.01
    sex_missing: float = 0.05
    sex_wrong: float = 0.003
    postcode_moved: float = 0.12
    postcode_missing: float = 0.08
    postcode_typo: float = 0.02
    upper_case: float = 0.25
    lower_case: float = 0.05
    padding: float = 0.03
    accents_dropped: float = 0.5


DEFAULT_CORRUPTION: Final[Corruption] = Corruption()
#: What an arresting officer types: name and date of birth are always asked for (and may be given
#: wrongly), an address is often unknown or withheld.
CUSTODY_CORRUPTION: Final[Corruption] = Corruption(
    given_missing=0.0, family_missing=0.0, dob_missing=0.0, postcode_missing=0.3, sex_missing=0.02
)


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """One record held by one agency. Blank fields are empty strings, as in a CSV extract."""

    record_id: str
    agency: str
    given_name: str
    family_name: str
    date_of_birth: str
    sex: str
    postcode: str
    agency_kind: str
    true_person_id: str
    extra: dict[str, str] = field(default_factory=dict)


def agency_code(kind: str, area: nm.Area) -> str:
    """The synthetic agency code for a kind of agency in an area (``"LA-BIRMINGHAM"``, ``"WMP"``)."""
    if kind == "police":
        return area.police_force
    prefix = {"local_authority": "LA", "yot": "YOT", "health": "NHS", "custody": "CUSTODY"}[kind]
    return f"{prefix}-{area.code.upper()}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    op = rng.randrange(4)
    ch = text[i].lower()
    if op == 0 and ch in _KEYBOARD_NEIGHBOURS:
        sub = rng.choice(_KEYBOARD_NEIGHBOURS[ch])
        return text[:i] + (sub.upper() if text[i].isupper() else sub) + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1 :]
    if op == 2:
        return text[:i] + text[i] + text[i:]
    if i < len(text) - 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i]


def _strip_accents(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _format_name(rng: random.Random, text: str, c: Corruption) -> str:
    if not text:
        return text
    if c.accents_dropped and rng.random() < c.accents_dropped:
        text = _strip_accents(text)
    r = rng.random()
    if r < c.upper_case:
        text = text.upper()
    elif r < c.upper_case + c.lower_case:
        text = text.lower()
    if rng.random() < c.padding:
        text = f" {text}  "
    return text


def _given(rng: random.Random, person: Person, c: Corruption) -> str:
    if rng.random() < c.given_missing:
        return ""
    name = person.given_name
    if rng.random() < c.given_alias:
        pool = nm.given_names(person.sex, person.origin)
        return rng.choices(pool.names, cum_weights=pool.cum_weights)[0]
    if name in nm.GIVEN_SPELLINGS and rng.random() < c.given_spelling:
        name = rng.choice(nm.GIVEN_SPELLINGS[name])
    if name in nm.NICKNAMES and rng.random() < c.given_nickname:
        name = rng.choice(nm.NICKNAMES[name])
    if rng.random() < c.given_typo:
        name = _typo(rng, name)
    return name


def _family(rng: random.Random, person: Person, c: Corruption) -> str:
    if rng.random() < c.family_missing:
        return ""
    name = person.family_name
    if "-" in name and rng.random() < c.family_barrel:
        first, second = name.split("-", 1)
        name = rng.choice((f"{first} {second}", first, second, f"{first}{second.lower()}"))
    if name in nm.FAMILY_SPELLINGS and rng.random() < c.family_spelling:
        name = rng.choice(nm.FAMILY_SPELLINGS[name])
    if rng.random() < c.family_typo:
        name = _typo(rng, name)
    return name


def _dob(rng: random.Random, dob: date, c: Corruption) -> str:
    r = rng.random()
    if r < c.dob_missing:
        return ""
    r -= c.dob_missing
    if r < c.dob_swap:
        if dob.day <= 12 and dob.day != dob.month:
            dob = date(dob.year, dob.day, dob.month)
        return dob.isoformat()
    r -= c.dob_swap
    if r < c.dob_day:
        return (dob + timedelta(days=rng.choice((-1, 1)))).isoformat()
    r -= c.dob_day
    if r < c.dob_year:
        try:
            return dob.replace(year=dob.year + rng.choice((-1, 1))).isoformat()
        except ValueError:  # 29 February
            return dob.isoformat()
    r -= c.dob_year
    if r < c.dob_digit:
        text = dob.isoformat()
        for _ in range(10):
            i = rng.choice((2, 3, 5, 6, 8, 9))
            candidate = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
            try:
                if candidate != text and date.fromisoformat(candidate):
                    return candidate
            except ValueError:
                continue
    return dob.isoformat()


def _sex(rng: random.Random, sex: str, c: Corruption) -> str:
    r = rng.random()
    if r < c.sex_missing:
        return ""
    if r < c.sex_missing + c.sex_wrong:
        return "F" if sex == "M" else "M"
    return rng.choice((sex, sex, sex, {"M": "Male", "F": "Female"}[sex]))


def _postcode(rng: random.Random, person: Person, c: Corruption) -> str:
    r = rng.random()
    if r < c.postcode_missing:
        return ""
    postcode = person.postcode
    if r < c.postcode_missing + c.postcode_moved:
        # County-lines children move (placements, exploitation): half stay in the district.
        area = _area(person.area)
        if rng.random() < 0.5:
            outcode = postcode.split()[0]
        elif rng.random() < 0.6:
            outcode = rng.choice(area.outcodes)
        else:
            outcode = rng.choice(rng.choice(nm.areas()).outcodes)
        postcode = random_postcode(rng, outcode)
    if rng.random() < c.postcode_typo:
        out, inward = postcode.split()
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        inward = inward[0] + (
            rng.choice(letters) + inward[2] if rng.random() < 0.5 else inward[1] + rng.choice(letters)
        )
        postcode = f"{out} {inward}"
    style = rng.random()
    if style < 0.15:
        postcode = postcode.replace(" ", "")
    elif style < 0.25:
        postcode = postcode.lower()
    return postcode


@cache
def _area(code: str) -> nm.Area:
    return {a.code: a for a in nm.areas()}[code]


def corrupt(
    rng: random.Random,
    person: Person,
    *,
    agency: str,
    agency_kind: str,
    record_id: str,
    corruption: Corruption = DEFAULT_CORRUPTION,
) -> AgencyRecord:
    """One agency's record of ``person``, independently mis-recorded per ``corruption``."""
    c = corruption
    given = _given(rng, person, c)
    family = _family(rng, person, c)
    if given and family and rng.random() < c.names_swapped:
        given, family = family, given
    return AgencyRecord(
        record_id=record_id,
        agency=agency,
        given_name=_format_name(rng, given, c),
        family_name=_format_name(rng, family, c),
        date_of_birth=_dob(rng, person.date_of_birth, c),
        sex=_sex(rng, person.sex, c),
        postcode=_postcode(rng, person, c),
        agency_kind=agency_kind,
        true_person_id=person.person_id,
    )


def _safeguarding_extra(rng: random.Random, area: nm.Area) -> dict[str, str]:
    """Synthetic children's-services facts for a local-authority record (contact numbers are Ofcom
    drama numbers, which are never allocated to real lines)."""
    open_nrm = rng.random() < 0.18
    decision = ""
    if open_nrm:
        decision = rng.choice(("", "RG_POSITIVE", "RG_POSITIVE", "RG_NEGATIVE"))
    elif rng.random() < 0.08:
        decision = rng.choice(("CG_POSITIVE", "CG_NEGATIVE"))
    cp = rng.random() < 0.12
    return {
        "home_local_authority": area.local_authority,
        "open_nrm": "true" if open_nrm else "false",
        "nrm_decision": decision,
        "cp_plan": "true" if cp else "false",
        "cin_plan": "true" if not cp and rng.random() < 0.25 else "false",
        "looked_after": "true" if rng.random() < 0.15 else "false",
        "missing_now": "true" if rng.random() < 0.04 else "false",
        "allocated_worker_contact": (
            f"Children's services duty desk {area.phone_prefix}{rng.randrange(1000):03d}"
        ),
    }


def agency_records(
    population: Population,
    seed: int,
    *,
    coverage: dict[str, float] | None = None,
    corruption: Corruption = DEFAULT_CORRUPTION,
    duplicate_rate: float = 0.03,
    out_of_area_police: float = 0.2,
    persons: Iterable[Person] | None = None,
    progress: ProgressArg = False,
) -> list[AgencyRecord]:
    """Every agency's records of the population (or of ``persons``), deterministically from ``seed``.

    Args:
        population: From :func:`ccehub.synthetic.generate_population`.
        seed: Same population and seed, same records.
        coverage: Probability a person is known to each kind of agency (default
            :data:`DEFAULT_COVERAGE`); everyone is known to at least one.
        corruption: How often each field is mis-recorded.
        duplicate_rate: Probability an agency holds a second, separately keyed record of the person.
        out_of_area_police: Probability a police record is held by a force outside the home area.
        persons: Restrict to these people (default: the whole population).
        progress: ``True`` for a progress bar, a callable for updates, ``False`` for silence.
    """
    cover = dict(DEFAULT_COVERAGE if coverage is None else coverage)
    rng = random.Random(f"records:{population.seed}:{seed}")
    area_by_code = {a.code: a for a in nm.areas()}
    all_areas = nm.areas()
    counters: dict[str, int] = {}
    people = list(population.persons if persons is None else persons)
    out: list[AgencyRecord] = []
    with reporter(progress) as rep:
        task = rep.task("Writing agency records", total=len(people))
        for person in people:
            kinds = [k for k in AGENCY_KINDS if rng.random() < cover.get(k, 0.0)]
            if not kinds:
                kinds = [rng.choice(AGENCY_KINDS)]
            home = area_by_code[person.area]
            for kind in kinds:
                area = home
                if kind == "police" and rng.random() < out_of_area_police:
                    area = rng.choice(all_areas)
                agency = agency_code(kind, area)
                copies = 2 if rng.random() < duplicate_rate else 1
                extra = _safeguarding_extra(rng, home) if kind == "local_authority" else {}
                for _ in range(copies):
                    counters[agency] = counters.get(agency, 0) + 1
                    record_id = f"{_RECORD_PREFIX[kind]}{counters[agency]:07d}"
                    rec = corrupt(
                        rng,
                        person,
                        agency=agency,
                        agency_kind=kind,
                        record_id=record_id,
                        corruption=corruption,
                    )
                    if extra:
                        rec = replace(rec, extra=extra)
                    out.append(rec)
            task.advance()
    return out


def _fields(rec: AgencyRecord) -> dict[str, object]:
    return {k: v for k, v in asdict(rec).items() if k != "extra"}


def custody_queries(
    population: Population,
    persons: Sequence[Person],
    seed: int,
    *,
    corruption: Corruption = CUSTODY_CORRUPTION,
) -> list[AgencyRecord]:
    """What an arresting force might type about each person: a fresh, independently corrupted record.

    Used to test look-up: the query for a known child should find them; the query for a child not in
    the index (a twin or sibling of one who is, or a stranger) should find nobody.
    """
    rng = random.Random(f"custody:{population.seed}:{seed}")
    out = []
    for n, person in enumerate(persons, start=1):
        out.append(
            corrupt(
                rng,
                person,
                agency="CUSTODY",
                agency_kind="custody",
                record_id=f"Q{n:07d}",
                corruption=corruption,
            )
        )
    return out


def records_frame(records: Iterable[AgencyRecord]) -> pd.DataFrame:
    """Records as a frame with :data:`RECORD_COLUMNS` (blank optional columns are empty strings)."""
    rows = []
    for rec in records:
        row = _fields(rec)
        row.update(rec.extra)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    return frame.fillna("")


def twin_references(
    records: Iterable[tuple[str, str, str]], twin_of: Mapping[str, str]
) -> dict[tuple[str, str], list[str]]:
    """What an agency that knows a household would write in ``not_same_child_as``.

    ``records`` are ``(agency, true person id, record id)``; ``twin_of`` maps a child to their twin.
    Returns, for each record whose child's twin the same agency also holds, the twin's record ids in
    that agency, keyed by ``(agency, record id)``.
    """
    listed = list(records)
    held: dict[tuple[str, str], list[str]] = {}
    for agency, person, record_id in listed:
        held.setdefault((agency, person), []).append(record_id)
    out: dict[tuple[str, str], list[str]] = {}
    for agency, person, record_id in listed:
        twin = twin_of.get(person)
        if twin is not None and (agency, twin) in held:
            out[(agency, record_id)] = held[(agency, twin)]
    return out
