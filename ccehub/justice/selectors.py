"""What the charging screen reads: a child's open NRM referrals as notices (J-04, R-09)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ccehub.nrm.selectors import referral_concluded
from ccehub.rules.prosecution import ChargingNotice, OpenReferral, charging_notices


def open_referral(referral: Any) -> OpenReferral:
    """The rule's view of an ``NRMReferral`` (its ``decisions`` prefetched, or one query)."""
    decisions = list(referral.decisions.all())
    positive_rg = [d.decided_on for d in decisions if d.stage == "rg" and d.outcome == "positive"]
    positive_cg = [d.decided_on for d in decisions if d.stage == "cg" and d.outcome == "positive"]
    return OpenReferral(
        referral_id=str(referral.pk),
        referred_on=referral.referred_on,
        linked_incident_id=str(referral.linked_incident_id) if referral.linked_incident_id else None,
        rg_positive=bool(positive_rg),
        rg_positive_on=positive_rg[0] if positive_rg else None,
        concluded=referral_concluded(referral),
        cg_positive=bool(positive_cg),
        cg_positive_on=positive_cg[0] if positive_cg else None,
    )


def charging_notices_for(referrals: Iterable[Any], *, incident: Any = None) -> tuple[ChargingNotice, ...]:
    """The notices for a charge on ``incident`` (or none named), from the child's referrals."""
    incident_id = str(incident.pk) if incident is not None else None
    return charging_notices([open_referral(r) for r in referrals], incident_id=incident_id)
