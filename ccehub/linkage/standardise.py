"""Standardise the identifying fields agencies hold about a child before they are compared.

Every agency writes names, dates of birth and postcodes differently: capitals or not, accents or not,
``Smith-Jones`` or ``Smith Jones``, ``Tom`` on one system and ``Thomas`` on another, ``Mohammed`` or
``Muhammad``, ``12/05/2010`` or ``2010-05-12``, ``b12 3xy`` or ``B123XY``. Record linkage compares the
*standardised* values, and the fast look-up path and Splink must see exactly the same ones, so this
module is the single place where raw values become comparison columns (:func:`standardise_frame`).

Everything here is pure and deterministic; tables are data, not guesses made at run time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final

import jellyfish
import pandas as pd

# ---------------------------------------------------------------------------------------------------
# Name tables. A *canonical key* groups a formal name with its diminutives and its common
# transliterations, so that "Tom", "Tommy" and "Thomas" (or "Mo", "Mohamed" and "Muhammad") compare as
# the same name. Groups are deliberately not sex-specific ("alex" holds Alexander and Alexandra):
# sex is compared separately.
# ---------------------------------------------------------------------------------------------------

GIVEN_NAME_GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    # diminutives (boys)
    "thomas": ("thomas", "tom", "tommy", "tommie", "thom"),
    "joshua": ("joshua", "josh", "joshy"),
    "william": ("william", "will", "willy", "willie", "bill", "billy", "wills"),
    # Oleksandr and Aleksandr are Alexander transliterated, and Sasha is their common diminutive.
    "alex": (
        "alexander",
        "alexandra",
        "alex",
        "alec",
        "alexa",
        "lexi",
        "lexie",
        "xander",
        "sandy",
        "sasha",
        "oleksandr",
        "olexandr",
        "aleksandr",
        "aleksander",
        "oleksander",
        "aleksandra",
        "oleksandra",
    ),
    "daniel": ("daniel", "dan", "danny", "dani"),
    "jacob": ("jacob", "jake", "jakob"),
    "james": ("james", "jim", "jimmy", "jamie", "jimmie"),
    "sam": ("samuel", "samantha", "sam", "sammy", "sammie"),
    "benjamin": ("benjamin", "ben", "benny", "benji"),
    "matthew": ("matthew", "matt", "matty", "mattie"),
    "joseph": ("joseph", "joe", "joey", "jo", "josephine", "josie"),
    "christopher": ("christopher", "chris", "kristopher", "kris", "christy"),
    "nathan": ("nathan", "nathaniel", "nate", "nat"),
    "anthony": ("anthony", "tony", "antony", "ant"),
    "michael": ("michael", "mike", "mikey", "mick", "micky", "mickey", "michal"),
    "oliver": ("oliver", "ollie", "olly", "oli"),
    "charlie": ("charles", "charlie", "charley", "chaz", "charlotte", "lottie", "chas"),
    "henry": ("henry", "harry", "hal", "hank"),
    "edward": ("edward", "ed", "eddie", "eddy", "ted", "teddy", "ned"),
    "frederick": ("frederick", "freddie", "freddy", "fred", "frederic"),
    "alfie": ("alfie", "alf", "alfred", "alfy"),
    "frankie": ("frankie", "frank", "francis", "franky"),
    "emmanuel": ("emmanuel", "manny", "emanuel"),
    "dominic": ("dominic", "dominik", "dom"),
    "robert": ("robert", "rob", "robbie", "bob", "bobby", "bert"),
    "richard": ("richard", "rich", "richie", "rick", "ricky", "dick"),
    "andrew": ("andrew", "andy", "drew"),
    "david": ("david", "dave", "davey", "dai"),
    "jonathan": ("jonathan", "jon", "jonny", "jonty"),
    "john": ("john", "johnny", "johnnie"),
    "sean": ("sean", "shaun", "shawn", "shane"),
    "ian": ("ian", "iain"),
    "zachary": ("zachary", "zach", "zack", "zak", "zac"),
    "theodore": ("theodore", "theo", "teddie"),
    "bartholomew": ("bartholomew", "bart", "barty"),
    "kenneth": ("kenneth", "ken", "kenny"),
    "stephen": ("stephen", "steven", "steve", "stevie"),
    "timothy": ("timothy", "tim", "timmy"),
    "patrick": ("patrick", "pat", "paddy"),
    "cameron": ("cameron", "cam"),
    "mason": ("mason",),
    "tyler": ("tyler", "ty"),
    "bradley": ("bradley", "brad"),
    "kieran": ("kieran", "kieron", "ciaran", "keiran"),
    "callum": ("callum", "calum", "cal"),
    "leon": ("leon", "leonard", "lenny"),
    "leo": ("leo", "leonardo"),
    "reuben": ("reuben", "ruben"),
    "isaac": ("isaac", "isaak", "ike"),
    "elijah": ("elijah", "eli"),
    "louis": ("louis", "lewis", "luis", "lou"),
    "jayden": ("jayden", "jaden", "jaiden", "jaydon", "jaydan"),
    "tyrese": ("tyrese", "tyreece", "tyrece", "tyreese"),
    "dylan": ("dylan", "dillon", "dilan"),
    "kai": ("kai", "kye", "ky"),
    # diminutives (girls)
    "elizabeth": ("elizabeth", "liz", "lizzie", "lizzy", "beth", "betty", "eliza", "elisabeth", "libby"),
    "jessica": ("jessica", "jess", "jessie", "jessy"),
    "rebecca": ("rebecca", "becky", "becca", "bex", "rebekah"),
    "katherine": (
        "katherine",
        "catherine",
        "kathryn",
        "kate",
        "katie",
        "katy",
        "kat",
        "cat",
        "cathy",
        "kathy",
        "kitty",
    ),
    "abigail": ("abigail", "abbie", "abby", "abi", "gail"),
    "olivia": ("olivia", "liv", "livvy", "livia"),
    "victoria": ("victoria", "vicky", "vicki", "tori", "tory"),
    "jennifer": ("jennifer", "jen", "jenny", "jenni"),
    "margaret": ("margaret", "maggie", "peggy"),
    "megan": ("megan", "meghan", "meg"),
    "amelia": ("amelia", "amelie", "amalia", "millie", "milly"),
    "emily": ("emily", "emmie", "em", "emilie"),
    "isabella": ("isabella", "isabel", "isabelle", "izzy", "bella", "izabella", "isobel"),
    "gabriella": ("gabriella", "gabrielle", "gabby", "gabi"),
    "natalie": ("natalie", "nat", "natalia", "natasha", "tasha"),
    "nicole": ("nicole", "nicola", "nikki", "nicky"),
    "eleanor": ("eleanor", "ellie", "elle", "nell", "nellie", "elinor", "eleanora"),
    "susan": ("susan", "sue", "susie", "suzanne", "suzy"),
    "patricia": ("patricia", "trish", "tricia", "patty"),
    "deborah": ("deborah", "debbie", "debra", "debs"),
    "danielle": ("danielle", "daniella", "dani"),
    "zoe": ("zoe", "zoey", "zoie"),
    "chloe": ("chloe", "cloe"),
    "sophie": ("sophie", "sophia", "sofia", "soph"),
    "lucy": ("lucy", "lucie", "lucia"),
    "grace": ("grace", "gracie"),
    "leah": ("leah", "lea", "leia"),
    "kayleigh": ("kayleigh", "kayley", "kaylee", "kayla", "kaley", "caley"),
    "shannon": ("shannon", "shanon"),
    "jade": ("jade", "jayde"),
    "courtney": ("courtney", "kourtney"),
    "renee": ("renee", "renae"),
    # transliterations (Arabic, South Asian, Somali, Eastern European)
    "muhammad": (
        "muhammad",
        "mohammed",
        "mohammad",
        "mohamed",
        "muhammed",
        "mohamad",
        "mohamud",
        "mohammod",
        "muhamed",
        "mohd",
        "mo",
        "moe",
        "mohammud",
    ),
    "ahmed": ("ahmed", "ahmad", "ahmet", "ahmid"),
    "yusuf": ("yusuf", "yousef", "yusef", "yousuf", "yousif", "youssef", "joseff"),
    "ibrahim": ("ibrahim", "ebrahim", "ibraheem", "ibrahima", "ibby"),
    "mustafa": ("mustafa", "mostafa", "moustafa", "mustapha"),
    "hamza": ("hamza", "hamzah", "hamzeh"),
    "abdullah": ("abdullah", "abdulla", "abdallah", "abdul"),
    "omar": ("omar", "umar", "omer", "umer"),
    "usman": ("usman", "osman", "othman", "uthman"),
    "hassan": ("hassan", "hasan", "hassen"),
    "hussain": ("hussain", "hussein", "husain", "hossain", "hussien", "husein"),
    "ali": ("ali", "aly"),
    "bilal": ("bilal", "belal"),
    "zain": ("zain", "zayn", "zane", "zayne"),
    "ayaan": ("ayaan", "ayan", "aayan"),
    "rayyan": ("rayyan", "rayan", "raiyan"),
    "idris": ("idris", "idrees", "idriss"),
    "yasin": ("yasin", "yaseen", "yassin", "yassine"),
    "aisha": ("aisha", "ayesha", "aysha", "aishah", "ayeesha"),
    "fatima": ("fatima", "fatimah", "fatema", "fatma"),
    "khadija": ("khadija", "khadijah", "khadijat"),
    "zainab": ("zainab", "zaynab", "zeinab"),
    "maryam": ("maryam", "mariam", "mariyam", "miriam"),
    "amina": ("amina", "aminah", "ameena"),
    "safiya": ("safiya", "safiyah", "safia", "saffiyah"),
    "hafsa": ("hafsa", "hafsah"),
    "dmytro": ("dmytro", "dmitri", "dmitry", "dimitri"),
    "jakub": ("jakub", "kuba"),
    "mikolaj": ("mikolaj", "nikolai", "nikolaj"),
    "kacper": ("kacper", "kasper", "casper"),
    "szymon": ("szymon", "simon", "si"),
    "ionut": ("ionut", "ion", "ionel"),
    "kwame": ("kwame", "kwamena"),
    "oluwaseun": ("oluwaseun", "seun"),
    "tobias": ("tobias", "toby", "tobi", "oluwatobi"),
    "adebayo": ("adebayo", "bayo"),
    "chukwuemeka": ("chukwuemeka", "emeka"),
    "oluwadamilare": ("oluwadamilare", "dami", "damilare"),
}

FAMILY_NAME_GROUPS: Final[Mapping[str, tuple[str, ...]]] = {
    "hussain": ("hussain", "hussein", "husain", "hossain", "husein"),
    "chowdhury": ("chowdhury", "choudhury", "chaudhry", "chaudhary", "choudhry", "chaudri", "chowdhry"),
    "rahman": ("rahman", "rehman", "rahmann"),
    "ahmed": ("ahmed", "ahmad"),
    "muhammad": ("muhammad", "mohammed", "mohammad", "mohamed", "mohamud", "muhammed"),
    "mahmood": ("mahmood", "mahmud", "mehmood", "mahmoud"),
    "yusuf": ("yusuf", "yousef", "yousuf", "yusef"),
    "abdi": ("abdi", "abdie"),
    "osman": ("osman", "usman", "othman"),
    "hassan": ("hassan", "hasan"),
    "mohamud": ("mohamud", "mahamud"),
    "okafor": ("okafor", "okaffor"),
    "kowalski": ("kowalski", "kowalsky"),
    "nowak": ("nowak", "novak"),
    "thompson": ("thompson", "thomson"),
    "macdonald": ("macdonald", "mcdonald"),
    "mackenzie": ("mackenzie", "mckenzie"),
    "macleod": ("macleod", "mcleod"),
    "mcintosh": ("mcintosh", "macintosh", "mackintosh"),
    "philips": ("phillips", "philips"),
    "mathews": ("matthews", "mathews"),
    "stephens": ("stephens", "stevens"),
    "stephenson": ("stephenson", "stevenson"),
    "reid": ("reid", "reed", "read", "reade"),
    "gray": ("gray", "grey"),
    "clark": ("clark", "clarke", "clerk"),
    "brown": ("brown", "browne"),
    "white": ("white", "whyte"),
    "smith": ("smith", "smyth", "smythe"),
    "davies": ("davies", "davis"),
    "o'neill": ("oneill", "oneil"),
}

_PARTICLES: Final[frozenset[str]] = frozenset({"de", "da", "van", "von", "der", "den", "la", "le", "du"})


def _invert(groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    inverted: dict[str, str] = {}
    for canonical, variants in groups.items():
        for variant in (canonical, *variants):
            key = _letters(variant)
            # First group wins: a name listed twice keeps its first (more common) meaning.
            inverted.setdefault(key, _letters(canonical))
    return inverted


def _letters(value: str) -> str:
    return re.sub(r"[^a-z]", "", value.lower())


_GIVEN_CANONICAL: Final[dict[str, str]] = {}
_FAMILY_CANONICAL: Final[dict[str, str]] = {}


def strip_accents(value: str) -> str:
    """Remove diacritics ("Zoë" → "Zoe", "José" → "Jose") and fold ligatures ("Æ" → "AE")."""
    folded = value.replace("ß", "ss").replace("æ", "ae").replace("Æ", "AE").replace("ø", "o")
    folded = folded.replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean_tokens(value: object) -> list[str]:
    """Lower-case ASCII letter tokens, split on spaces and hyphens; apostrophes and dots vanish."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    text = strip_accents(str(value)).lower()
    text = re.sub(r"['’`.]", "", text)
    return [tok for tok in re.split(r"[^a-z]+", text) if tok]


def clean_name(value: object) -> str | None:
    """Case, accents, punctuation and whitespace removed; hyphenated parts joined (``"smithjones"``).

    Returns ``None`` for a blank or letter-less value, which Splink treats as missing.
    """
    tokens = _clean_tokens(value)
    return "".join(tokens) or None


def given_name_parts(value: object) -> list[str]:
    """The tokens of a given-name field; the first is the name used day to day."""
    return _clean_tokens(value)


def canonical_given_name(name: str | None) -> str | None:
    """Map a cleaned given name to its diminutive/transliteration group (``"tommy"`` → ``"thomas"``)."""
    if not name:
        return None
    if not _GIVEN_CANONICAL:
        _GIVEN_CANONICAL.update(_invert(GIVEN_NAME_GROUPS))
    return _GIVEN_CANONICAL.get(name, name)


def canonical_family_part(part: str) -> str:
    """Map one cleaned surname part to its spelling group (``"mcdonald"``/``"macdonald"``, ``"rehman"``)."""
    if not _FAMILY_CANONICAL:
        _FAMILY_CANONICAL.update(_invert(FAMILY_NAME_GROUPS))
    return _FAMILY_CANONICAL.get(part, part)


def phonetic_key(name: str | None) -> str | None:
    """NYSIIS code of a cleaned name: a coarse "sounds like" key used for blocking and one level."""
    if not name:
        return None
    return str(jellyfish.nysiis(name)) or None


@dataclass(frozen=True, slots=True)
class FamilyName:
    """A standardised family name.

    ``std`` joins the parts (``"smithjones"``) so that ``Smith-Jones``, ``Smith Jones`` and
    ``SMITHJONES`` agree exactly; ``first``/``last`` keep the first and last barrel so that a record
    holding only ``Jones`` still shares a part with ``Smith-Jones``.
    """

    std: str | None
    canonical: str | None
    phonetic: str | None
    first: str | None
    last: str | None


def standardise_family_name(value: object) -> FamilyName:
    """Standardise a family name (see :class:`FamilyName`)."""
    return _standardise_family_name_cached(None if value is None else str(value))


@lru_cache(maxsize=500_000)
def _standardise_family_name_cached(value: str | None) -> FamilyName:
    tokens = _clean_tokens(value)
    # "De Souza", "Van Dyke": a particle belongs to the next token, it is not a barrel of its own.
    parts: list[str] = []
    pending = ""
    for tok in tokens:
        if tok in _PARTICLES:
            pending += tok
            continue
        parts.append(pending + tok)
        pending = ""
    if pending:
        parts.append(pending)
    if not parts:
        return FamilyName(None, None, None, None, None)
    std = "".join(parts)
    canonical_parts = [canonical_family_part(p) for p in parts]
    canonical = "".join(canonical_parts)
    return FamilyName(
        std=std,
        canonical=canonical_family_part(canonical) if len(parts) == 1 else canonical,
        phonetic=phonetic_key(canonical),
        first=canonical_parts[0],
        last=canonical_parts[-1],
    )


@dataclass(frozen=True, slots=True)
class GivenName:
    """A standardised given name: the first token only (middle names are not reliably recorded)."""

    std: str | None
    canonical: str | None
    phonetic: str | None


def standardise_given_name(value: object) -> GivenName:
    """Standardise a given name (first token; diminutives and transliterations share ``canonical``)."""
    return _standardise_given_name_cached(None if value is None else str(value))


@lru_cache(maxsize=200_000)
def _standardise_given_name_cached(value: str | None) -> GivenName:
    tokens = _clean_tokens(value)
    if not tokens:
        return GivenName(None, None, None)
    first = tokens[0]
    if len(first) == 1 and len(tokens) > 1:  # "J. Smith"-style initials: keep the fuller token
        first = tokens[1]
    canonical = canonical_given_name(first)
    return GivenName(std=first, canonical=canonical, phonetic=phonetic_key(canonical))


# ---------------------------------------------------------------------------------------------------
# Dates of birth
# ---------------------------------------------------------------------------------------------------

_DOB_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), "dmy"),  # UK order: day first
    (re.compile(r"^(\d{1,2}) ?([a-z]{3})[a-z]* ?(\d{4})$"), "dMy"),
)
_MONTHS: Final[dict[str, int]] = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
MIN_DOB_YEAR: Final[int] = 1900
MAX_DOB_YEAR: Final[int] = 2100


def parse_dob(value: object) -> date | None:
    """Parse a date of birth written the ways UK agency systems write it; ``None`` if not a date.

    Accepts ``date``/``datetime``, ISO ``YYYY-MM-DD`` (optionally with a time), ``YYYYMMDD``,
    ``YYYY/MM/DD``, UK ``DD/MM/YYYY`` (also with ``-`` or ``.``) and ``12 May 2010``. Day-first is
    assumed for slashed dates, as UK systems write them.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value != value:
        return None
    return _parse_dob_text(str(value).strip().lower())


@lru_cache(maxsize=100_000)
def _parse_dob_text(text: str) -> date | None:
    for pattern, order in _DOB_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                year, month, day = int(a), int(b), int(c)
            elif order == "dmy":
                day, month, year = int(a), int(b), int(c)
            else:
                month_no = _MONTHS.get(b)
                if month_no is None:
                    return None
                day, month, year = int(a), month_no, int(c)
            if not MIN_DOB_YEAR <= year <= MAX_DOB_YEAR:
                return None
            return date(year, month, day)
        except ValueError:
            return None
    return None


def swap_day_month(dob: date) -> date | None:
    """The date with day and month exchanged (``2010-05-12`` → ``2010-12-05``), if that is a date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return date(dob.year, dob.day, dob.month)


def dob_swap_key(dob: date) -> str:
    """A key shared by a date and its day/month swap (``2010-05-12`` and ``2010-12-05``)."""
    low, high = sorted((dob.day, dob.month))
    return f"{dob.year:04d}{low:02d}{high:02d}"


_EPOCH: Final[date] = date(1970, 1, 1)


def dob_days(dob: date) -> int:
    """Days since 1970-01-01: lets any backend compute "one day apart" with integer arithmetic."""
    return (dob - _EPOCH).days


def dob_is_near(a: date, b: date) -> bool:
    """True when two different dates look like one date of birth mis-keyed.

    The cases are the ones agency data shows: day and month swapped, one day out, one year out on the
    same day and month. This is the Python statement of the "near" rule in
    :mod:`ccehub.linkage.settings`; both use the same derived columns.
    """
    if a == b:
        return False
    if dob_swap_key(a) == dob_swap_key(b):
        return True
    if abs(dob_days(a) - dob_days(b)) <= 1:
        return True
    return (a.month, a.day) == (b.month, b.day) and abs(a.year - b.year) == 1


# ---------------------------------------------------------------------------------------------------
# Sex
# ---------------------------------------------------------------------------------------------------

_SEX_CODES: Final[dict[str, str]] = {
    "m": "M",
    "male": "M",
    "boy": "M",
    "1": "M",
    "man": "M",
    "f": "F",
    "female": "F",
    "girl": "F",
    "2": "F",
    "woman": "F",
}


def standardise_sex(value: object) -> str | None:
    """``"M"``/``"F"`` from the usual spellings and NHS codes (1 male, 2 female); else ``None``."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _SEX_CODES.get(str(value).strip().lower())


# ---------------------------------------------------------------------------------------------------
# UK postcodes
# ---------------------------------------------------------------------------------------------------

_POSTCODE_RE: Final[re.Pattern[str]] = re.compile(
    r"^(?P<out>(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?))"
    r"(?P<in>[0-9][ABD-HJLNP-UW-Z]{2})$"
)


@dataclass(frozen=True, slots=True)
class Postcode:
    """A valid UK postcode split into the parts linkage compares.

    ``district`` is the outward code (``"B12"``), ``sector`` adds the first inward digit (``"B12 3"``).
    """

    full: str
    district: str
    sector: str
    area: str


def normalise_postcode(value: object) -> Postcode | None:
    """Normalise and validate a UK postcode (``" b12 3xy"`` → ``"B12 3XY"``); ``None`` if invalid.

    Fixes the common keying slips that the format makes unambiguous: a letter O typed for the zero that
    must start the inward code, and I or L for a one.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    return _normalise_postcode_text(str(value))


@lru_cache(maxsize=500_000)
def _normalise_postcode_text(text: str) -> Postcode | None:
    compact = re.sub(r"[^A-Za-z0-9]", "", text).upper()
    if not 5 <= len(compact) <= 7:
        return None
    outward, inward = compact[:-3], compact[-3:]
    inward = {"O": "0", "I": "1", "L": "1"}.get(inward[0], inward[0]) + inward[1:]
    match = _POSTCODE_RE.match(outward + inward)
    if not match:
        return None
    area = re.match(r"[A-Z]+", outward)
    return Postcode(
        full=f"{outward} {inward}",
        district=outward,
        sector=f"{outward} {inward[0]}",
        area=area.group(0) if area else outward,
    )


# ---------------------------------------------------------------------------------------------------
# Whole records
# ---------------------------------------------------------------------------------------------------

#: Columns an agency extract must provide (others are carried through untouched).
INPUT_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "agency",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
)

#: The standardised columns linkage compares, in the order they are stored.
STANDARD_COLUMNS: Final[tuple[str, ...]] = (
    "unique_id",
    "agency",
    "record_id",
    "given_std",
    "given_canon",
    "given_phon",
    "given_fcanon",
    "family_std",
    "family_canon",
    "family_phon",
    "family_first",
    "family_last",
    "family_gcanon",
    "dob",
    "dob_days",
    "dob_swapkey",
    "dob_md",
    "dob_year",
    "sex",
    "postcode",
    "pc_sector",
    "pc_district",
)


def record_unique_id(agency: str, record_id: str) -> str:
    """The linkage identifier of an agency record: ``"AGENCY:record_id"``."""
    return f"{agency}:{record_id}"


def standardise_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Standardise one raw record (a mapping with :data:`INPUT_COLUMNS`, any may be missing/blank)."""
    given = standardise_given_name(_blank_to_none(record.get("given_name")))
    family = standardise_family_name(_blank_to_none(record.get("family_name")))
    dob = parse_dob(_blank_to_none(record.get("date_of_birth")))
    postcode = normalise_postcode(_blank_to_none(record.get("postcode")))
    agency = str(record.get("agency") or "")
    record_id = str(record.get("record_id") or "")
    return {
        "unique_id": record_unique_id(agency, record_id),
        "agency": agency,
        "record_id": record_id,
        "given_std": given.std,
        "given_canon": given.canonical,
        "given_phon": given.phonetic,
        "family_std": family.std,
        "family_canon": family.canonical,
        "family_phon": family.phonetic,
        "family_first": family.first,
        "family_last": family.last,
        # each name field read as the other kind of name, to recognise given and family swapped
        "given_fcanon": canonical_family_part(given.std) if given.std else None,
        "family_gcanon": canonical_given_name(family.std),
        "dob": dob.isoformat() if dob else None,
        "dob_days": dob_days(dob) if dob else None,
        "dob_swapkey": dob_swap_key(dob) if dob else None,
        "dob_md": f"{dob.month:02d}{dob.day:02d}" if dob else None,
        "dob_year": dob.year if dob else None,
        "sex": standardise_sex(_blank_to_none(record.get("sex"))),
        "postcode": postcode.full if postcode else None,
        "pc_sector": postcode.sector if postcode else None,
        "pc_district": postcode.district if postcode else None,
    }


def _blank_to_none(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


_INT_COLUMNS: Final[tuple[str, ...]] = ("dob_days", "dob_year")


def standardise_frame(records: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Standardise many raw records into a frame with exactly :data:`STANDARD_COLUMNS`.

    ``unique_id`` (``"AGENCY:record_id"``) must be unique: it is how Splink and the look-up index
    refer to a record.
    """
    rows: Iterable[Mapping[str, Any]]
    if isinstance(records, pd.DataFrame):
        present = [c for c in INPUT_COLUMNS if c in records.columns]
        rows = records[present].to_dict("records")
    else:
        rows = records
    out = pd.DataFrame([standardise_record(r) for r in rows], columns=list(STANDARD_COLUMNS))
    for col in _INT_COLUMNS:
        out[col] = out[col].astype("Int64")
    duplicated = out["unique_id"].duplicated()
    if duplicated.any():
        raise ValueError(f"duplicate record ids: {sorted(out.loc[duplicated, 'unique_id'])[:5]}")
    return out
