"""Forms for the panel journeys. Forms collect and explain; the services re-validate everything.

Messages a user can see are constants; the services' own messages reach the form through
:func:`apply_service_errors`, so the GOV.UK error summary lists what to fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.common.dateinput import EARLIEST_YEAR, GovukDateField
from ccehub.nrm.models import ExploitationType, ReferralRationale
from ccehub.nrm.services import OVERRIDE_QUESTION
from ccehub.panels.models import (
    CloseReason,
    ConditionType,
    CourtResponse,
    DiscussionOutcome,
    LegalBasis,
    OrderStatus,
    PanelDecisionType,
    PanelMember,
    RecipientRole,
    Sector,
)

MSG_CHILD: Final = "Select the child you are referring"
MSG_REFERRED_ON: Final = "Enter the date of the referral"
#: The National Referral Mechanism began on 1 April 2009: no referral is dated before it.
NRM_START: Final = date(2009, 4, 1)
MSG_REFERRED_TOO_EARLY: Final = "Date of the referral must be in 2009 or later: the NRM began in April 2009"
MSG_DATE_REAL: Final = "{label} must be a real date"
MSG_COUNTY_LINES: Final = "Select whether the case is flagged as county lines"
MSG_RATIONALE_CODE: Final = "Select why you are referring"
MSG_RATIONALE: Final = "Enter why you are referring this child"
MSG_INCIDENT: Final = "Select the incident the referral is about, or that it is not linked to one"
MSG_ROLE: Final = "Select who you are asking"
MSG_AGENCY: Final = "Select their agency"
MSG_NAME: Final = "Enter the name of the person you are asking"
MSG_QUESTION: Final = "Enter your question"
MSG_DUE: Final = "Enter the date the answer is due"
MSG_RESPONSE: Final = "Enter the information"
MSG_HELD_ON: Final = "Enter the date of the meeting"
MSG_EXTRA_REASON: Final = "Say why the panel needs an extraordinary sitting"
MSG_PRESENT: Final = "Select the members who attended"
MSG_CHAIR: Final = "Select who chaired the meeting"
MSG_DECISION: Final = "Select the panel's decision"
MSG_DECISION_RATIONALE: Final = "Enter the panel's rationale for the decision"
MSG_EVIDENCE: Final = "List the evidence the panel considered, one item on each line"
MSG_QA_REASON: Final = "Enter why the decision is returned to the panel"
MSG_QA_RESPONSE: Final = "Enter the panel's response to the return"

NOT_LINKED = "none"
YES, NO = "yes", "no"

#: Service field names that differ from the form's.
SERVICE_TO_FORM_FIELD: dict[str, str] = {
    "linked_incident": "incident",
    "county_lines_flag": "county_lines",
    "evidence_considered": "evidence",
}


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's :class:`ValidationError` against the right form fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = SERVICE_TO_FORM_FIELD.get(field, field)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _date(
    label: str,
    required: bool = True,
    help_text: str = "For example, 27 3 2026",
    min_year: int = EARLIEST_YEAR,
    too_early: str = "",
) -> GovukDateField:
    return GovukDateField(
        label=label,
        required=required,
        help_text=help_text,
        min_year=min_year,
        error_messages={
            **({"too_early": too_early} if too_early else {}),
            "invalid": MSG_DATE_REAL.format(label=label),
            "required": f"Enter the {label.lower()}",
        },
    )


def _text(
    label: str, message: str, *, required: bool = True, help_text: str = "", rows: int = 5
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message},
    )


class ChildChoiceForm(forms.Form):
    child = forms.ChoiceField(label="Which child are you referring?", error_messages={"required": MSG_CHILD})

    def __init__(self, *args: Any, children: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "Select a child"), *children]


class ReferralForm(forms.Form):
    referred_on = _date("Date of the referral", min_year=NRM_START.year, too_early=MSG_REFERRED_TOO_EARLY)
    incident = forms.ChoiceField(
        label="Which incident is the referral about?",
        widget=forms.RadioSelect,
        error_messages={"required": MSG_INCIDENT},
    )
    county_lines = forms.ChoiceField(
        label="Is the case flagged as county lines?",
        choices=[(YES, "Yes"), (NO, "No")],
        widget=forms.RadioSelect,
        help_text="County-lines cases go to the local CCE panel where one serves the child's home area (F-05)",
        error_messages={"required": MSG_COUNTY_LINES},
    )
    exploitation_type = forms.ChoiceField(
        label="Type of exploitation", choices=ExploitationType.choices, initial=ExploitationType.CRIMINAL
    )
    rationale_code = forms.ChoiceField(
        label="Why are you referring?",
        choices=ReferralRationale.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_RATIONALE_CODE},
    )
    rationale = _text(
        "What have you seen or been told?",
        MSG_RATIONALE,
        help_text="The NRM threshold is suspicion. Do not name other people: use their record references.",
    )

    def __init__(self, *args: Any, incidents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident"].choices = [*incidents, (NOT_LINKED, "Not linked to an incident")]


class InformationRequestForm(forms.Form):
    recipient_role = forms.ChoiceField(
        label="Who are you asking?",
        choices=[("", "Select"), *list(RecipientRole.choices)],
        error_messages={"required": MSG_ROLE},
    )
    recipient_agency = forms.ModelChoiceField(
        label="Their agency",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        error_messages={"required": MSG_AGENCY},
    )
    recipient_name = forms.CharField(
        label="Their name", max_length=150, error_messages={"required": MSG_NAME}
    )
    question = _text("What do you need to know?", MSG_QUESTION)
    due_on = _date("Date the answer is due")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient_agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Agency.objects.filter(
            active=True,
            kind__in=[
                AgencyKind.LA_CHILDRENS_SERVICES,
                AgencyKind.YOUTH_OFFENDING_TEAM,
                AgencyKind.POLICE_FORCE,
                AgencyKind.HEALTH,
            ],
        ).order_by("name")
        field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


class ResponseForm(forms.Form):
    response = _text(
        "Your answer", MSG_RESPONSE, help_text="Do not name other people: use their record references."
    )


class MeetingForm(forms.Form):
    held_on = _date("Date of the meeting")
    extraordinary = forms.BooleanField(
        label="This is an extra sitting this month",
        required=False,
        help_text="The panel meets monthly. An extra sitting needs a reason.",
    )
    extraordinary_reason = _text("Why is an extra sitting needed?", MSG_EXTRA_REASON, required=False, rows=3)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("extraordinary") and not (data.get("extraordinary_reason") or "").strip():
            self.add_error("extraordinary_reason", MSG_EXTRA_REASON)
        return data


class DiscussionForm(forms.Form):
    """R-22: what the sitting made of a case with no referral."""

    outcome = forms.ChoiceField(
        label="What did the meeting make of the case?",
        choices=DiscussionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the meeting made of the case"},
    )
    notes = forms.CharField(
        label="What was said, and who does what next",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PanelMember) -> str:
        return f"{obj.name} ({obj.get_sector_display()})"


class ChairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PanelMember) -> str:
        return f"{obj.name} ({obj.get_sector_display()})"


class AttendanceForm(forms.Form):
    present = MemberChoiceField(
        label="Who attended?",
        queryset=PanelMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": MSG_PRESENT},
    )
    chair = ChairChoiceField(
        label="Who chaired?",
        queryset=PanelMember.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": MSG_CHAIR},
    )

    def __init__(self, *args: Any, members: QuerySet[PanelMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members  # type: ignore[attr-defined]
        self.fields["chair"].queryset = members.filter(may_chair=True)  # type: ignore[attr-defined]


DECISION_CHOICES = [
    (PanelDecisionType.RG_POSITIVE, "Reasonable grounds: positive"),
    (PanelDecisionType.RG_NEGATIVE, "Reasonable grounds: negative"),
    (PanelDecisionType.CG_POSITIVE, "Conclusive grounds: positive"),
    (PanelDecisionType.CG_NEGATIVE, "Conclusive grounds: negative"),
    (PanelDecisionType.DEFER, "Defer for more information"),
]


class DecisionForm(forms.Form):
    decision_type = forms.ChoiceField(
        label="The panel's decision",
        choices=DECISION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_DECISION},
    )
    rationale = _text(
        "Rationale", MSG_DECISION_RATIONALE, help_text="Why the panel decided this. Do not name other people."
    )
    evidence = _text("Evidence considered", MSG_EVIDENCE, help_text="One item on each line", rows=4)
    dissent = _text(
        "Dissent",
        "",
        required=False,
        help_text="If a member disagrees, record it here: the case must then be deferred (R-19)",
        rows=3,
    )
    deferral_reason = _text("If deferring: why, and what information is needed?", "", required=False, rows=3)
    defer_until = _date(
        "If deferring: date the panel will consider the case again",
        required=False,
        help_text="Leave blank for the next scheduled meeting",
    )

    def evidence_items(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("evidence") or "").splitlines() if line.strip()
        ]


class QAConfirmForm(forms.Form):
    note = _text("Note", "", required=False, rows=3)


class QAReturnForm(forms.Form):
    reason = _text("Why is the decision returned?", MSG_QA_REASON, rows=4)


class QARespondForm(forms.Form):
    response = _text("The panel's response", MSG_QA_RESPONSE, rows=4)


def today_initial(today: date) -> dict[str, date]:
    return {"referred_on": today}


# --- After intake: lead social worker, referral to the SCA, the SCA's decisions -------------------

MSG_LEAD_SW: Final = "Choose the lead social worker's account, or enter their name"
MSG_SCA_REASON: Final = "Enter why the case is going to the Home Office"
MSG_WITHDRAW_REASON: Final = "Enter why you are withdrawing the request"
MSG_DROP_REASON: Final = "Enter why the action is no longer needed"
MSG_SETTINGS_COUNTY_LINES: Final = "Select which referrals the panel can take"
MSG_SETTINGS_QUORUM: Final = "Select whether the panel can decide without the quorum"
MSG_SETTINGS_PROFILE: Final = "Select which rules apply to new referrals"
#: The policy-profile choice meaning "no pinned profile" (stored as blank).
PROFILE_IN_FORCE: Final = "in_force"
MSG_STAGE: Final = "Select which decision the Home Office made"
MSG_OUTCOME: Final = "Select whether the decision was positive or negative"
MSG_PLAN_SUMMARY: Final = "Enter what the plan is for"
MSG_ACTION_PARTS: Final = "Enter what the action is, who owns it and when it is due"
MSG_ACTION_OWNER: Final = "Select the agency that owns the action"
MSG_LEGAL_BASIS: Final = "Select the legal basis"
MSG_LEGAL_DETAIL: Final = "Enter the legal basis in detail"
MSG_CONDITION_TYPE: Final = "Select the type of condition"
MSG_CONDITION_DETAIL: Final = "Enter the condition"
MSG_PROTECTED_PARTS: Final = "Enter the record reference and select the agency that holds it"
MSG_NATURE: Final = "Enter what happened"
MSG_COURT_RESPONSE: Final = "Select the court's response"

PLAN_ACTION_SLOTS = 3
ORDER_CONDITION_SLOTS = 3
ORDER_PROTECTED_SLOTS = 2

#: Agencies that own plan actions, hold records about exploiters, or are asked for information.
_PARTNER_KINDS = [
    AgencyKind.LA_CHILDRENS_SERVICES,
    AgencyKind.YOUTH_OFFENDING_TEAM,
    AgencyKind.POLICE_FORCE,
    AgencyKind.HEALTH,
]


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


def _agency_field(label: str, *, required: bool = True, message: str = MSG_AGENCY) -> AgencyChoiceField:
    return AgencyChoiceField(
        label=label,
        required=required,
        queryset=Agency.objects.filter(active=True, kind__in=_PARTNER_KINDS).order_by("name"),
        empty_label="Select an agency",
        error_messages={"required": message},
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class LeadSocialWorkerForm(forms.Form):
    user = UserChoiceField(
        label="Their account",
        required=False,
        queryset=None,  # set per child
        empty_label="Not on the list",
        help_text="Social workers in the child's home local authority",
    )
    name = forms.CharField(
        label="Their name",
        required=False,
        max_length=150,
        help_text="If they have no account here, or to record the name as the service knows it",
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("user", MSG_LEAD_SW)
        return data


class ReferToScaForm(forms.Form):
    reason = _text(
        "Why is the case going to the Home Office?",
        MSG_SCA_REASON,
        help_text="For example, the panel cannot agree on the conclusive-grounds decision",
        rows=4,
    )


class WithdrawRequestForm(forms.Form):
    reason = _text(
        "Why are you withdrawing this request?",
        MSG_WITHDRAW_REASON,
        help_text="For example, the answer came another way, or the case has gone to the Home Office. "
        "Do not name other people: use their record references.",
        rows=3,
    )


class DropActionForm(forms.Form):
    reason = _text(
        "Why is this action no longer needed?",
        MSG_DROP_REASON,
        help_text="For example, the need was met another way. Do not name other people: use their "
        "record references.",
        rows=3,
    )


class ScaDecisionForm(forms.Form):
    stage = forms.ChoiceField(
        label="Which decision did the Home Office make?",
        choices=[("rg", "Reasonable grounds"), ("cg", "Conclusive grounds")],
        widget=forms.RadioSelect,
        error_messages={"required": MSG_STAGE},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("positive", "Positive"), ("negative", "Negative")],
        widget=forms.RadioSelect,
        error_messages={"required": MSG_OUTCOME},
    )
    decided_on = _date("Date of the decision")
    rationale = _text("What the decision letter says", "", required=False, rows=3)
    #: The N-02 override: shown always, needed only for a CG dated inside the recovery period (the
    #: service refuses such a CG without it, and a reason on any other decision).
    recovery_override_reason = _text(OVERRIDE_QUESTION, "", required=False, rows=3)

    def __init__(self, *args: Any, earliest_cg: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        when = (
            f"before {earliest_cg.day} {earliest_cg:%B %Y}"
            if earliest_cg is not None
            else "before the recovery period ended"
        )
        self.fields["recovery_override_reason"].help_text = (
            f"Only if the Home Office made a conclusive-grounds decision {when}, inside the recovery "
            "period: for example, the child asked for an early decision. Leave it blank otherwise. "
            "Not shown on pseudonymised views"
        )


# --- Joint plan ------------------------------------------------------------------------------------


def _action_fields(prefix: str, *, required: bool) -> dict[str, forms.Field]:
    return {
        f"{prefix}_description": forms.CharField(
            label="What needs doing",
            required=required,
            max_length=2000,
            error_messages={"required": MSG_ACTION_PARTS},
        ),
        f"{prefix}_owner_agency": _agency_field(
            "Agency that owns it", required=required, message=MSG_ACTION_OWNER
        ),
        f"{prefix}_owner_name": forms.CharField(label="Person who owns it", required=False, max_length=150),
        f"{prefix}_due_on": _date("Due date", required=required),
    }


class PlanActionForm(forms.Form):
    """One action (the 'Add an action' form on the plan page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_action_fields("action", required=True))

    def spec(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "description": d["action_description"],
            "owner_agency": d["action_owner_agency"],
            "owner_name": d.get("action_owner_name") or "",
            "due_on": d["action_due_on"],
        }


class JointPlanForm(forms.Form):
    summary = _text("What is the plan for?", MSG_PLAN_SUMMARY, rows=3)
    agreed_on = _date("Date the plan was agreed")
    review_on = _date("Review date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, PLAN_ACTION_SLOTS + 1):
            self.fields.update(_action_fields(f"action{slot}", required=slot == 1))

    def slots(self) -> list[dict[str, Any]]:
        """The action fields grouped for the template: one fieldset per action."""
        return [
            {
                "legend": f"Action {slot}" + ("" if slot == 1 else " (optional)"),
                "fields": [
                    self[f"action{slot}_{part}"]
                    for part in ("description", "owner_agency", "owner_name", "due_on")
                ],
            }
            for slot in range(1, PLAN_ACTION_SLOTS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for slot in range(2, PLAN_ACTION_SLOTS + 1):
            parts = [data.get(f"action{slot}_{p}") for p in ("description", "owner_agency", "due_on")]
            if any(parts) and not all(parts):
                self.add_error(f"action{slot}_description", MSG_ACTION_PARTS)
        return data

    def actions(self) -> list[dict[str, Any]]:
        out = []
        for slot in range(1, PLAN_ACTION_SLOTS + 1):
            d = self.cleaned_data
            if d.get(f"action{slot}_description"):
                out.append(
                    {
                        "description": d[f"action{slot}_description"],
                        "owner_agency": d[f"action{slot}_owner_agency"],
                        "owner_name": d.get(f"action{slot}_owner_name") or "",
                        "due_on": d[f"action{slot}_due_on"],
                    }
                )
        return out


# --- Safeguarding Orders ---------------------------------------------------------------------------


class OrderDraftForm(forms.Form):
    legal_basis = forms.ChoiceField(
        label="Legal basis",
        choices=LegalBasis.choices,
        widget=forms.RadioSelect,
        help_text="The report leaves the instrument open (Q-03)",
        error_messages={"required": MSG_LEGAL_BASIS},
    )
    legal_basis_detail = forms.CharField(
        label="Legal basis in detail",
        max_length=300,
        help_text="For example, the statute and section, or the order adapted",
        error_messages={"required": MSG_LEGAL_DETAIL},
    )
    court = forms.CharField(label="Court", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for slot in range(1, ORDER_CONDITION_SLOTS + 1):
            required = slot == 1
            self.fields[f"condition{slot}_type"] = forms.ChoiceField(
                label="Type of condition",
                required=required,
                choices=[("", "Select a type"), *ConditionType.choices],
                error_messages={"required": MSG_CONDITION_TYPE},
            )
            self.fields[f"condition{slot}_detail"] = forms.CharField(
                label="Condition",
                required=required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": MSG_CONDITION_DETAIL},
            )
        for slot in range(1, ORDER_PROTECTED_SLOTS + 1):
            self.fields[f"protected{slot}_reference"] = forms.CharField(
                label="Record reference",
                required=False,
                max_length=40,
                help_text="The code of the intelligence or associate record, for example INT-2024-0117. "
                "Never a name.",
            )
            self.fields[f"protected{slot}_held_by"] = _agency_field(
                "Agency that holds the record", required=False
            )
            self.fields[f"protected{slot}_relationship"] = forms.CharField(
                label="Relationship to the child",
                required=False,
                max_length=100,
                help_text="For example, line holder",
            )

    def condition_slots(self) -> list[dict[str, Any]]:
        return [
            {
                "legend": f"Condition {slot}" + ("" if slot == 1 else " (optional)"),
                "fields": [self[f"condition{slot}_type"], self[f"condition{slot}_detail"]],
            }
            for slot in range(1, ORDER_CONDITION_SLOTS + 1)
        ]

    def protected_slots(self) -> list[dict[str, Any]]:
        return [
            {
                "legend": f"Person {slot} the order protects the child against (optional)",
                "fields": [
                    self[f"protected{slot}_reference"],
                    self[f"protected{slot}_held_by"],
                    self[f"protected{slot}_relationship"],
                ],
            }
            for slot in range(1, ORDER_PROTECTED_SLOTS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for slot in range(2, ORDER_CONDITION_SLOTS + 1):
            kind, detail = (
                data.get(f"condition{slot}_type"),
                (data.get(f"condition{slot}_detail") or "").strip(),
            )
            if kind and not detail:
                self.add_error(f"condition{slot}_detail", MSG_CONDITION_DETAIL)
            elif detail and not kind:
                self.add_error(f"condition{slot}_type", MSG_CONDITION_TYPE)
        for slot in range(1, ORDER_PROTECTED_SLOTS + 1):
            ref, held = (
                (data.get(f"protected{slot}_reference") or "").strip(),
                data.get(f"protected{slot}_held_by"),
            )
            if bool(ref) != bool(held):
                self.add_error(f"protected{slot}_reference", MSG_PROTECTED_PARTS)
        return data

    def conditions(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [
            (d[f"condition{slot}_type"], d[f"condition{slot}_detail"])
            for slot in range(1, ORDER_CONDITION_SLOTS + 1)
            if d.get(f"condition{slot}_type")
        ]

    def protected(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {
                "reference": d[f"protected{slot}_reference"],
                "held_by": d[f"protected{slot}_held_by"],
                "relationship": d.get(f"protected{slot}_relationship") or "",
            }
            for slot in range(1, ORDER_PROTECTED_SLOTS + 1)
            if (d.get(f"protected{slot}_reference") or "").strip()
        ]


#: What each order change asks for: (page heading, date label, extra date fields).
ORDER_STEPS: Final[dict[str, tuple[str, str]]] = {
    OrderStatus.APPLIED: ("Record the application to the court", "Date of the application"),
    OrderStatus.GRANTED: ("Record that the court granted the order", "Date of the hearing"),
    OrderStatus.REFUSED: ("Record that the court refused the order", "Date of the hearing"),
    OrderStatus.ACTIVE: ("Record that the order is in force", "Date it came into force"),
    OrderStatus.VARIED: ("Record a variation of the order", "Date of the variation"),
    OrderStatus.DISCHARGED: ("Record that the order was discharged", "Date of the discharge"),
    OrderStatus.EXPIRED: ("Record that the order expired", "Date it expired"),
    OrderStatus.WITHDRAWN: ("Withdraw the draft or the application", "Date it was withdrawn"),
}


class OrderStepForm(forms.Form):
    note = _text("Note", "", required=False, rows=3)

    def __init__(self, *args: Any, to_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"on": _date(ORDER_STEPS[to_status][1]), **self.fields}
        if to_status == OrderStatus.GRANTED:
            self.fields["made_on"] = _date("Date the order was made")
            self.fields["starts_on"] = _date("Date it starts")
            self.fields["expires_on"] = _date("Date it expires")
        elif to_status == OrderStatus.VARIED:
            self.fields["expires_on"] = _date(
                "New expiry date", required=False, help_text="Leave blank if the expiry date has not changed"
            )
        self.fields["note"] = self.fields.pop("note")


class BreachForm(forms.Form):
    occurred_on = _date("Date of the breach")
    reported_on = _date("Date it was reported")
    nature = _text(
        "What happened?", MSG_NATURE, help_text="Do not name other people: use their record references."
    )


class BreachResponseForm(forms.Form):
    court_response = forms.ChoiceField(
        label="The court's response",
        choices=CourtResponse.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_COURT_RESPONSE},
    )
    response_on = _date("Date of the response")
    detail = _text("Detail", "", required=False, rows=3)


# --- Closing a panel case or a joint plan (R-50) ------------------------------------------------

MSG_CLOSE_RISK_LEVEL: Final = "Select the exploitation risk now"
MSG_CLOSE_RISK_REDUCED: Final = "Select whether the exploitation risk has reduced"
MSG_CLOSE_REASON: Final = "Select why the {noun} is closing"
MSG_CLOSE_NOTE: Final = "Enter the reasons for closing"
MSG_CLOSE_SITTING: Final = "Select whether the panel approved the closure at a meeting"
MSG_NO_OPEN_CASE: Final = "This child has no open panel case to close"
#: The "no meeting" answer to "Did the panel approve the closure at a meeting?".
NO_SITTING: Final = "none"
#: The reassessed levels offered ("not assessed" is no reassessment, R-50).
CLOSE_RISK_CHOICES: Final = [("low", "Low"), ("medium", "Medium"), ("high", "High")]


class ClosureForm(forms.Form):
    """Close a panel case (``noun="case"``) or a joint plan (``noun="plan"``): the reassessment, the
    reason, the date, the sitting that approved it, and the confirmation of any warning."""

    risk_level = forms.ChoiceField(
        label="What is the exploitation risk now?",
        choices=CLOSE_RISK_CHOICES,
        widget=forms.RadioSelect,
        help_text="The panel's reassessment at closing (R-50)",
        error_messages={"required": MSG_CLOSE_RISK_LEVEL},
    )
    risk_reduced = forms.ChoiceField(
        label="Has the exploitation risk reduced?",
        choices=[(YES, "Yes"), (NO, "No")],
        widget=forms.RadioSelect,
        help_text="If it has not, the panel must have approved the closure at a quorate meeting",
        error_messages={"required": MSG_CLOSE_RISK_REDUCED},
    )
    reason = forms.ChoiceField(
        choices=[(value, label) for value, label in CloseReason.choices if value != CloseReason.REPLACED],
        widget=forms.RadioSelect,
    )
    note = _text(
        "The reasons for closing",
        MSG_CLOSE_NOTE,
        help_text="What has changed for the child, and who agreed. Not shown on pseudonymised views",
        rows=4,
    )
    approved_at = forms.ChoiceField(
        label="Did the panel approve the closure at a meeting?",
        widget=forms.RadioSelect,
        initial=NO_SITTING,
        error_messages={"required": MSG_CLOSE_SITTING},
    )
    confirm_warnings = forms.BooleanField(required=False)

    def __init__(self, *args: Any, noun: str, sittings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sittings = {str(m.pk): m for m in sittings}
        self.fields["reason"].label = f"Why is the {noun} closing?"
        self.fields["reason"].error_messages["required"] = MSG_CLOSE_REASON.format(noun=noun)
        opened = "shared with the panel" if noun == "case" else "agreed"
        self.fields["approved_at"].choices = [
            (NO_SITTING, "No: the chair signs it off alone"),
            *[(key, f"Meeting on {m.held_on.day} {m.held_on:%B %Y}") for key, m in self.sittings.items()],
        ]
        self.fields[
            "approved_at"
        ].help_text = (
            f"Needed when the risk has not reduced (R-50). Meetings held since the {noun} was {opened}"
        )
        self.fields["closed_on"] = _date(f"Date the {noun} closed")
        self.fields["confirm_warnings"].label = f"I confirm that the {noun} should close despite the warning"
        self.order_fields(
            ["risk_level", "risk_reduced", "reason", "note", "closed_on", "approved_at", "confirm_warnings"]
        )

    def sitting(self) -> Any:
        """The meeting chosen as the panel's approval, or ``None``."""
        return self.sittings.get(self.cleaned_data["approved_at"])


class PanelSettingsForm(forms.Form):
    """The panel's switches (``panel_config_set``), in plain words. The service validates the values."""

    county_lines = forms.ChoiceField(
        label="Which referrals can the panel take?",
        choices=[
            ("flagged", "Only referrals flagged as county lines"),
            ("all", "Every eligible child, whether or not the referral is flagged as county lines"),
        ],
        widget=forms.RadioSelect,
        help_text="A referral the panel cannot take goes to the Home Office Single Competent Authority. "
        "This changes where new referrals go, not referrals already made.",
        error_messages={"required": MSG_SETTINGS_COUNTY_LINES},
    )
    quorum = forms.ChoiceField(
        label="Can the panel decide without every sector in the quorum?",
        choices=[
            ("enforced", "No: a decision needs every sector in the quorum present"),
            ("override", "Yes: allow a decision without them (the quorum override)"),
        ],
        widget=forms.RadioSelect,
        help_text="Either way, the chair must be present. A decision made under the override says so.",
        error_messages={"required": MSG_SETTINGS_QUORUM},
    )
    quorum_sectors = forms.MultipleChoiceField(
        label="Which sectors must be present for a decision?",
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Social care, police and health are always needed. Tick any other sector the panel "
        "also needs at each decision.",
    )
    policy_profile = forms.ChoiceField(
        label="Which rules apply to new referrals?",
        widget=forms.RadioSelect,
        help_text="The rules set the panel's time limits and what it may decide. A referral keeps the "
        "rules it was made under until it is finished, so this changes new referrals only.",
        error_messages={"required": MSG_SETTINGS_PROFILE},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ccehub.rules.policy import PROFILES

        super().__init__(*args, **kwargs)
        self.fields["policy_profile"].choices = [
            (PROFILE_IN_FORCE, "The rules in force on the date of each referral"),
            *((code, profile.title) for code, profile in PROFILES.items()),
        ]

    @classmethod
    def initial_from(cls, settings: Any) -> dict[str, Any]:
        """The form's values for a panel's :class:`~ccehub.panels.selectors.PanelSettings`."""
        return {
            "county_lines": "flagged" if settings.require_county_lines_flag else "all",
            "quorum": "enforced" if settings.quorum_enforced else "override",
            "quorum_sectors": list(settings.quorum_sectors),
            "policy_profile": settings.policy_profile or PROFILE_IN_FORCE,
        }

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (every setting, sectors in the order of ``Sector``)."""
        data = self.cleaned_data
        chosen = set(data.get("quorum_sectors") or [])
        profile = data["policy_profile"]
        return {
            "require_county_lines_flag": data["county_lines"] == "flagged",
            "quorum_enforced": data["quorum"] == "enforced",
            "quorum_sectors": [s for s in Sector.values if s in chosen],
            "policy_profile": "" if profile == PROFILE_IN_FORCE else profile,
        }


# --- Reviewing a joint plan (R-50, F-22) ---------------------------------------------------------


class PlanReviewForm(forms.Form):
    reviewed_on = _date("Date of the review")
    risk_level = forms.ChoiceField(
        label="Exploitation risk, as reassessed at this review",
        widget=forms.RadioSelect,
        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
        error_messages={
            "required": "Give the exploitation risk as reassessed at this review: low, medium or high"
        },
    )
    note = _text(
        "What did the review find, and what changes?",
        "Enter what the review found and what changes",
        help_text="Do not name other people: use their record references.",
        rows=4,
    )
    next_review_on = _date("Date of the next review")
    step_down = forms.BooleanField(
        label="The risk has reduced: move the plan to phase 3, longer-term support (W-5)",
        required=False,
        help_text=(
            "Phase 3 rests on the relationships built in phase 2. A missing episode, a new incident or an "
            "order breach brings the plan back to phase 2. Not with the risk reassessed as high."
        ),
    )

    def __init__(self, *args: Any, phase: str = "intensive", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if phase != "intensive":
            del self.fields["step_down"]
