"""Labels and formatting for a child's record. No queries, no access decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.html import format_html

from ccehub.children.models import FIG3_ORDER, VulnerabilityFactor
from ccehub.children.selectors import ChildRecord
from ccehub.common.access import BASIS_AGREEMENT, BASIS_OWN, BASIS_PANEL, BASIS_SYSTEM
from ccehub.common.models import TriState
from ccehub.rules import service_referrals as service_rules

TRI_TAG = {
    TriState.RECORDED_PRESENT: ("Recorded", "red"),
    TriState.RECORDED_ABSENT: ("Recorded absent", "green"),
    TriState.NOT_RECORDED: ("Not recorded", "grey"),
    TriState.UNKNOWN: ("Unknown", "yellow"),
}


def basis_label(basis: str) -> str:
    if basis == BASIS_OWN:
        return "Your agency holds records on this child"
    if basis == BASIS_PANEL:
        return "Case shared with your CCE panel"
    if basis.startswith(BASIS_AGREEMENT):
        return "Data-sharing agreement"
    if basis == BASIS_SYSTEM:
        return "System operator"
    return basis


def age_text(dob: date | None, on: date | None = None) -> str:
    from ccehub.rules.age import age_on, days_until_18

    if dob is None:
        return "Not known"
    on = on or timezone.localdate()
    years = age_on(dob, on)
    remaining = days_until_18(dob, on)
    if remaining is None:
        return f"{years} (an adult)"
    return f"{years} ({remaining} days until 18)"


def profile_rows(record: ChildRecord) -> list[dict[str, Any]]:
    child = record.child
    rows = [
        {"key": "Pseudonymous ID", "value": child.pseudonymous_id},
        {"key": "Case-study name", "value": child.display_pseudonym},
        {"key": "Sex", "value": child.get_sex_display()},
        {"key": "Home local authority", "value": child.home_local_authority},
        {"key": "Home police force", "value": child.home_police_force},
        {"key": "Exploitation risk", "value": child.get_risk_level_display()},
        {"key": "Looked after", "value": child.get_looked_after_display()},
        {"key": "Why you can see this child", "value": basis_label(record.basis)},
    ]
    return rows


def identity_rows(record: ChildRecord) -> list[dict[str, Any]]:
    identity = record.identity
    if identity is None:
        return []
    addresses = ", ".join(a.postcode for a in identity.addresses.all() if a.is_current)
    aliases = ", ".join(f"{a.given_name} {a.family_name}".strip() for a in identity.aliases.all())
    dob = identity.date_of_birth
    return [
        {"key": "Name", "value": f"{identity.given_name} {identity.family_name}".strip()},
        {"key": "Aliases", "value": aliases},
        {"key": "Date of birth", "value": dob.strftime("%-d %B %Y") if dob else "Not known"},
        {"key": "Age today", "value": age_text(dob)},
        {"key": "Current postcode", "value": addresses},
        {"key": "Ethnicity (police IC code, apparent)", "value": identity.get_ethnicity_ic_code_display()},
        {"key": "NHS number", "value": identity.nhs_number},
    ]


def vulnerability_rows(record: ChildRecord) -> list[list[Any]]:
    rows = []
    sources: dict[str, list[str]] = {}
    for flag in record.vulnerability_flags:
        if flag.value in (TriState.RECORDED_PRESENT, TriState.UNKNOWN, TriState.RECORDED_ABSENT):
            who = (
                flag.source_agency.name
                if flag.source_agency
                else flag.get_source_type_display() or "Unattributed"
            )
            sources.setdefault(flag.factor, []).append(
                f"{who} ({flag.get_relative_to_incident_display().lower()})"
            )
    for factor in FIG3_ORDER:
        value = record.vulnerabilities.get(factor, TriState.NOT_RECORDED)
        text, colour = TRI_TAG[TriState(value)]
        rows.append(
            [
                str(VulnerabilityFactor(factor).label),
                format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text),
                "; ".join(sources.get(factor, [])) or "—",
            ]
        )
    return rows


def date_text(value: Any, basis: str = "recorded") -> str:
    if value is None:
        return "Date not known"
    text = value.strftime("%-d %B %Y") if hasattr(value, "strftime") else str(value)
    if basis == "synthetic":
        return f"{text} (synthetic: the source gives no date)"
    if basis == "approximate":
        return f"about {text}"
    return text


PROCESS_LABELS = {
    "incident": "Identifying incident",
    "criminal": "Criminal",
    "nrm": "NRM",
    "safeguarding": "Child protection",
    "missing": "Missing",
    "placement": "Placement",
}


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value  # type: ignore[no-any-return]


def chronology(record: ChildRecord, *, pseudonymised: bool = False) -> list[dict[str, Any]]:
    """One timeline of the three processes (criminal, NRM, child protection) and what surrounds them.

    Undated facts (the report withholds most dates) are listed after the dated ones, in the order
    they were recorded, marked 'Date not known'.
    """
    items: list[dict[str, Any]] = []

    def add(when: Any, basis: str, process: str, text: str, note: str = "") -> None:
        items.append(
            {
                "sort": _day(when),
                "when": date_text(_day(when), basis),
                "process": PROCESS_LABELS[process],
                "process_code": process,
                "text": text,
                "note": "" if pseudonymised else note,
            }
        )

    r = record.related
    for inc in r.get("incidents", []):
        add(inc.occurred_at, inc.occurred_at_basis, "incident", inc.get_incident_type_display(), inc.summary)
    for arrest in r.get("arrests", []):
        # The description is free text (it can name people): a pseudonymised viewer sees the codes.
        coded = ", ".join(arrest.offences) or "offence not stated"
        what = coded if pseudonymised else (arrest.offence_description or coded)
        add(
            arrest.arrested_at,
            arrest.arrested_at_basis,
            "criminal",
            f"Arrest by {arrest.arresting_force or 'a force not recorded'} ({what}): "
            f"{arrest.get_outcome_display().lower()}"
            + (
                f", {arrest.get_outcome_reason_display().lower()}"
                if arrest.outcome_reason != "not_stated"
                else ""
            ),
            arrest.source_note,
        )
    for charge in r.get("charges", []):
        add(
            charge.charged_on,
            "recorded",
            "criminal",
            f"Charge {charge.offence_label if pseudonymised else charge.offence_description or charge.offence_label}: "
            f"{charge.get_status_display().lower()}",
            charge.status_reason,
        )
    for outcome in r.get("court_outcomes", []):
        text = "Court outcome"
        if outcome.sentence_type:
            text += f": {outcome.get_sentence_type_display().lower()}"
            if outcome.length_months:
                text += f", {outcome.length_months} months"
            if outcome.ended_early_after_months:
                text += f" (ended after {outcome.ended_early_after_months} months)"
        if outcome.remanded_in_custody:
            text += "; remanded in custody"
        add(outcome.decided_on, "recorded", "criminal", text, outcome.source_note)
    for referral in r.get("nrm_referrals", []):
        by = f" by {referral.referrer_role}" if referral.referrer_role else ""
        add(
            referral.referred_on, referral.referred_on_basis, "nrm", f"NRM referral{by}", referral.source_note
        )
        decisions = list(referral.decisions.all())
        for decision in decisions:
            label = f"{decision.get_stage_display()} decision: {decision.get_outcome_display().lower()}"
            note = decision.source_note
            if decision.recovery_override_reason:
                # The N-02 override: the fact for everyone, the reason (free text) in the note, which
                # pseudonymised views leave out.
                label += ", made inside the recovery period by override"
                note = " ".join(
                    part
                    for part in (
                        note,
                        "Why inside the recovery period: " + decision.recovery_override_reason,
                    )
                    if part
                )
            if decision.stage == "cg":
                label += (
                    " (on the balance of probabilities, R-11; not expert evidence; not binding on a court,"
                    " R v Breani)"
                )
            add(decision.decided_on, decision.decided_on_basis, "nrm", label, note)
        if not decisions:
            add(
                None,
                "recorded",
                "nrm",
                "NRM outcome not recorded"
                if referral.outcome_known_to_case_owner
                else "NRM outcome unknown to the case owner",
            )
    for plan in r.get("plans", []):
        text = plan.get_plan_type_display() + (
            f" ({plan.get_category_display().lower()})" if plan.category else ""
        )
        if plan.stepped_from_id:
            text += " — stepped down"
        add(plan.started_on, plan.dates_basis, "safeguarding", text, plan.reason)
    for meeting in r.get("strategy_meetings", []):
        add(
            meeting.held_on,
            meeting.held_on_basis,
            "safeguarding",
            f"Strategy meeting ({meeting.get_trigger_display().lower()})",
            meeting.actions,
        )
    for order in r.get("care_orders", []):
        add(order.started_on, "recorded", "safeguarding", "Care order / looked after", order.reason)
    for order in r.get("secure_orders", []):
        add(
            order.made_on,
            "recorded",
            "safeguarding",
            f"Secure accommodation order{' (' + order.label_in_source + ')' if order.label_in_source else ''}",
            order.reason,
        )
    for protection in r.get("police_protections", []):
        # R-35, F-32: the grounds, the plan and the reassessment are free text (they can name
        # people): a pseudonymised viewer sees the facts without them.
        text = f"Police protection by {protection.force.name}"
        if protection.ended_at is not None and protection.dates_basis == "recorded":
            hours = int((protection.ended_at - protection.started_at).total_seconds() // 3600)
            text += f", ended after {hours} hour{'s' if hours != 1 else ''}"
            if protection.released_to:
                text += f" ({protection.get_released_to_display().lower()})"
        elif protection.ended_at is not None and protection.released_to:
            text += f", ended ({protection.get_released_to_display().lower()})"
        elif protection.ended_at is None:
            text += f" (at most {protection.max_hours} hours)"
        if protection.disputed:
            text += ", used against the local authority's placement plan (F-32)"
        note = " ".join(part for part in (protection.grounds, protection.source_note) if part)
        add(protection.started_at, protection.dates_basis, "safeguarding", text, note)
        if protection.reassessed_on is not None:
            add(
                protection.reassessed_on,
                protection.dates_basis,
                "safeguarding",
                "Placement plan reassessed after police protection: "
                + protection.get_reassessment_outcome_display().lower(),
                protection.reassessment_notes,
            )
    for check in r.get("yot_checks", []):
        add(
            check.asked_on,
            "recorded",
            "safeguarding",
            f"YOT-CSC check by {check.agency.name} (R-53): setting may be harmful: "
            + {"yes": "yes", "no": "no"}.get(check.setting_harmful, "not known yet"),
            " ".join(part for part in (check.csc_answer, check.next_steps) if part),
        )
    for risk in r.get("contextual_risks", []):
        # F-16: the description is free text (it can name people and places): left out when pseudonymised
        add(
            risk.recorded_on,
            "recorded",
            "safeguarding",
            f"Contextual risk recorded by {risk.agency.name} (F-16): {risk.get_kind_display().lower()}",
            risk.description,
        )
        if risk.ended_on is not None:
            add(
                risk.ended_on,
                "recorded",
                "safeguarding",
                f"Contextual risk over (F-16): {risk.get_kind_display().lower()}",
                risk.end_reason,
            )
    charge_facts = [service_rules.ChargeFact(c.status, c.charged_on) for c in r.get("charges", [])]
    order_facts = [
        service_rules.OrderFact(o.sentence_type, o.decided_on, o.length_months, o.ended_early_after_months)
        for o in r.get("court_outcomes", [])
    ]
    for referral in r.get("service_referrals", []):
        # E-17: the reason is free text (it can name people): left out when pseudonymised
        service = referral.get_service_display()
        add(
            referral.made_on,
            "recorded",
            "safeguarding",
            f"Referral to {service} by {referral.agency.name} (E-17)",
            referral.reason,
        )
        if referral.outcome_on is not None:
            if referral.outcome == "declined_by_young_person":
                # read on the day of the answer
                answer = service_rules.compulsion(
                    referral.service, charge_facts, order_facts, referral.outcome_on
                )
                said = service_rules.declined_label(referral.service, answer)
            else:
                said = referral.get_outcome_display().lower()
            add(referral.outcome_on, "recorded", "safeguarding", f"Referral to {service}: {said}")
        if referral.ended_on is not None:
            add(referral.ended_on, "recorded", "safeguarding", f"{service} stopped working with the child")
    for debt in r.get("debt_risks", []):
        # F-31: who is owed and the plan are free text: left out when pseudonymised
        cause = debt.get_cause_display().lower()
        add(
            debt.known_on,
            "recorded",
            "safeguarding",
            f"Drug debt recorded by {debt.agency.name} (R-39): {cause}",
            debt.description,
        )
        if debt.safety_plan_on is not None:
            add(
                debt.safety_plan_on,
                "recorded",
                "safeguarding",
                f"Safety plan for the drug debt ({cause})",
                debt.safety_plan,
            )
        if debt.cleared_on is not None:
            add(
                debt.cleared_on,
                "recorded",
                "safeguarding",
                f"Drug debt cleared ({cause})",
                debt.cleared_reason,
            )
    for episode in r.get("missing_episodes", []):
        text = "Missing episode"
        if episode.approximate_duration_days:
            text += f" (about {episode.approximate_duration_days} days)"
        if episode.still_missing:
            text += " (still missing)"
        basis = "synthetic" if "[dates: synthetic" in episode.notes else "recorded"
        add(episode.started_at, basis, "missing", text, episode.notes.split(" [dates:")[0])
        # what followed, each on its own date
        if episode.social_care_notified_at and episode.follow_up_tracked:
            add(
                episode.social_care_notified_at,
                basis,
                "missing",
                "Children's social care told of the episode",
            )
        if episode.ended_at and not episode.still_missing:
            days = max(0, (episode.ended_at - episode.started_at).days) if episode.started_at else None
            add(
                episode.ended_at,
                basis,
                "missing",
                "Found" + (f" after {days} days" if days is not None else ""),
            )
        if episode.return_home_interview_offered_on:
            add(episode.return_home_interview_offered_on, basis, "missing", "Return home interview offered")
        if episode.return_home_interview_on:
            add(
                episode.return_home_interview_on,
                basis,
                "missing",
                f"Return home interview: {episode.get_return_home_interview_display().lower()}",
            )
    for placement in r.get("placements", []):
        add(
            placement.started_on,
            "recorded",
            "placement",
            placement.get_setting_type_display(),
            placement.notes,
        )
        if placement.ended_on is not None and placement.end_kind:
            # E-21: why it ended (the note is free text, left out of pseudonymised views)
            add(
                placement.ended_on,
                "recorded",
                "placement",
                f"{placement.get_setting_type_display()} ended: {placement.get_end_kind_display().lower()}",
                placement.end_reason if placement.end_reason != placement.get_end_kind_display() else "",
            )
    dated = sorted((i for i in items if i["sort"] is not None), key=lambda i: i["sort"])
    undated = [i for i in items if i["sort"] is None]
    return dated + undated


def anchored_on_incident(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """F-30: the chronology as an officer takes it in: the identifying incident (the latest dated
    one) and what followed it, in date order; then what came before, most recent first; then what
    has no date. ``None`` when no identifying incident has a date.

    ``items`` is :func:`chronology`'s list (dated in date order, then undated). Events on the
    incident's own day are part of the response to it, and follow it."""
    incidents = [i for i in items if i["process_code"] == "incident" and i["sort"] is not None]
    if not incidents:
        return None
    anchor = incidents[-1]
    dated = [i for i in items if i["sort"] is not None]
    after = [anchor] + [i for i in dated if i["sort"] >= anchor["sort"] and i is not anchor]
    before = [i for i in reversed(dated) if i["sort"] < anchor["sort"]]
    return {
        "anchor": anchor,
        "after": after,
        "before": before,
        "undated": [i for i in items if i["sort"] is None],
    }
