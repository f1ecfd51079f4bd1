"""Measure a person index against the synthetic truth: look-up accuracy, false matches, clusters.

Only evaluation reads ``true_person_id``; linkage never does.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ccehub.linkage.index import PersonIndex
from ccehub.synthetic.holdout import Holdout
from ccehub.synthetic.population import Population
from ccehub.synthetic.records import AgencyRecord, custody_queries


def query_fields(record: AgencyRecord) -> dict[str, str]:
    """The look-up fields of a record (what an officer would type)."""
    return {
        "given_name": record.given_name,
        "family_name": record.family_name,
        "date_of_birth": record.date_of_birth,
        "sex": record.sex,
        "postcode": record.postcode,
    }


@dataclass
class LookupEvaluation:
    """Accuracy and speed of look-ups against an index built from synthetic records."""

    known_queries: int = 0
    top1_correct: int = 0
    known_not_found: int = 0
    known_complete: int = 0
    """Known children found (top-1) with *every* one of their indexed records among the candidates'
    records: the officer learns all the index holds, not a part of it (a child whose records are
    split over two persons may have one part below the threshold)."""
    known_split: int = 0
    """Known children found (top-1) whose records the index holds as more than one person."""
    absent_queries: dict[str, int] = field(default_factory=dict)
    false_matches: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    threshold: float = 0.5
    known_top: list[tuple[float, bool]] = field(default_factory=list, repr=False)
    """(top candidate's probability, whether it is the right child) per known look-up (0, False if none)."""
    absent_top: dict[str, list[float]] = field(default_factory=dict, repr=False)
    """Top candidate's probability per absent look-up (0 if none), by kind."""
    known_by_tradition: dict[str, list[int]] = field(default_factory=dict)
    """``[look-ups, top-1 correct]`` of known children by the naming tradition of their names."""
    absent_by_tradition: dict[str, list[int]] = field(default_factory=dict)
    """``[look-ups, false matches]`` of absent children by naming tradition."""

    def at_threshold(self, threshold: float) -> dict[str, float]:
        """Top-1 accuracy and false-match rate had the threshold been ``threshold`` (>= the one run)."""
        known = [correct and p >= threshold for p, correct in self.known_top]
        absent = [p >= threshold for probs in self.absent_top.values() for p in probs]
        return {
            "threshold": threshold,
            "top1_accuracy": sum(known) / len(known) if known else float("nan"),
            "false_match_rate": sum(absent) / len(absent) if absent else float("nan"),
        }

    @property
    def top1_accuracy(self) -> float:
        return self.top1_correct / self.known_queries if self.known_queries else float("nan")

    @property
    def completeness(self) -> float:
        """Share of correctly found known children with all their indexed records returned."""
        return self.known_complete / self.top1_correct if self.top1_correct else float("nan")

    @property
    def false_match_rate(self) -> float:
        total = sum(self.absent_queries.values())
        return sum(self.false_matches.values()) / total if total else float("nan")

    def latency(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    def as_dict(self) -> dict[str, Any]:
        hidden = {"latencies_ms", "known_top", "absent_top", "known_by_tradition", "absent_by_tradition"}
        out = {k: v for k, v in asdict(self).items() if k not in hidden}
        out.update(
            top1_accuracy=self.top1_accuracy,
            completeness=self.completeness,
            false_match_rate=self.false_match_rate,
            false_match_rate_by_kind={
                k: (self.false_matches.get(k, 0) / n if n else None) for k, n in self.absent_queries.items()
            },
            latency_ms={
                "p50": self.latency(50),
                "p95": self.latency(95),
                "p99": self.latency(99),
                "mean": float(np.mean(self.latencies_ms)) if self.latencies_ms else None,
            },
            by_threshold=[
                self.at_threshold(t) for t in (self.threshold, 0.8, 0.9, 0.95, 0.99) if t >= self.threshold
            ],
            by_naming_tradition=self.by_tradition(),
        )
        return out

    def by_tradition(self) -> dict[str, dict[str, float | int | None]]:
        """Top-1 and false-match rate by the naming tradition the synthetic children's names come from.

        An equality check: a name-based look-up that finds namesakes more often in one community
        wrongly tells officers that its children are "already known" more often.
        """
        out: dict[str, dict[str, float | int | None]] = {}
        for tradition in sorted(set(self.known_by_tradition) | set(self.absent_by_tradition)):
            kq, kc = self.known_by_tradition.get(tradition, [0, 0])
            aq, af = self.absent_by_tradition.get(tradition, [0, 0])
            out[tradition] = {
                "known_queries": kq,
                "top1_accuracy": kc / kq if kq else None,
                "absent_queries": aq,
                "false_matches": af,
                "false_match_rate": af / aq if aq else None,
            }
        return out


def true_person_of_clusters(index: PersonIndex, truth: pd.DataFrame) -> dict[str, str]:
    """Majority true person of each indexed person (``truth``: agency, record_id, true_person_id)."""
    merged = index.records[["agency", "record_id", "person_id"]].merge(truth, on=["agency", "record_id"])
    majority = merged.groupby("person_id")["true_person_id"].agg(lambda s: Counter(s).most_common(1)[0][0])
    return {str(k): str(v) for k, v in majority.items()}


def evaluate_lookup(
    index: PersonIndex,
    population: Population,
    split: Holdout,
    truth: pd.DataFrame,
    *,
    n_known: int,
    seed: int,
    threshold: float = 0.5,
) -> LookupEvaluation:
    """Look up fresh custody-style records of ``n_known`` indexed people and of every absent person.

    A known look-up is correct when the top candidate is the person whose records are mostly the
    queried child's; an absent look-up is a false match when any candidate reaches ``threshold``.
    """
    owner = true_person_of_clusters(index, truth)
    rng = np.random.default_rng(seed)
    indexed = list(split.indexed)
    pick = rng.choice(len(indexed), size=min(n_known, len(indexed)), replace=False)
    known = [indexed[i] for i in sorted(pick.tolist())]
    # every indexed record of each known child, and the persons the index holds them as
    held = index.records[["agency", "record_id", "person_id"]].merge(truth, on=["agency", "record_id"])
    held = held[held["true_person_id"].isin({p.person_id for p in known})]
    records_of: dict[str, set[tuple[str, str]]] = {}
    persons_of: dict[str, set[str]] = {}
    for agency, record_id, person_id, true_id in held[
        ["agency", "record_id", "person_id", "true_person_id"]
    ].itertuples(index=False):
        records_of.setdefault(str(true_id), set()).add((str(agency), str(record_id)))
        persons_of.setdefault(str(true_id), set()).add(str(person_id))
    result = LookupEvaluation(threshold=threshold)
    for record in custody_queries(population, known, seed=seed):
        started = time.perf_counter()
        found = index.lookup(query_fields(record), threshold=threshold)
        result.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        result.known_queries += 1
        tally = result.known_by_tradition.setdefault(population.person(record.true_person_id).origin, [0, 0])
        tally[0] += 1
        if not found.candidates:
            result.known_not_found += 1
            result.known_top.append((0.0, False))
        else:
            right = owner.get(found.candidates[0].person_id) == record.true_person_id
            result.top1_correct += right
            tally[1] += right
            if right:
                returned = {(r.agency, r.record_id) for c in found.candidates for r in c.records}
                result.known_complete += records_of.get(record.true_person_id, set()) <= returned
                result.known_split += len(persons_of.get(record.true_person_id, ())) > 1
            result.known_top.append((found.candidates[0].match_probability, right))
    for kind, persons in split.absent.items():
        result.absent_queries[kind] = len(persons)
        result.false_matches[kind] = 0
        for record in custody_queries(population, persons, seed=seed + 1):
            started = time.perf_counter()
            found = index.lookup(query_fields(record), threshold=threshold)
            result.latencies_ms.append((time.perf_counter() - started) * 1000.0)
            top = found.candidates[0].match_probability if found.candidates else 0.0
            result.absent_top.setdefault(kind, []).append(top)
            tally = result.absent_by_tradition.setdefault(
                population.person(record.true_person_id).origin, [0, 0]
            )
            tally[0] += 1
            if found.candidates:
                result.false_matches[kind] += 1
                tally[1] += 1
    return result


@dataclass(frozen=True)
class ClusterEvaluation:
    """Pairwise precision/recall of the clustering against the truth."""

    records: int
    clusters: int
    true_persons: int
    pair_precision: float
    pair_recall: float
    impure_clusters: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_clusters(
    assignments: Sequence[str] | pd.Series, truth: Sequence[str] | pd.Series
) -> ClusterEvaluation:
    """Compare predicted person ids with true person ids, record by record."""
    frame = pd.DataFrame({"p": list(assignments), "t": list(truth)})

    def pairs(counts: Mapping[Any, int] | pd.Series) -> int:
        values = np.asarray(list(counts.values()) if isinstance(counts, Mapping) else counts.to_numpy())
        return int((values * (values - 1) // 2).sum())

    both = pairs(frame.groupby(["p", "t"]).size())
    predicted = pairs(frame.groupby("p").size())
    actual = pairs(frame.groupby("t").size())
    impure = int((frame.groupby("p")["t"].nunique() > 1).sum())
    return ClusterEvaluation(
        records=len(frame),
        clusters=int(frame["p"].nunique()),
        true_persons=int(frame["t"].nunique()),
        pair_precision=both / predicted if predicted else 1.0,
        pair_recall=both / actual if actual else 1.0,
        impure_clusters=impure,
    )
