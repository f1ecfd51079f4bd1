"""Early warnings on the web (R-53, R-56, R-08): /children/PID/early-warnings/.

The warnings that stand on the child's record, the drift between its three processes
(:mod:`ccehub.rules.drift`), the YOT-CSC checks recorded (R-53, F-17) and, for a
youth offending team that may record on the child, "Record the YOT-CSC check". Read through
``child_get`` (audited, scoped: a child the user cannot see is a 404); a refused post is an audited
403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ccehub.children.forms import not_allowed_reason, post_once, recorded
from ccehub.children.missing_forms import _date_field
from ccehub.children.presenters import PROCESS_LABELS
from ccehub.children.selectors import ChildNotFound, child_get, identity_sight
from ccehub.children.services import may_record_on
from ccehub.common.once import new_token, posted_with_token, shown_if_recorded, submission_key
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.rules.policy import profile_in_force
from ccehub.rules.triggers import INDICATOR_LABELS, OffendingIndicator, early_warnings, offending_indicators
from ccehub.safeguarding.drift import drift_for
from ccehub.safeguarding.early_warnings import MSG_YOT_ONLY, is_yot, trigger_facts, yot_check_record
from ccehub.safeguarding.models import YotCscCheck

MSG_RECORDED = "Recorded: the YOT-CSC check (R-53)"
MSG_ALREADY_RECORDED = "That YOT-CSC check was already recorded: it is listed below (the form was sent twice)"
#: What the page reads (the warnings are worked out from these sections), for the access audit.
SECTIONS = ("profile", "vulnerabilities", "incidents", "justice", "nrm", "triage", "safeguarding")


class YotCheckForm(forms.Form):
    asked_on = _date_field("Date you asked children's social care")
    setting_harmful = forms.ChoiceField(
        label="Does children's social care think the young person's setting may be harmful?",
        choices=YotCscCheck.SettingHarmful.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether children's social care thinks the setting may be harmful"},
    )
    csc_answer = forms.CharField(
        label="What children's social care said",
        error_messages={"required": "Say what children's social care said about the young person's setting"},
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = forms.CharField(
        label="What follows: the risk assessment and any referral on",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    #: the form's one-time token (ccehub.common.once)
    submission = forms.CharField(widget=forms.HiddenInput, required=False)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="yotcsccheck", pid=pid, reason=reason)


@membership_required
def early_warnings_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Early warnings")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return render(request, "common/not_found.html", {"message": str(exc)}, status=404)
    child = record.child
    may_record = may_record_on(actor, record.basis)
    yot = is_yot(actor)
    form = YotCheckForm(posted_with_token(request), initial={"submission": new_token()})
    key = submission_key(request)

    def already_recorded() -> HttpResponse | None:
        url = reverse("children:early_warnings", args=[child.pseudonymous_id])
        return shown_if_recorded(request, YotCscCheck, key, MSG_ALREADY_RECORDED, url)

    if request.method == "POST":
        answer = post_once(
            form,
            refused=not_allowed_reason(actor, record) if not may_record else None if yot else MSG_YOT_ONLY,
            refuse=lambda reason: _refused(request, actor, child.pseudonymous_id, reason),
            already_recorded=already_recorded,
            save=lambda d: yot_check_record(
                actor=actor,
                child=child,
                asked_on=d["asked_on"],
                setting_harmful=d["setting_harmful"],
                csc_answer=d.get("csc_answer") or "",
                next_steps=d.get("next_steps") or "",
                request_key=key,
            ),
            done=lambda: recorded(request, MSG_RECORDED, "children:early_warnings", child),
        )
        if answer is not None:
            return answer
    facts = trigger_facts([child])[child.pk]
    warnings = early_warnings(facts)
    drift = drift_for([child])[child.pk]
    # the check answers offending indicators: with none on the record there is nothing to ask
    indicators = bool(offending_indicators(facts))
    checks = sorted(record.related["yot_checks"], key=lambda c: (c.asked_on, c.created_at), reverse=True)
    context = {
        "record": record,
        "child": child,
        "warnings": warnings,
        "drift": drift,
        "drift_days": profile_in_force(timezone.localdate()).drift_days,
        "process_labels": PROCESS_LABELS,
        "checks": [
            {
                "check": check,
                "indicators": "; ".join(
                    INDICATOR_LABELS[OffendingIndicator(code)]
                    for code in check.indicators
                    if code in {i.value for i in OffendingIndicator}
                ),
            }
            for check in checks
        ],
        "form": form if (may_record and yot and indicators) else None,
        "no_indicators": may_record and yot and not indicators,
        "errors_form": form,
        "may_record": may_record,
        # what social care said can name people: for those who see the record in full only
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/early_warnings.html", context, status=400 if form.errors else 200)
