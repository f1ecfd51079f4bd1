"""Known different children: records an agency says are *not* the same child are never one person.

The model cannot tell twins recorded as Harry and Henry Jones (one birth date, one address) from one
boy recorded once by his diminutive: "same name group" is exactly how one child's records differ. The
agency that holds both records knows they are twins. It says so with a *cannot-link* pair, and the
clustering respects it:

* clusters are Splink's connected components at the clustering threshold, as before; a cluster that
  holds no cannot-link pair is untouched, so an index built without constraints is unchanged;
* a cluster that holds one is rebuilt from its own edges, strongest first (ties by record id, so a
  rebuild gives the same persons): two parts are joined unless that would put a cannot-link pair in
  one person. A third record that matches both twins joins the one it matches more strongly.

Pairwise probabilities are not changed: a look-up still scores each record as Splink does; only
which records form a person changes, so a look-up of one twin shows the other as a separate
candidate, each with their own flags and contact.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["cannot_link_pairs", "split_cannot_link"]


def cannot_link_pairs(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Pairs of unique ids as an undirected set (each pair once, smaller id first, no self-pairs)."""
    out: set[tuple[str, str]] = set()
    for left, right in pairs:
        if left != right:
            out.add((left, right) if left < right else (right, left))
    return out


class _Parts:
    """Union-find over one cluster's records that refuses unions joining a cannot-link pair."""

    def __init__(self, members: Iterable[str], apart: set[tuple[str, str]]) -> None:
        self.parent = {m: m for m in members}
        self.members = {m: {m} for m in self.parent}
        self.partners: dict[str, set[str]] = {m: set() for m in self.parent}
        for left, right in apart:
            if left in self.parent and right in self.parent:
                self.partners[left].add(right)
                self.partners[right].add(left)
        self.forbidden = {m: set(self.partners[m]) for m in self.parent}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, left: str, right: str) -> bool:
        a, b = self.find(left), self.find(right)
        if a == b:
            return True
        if self.forbidden[a] & self.members[b]:
            return False
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] |= self.members.pop(b)
        self.forbidden[a] |= self.forbidden.pop(b)
        return True


def split_cannot_link(
    clusters: pd.DataFrame,
    edges: pd.DataFrame,
    cannot_link: Iterable[tuple[str, str]],
) -> tuple[pd.DataFrame, int]:
    """Split every cluster that holds a cannot-link pair.

    Args:
        clusters: ``unique_id`` and ``cluster_id``, one row per record.
        edges: the pairs the clusters were built from: ``unique_id_l``, ``unique_id_r``,
            ``match_probability`` (at or above the clustering threshold).
        cannot_link: pairs of unique ids that are known to be different children; ids not in
            ``clusters`` are ignored.

    Returns:
        ``(clusters, split)``: the same frame with ``cluster_id`` changed for the records of split
        clusters (new ids are ``"<old id>/<n>"``), and how many persons the split added.
    """
    apart = cannot_link_pairs(cannot_link)
    if not apart:
        return clusters, 0
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    affected = {
        cluster_of[left]
        for left, right in apart
        if left in cluster_of and right in cluster_of and cluster_of[left] == cluster_of[right]
    }
    if not affected:
        return clusters, 0
    out = clusters.copy()
    out["cluster_id"] = out["cluster_id"].astype(str)
    affected = {str(c) for c in affected}
    cluster_of = {k: str(v) for k, v in cluster_of.items()}
    in_affected = out["cluster_id"].isin(affected)
    members = out.loc[in_affected].groupby("cluster_id")["unique_id"].apply(list)
    edge_cluster_l = edges["unique_id_l"].map(cluster_of)
    edge_cluster_r = edges["unique_id_r"].map(cluster_of)
    inside = edges[(edge_cluster_l == edge_cluster_r) & edge_cluster_l.isin(affected)].assign(
        cluster_id=edge_cluster_l
    )
    ordered = inside.sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"], ascending=[False, True, True]
    )
    # each cluster's edges, strongest first, gathered in one pass (not one scan of them per cluster)
    edges_of: dict[str, list[tuple[str, str]]] = {}
    for cluster_id, left, right in zip(
        ordered["cluster_id"], ordered["unique_id_l"], ordered["unique_id_r"], strict=True
    ):
        edges_of.setdefault(cluster_id, []).append((left, right))
    apart_in: dict[str, set[tuple[str, str]]] = {}
    for left, right in apart:
        if left in cluster_of and right in cluster_of and cluster_of[left] == cluster_of[right]:
            apart_in.setdefault(cluster_of[left], set()).add((left, right))
    new_ids: dict[str, object] = {}
    added = 0
    for cluster_id, ids in members.items():
        parts = _Parts(ids, apart_in[cluster_id])
        for left, right in edges_of.get(cluster_id, []):
            parts.join(left, right)
        roots = sorted({parts.find(m) for m in ids}, key=lambda r: min(parts.members[r]))
        added += len(roots) - 1
        number = {root: n for n, root in enumerate(roots, start=1)}
        for m in ids:
            new_ids[m] = f"{cluster_id}/{number[parts.find(m)]}"
    out.loc[in_affected, "cluster_id"] = out.loc[in_affected, "unique_id"].map(new_ids)
    return out, added
