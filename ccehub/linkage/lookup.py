"""The single-record fast path: "is this child already known?" in about a millisecond.

Splink answers a one-record question by generating, planning and running SQL over the whole index
(``predict_between``) — fine for batches, hundreds of milliseconds to seconds for one custody query.
This module answers it in memory with the *same* model:

1. the query is standardised by the same code as the index (:mod:`ccehub.linkage.standardise`);
2. every blocking rule is a sorted array of integer keys over the index, so the candidate records a
   rule admits are one binary search away; the union over rules is exactly the set of pairs
   Splink's blocking would generate for this query;
3. candidates are scored in numpy with the comparison levels of :mod:`ccehub.linkage.settings` (the
   predicate trees Splink's SQL was rendered from) and the trained weights read from the model
   (log2(m/u) per level, term-frequency adjustment, prior), summed in Splink's order;
4. records are grouped into persons (the clusters Splink built); a person's probability is that of
   their best-matching record. Persons at or above the threshold are returned, best first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ccehub.linkage.model import ModelWeights
from ccehub.linkage.settings import (
    INT_COLUMNS,
    INT_NULL,
    STR_NULL,
    BlockingRule,
    Guard,
    ModelSpec,
    PairData,
    evaluate_comparison,
)
from ccehub.linkage.standardise import standardise_record
from ccehub.linkage.tf import smoothed, tf_priors

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DEFAULT_THRESHOLD: Final[float] = 0.5
#: Code for a query string the index has never seen: equal to nothing, but not NULL.
UNSEEN: Final[int] = -2
_INT_RADIX: Final[int] = 1 << 20  # dob_days + offset and years fit comfortably
_INT_OFFSET: Final[int] = 1 << 19


@dataclass(frozen=True, slots=True)
class RecordRef:
    """One agency record: the agency's code and its own record id."""

    agency: str
    record_id: str

    def as_dict(self) -> dict[str, str]:
        return {"agency": self.agency, "record_id": self.record_id}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person the query may be. ``records`` are all of the person's agency records."""

    person_id: str
    match_probability: float
    match_weight: float
    records: tuple[RecordRef, ...]
    best_record: RecordRef

    def as_dict(self) -> dict[str, Any]:
        """The fields that may cross the agency boundary (see ``docs/linkage.md``)."""
        return {
            "person_id": self.person_id,
            "match_probability": round(self.match_probability, 6),
            "records": [r.as_dict() for r in self.records],
        }


@dataclass(frozen=True, slots=True)
class LookupResult:
    """Candidates at or above the threshold, best first, and the time the look-up took."""

    candidates: tuple[Candidate, ...]
    query_ms: float
    candidates_scored: int

    def as_dict(self) -> dict[str, Any]:
        return {"candidates": [c.as_dict() for c in self.candidates], "query_ms": round(self.query_ms, 3)}


class Vocabulary:
    """One integer code per distinct string across all compared string columns."""

    def __init__(self, values: Iterable[str]) -> None:
        self.strings: list[str] = list(dict.fromkeys(values))
        self.codes: dict[str, int] = {s: i for i, s in enumerate(self.strings)}

    def __len__(self) -> int:
        return len(self.strings)

    def encode_column(self, column: pd.Series) -> IntArray:
        index = pd.Index(self.strings)
        out: IntArray = index.get_indexer(column.astype(object).where(column.notna(), None)).astype(np.int64)
        out[column.isna().to_numpy()] = STR_NULL
        return out

    def encode(self, value: object) -> int:
        if value is None:
            return STR_NULL
        return self.codes.get(str(value), UNSEEN)


def _int_column(column: pd.Series) -> IntArray:
    values = pd.array(column, dtype="Int64")
    return np.asarray(values.fillna(INT_NULL).to_numpy(dtype=np.int64))


class Scorer:
    """Scores record pairs with trained weights, mirroring Splink's ``predict`` SQL."""

    def __init__(self, weights: ModelWeights, spec: ModelSpec, vocabulary: Vocabulary) -> None:
        self.spec = spec
        self.weights = weights
        by_name = {c.name: c for c in weights.comparisons}
        self._tables: list[tuple[Any, FloatArray, Any]] = []
        for comparison in spec.comparisons:
            cw = by_name[comparison.name]
            level_weights = np.array([lw.match_weight for lw in cw.levels], dtype=np.float64)
            self._tables.append((comparison, level_weights, cw))
        self._vocabulary = vocabulary
        self.tf: dict[str, FloatArray] = {}

    def set_term_frequencies(self, column: str, codes: IntArray, prior: float) -> None:
        """Term frequency per vocabulary code, smoothed towards ``prior`` exactly as the tables given
        to Splink are (:mod:`ccehub.linkage.tf`)."""
        valid = codes[codes != STR_NULL]
        freq = np.full(len(self._vocabulary) + 1, np.nan)
        if len(valid):
            uniq, counts = np.unique(valid, return_counts=True)
            freq[uniq] = smoothed(counts.astype(np.float64), float(len(valid)), prior)
        self.tf[column] = freq[: len(self._vocabulary)]

    def _tf_values(self, column: str, codes: IntArray) -> FloatArray:
        table = self.tf[column]
        out = np.full(len(codes), np.nan)
        ok = codes >= 0
        out[ok] = table[codes[ok]]
        return out

    def score(self, data: PairData) -> tuple[FloatArray, FloatArray, IntArray]:
        """``(match_weight, match_probability, gamma)`` per pair; ``gamma`` is pairs × comparisons of
        level indices in spec order (Splink's ``gamma_*`` counts levels from the bottom instead)."""
        n = len(data)
        total = np.full(n, self.weights.prior_match_weight, dtype=np.float64)
        gammas = np.empty((n, len(self._tables)), dtype=np.int64)
        for j, (comparison, level_weights, cw) in enumerate(self._tables):
            level = evaluate_comparison(comparison, data)
            gammas[:, j] = level
            total = total + level_weights[level]
            tf_levels = [i for i, lw in enumerate(cw.levels) if lw.tf_column and not lw.is_null]
            if tf_levels:
                adj = np.zeros(n, dtype=np.float64)
                for i in tf_levels:
                    lw = cw.levels[i]
                    at = level == i
                    if not at.any() or lw.tf_log2_u_exact is None or lw.tf_column is None:
                        continue
                    tf_l = self._tf_values(lw.tf_column, data.left[lw.tf_column][at])
                    tf_r = self._tf_values(lw.tf_column, data.right[lw.tf_column][at])
                    exists = ~(np.isnan(tf_l) & np.isnan(tf_r))
                    tf_max = np.fmax(np.fmax(tf_l, tf_r), lw.tf_minimum_u)
                    vals = np.zeros(at.sum(), dtype=np.float64)
                    vals[exists] = lw.tf_weight * (lw.tf_log2_u_exact - np.log2(tf_max[exists]))
                    adj[at] = vals
                total = total + adj
        return total, match_probability(total), gammas


def match_probability(match_weight: FloatArray) -> FloatArray:
    """Splink's numerically stable 1 / (1 + 2^-w)."""
    pos = match_weight >= 0
    out = np.empty_like(match_weight)
    out[pos] = 1.0 / (1.0 + np.power(2.0, -match_weight[pos]))
    e = np.power(2.0, match_weight[~pos])
    out[~pos] = e / (1.0 + e)
    return out


class BlockingIndex:
    """For each blocking rule, index records sorted by an integer key of the rule's columns."""

    def __init__(self, rules: Sequence[BlockingRule], columns: Mapping[str, IntArray], radix: int) -> None:
        self.rules = tuple(rules)
        self._radix = radix
        self._keys: list[IntArray] = []
        self._order: list[IntArray] = []
        for rule in self.rules:
            key, valid = self._combine([columns[c] for c in rule.right_columns], rule.right_columns)
            idx = np.flatnonzero(valid)
            order = idx[np.argsort(key[idx], kind="stable")]
            self._keys.append(key[order])
            self._order.append(order.astype(np.int64))

    def _combine(
        self, arrays: Sequence[IntArray], names: Sequence[str]
    ) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        key = np.zeros(len(arrays[0]), dtype=np.int64)
        valid = np.ones(len(arrays[0]), dtype=bool)
        for arr, name in zip(arrays, names, strict=True):
            if name in INT_COLUMNS:
                valid &= arr != INT_NULL
                part = np.where(arr != INT_NULL, arr + _INT_OFFSET, 0)
                key = key * _INT_RADIX + part
            else:
                valid &= arr >= 0
                key = key * self._radix + np.where(arr >= 0, arr, 0)
        return key, valid

    def candidates(self, query: Mapping[str, int]) -> IntArray:
        """Index rows that any rule pairs with ``query`` (codes per column)."""
        found: list[IntArray] = []
        for rule, keys, order in zip(self.rules, self._keys, self._order, strict=True):
            parts = [np.array([query[c]], dtype=np.int64) for c in rule.left_columns]
            key, valid = self._combine(parts, rule.right_columns)
            if not valid[0]:
                continue
            lo = int(np.searchsorted(keys, key[0], side="left"))
            hi = int(np.searchsorted(keys, key[0], side="right"))
            if hi > lo:
                found.append(order[lo:hi])
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))


class LookupEngine:
    """In-memory person index: encoded columns, blocking arrays, persons and a :class:`Scorer`.

    Built from standardised records with a ``person_id`` column (see :func:`build_index`).
    """

    def __init__(
        self,
        records: pd.DataFrame,
        weights: ModelWeights,
        spec: ModelSpec,
        *,
        tf_source: pd.DataFrame | None = None,
    ) -> None:
        """``tf_source``: records to take term frequencies from, when they should not be the index's
        own (e.g. to reproduce a Splink run over a larger table)."""
        self.spec = spec
        self.weights = weights
        string_cols = [c for c in spec.string_columns if c in records.columns]
        values: list[str] = []
        for col in string_cols:
            values.extend(records[col].dropna().astype(str).unique().tolist())
        self.vocabulary = Vocabulary(values)
        self.columns: dict[str, IntArray] = {}
        for col in string_cols:
            self.columns[col] = self.vocabulary.encode_column(records[col])
        for col in INT_COLUMNS:
            self.columns[col] = _int_column(records[col])
        self.unique_ids: npt.NDArray[np.object_] = records["unique_id"].to_numpy(dtype=object)
        self.agencies: npt.NDArray[np.object_] = records["agency"].to_numpy(dtype=object)
        self.record_ids: npt.NDArray[np.object_] = records["record_id"].to_numpy(dtype=object)
        person_codes, self.person_ids = pd.factorize(records["person_id"], sort=False)
        self.person_codes = person_codes.astype(np.int64)
        order = np.argsort(self.person_codes, kind="stable")
        bounds = np.searchsorted(self.person_codes[order], np.arange(len(self.person_ids) + 1))
        self._person_order = order
        self._person_bounds = bounds
        self.blocking = BlockingIndex(spec.blocking_rules, self.columns, radix=len(self.vocabulary) + 1)
        self.scorer = Scorer(weights, spec, self.vocabulary)
        priors = tf_priors(weights)
        for comparison in spec.comparisons:
            for level in comparison.levels:
                if level.tf_column and level.tf_column not in self.scorer.tf:
                    source = self.columns[level.tf_column]
                    if tf_source is not None:
                        source = self.vocabulary.encode_column(tf_source[level.tf_column])
                        unseen = tf_source[level.tf_column].notna().to_numpy() & (source == -1)
                        source[unseen] = len(self.vocabulary)  # counted in the total, not in the index
                    self.scorer.set_term_frequencies(level.tf_column, source, priors[level.tf_column])

    def __len__(self) -> int:
        return len(self.unique_ids)

    @property
    def n_persons(self) -> int:
        return len(self.person_ids)

    def encode_query(self, query: Mapping[str, object], *, standardised: bool = False) -> EncodedQuery:
        """Standardise a raw query (unless ``standardised``) and encode it against the vocabulary.

        A string the index has never seen gets its own negative code (below :data:`UNSEEN`): equal
        to nothing in the index, equal to itself in another column (a swapped name), and readable by
        the fuzzy comparisons.
        """
        std = (
            query if standardised else standardise_record({"agency": "QUERY", "record_id": "query", **query})
        )
        codes: dict[str, int] = {}
        extra: dict[int, str] = {}
        unseen: dict[str, int] = {}
        for col in self.columns:
            value = std.get(col)
            if value is not None and pd.isna(value):  # NaN / pd.NA from a frame row
                value = None
            if col in INT_COLUMNS:
                codes[col] = INT_NULL if value is None else int(str(value))
                continue
            code = self.vocabulary.encode(value)
            if code == UNSEEN:
                text = str(value)
                if text not in unseen:
                    unseen[text] = UNSEEN - 1 - len(unseen)
                    extra[unseen[text]] = text
                code = unseen[text]
            codes[col] = code
        return EncodedQuery(codes, extra)

    def _pair_data(self, query: EncodedQuery, rows: IntArray) -> PairData:
        n = len(rows)
        left = {c: np.full(n, query.codes[c], dtype=np.int64) for c in self.columns}
        right = {c: arr[rows] for c, arr in self.columns.items()}
        return PairData(left, right, _QueryVocabulary(self.vocabulary, query.extra_strings))

    def score_query(self, query: Mapping[str, object]) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """Blocked candidate rows for a raw query with ``(rows, weight, probability, level)``."""
        encoded = self.encode_query(query)
        rows = self.blocking.candidates(encoded.codes)
        if len(rows) == 0:
            empty = np.empty(0, dtype=np.float64)
            return rows, empty, empty, np.empty((0, len(self.spec.comparisons)), dtype=np.int64)
        weight, prob, level = self.scorer.score(self._pair_data(encoded, rows))
        return rows, weight, prob, level

    def lookup(
        self,
        query: Mapping[str, object],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int | None = None,
        guards: bool = True,
        standardised: bool = False,
    ) -> LookupResult:
        """Persons the query may be, at or above ``threshold``, best first.

        ``query`` holds raw fields (``given_name`` ...), or standardised columns when
        ``standardised`` (as :func:`standardise_record` makes them, plus a spec's extra columns).

        A person's probability is that of their best-matching record, with one exception
        (``guards``, see :data:`ccehub.linkage.settings.GUARDS`): a record that lacks the given name
        (or date of birth) cannot stand in for a person whose other records give one unlike the
        query's. Without it, a twin is "found" through their co-twin's record that omits the name
        (same family name, birth date and address), and a namesake through a record without a date.
        """
        started = time.perf_counter()
        encoded = self.encode_query(query, standardised=standardised)
        rows = self.blocking.candidates(encoded.codes)
        scored = len(rows)
        candidates: list[Candidate] = []
        if scored:
            weight, prob, _ = self.scorer.score(self._pair_data(encoded, rows))
            keep = prob >= threshold
            if guards and keep.any():
                keep &= ~self._unsupported(encoded, rows, keep, weight)
            rows, weight, prob = rows[keep], weight[keep], prob[keep]
            if len(rows):
                candidates = self._persons(rows, weight, prob, limit)
        elapsed = (time.perf_counter() - started) * 1000.0
        return LookupResult(tuple(candidates), query_ms=elapsed, candidates_scored=scored)

    def _unsupported(
        self,
        encoded: EncodedQuery,
        rows: IntArray,
        keep: npt.NDArray[np.bool_],
        weight: FloatArray,
    ) -> npt.NDArray[np.bool_]:
        """Kept rows that lack a guarded field and cannot vouch for the query child on it.

        A row lacking the field is dropped when (1) the other records of its own person hold the
        field and all contradict the query, or (2) it is *claimed* by another person: some other
        person's record matches the row at least as strongly as the query does, and that person's
        records hold the field and all contradict the query. Case (2) is a twin's record without a
        given name, sitting alone, that fits the indexed co-twin as well as it fits the query.
        """
        out = np.zeros(len(rows), dtype=bool)
        persons = self.person_codes[rows]
        for guard in self.spec.guards:
            values = self.columns[guard.column]
            null = INT_NULL if guard.column in INT_COLUMNS else STR_NULL
            if encoded.codes[guard.column] == null:
                continue
            suspects = np.flatnonzero(keep & ~out & (values[rows] == null))
            for i in suspects.tolist():
                p = int(persons[i])
                if self._contradicts(encoded, guard, p, values, null):
                    out[i] = True
                    continue
                for other in self._claimants(int(rows[i]), float(weight[i]), encoded):
                    if other != p and self._contradicts(encoded, guard, other, values, null):
                        out[i] = True
                        break
        return out

    def _contradicts(
        self, encoded: EncodedQuery, guard: Guard, person: int, values: IntArray, null: int
    ) -> bool:
        """The person's records hold the guarded field and all fall in its last level against the query."""
        members = self._person_order[self._person_bounds[person] : self._person_bounds[person + 1]]
        holding = members[values[members] != null]
        if len(holding) == 0:
            return False
        levels = evaluate_comparison(guard.comparison, self._pair_data(encoded, holding))
        return bool((levels == len(guard.comparison.levels) - 1).all())

    def _claimants(self, row: int, query_weight: float, encoded: EncodedQuery) -> list[int]:
        """Persons (other than the row's) with a record matching ``row`` at least as well as the query,
        on the evidence the query gives: a field the query lacks is left out of both comparisons, so
        a query typed without a postcode does not out-score the co-twin whose family has since moved."""
        codes = {c: int(arr[row]) for c, arr in self.columns.items()}
        others = self.blocking.candidates(codes)
        others = others[self.person_codes[others] != self.person_codes[row]]
        if len(others) == 0:
            return []
        for c in codes:
            if encoded.codes[c] == (INT_NULL if c in INT_COLUMNS else STR_NULL):
                codes[c] = INT_NULL if c in INT_COLUMNS else STR_NULL
        left = {c: np.full(len(others), v, dtype=np.int64) for c, v in codes.items()}
        right = {c: arr[others] for c, arr in self.columns.items()}
        weights, _, _ = self.scorer.score(PairData(left, right, self.vocabulary.strings))
        claimants: list[int] = np.unique(self.person_codes[others[weights >= query_weight]]).tolist()
        return claimants

    def _persons(
        self, rows: IntArray, weight: FloatArray, prob: FloatArray, limit: int | None
    ) -> list[Candidate]:
        persons = self.person_codes[rows]
        # best record per person: sort by (person, -weight) and take the first of each person
        order = np.lexsort((-weight, persons))
        first = np.ones(len(order), dtype=bool)
        first[1:] = persons[order][1:] != persons[order][:-1]
        best = order[first]
        best = best[np.argsort(-weight[best], kind="stable")]
        if limit is not None:
            best = best[:limit]
        out: list[Candidate] = []
        for i in best.tolist():
            p = int(persons[i])
            members = self._person_order[self._person_bounds[p] : self._person_bounds[p + 1]].tolist()
            members.sort(key=lambda m: (self.agencies[m], self.record_ids[m]))
            row = int(rows[i])
            out.append(
                Candidate(
                    person_id=str(self.person_ids[p]),
                    match_probability=float(prob[i]),
                    match_weight=float(weight[i]),
                    records=tuple(RecordRef(str(self.agencies[m]), str(self.record_ids[m])) for m in members),
                    best_record=RecordRef(str(self.agencies[row]), str(self.record_ids[row])),
                )
            )
        return out

    def candidate_pairs(self, query: Mapping[str, object]) -> pd.DataFrame:
        """Every blocked candidate record with its score (for audits, tests and comparisons)."""
        rows, weight, prob, gamma = self.score_query(query)
        frame = pd.DataFrame(
            {
                "unique_id": self.unique_ids[rows],
                "person_id": [str(self.person_ids[p]) for p in self.person_codes[rows]],
                "match_weight": weight,
                "match_probability": prob,
            }
        )
        for j, comparison in enumerate(self.spec.comparisons):
            frame[f"level_{comparison.name}"] = gamma[:, j] if len(rows) else []
        return frame

    def explain(
        self, query: Mapping[str, object], unique_id: str, *, standardised: bool = False
    ) -> list[dict[str, Any]]:
        """How the query scores against one record: the prior, then each comparison's level and
        weight (with any term-frequency adjustment), as in Splink's waterfall chart."""
        encoded = self.encode_query(query, standardised=standardised)
        row = np.flatnonzero(self.unique_ids == unique_id).astype(np.int64)
        if len(row) != 1:
            raise KeyError(unique_id)
        data = self._pair_data(encoded, row)
        prior = self.weights.prior_match_weight
        steps: list[dict[str, Any]] = [{"comparison": "prior", "level": "", "match_weight": prior}]
        total = prior
        for comparison, cw in zip(self.spec.comparisons, self.weights.comparisons, strict=True):
            level = int(evaluate_comparison(comparison, data)[0])
            single = Scorer(ModelWeights(0.0, (cw,)), _only(self.spec, comparison.name), self.vocabulary)
            single.tf = self.scorer.tf
            weight = float(single.score(data)[0][0])
            total += weight
            steps.append(
                {"comparison": comparison.name, "level": cw.levels[level].label, "match_weight": weight}
            )
        probability = float(match_probability(np.array([total]))[0])
        steps.append(
            {"comparison": "total", "level": "", "match_weight": total, "match_probability": probability}
        )
        return steps

    def score_rows(
        self, left_rows: IntArray, right_rows: IntArray
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Score pairs of index rows against each other (e.g. to check Splink's ``predict``)."""
        left = {c: arr[left_rows] for c, arr in self.columns.items()}
        right = {c: arr[right_rows] for c, arr in self.columns.items()}
        return self.scorer.score(PairData(left, right, self.vocabulary.strings))


@dataclass(frozen=True, slots=True)
class EncodedQuery:
    """A query's codes per column, and the strings behind its codes the index has never seen."""

    codes: dict[str, int]
    extra_strings: dict[int, str]


def _only(spec: ModelSpec, name: str) -> ModelSpec:
    return replace(spec, comparisons=tuple(c for c in spec.comparisons if c.name == name))


class _QueryVocabulary(Sequence[str]):
    """The index vocabulary plus the query's own unseen strings (negative codes)."""

    def __init__(self, vocabulary: Vocabulary, extra: Mapping[int, str]) -> None:
        self._strings = vocabulary.strings
        self._extra = extra

    def __len__(self) -> int:
        return len(self._strings)

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if i >= 0:
            return self._strings[i]
        return self._extra[i]


def probability_to_weight(p: float) -> float:
    """Match weight (log2 odds) for a probability."""
    return math.log2(p / (1 - p))
