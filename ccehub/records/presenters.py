"""Plain-English look-up results for a custody officer at 2 a.m."""

from __future__ import annotations

from typing import Any

FLAG_LABELS = {
    "open_nrm": "Open NRM referral",
    "cp_plan": "Child protection plan",
    "cin_plan": "Child in need plan",
    "looked_after": "Looked after (in care)",
    "missing_now": "Reported missing now",
}
DECISION_LABELS = {
    "RG_POSITIVE": "NRM: positive reasonable grounds",
    "RG_NEGATIVE": "NRM: negative reasonable grounds",
    "CG_POSITIVE": "NRM: positive conclusive grounds",
    "CG_NEGATIVE": "NRM: negative conclusive grounds",
}


def confidence(p: float) -> str:
    if p >= 0.95:
        return "Very likely the same child"
    if p >= 0.8:
        return "Likely the same child"
    return "Possibly the same child"


def agency_label(name: str, kind: str) -> str:
    """How an officer says an agency: a local authority as its children's services ("Islington
    children's services"); police forces, youth justice services and trusts by their own names."""
    if kind == "la_childrens_services" and "children" not in name.lower():
        return f"{name} children's services"
    return name


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def present(candidate: dict[str, Any], agency_names: dict[str, str]) -> dict[str, Any]:
    """``agency_names`` maps agency codes to the words to show (see :func:`agency_label`)."""
    flags = candidate.get("flags") or {}
    shown = [label for key, label in FLAG_LABELS.items() if flags.get(key)]
    if flags.get("nrm_decision"):
        shown.append(DECISION_LABELS.get(flags["nrm_decision"], flags["nrm_decision"]))
    known_to = sorted({agency_names.get(r["agency"], r["agency"]) for r in candidate["records"]})
    home = candidate.get("_home_local_authority_name") or candidate.get("home_local_authority")
    headline = f"Known to {_and(known_to)}" if known_to else "Known to the index"
    return {
        "person_id": candidate["person_id"],
        "probability": f"{candidate['match_probability'] * 100:.0f}%",
        "confidence": confidence(candidate["match_probability"]),
        "headline": headline,
        "home": home,
        "flags": shown,
        "contact": candidate.get("contact"),
        "unnamed_record": bool(candidate.get("_best_record_unnamed")),
        "records": candidate["records"],
        "records_named": [
            f"{agency_names.get(r['agency'], r['agency'])}: {r['record_id']}" for r in candidate["records"]
        ],
    }
