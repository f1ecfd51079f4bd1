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


def present(candidate: dict[str, Any], agency_names: dict[str, str]) -> dict[str, Any]:
    flags = candidate.get("flags") or {}
    shown = [label for key, label in FLAG_LABELS.items() if flags.get(key)]
    if flags.get("nrm_decision"):
        shown.append(DECISION_LABELS.get(flags["nrm_decision"], flags["nrm_decision"]))
    known_to = sorted({agency_names.get(r["agency"], r["agency"]) for r in candidate["records"]})
    home = candidate.get("_home_local_authority_name") or candidate.get("home_local_authority")
    headline = f"Known to {', '.join(known_to)}"
    return {
        "person_id": candidate["person_id"],
        "probability": f"{candidate['match_probability'] * 100:.0f}%",
        "confidence": confidence(candidate["match_probability"]),
        "headline": headline,
        "home": home,
        "flags": shown,
        "contact": candidate.get("contact"),
        "records": candidate["records"],
    }
