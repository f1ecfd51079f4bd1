"""Name and place tables for synthetic people: frequency lists, spelling variants, areas.

The frequency lists in ``data/`` are written for this package: plausible relative frequencies of given
names (by sex and broad naming tradition) and family names in England and Wales, not copies of any
register. Together with the variant tables below they are what makes synthetic agency records
disagree with one another the way real ones do. Nothing here describes a real person.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

ORIGINS: Final[tuple[str, ...]] = ("white", "south_asian", "black", "eastern_european")
#: Share of households by naming tradition (children in England and Wales, rounded).
ORIGIN_WEIGHTS: Final[tuple[float, ...]] = (0.74, 0.12, 0.08, 0.06)

#: Diminutives and alternative forms agencies record instead of the registered given name.
NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    "Thomas": ("Tom", "Tommy"),
    "Joshua": ("Josh",),
    "William": ("Will", "Billy"),
    "Alexander": ("Alex",),
    "Daniel": ("Dan", "Danny"),
    "Jacob": ("Jake",),
    "James": ("Jamie", "Jim"),
    "Samuel": ("Sam", "Sammy"),
    "Benjamin": ("Ben",),
    "Matthew": ("Matt",),
    "Joseph": ("Joe", "Joey"),
    "Michael": ("Mike", "Mikey"),
    "Oliver": ("Ollie",),
    "Edward": ("Eddie", "Ed"),
    "Zachary": ("Zach", "Zak"),
    "Frankie": ("Frank",),
    "Theo": ("Theodore",),
    "Freddie": ("Fred", "Frederick"),
    "Alfie": ("Alf",),
    "Charlie": ("Charles",),
    "Nathaniel": ("Nathan", "Nate"),
    "Jonathan": ("Jon", "Jonny"),
    "Christopher": ("Chris",),
    "Callum": ("Cal",),
    "Muhammad": ("Mo",),
    "Mohammed": ("Mo",),
    "Mohammad": ("Mo",),
    "Mohamed": ("Mo",),
    "Abdullah": ("Abdul",),
    "Ibrahim": ("Ibby",),
    "Emmanuel": ("Manny",),
    "Oluwaseun": ("Seun",),
    "Tobi": ("Toby",),
    "Emeka": ("Chukwuemeka",),
    "Jakub": ("Kuba",),
    "Oleksandr": ("Sasha",),
    "Maksym": ("Max",),
    "Dominik": ("Dom",),
    "Elizabeth": ("Liz", "Beth"),
    "Jessica": ("Jess",),
    "Rebecca": ("Becky",),
    "Abigail": ("Abbie", "Abi"),
    "Olivia": ("Liv",),
    "Victoria": ("Vicky",),
    "Katie": ("Kate",),
    "Natalie": ("Nat",),
    "Danielle": ("Dani",),
    "Eleanor": ("Ellie",),
    "Isabella": ("Izzy", "Bella"),
    "Sophie": ("Soph",),
    "Charlotte": ("Lottie", "Charlie"),
    "Amelia": ("Millie",),
    "Georgia": ("George",),
    "Jasmine": ("Jas",),
    "Gabriela": ("Gabi",),
    "Alexandra": ("Alex",),
    "Wiktoria": ("Vicky",),
    "Anastasia": ("Ana",),
}

#: Transliterations and alternative spellings of the same given name.
GIVEN_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "Muhammad": ("Mohammed", "Mohammad", "Mohamed", "Muhammed"),
    "Mohammed": ("Muhammad", "Mohammad", "Mohamed", "Mohamad"),
    "Mohammad": ("Mohammed", "Muhammad", "Mohamed"),
    "Mohamed": ("Mohammed", "Mohamud", "Muhammad"),
    "Ahmed": ("Ahmad",),
    "Yusuf": ("Yousef", "Yusef", "Yousuf"),
    "Hamza": ("Hamzah",),
    "Omar": ("Umar",),
    "Usman": ("Osman",),
    "Ibrahim": ("Ebrahim", "Ibraheem"),
    "Mustafa": ("Mostafa", "Mustapha"),
    "Abdullah": ("Abdulla",),
    "Hussain": ("Hussein",),
    "Hassan": ("Hasan",),
    "Zain": ("Zayn",),
    "Rayyan": ("Rayan",),
    "Idris": ("Idrees",),
    "Yasin": ("Yaseen",),
    "Ayaan": ("Ayan",),
    "Zakariya": ("Zakaria", "Zakariyya"),
    "Aisha": ("Ayesha", "Aysha"),
    "Fatima": ("Fatimah",),
    "Khadija": ("Khadijah",),
    "Zainab": ("Zaynab",),
    "Maryam": ("Mariam",),
    "Amina": ("Aminah",),
    "Safiya": ("Safiyah",),
    "Hafsa": ("Hafsah",),
    "Ruqayyah": ("Ruqaya",),
    "Abdirahman": ("Abdurahman",),
    "Mikołaj": ("Mikolaj",),
    "Michał": ("Michal",),
    "Ionuț": ("Ionut",),
    "Oleksandr": ("Aleksandr",),
    "Dmytro": ("Dmitri", "Dmitry"),
    "Zoë": ("Zoe",),
    "Renée": ("Renee",),
    "Chloë": ("Chloe",),
    "Kateryna": ("Katerina",),
    "Ugne": ("Ugnė",),
    "Jayden": ("Jaden",),
    "Tyrese": ("Tyreece",),
    "Kayleigh": ("Kayley",),
    "Jade": ("Jayde",),
    "Kieran": ("Kieron",),
}

#: Transliterations and alternative spellings of the same family name.
FAMILY_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "Hussain": ("Hussein", "Husain"),
    "Chowdhury": ("Choudhury", "Chaudhry"),
    "Choudhury": ("Chowdhury",),
    "Rahman": ("Rehman",),
    "Rehman": ("Rahman",),
    "Ahmed": ("Ahmad",),
    "Ahmad": ("Ahmed",),
    "Mohammed": ("Muhammad", "Mohamed"),
    "Mahmood": ("Mahmud",),
    "Hussein": ("Hussain",),
    "Mohamud": ("Mohamed",),
    "Yusuf": ("Yousuf",),
    "Hassan": ("Hasan",),
    "Wiśniewski": ("Wisniewski",),
    "Wójcik": ("Wojcik",),
    "Kamiński": ("Kaminski",),
    "Zieliński": ("Zielinski",),
    "Szymański": ("Szymanski",),
    "Lewandowski": ("Lewandowsky",),
    "Horváth": ("Horvath",),
    "Novák": ("Novak",),
    "Dvořák": ("Dvorak",),
    "Shevchenko": ("Shevchenco",),
    "O'Brien": ("OBrien", "O Brien"),
    "O'Connor": ("OConnor",),
    "O'Neill": ("ONeill", "O'Neil"),
    "McDonald": ("MacDonald",),
    "MacDonald": ("McDonald",),
    "McKenzie": ("MacKenzie",),
    "Thompson": ("Thomson",),
    "Clarke": ("Clark",),
    "Reid": ("Reed",),
    "Davies": ("Davis",),
    "Stevens": ("Stephens",),
    "Gray": ("Grey",),
}

# The long tail of family names that no short list covers, built from the elements real names in each
# tradition are made of ("Ash" + "worth", "Kowal" + "czyk", "Ade" + "bayo", "Pop" + "escu"). Without
# it, minority surnames would be far more concentrated than they are, and namesakes far too common.
# Each entry: (prefixes, suffixes, share of the tradition's households whose surname comes from it).
# fmt: off
_TAILS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], float]]] = {
    "white": (
        ("Ash", "Black", "Brad", "Bram", "Brook", "Cal", "Chat", "Church", "Clay", "Cold", "Crank", "Dal",
         "Ding", "Dun", "East", "Ever", "Fair", "Farn", "Gold", "Green", "Hal", "Ham", "Hart", "Hay",
         "Hol", "Horn", "Kings", "Lang", "Lid", "Mar", "Mid", "Mill", "New", "North", "Oak", "Pen",
         "Red", "Rock", "Rush", "Salt", "Shel", "South", "Stan", "Stock", "Thorn", "Tre", "Wad", "Went",
         "West", "Whit", "Wil", "Win", "Wood", "Wor"),
        ("worth", "ley", "ton", "ford", "field", "ham", "by", "combe", "more", "wood", "shaw", "well",
         "bridge", "stead", "burn", "dale", "hurst", "cliffe", "thorpe", "wick", "den", "low", "land",
         "cott", "head", "brook", "gate", "holme", "ridge", "sley"),
        0.5,
    ),
    "south_asian": (
        ("Chaud", "Sidd", "Ans", "Raj", "Naw", "Sult", "Ham", "Lat", "Sal", "Khal", "Raf", "Maj", "Shaf",
         "Kar", "Han", "You", "Ri", "Az", "Nad", "Zah", "Tah", "Qad", "Mus", "Far", "Jam", "Bash", "Ar"),
        ("ani", "iqui", "ari", "a", "az", "ir", "if", "eem", "id", "ique", "im", "eef", "ood", "war", "ali"),
        0.3,
    ),
    "black": (
        ("Ade", "Ola", "Olu", "Oye", "Aki", "Ako", "Babat", "Ojo", "Oko", "Nwa", "Eze", "Obi", "Chi", "Kwa",
         "Ama", "Ayo", "Fola", "Femi", "Idow", "Onye", "Uche", "Oku", "Bamid", "Ogun", "Asa", "Bo", "Op"),
        ("yemi", "bayo", "wale", "tunde", "kunle", "dele", "la", "femi", "kanmi", "nkwo", "chukwu", "ezie",
         "sanya", "jide", "mide", "ku", "ame", "teng", "pong", "nsah"),
        0.6,
    ),
    "eastern_european": (
        ("Kowal", "Nowa", "Wiś", "Zaj", "Krol", "Wiecz", "Jabł", "Majew", "Olsz", "Stęp", "Dud", "Gór",
         "Pawl", "Walcz", "Sik", "Bar", "Ruts", "Pop", "Ion", "Stan", "Dobr", "Radu", "Kazl", "Petr",
         "Bond", "Kovaln", "Tkach", "Shevch", "Mel", "Horv"),
        ("ski", "czyk", "ak", "ek", "owicz", "ewski", "escu", "eanu", "auskas", "aitis", "enko", "chuk",
         "yshyn", "ov", "ić"),
        0.6,
    ),
}
# fmt: on


# The long tail of given names. The listed names are each tradition's most common ones (roughly its
# top hundred); in England and Wales the hundred most common names cover only about three children in
# five, fewer for girls, and the rest share thousands of rarer names and spellings. Without a tail,
# two children with the same given name would be several times more common than they are, and so
# would namesakes (same full name, near date of birth) - the hardest false matches for look-up.
# Built like the family-name tail: (prefixes, suffixes, share of the tradition's children), by sex.
# fmt: off
_GIVEN_TAILS: Final[dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...], float]]] = {
    ("white", "M"): (
        ("Al", "Bar", "Bren", "Bry", "Cal", "Car", "Col", "Dal", "Dar", "Dex", "Don", "Fen", "Gar", "Hay",
         "Jas", "Jay", "Ken", "Kes", "Lan", "Mar", "Nel", "Ral", "Ren", "Roy", "Sol", "Tay", "Ter", "Tre",
         "Wes", "Zan"),
        ("den", "ton", "ley", "an", "en", "ick", "vin", "son", "ric", "ro", "ell", "lan"),
        0.40,
    ),
    ("white", "F"): (
        ("Abi", "Ann", "Ari", "Bel", "Bri", "Cal", "Cla", "Dal", "Dar", "Eve", "Fle", "Gem", "Har", "Isa",
         "Jen", "Jes", "Kay", "Lil", "Lor", "Mae", "Mar", "Nel", "Pip", "Rae", "Ros", "Sky", "Tam", "Ver",
         "Wil", "Zel"),
        ("lyn", "ette", "ina", "ie", "a", "elle", "ia", "anna", "ey", "ara", "lie", "ise"),
        0.50,
    ),
    ("south_asian", "M"): (
        ("Ab", "Af", "Ah", "Am", "An", "Ar", "As", "Az", "Bas", "Dan", "Far", "Ha", "Ir", "Ja", "Kam",
         "Kas", "Ku", "Mah", "Mu", "Na", "Nab", "Ni", "Ra", "Sa", "Sha", "Ta", "Ve", "Wa", "Ya", "Za"),
        ("ir", "an", "ees", "ish", "ad", "il", "eel", "im", "ul", "aan", "eer", "ash"),
        0.30,
    ),
    ("south_asian", "F"): (
        ("Ab", "Af", "Al", "Am", "An", "Ar", "As", "Ay", "Bu", "Da", "Fa", "Ha", "Ja", "Ka", "Ku", "Ma",
         "Mu", "Na", "Ni", "Pa", "Ra", "Ru", "Sa", "Sha", "Ta", "Tu", "Wa", "Ya", "Za", "Zu"),
        ("a", "ina", "een", "ia", "ika", "eeba", "ah", "ita", "ira", "isha", "iya", "ana"),
        0.35,
    ),
    ("black", "M"): (
        ("Ade", "Ako", "Chi", "Da", "Dav", "Ife", "Jah", "Jal", "Kel", "Kor", "Kwa", "Ky", "Mal", "Nas",
         "Nna", "Obi", "Ola", "Olu", "Ram", "Re", "Sha", "Tay", "Tev", "Uch", "Zai"),
        ("mi", "ka", "bo", "ndu", "ku", "nte", "ion", "rell", "quan", "ari", "eem", "jay"),
        0.45,
    ),
    ("black", "F"): (
        ("Aba", "Ade", "Ama", "Amo", "Chi", "De", "Ebo", "Fun", "Ife", "Ja", "Ke", "Kem", "Mon", "Nke",
         "Nne", "Ny", "Ola", "Sha", "Ta", "Tan", "Zai"),
        ("la", "ka", "ye", "ni", "ola", "isha", "nya", "nique", "ara", "lah", "esha", "ina"),
        0.45,
    ),
    ("eastern_european", "M"): (
        ("Ad", "Bor", "Cez", "Dar", "Em", "Fab", "Hen", "Ig", "Iv", "Jar", "Kam", "Lesz", "Mir", "Nor",
         "Os", "Prz", "Rad", "Ros", "Ser", "Sew", "Tym", "Vas", "Wal", "Yar", "Zbig"),
        ("ek", "ian", "usz", "an", "ko", "omir", "slav", "ius", "as", "ij", "el", "on"),
        0.35,
    ),
    ("eastern_european", "F"): (
        ("Ag", "Bo", "Ce", "Da", "Ew", "Ha", "Ir", "Ja", "Kl", "Le", "Lu", "Ma", "Mi", "Ni", "Ol", "Pa",
         "Ra", "Sa", "Sv", "Ta", "Ul", "Ve", "Wi", "Yu", "Ze"),
        ("ina", "ela", "ana", "ija", "eta", "ona", "ka", "ra", "ta", "lia", "ssa", "nka"),
        0.35,
    ),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Weighted:
    """Names with cumulative weights, ready for :meth:`random.Random.choices`."""

    names: tuple[str, ...]
    cum_weights: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Area:
    """A local authority area: its agencies, synthetic contact prefix and real postcode districts."""

    code: str
    local_authority: str
    police_force: str
    weight: float
    phone_prefix: str
    outcodes: tuple[str, ...]


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("ccehub.synthetic").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _cumulate(pairs: list[tuple[str, float]]) -> Weighted:
    total = 0.0
    cum: list[float] = []
    for _, weight in pairs:
        total += weight
        cum.append(total)
    return Weighted(tuple(n for n, _ in pairs), tuple(cum))


@cache
def given_names(sex: str, origin: str) -> Weighted:
    """Given names for ``sex`` (``"M"``/``"F"``) in a naming tradition, with frequency weights."""
    rows = [
        (r["name"], float(r["weight"]))
        for r in _read_csv("given_names.csv")
        if r["sex"] == sex and r["origin"] == origin
    ]
    return _cumulate(_with_tail(rows, _GIVEN_TAILS.get((origin, sex))))


def _with_tail(
    rows: list[tuple[str, float]], tail_spec: tuple[tuple[str, ...], tuple[str, ...], float] | None
) -> list[tuple[str, float]]:
    """``rows`` plus a tail of composed names sharing ``share`` of the total weight evenly."""
    if tail_spec is None:
        return rows
    prefixes, suffixes, share = tail_spec
    listed = sum(w for _, w in rows)
    taken = {n.lower() for n, _ in rows}
    tail: list[str] = []
    for p in prefixes:
        for s in suffixes:
            name = p + s
            if name.lower() not in taken:
                taken.add(name.lower())
                tail.append(name)
    tail_weight = listed * share / (1 - share) / len(tail)
    return rows + [(name, tail_weight) for name in tail]


@cache
def family_names(origin: str) -> Weighted:
    """Family names in a naming tradition, with frequency weights: the listed names, then the long
    tail (:data:`_TAILS`) sharing the rest of the tradition's households evenly."""
    rows = [(r["name"], float(r["weight"])) for r in _read_csv("family_names.csv") if r["origin"] == origin]
    return _cumulate(_with_tail(rows, _TAILS.get(origin)))


@cache
def areas() -> tuple[Area, ...]:
    """The synthetic areas (real postcode districts; agencies named after the area)."""
    return tuple(
        Area(
            code=r["area"],
            local_authority=r["local_authority"],
            police_force=r["police_force"],
            weight=float(r["weight"]),
            phone_prefix=r["phone_prefix"],
            outcodes=tuple(r["outcodes"].split()),
        )
        for r in _read_csv("areas.csv")
    )
