"""The linkage model's comparisons and blocking rules, as data.

Each comparison level is a small predicate tree (:class:`Pred`). The *same* tree is

* rendered to SQL for Splink (:func:`splink_settings`), in the dialect of the backend, and
* evaluated in numpy by the fast look-up path (:func:`evaluate_comparison`), with SQL's three-valued
  logic (a comparison with NULL is neither true nor false),

so the level a pair falls into cannot differ between Splink and the fast path: there is one
definition, not two. The model file records the SQL each level was trained with, and loading checks
that it still matches this module (:func:`check_model_matches_spec`).

The model (why these comparisons)
---------------------------------
* **given name**: exact (with term-frequency adjustment: two "Muhammad"s say less than two
  "Oluwadamilare"s), the same diminutive/transliteration group ("Tom"/"Thomas", "Mo"/"Mohamed"),
  given and family names swapped, Jaro-Winkler ≥ 0.92, same sound (NYSIIS), Jaro-Winkler ≥ 0.8.
* **household and birth** (family name × postcode × date of birth, one *joint* comparison): siblings
  share a family name and address and twins also share a birth date, so among *non-matching* pairs
  these three agree together far more often than the product of their separate rates. Fellegi–Sunter
  assumes comparisons are independent given match status; modelled separately, a twin would collect
  the weight of surname + postcode + birth date and only lose the given-name weight, and be "found".
  Modelled jointly, the u-probability of "all three agree" is estimated directly (it is the rate of
  twin pairs plus chance), so a twin with a different given name scores as a different child.
* **sex**: agree / disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import jellyfish
import numpy as np
import numpy.typing as npt

Dialect = Literal["duckdb", "spark"]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

#: Bumped whenever a comparison, level or blocking rule changes meaning; part of the model version.
SPEC_VERSION: Final[str] = "cce-person-9"

STRING_COLUMNS: Final[tuple[str, ...]] = (
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
    "dob_swapkey",
    "dob_md",
    "sex",
    "postcode",
    "pc_sector",
    "pc_district",
)
INT_COLUMNS: Final[tuple[str, ...]] = ("dob_days", "dob_year")
COMPARED_COLUMNS: Final[tuple[str, ...]] = STRING_COLUMNS + INT_COLUMNS
INT_NULL: Final[int] = np.iinfo(np.int64).min
STR_NULL: Final[int] = -1

_JW_FUNCTION: Final[dict[str, str]] = {"duckdb": "jaro_winkler_similarity", "spark": "jaro_winkler"}


# ---------------------------------------------------------------------------------------------------
# Pair data seen by the numpy evaluator
# ---------------------------------------------------------------------------------------------------


class PairData:
    """Column values of n record pairs, as the numpy evaluator needs them.

    String columns are integer codes into one shared vocabulary (``-1`` is NULL), so equality is an
    integer comparison and equality *across* columns (given name vs family name) is meaningful.
    Integer columns use :data:`INT_NULL` for NULL.
    """

    def __init__(
        self,
        left: Mapping[str, IntArray],
        right: Mapping[str, IntArray],
        vocabulary: Sequence[str],
    ) -> None:
        self.left = left
        self.right = right
        self.vocabulary = vocabulary
        self._cache: dict[tuple[str, str, str], IntArray | npt.NDArray[np.float64]] = {}

    def __len__(self) -> int:
        return len(next(iter(self.right.values())))

    def pairwise(self, fn_name: str, col: str, fn: Callable[[str, str], float]) -> npt.NDArray[np.float64]:
        """``fn(left_string, right_string)`` per pair, computed once per distinct pair of values."""
        key = (fn_name, col, col)
        cached = self._cache.get(key)
        if cached is not None:
            return cached.astype(np.float64)
        lc, rc = self.left[col], self.right[col]
        out = np.full(len(rc), np.nan)
        ok = (lc != STR_NULL) & (rc != STR_NULL)
        if ok.any():
            pairs = np.stack([lc[ok], rc[ok]], axis=1)
            uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
            vocab = self.vocabulary
            values = np.array([fn(vocab[a], vocab[b]) for a, b in uniq.tolist()], dtype=np.float64)
            out[ok] = values[inverse.reshape(-1)]
        self._cache[key] = out
        return out


@dataclass(frozen=True, slots=True)
class Tri:
    """A three-valued truth array: ``t`` where TRUE, ``f`` where FALSE, neither where NULL."""

    t: BoolArray
    f: BoolArray


# ---------------------------------------------------------------------------------------------------
# Predicates
# ---------------------------------------------------------------------------------------------------


class Pred:
    """A condition on a record pair: renders to SQL and evaluates in numpy with the same meaning."""

    def sql(self, dialect: Dialect) -> str:
        raise NotImplementedError

    def evaluate(self, data: PairData) -> Tri:
        raise NotImplementedError


def _known(data: PairData, left: str, right: str) -> BoolArray:
    null = INT_NULL if left in INT_COLUMNS else STR_NULL
    known: BoolArray = (data.left[left] != null) & (data.right[right] != null)
    return known


@dataclass(frozen=True, slots=True)
class IsNull(Pred):
    """Either side's value is NULL (never itself NULL)."""

    col: str

    def sql(self, dialect: Dialect) -> str:
        return f"({self.col}_l IS NULL OR {self.col}_r IS NULL)"

    def evaluate(self, data: PairData) -> Tri:
        known = _known(data, self.col, self.col)
        return Tri(t=~known, f=known)


@dataclass(frozen=True, slots=True)
class Eq(Pred):
    """``left_col`` of the left record equals ``right_col`` (default: the same column) of the right."""

    col: str
    other: str | None = None

    def sql(self, dialect: Dialect) -> str:
        return f"{self.col}_l = {self.other or self.col}_r"

    def evaluate(self, data: PairData) -> Tri:
        right = self.other or self.col
        known = _known(data, self.col, right)
        equal = data.left[self.col] == data.right[right]
        return Tri(t=known & equal, f=known & ~equal)


@dataclass(frozen=True, slots=True)
class JaroWinklerAtLeast(Pred):
    """Jaro-Winkler similarity of the two values is at least ``threshold``."""

    col: str
    threshold: float

    def sql(self, dialect: Dialect) -> str:
        return f"{_JW_FUNCTION[dialect]}({self.col}_l, {self.col}_r) >= {self.threshold}"

    def evaluate(self, data: PairData) -> Tri:
        sim = data.pairwise("jw", self.col, jellyfish.jaro_winkler_similarity)
        known = ~np.isnan(sim)
        hit = np.zeros(len(sim), dtype=bool)
        hit[known] = sim[known] >= self.threshold
        return Tri(t=hit, f=known & ~hit)


@dataclass(frozen=True, slots=True)
class LevenshteinAtMost(Pred):
    """Levenshtein edit distance between the two values is at most ``distance``."""

    col: str
    distance: int

    def sql(self, dialect: Dialect) -> str:
        return f"levenshtein({self.col}_l, {self.col}_r) <= {self.distance}"

    def evaluate(self, data: PairData) -> Tri:
        dist = data.pairwise("lev", self.col, jellyfish.levenshtein_distance)
        known = ~np.isnan(dist)
        hit = np.zeros(len(dist), dtype=bool)
        hit[known] = dist[known] <= self.distance
        return Tri(t=hit, f=known & ~hit)


@dataclass(frozen=True, slots=True)
class AbsDiffAtMost(Pred):
    """The integer values differ by at most ``limit``."""

    col: str
    limit: int

    def sql(self, dialect: Dialect) -> str:
        return f"abs({self.col}_l - {self.col}_r) <= {self.limit}"

    def evaluate(self, data: PairData) -> Tri:
        known = _known(data, self.col, self.col)
        diff = np.abs(data.left[self.col] - data.right[self.col])
        hit = known & (diff <= self.limit)
        return Tri(t=hit, f=known & ~hit)


@dataclass(frozen=True, slots=True)
class And(Pred):
    parts: tuple[Pred, ...]

    def sql(self, dialect: Dialect) -> str:
        return "(" + " AND ".join(p.sql(dialect) for p in self.parts) + ")"

    def evaluate(self, data: PairData) -> Tri:
        t = np.ones(len(data), dtype=bool)
        f = np.zeros(len(data), dtype=bool)
        for part in self.parts:
            r = part.evaluate(data)
            t &= r.t
            f |= r.f
        return Tri(t=t, f=f)


@dataclass(frozen=True, slots=True)
class Or(Pred):
    parts: tuple[Pred, ...]

    def sql(self, dialect: Dialect) -> str:
        return "(" + " OR ".join(p.sql(dialect) for p in self.parts) + ")"

    def evaluate(self, data: PairData) -> Tri:
        t = np.zeros(len(data), dtype=bool)
        f = np.ones(len(data), dtype=bool)
        for part in self.parts:
            r = part.evaluate(data)
            t |= r.t
            f &= r.f
        return Tri(t=t, f=f)


@dataclass(frozen=True, slots=True)
class Not(Pred):
    part: Pred

    def sql(self, dialect: Dialect) -> str:
        return f"NOT ({self.part.sql(dialect)})"

    def evaluate(self, data: PairData) -> Tri:
        r = self.part.evaluate(data)
        return Tri(t=r.f, f=r.t)


def all_of(*parts: Pred) -> Pred:
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def any_of(*parts: Pred) -> Pred:
    return parts[0] if len(parts) == 1 else Or(tuple(parts))


# ---------------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level. ``pred=None`` is the final "all other" level."""

    label: str
    pred: Pred | None
    is_null: bool = False
    tf_column: str | None = None
    fixed_m: float | None = None
    """An m-probability fixed from domain knowledge because EM cannot identify it (see the level)."""
    cells: tuple[str, str, str] | None = None
    """For a joint comparison's level: the component states it covers (see :class:`JointComparison`)."""
    tf_minimum_u: float | None = None
    """Splink's ``tf_minimum_u_value``: a value rarer than this earns no more credit than this."""
    tf_rare_cap: bool = False
    """Cap the term-frequency adjustment at zero (``tf_minimum_u_value`` = the level's u): a common
    value lowers the weight, a rare one does not raise it. A rare family name is evidence of the same
    *family*, and families hold siblings and twins."""
    neutral: bool = False
    """m is set equal to u after u is estimated, so the level weighs nothing by itself: it exists to
    carry a term-frequency adjustment (see :data:`FAMILY_FREQUENCY`)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """An ordered list of levels: a pair takes the first level whose condition is TRUE."""

    name: str
    description: str
    levels: tuple[Level, ...]

    def splink_dict(self, dialect: Dialect) -> dict[str, Any]:
        levels: list[dict[str, Any]] = []
        for level in self.levels:
            entry: dict[str, Any] = {
                "sql_condition": "ELSE" if level.pred is None else level.pred.sql(dialect),
                "label_for_charts": level.label,
            }
            if level.is_null:
                entry["is_null_level"] = True
            if level.tf_column:
                entry["tf_adjustment_column"] = level.tf_column
                entry["tf_adjustment_weight"] = 1.0
            if level.tf_minimum_u is not None:
                entry["tf_minimum_u_value"] = level.tf_minimum_u
            if level.fixed_m is not None:
                entry["m_probability"] = level.fixed_m
                entry["fix_m_probability"] = True
            levels.append(entry)
        return {
            "output_column_name": self.name,
            "comparison_description": self.description,
            "comparison_levels": levels,
        }


def evaluate_comparison(comparison: Comparison, data: PairData) -> IntArray:
    """The level index (0-based, in ``comparison.levels`` order) each pair falls into."""
    n = len(data)
    out = np.full(n, -1, dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    for i, level in enumerate(comparison.levels):
        if level.pred is None:
            out[open_] = i
            break
        hit = open_ & level.pred.evaluate(data).t
        out[hit] = i
        open_ &= ~hit
        if not open_.any():
            break
    return out


# --- the three comparisons of the person model -----------------------------------------------------

# One record has the given name in the family-name field and vice versa: compare each field with the
# other record's opposite field, each read as the kind of name it holds ("Davies, Sammy" is
# "Samuel Davies"). Both directions, so the level is the same whichever record is on the left.
_NAMES_SWAPPED = any_of(
    all_of(Eq("given_canon", "family_gcanon"), Eq("family_canon", "given_fcanon")),
    all_of(Eq("family_gcanon", "given_canon"), Eq("given_fcanon", "family_canon")),
)

GIVEN_NAME: Final[Comparison] = Comparison(
    name="given_name",
    description="Given name: exact, diminutive/transliteration, swapped with family name, fuzzy, sound",
    levels=(
        Level("Given name missing", IsNull("given_std"), is_null=True),
        # Given-name frequency moves the weight from the average name to this name; below one child
        # in 5,000 a "name" is more often a shared misspelling ("Aarron") than a rare name.
        Level("Exact", Eq("given_std"), tf_column="given_std", tf_minimum_u=0.0002),
        Level("Same name group (diminutive, transliteration)", Eq("given_canon")),
        # No EM block can see swapped names (each blocks on a name column), so m is fixed: about one
        # record in a hundred has given and family name the wrong way round.
        Level("Given and family names swapped", _NAMES_SWAPPED, fixed_m=0.01),
        Level("Jaro-Winkler >= 0.92", JaroWinklerAtLeast("given_std", 0.92)),
        Level("Sounds alike (NYSIIS)", Eq("given_phon")),
        Level("Jaro-Winkler >= 0.8", JaroWinklerAtLeast("given_std", 0.8)),
        # EM on family-name + birth-date blocks sees twins and siblings (who never share a given name)
        # but hardly any matches with an unrelated given name, and drives m towards zero, which would
        # make an alias unfindable. About one record in a hundred of the same child carries an
        # unrelated given name (aliases, changes, diminutives no table lists): m is fixed there.
        Level("All other", None, fixed_m=0.01),
    ),
)

SEX: Final[Comparison] = Comparison(
    name="sex",
    description="Recorded sex",
    levels=(
        Level("Sex missing", IsNull("sex"), is_null=True),
        Level("Exact", Eq("sex")),
        Level("All other", None),
    ),
)

# Component states of the joint household comparison. Each state predicate is TRUE or FALSE, never
# NULL: missing values have their own state "n", and within a non-missing state every column a
# sub-predicate reads is non-missing (the standardised columns of one field are missing together).
_F_NULL = IsNull("family_std")
_F_EXACT = any_of(Eq("family_std"), Eq("family_canon"))
_F_SIMILAR = any_of(
    Eq("family_first"),
    Eq("family_last"),
    Eq("family_first", "family_last"),
    Eq("family_last", "family_first"),
    JaroWinklerAtLeast("family_std", 0.9),
    Eq("family_phon"),
)
_P_NULL = IsNull("postcode")
_P_EXACT = Eq("postcode")
_P_DISTRICT = Eq("pc_district")
_D_NULL = IsNull("dob_days")
_D_EXACT = Eq("dob_days")
# "Near" is the few dates a keying slip makes of the true one: day and month swapped, a day out, a
# year out on the same day and month (about four dates). Any-one-digit-different is deliberately not
# near: twenty-odd dates are one digit away, so namesakes born months apart would look near.
_D_NEAR = any_of(
    Eq("dob_swapkey"),
    AbsDiffAtMost("dob_days", 1),
    all_of(Eq("dob_md"), AbsDiffAtMost("dob_year", 1)),
)

_STATES: Final[dict[str, tuple[tuple[str, Pred | None], ...]]] = {
    # (state, raw predicate) in precedence order; the last state is "none of the above".
    "F": (("n", _F_NULL), ("e", _F_EXACT), ("s", _F_SIMILAR), ("x", None)),
    "P": (("n", _P_NULL), ("e", _P_EXACT), ("d", _P_DISTRICT), ("x", None)),
    "D": (("n", _D_NULL), ("e", _D_EXACT), ("a", _D_NEAR), ("x", None)),
}


def _state_pred(component: str, state: str) -> Pred:
    preds: list[Pred] = []
    for name, raw in _STATES[component]:
        if name == state:
            if raw is not None:
                preds.append(raw)
            return all_of(*preds)
        assert raw is not None
        preds.append(Not(raw))
    raise ValueError(f"unknown state {component}{state}")


def _in(component: str, states: str) -> Pred | None:
    all_states = "".join(s for s, _ in _STATES[component])
    if set(states) == set(all_states):
        return None
    return any_of(*(_state_pred(component, s) for s in all_states if s in states))


def _rect(f: str, p: str, d: str) -> Pred:
    parts = [x for x in (_in("F", f), _in("P", p), _in("D", d)) if x is not None]
    return all_of(*parts)


def _hh(label: str, f: str, p: str, d: str, **kwargs: Any) -> Level:
    """A household level: the cells (family, postcode, birth-date states) it covers, as a predicate."""
    return Level(label, _rect(f, p, d), cells=(f, p, d), **kwargs)


HOUSEHOLD: Final[Comparison] = Comparison(
    name="household_birth",
    description=(
        "Family name x postcode x date of birth, jointly (siblings and twins share family name and "
        "address, twins also date of birth)"
    ),
    levels=(
        _hh("Family name, postcode and date of birth all missing", "n", "n", "n", is_null=True),
        _hh("Family name, postcode and date of birth agree", "e", "e", "e"),
        _hh("Family name and postcode agree, date of birth near", "e", "e", "a"),
        _hh("Family name and postcode agree, date of birth differs", "e", "e", "x"),
        _hh("Family name and postcode agree, date of birth missing", "e", "e", "n"),
        _hh("Family name similar, postcode agrees, date of birth agrees or near", "s", "e", "ea"),
        _hh("Family name differs or missing, postcode agrees, date of birth agrees or near", "xn", "e", "ea"),
        _hh("Family name and date of birth agree, same postcode district", "e", "d", "e"),
        _hh("Family name and date of birth agree, postcode differs", "e", "x", "e"),
        _hh("Family name and date of birth agree, postcode missing", "e", "n", "e"),
        # Below, a level is split by the postcode state wherever namesakes (same name, different
        # child) gather: a namesake almost always lives elsewhere, while the same child's records
        # mostly share an address, so "postcode differs" must weigh less than "postcode missing".
        _hh("Family name similar, date of birth agrees, same district", "s", "d", "e"),
        _hh("Family name similar, date of birth agrees, postcode differs", "s", "x", "e"),
        _hh("Family name similar, date of birth agrees, postcode missing", "s", "n", "e"),
        _hh("Family name agrees or similar, date of birth near, same district", "es", "d", "a"),
        _hh("Family name agrees or similar, date of birth near, postcode differs", "es", "x", "a"),
        _hh("Family name agrees or similar, date of birth near, postcode missing", "es", "n", "a"),
        _hh("Family name differs, date of birth agrees, same district", "x", "d", "e"),
        _hh("Family name differs, date of birth agrees, postcode differs", "x", "x", "e"),
        _hh("Family name differs, date of birth agrees, postcode missing", "x", "n", "e"),
        _hh("Family name missing, date of birth agrees or near, same district", "n", "d", "ea"),
        _hh("Family name missing, date of birth agrees or near, postcode differs", "n", "x", "ea"),
        _hh("Family name missing, date of birth agrees or near, postcode missing", "n", "n", "ea"),
        _hh("Family name agrees or similar, date of birth missing, same district", "es", "d", "n"),
        _hh("Family name agrees or similar, date of birth missing, postcode differs", "es", "x", "n"),
        _hh("Family name agrees or similar, date of birth and postcode missing", "es", "n", "n"),
        _hh("Family name similar, postcode agrees, date of birth missing", "s", "e", "n"),
        _hh("Family name agrees or similar, date of birth differs", "es", "nedx", "x"),
        _hh("Only the address agrees", "xn", "ed", "nexa"),
        _hh("Only the date of birth is near", "x", "nx", "a"),
        Level("All other", None),
    ),
)


def _component(key: str, name: str, column: str, labels: Mapping[str, str]) -> Comparison:
    """One field of the household comparison on its own (its states as levels), for estimating m."""
    levels = []
    for state, _ in _STATES[key]:
        label = f"{key}={state}: {labels[state]}"
        if state == "n":
            levels.append(Level(label, _state_pred(key, state), is_null=True))
        elif state == _STATES[key][-1][0]:
            levels.append(Level(label, None))
        else:
            levels.append(Level(label, _state_pred(key, state)))
    return Comparison(name=name, description=f"{labels['e']} ({column}), alone", levels=tuple(levels))


@dataclass(frozen=True, slots=True)
class JointComparison:
    """How the m-probabilities of a joint comparison are estimated.

    Between records of the *same* child, mistakes in different fields happen independently (a
    mistyped surname says nothing about a moved address); between *different* children they do not
    (siblings share surname and address). So u is estimated for the joint levels directly (random
    sampling), while m is the product of per-field m's, each estimated by EM in a helper model that
    compares the fields separately (:attr:`components`), summed over the cells a level covers.
    Estimating the joint m by EM directly fails: in any blocked sample, namesakes (same name,
    different child) fill the levels where the surname agrees but the birth date does not.
    """

    name: str
    components: tuple[Comparison, ...]
    null_columns: tuple[str, ...]
    em_blocking_rules: tuple[str, ...]


FAMILY_ALONE: Final[Comparison] = _component(
    "F", "family_alone", "family_std", {"n": "missing", "e": "agrees", "s": "similar", "x": "differs"}
)
POSTCODE_ALONE: Final[Comparison] = _component(
    "P", "postcode_alone", "postcode", {"n": "missing", "e": "agrees", "d": "same district", "x": "differs"}
)
DOB_ALONE: Final[Comparison] = _component(
    "D", "dob_alone", "dob_days", {"n": "missing", "e": "agrees", "a": "near", "x": "differs"}
)

HOUSEHOLD_M: Final[JointComparison] = JointComparison(
    name=HOUSEHOLD.name,
    components=(FAMILY_ALONE, POSTCODE_ALONE, DOB_ALONE),
    null_columns=("family_std", "postcode", "dob_days"),
    em_blocking_rules=(
        # each block leaves two of the three fields (and sex) free to estimate
        "l.given_canon = r.given_canon AND l.dob_days = r.dob_days",
        "l.given_canon = r.given_canon AND l.family_std = r.family_std",
    ),
)


# Family-name agreement is weighed inside the joint household comparison at its *average* rate among
# different children. "Smith" or "Khan" agree by chance far more often than "Hartcliffe". This
# comparison adds only Splink's term-frequency adjustment for an exact family name: its own levels have
# m = u (weight 0), and the adjustment log2(u_exact) - log2(tf(name)) moves the family-name evidence
# from the average name towards this name, downwards only (see ``Level.tf_rare_cap``).
FAMILY_FREQUENCY: Final[Comparison] = Comparison(
    name="family_frequency",
    description="Term-frequency adjustment for an exact family name (the level weights are zero)",
    levels=(
        Level("Family name missing", IsNull("family_std"), is_null=True),
        Level("Exact", Eq("family_std"), tf_column="family_std", neutral=True, tf_rare_cap=True),
        Level("All other", None, neutral=True),
    ),
)

COMPARISONS: Final[tuple[Comparison, ...]] = (GIVEN_NAME, HOUSEHOLD, SEX, FAMILY_FREQUENCY)


# ---------------------------------------------------------------------------------------------------
# Blocking rules
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockingRule:
    """Pairs are candidates when ``left[a] = right[b]`` for every ``(a, b)`` in ``keys``.

    The set of rules must be symmetric (each rule, or it and its mirror image, present), which
    Splink's dedupe needs; the fast path keys the index on the right-hand columns and the query on
    the left-hand ones.
    """

    name: str
    keys: tuple[tuple[str, str], ...]

    def sql(self) -> str:
        return " AND ".join(f"l.{a} = r.{b}" for a, b in self.keys)

    @property
    def left_columns(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.keys)

    @property
    def right_columns(self) -> tuple[str, ...]:
        return tuple(b for _, b in self.keys)


def _same(name: str, *cols: str) -> BlockingRule:
    return BlockingRule(name, tuple((c, c) for c in cols))


BLOCKING_RULES: Final[tuple[BlockingRule, ...]] = (
    _same("names", "given_canon", "family_canon"),
    _same("birth_family_sound", "dob_swapkey", "family_phon"),
    _same("birth_given_sound", "dob_days", "given_phon"),
    _same("birth_postcode", "dob_days", "postcode"),
    # the same name group on the same date ("Theo Allen" / "Theodore Aklen")
    _same("birth_given", "dob_days", "given_canon"),
    # the same family name and birthday, a year out or a given name mistyped ("Snny" / "Sonny")
    _same("family_birthday", "family_canon", "dob_md"),
    _same("names_sound", "given_phon", "family_phon"),
    _same("postcode_given", "postcode", "given_canon"),
    _same("postcode_family", "postcode", "family_canon"),
    # a pair of rules, one per direction, so that together they are symmetric
    BlockingRule("names_swapped", (("family_gcanon", "given_canon"), ("given_fcanon", "family_canon"))),
    BlockingRule("names_swapped_r", (("given_canon", "family_gcanon"), ("family_canon", "given_fcanon"))),
)

#: Rules whose pairs are near-certain matches, for estimating the prior (λ) directly.
DETERMINISTIC_RULES: Final[tuple[str, ...]] = (
    "l.given_canon = r.given_canon AND l.family_canon = r.family_canon AND l.dob_days = r.dob_days",
    "l.given_canon = r.given_canon AND l.dob_days = r.dob_days AND l.postcode = r.postcode",
)
#: Share of true matching pairs the deterministic rules are assumed to find.
DETERMINISTIC_RECALL: Final[float] = 0.8

#: EM sessions of the main model: each estimates m for the comparisons that do not read its blocking
#: columns. Blocking on family name and date of birth estimates given name and sex; the household
#: comparison's m comes from :data:`HOUSEHOLD_M`.
EM_BLOCKING_RULES: Final[tuple[str, ...]] = ("l.family_std = r.family_std AND l.dob_days = r.dob_days",)


def splink_settings(
    dialect: Dialect,
    *,
    comparisons: Sequence[Comparison] = COMPARISONS,
    blocking_rules: Sequence[BlockingRule] = BLOCKING_RULES,
    link_type: str = "dedupe_only",
) -> dict[str, Any]:
    """The Splink settings dictionary (untrained) for ``dialect``."""
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "comparisons": [c.splink_dict(dialect) for c in comparisons],
        "blocking_rules_to_generate_predictions": [r.sql() for r in blocking_rules],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
        "em_convergence": 0.0001,
        "max_iterations": 25,
    }


@dataclass(frozen=True, slots=True)
class Guard:
    """A record lacking ``column`` cannot vouch for a person whose other records hold ``column`` and
    all fall in the last ("All other") level of ``comparison`` against the query."""

    column: str
    comparison: Comparison


#: The look-up's person-level guards: the given name (the twin discriminator), the date of birth and
#: the family name (a record without one cannot vouch for a child whose other records give another).
GUARDS: Final[tuple[Guard, ...]] = (
    Guard("given_std", GIVEN_NAME),
    Guard("dob_days", DOB_ALONE),
    Guard("family_std", FAMILY_ALONE),
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A set of comparisons and blocking rules: the person model, or a variant (e.g. for FEBRL)."""

    comparisons: tuple[Comparison, ...] = COMPARISONS
    blocking_rules: tuple[BlockingRule, ...] = BLOCKING_RULES
    deterministic_rules: tuple[str, ...] = DETERMINISTIC_RULES
    deterministic_recall: float = DETERMINISTIC_RECALL
    em_blocking_rules: tuple[str, ...] = EM_BLOCKING_RULES
    joint: tuple[JointComparison, ...] = (HOUSEHOLD_M,)
    version: str = SPEC_VERSION
    extra_string_columns: tuple[str, ...] = field(default=())
    guards: tuple[Guard, ...] = ()
    """Person-level consistency checks of the look-up (see ``LookupEngine.lookup``)."""

    @property
    def string_columns(self) -> tuple[str, ...]:
        return STRING_COLUMNS + self.extra_string_columns


PERSON_MODEL: Final[ModelSpec] = ModelSpec(guards=GUARDS)


def check_model_matches_spec(model_settings: Mapping[str, Any], spec: ModelSpec, dialect: Dialect) -> None:
    """Raise ``ValueError`` unless every trained level's SQL is what ``spec`` renders today.

    This is what makes the fast path trustworthy: it evaluates ``spec``'s predicates with the trained
    model's weights, so the two must describe the same levels.
    """
    trained = {c["output_column_name"]: c for c in model_settings["comparisons"]}
    for comparison in spec.comparisons:
        if comparison.name not in trained:
            raise ValueError(f"model has no comparison {comparison.name!r}")
        expected = comparison.splink_dict(dialect)["comparison_levels"]
        actual = trained[comparison.name]["comparison_levels"]
        if len(expected) != len(actual):
            raise ValueError(
                f"comparison {comparison.name!r} has {len(actual)} levels, spec has {len(expected)}"
            )
        for e, a in zip(expected, actual, strict=True):
            if _norm_sql(e["sql_condition"]) != _norm_sql(a["sql_condition"]):
                raise ValueError(
                    f"comparison {comparison.name!r} level {e['label_for_charts']!r} was trained as "
                    f"{a['sql_condition']!r}, spec now says {e['sql_condition']!r}"
                )


def _norm_sql(sql: str) -> str:
    return " ".join(sql.replace('"', "").split()).lower()
