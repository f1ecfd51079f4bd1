"""Forms for recording a child. Services re-validate everything: forms only collect and explain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse

from ccehub.agencies.models import Agency, AgencyKind
from ccehub.children.models import EthnicityIC, Sex
from ccehub.children.services import MSG_EMERGENCY_REASON, clean_emergency_reason
from ccehub.common.dateinput import GovukDateField
from ccehub.common.validators import MSG_DOB_FUTURE, normalise_postcode, validate_nhs_number


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class ChildCreateForm(forms.Form):
    given_name = forms.CharField(
        max_length=100,
        label="Given name",
        help_text="Write 'Unknown' if the child will not give a name",
        error_messages={"required": "Enter the child's given name, or 'Unknown'"},
    )
    family_name = forms.CharField(max_length=100, label="Family name", required=False)
    sex = forms.ChoiceField(choices=Sex.choices, label="Sex", widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    date_of_birth = GovukDateField(
        label="Date of birth",
        example_year=2008,
        required=False,
        help_text="For example, 27 3 2008. Leave blank if not known.",
        error_messages={"invalid": "Date of birth must be a real date"},
    )
    postcode = forms.CharField(max_length=10, label="Home postcode", required=False)
    home_local_authority = AgencyChoiceField(
        queryset=Agency.objects.filter(kind=AgencyKind.LA_CHILDRENS_SERVICES, active=True).order_by("name"),
        label="Home local authority",
        required=False,
        empty_label="Not known",
    )
    home_police_force = AgencyChoiceField(
        queryset=Agency.objects.filter(kind=AgencyKind.POLICE_FORCE, active=True).order_by("name"),
        label="Home police force",
        required=False,
        empty_label="Not known",
    )
    ethnicity_ic_code = forms.ChoiceField(
        choices=[("", "Not recorded"), *EthnicityIC.choices],
        label="Ethnicity (police IC code, apparent)",
        required=False,
    )
    nhs_number = forms.CharField(max_length=12, label="NHS number", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "").strip()
        return normalise_postcode(value) if value else ""

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data.get("nhs_number", "").replace(" ", "")
        if value:
            validate_nhs_number(value)
        return value

    def clean_date_of_birth(self) -> Any:
        from django.utils import timezone

        value = self.cleaned_data.get("date_of_birth")
        if value is not None and value >= timezone.localdate():
            raise ValidationError(MSG_DOB_FUTURE)
        return value


class EmergencyAccessForm(forms.Form):
    """Why this record is needed now. The service checks the reason again (every door the same)."""

    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Say why this child is at risk now, and who you tried at the agency that holds the record. "
            "The agency that holds the record will read this when it reviews your access."
        ),
        error_messages={"required": MSG_EMERGENCY_REASON},
    )

    def clean_reason(self) -> str:
        try:
            return clean_emergency_reason(self.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["reason"]) from None


def name_fields_in_messages(form: forms.Form) -> None:
    """Replace Django's anonymous defaults ("This field is required.", "Select a valid choice. …") with
    GOV.UK-style messages that name the field, so the error summary says which answer is wrong.
    Messages a field sets itself are kept."""
    defaults = {
        "required": forms.Field.default_error_messages["required"],
        "invalid_choice": forms.ChoiceField.default_error_messages["invalid_choice"],
        "max_length": forms.CharField().error_messages.get("max_length"),
    }
    model_choice_default = forms.ModelChoiceField.default_error_messages["invalid_choice"]
    for field in form.fields.values():
        label = str(field.label or "this answer")
        lower = label[0].lower() + label[1:]
        messages = field.error_messages
        if messages.get("required") == defaults["required"]:
            choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
            messages["required"] = f"Select {lower}" if choosing else f"Enter {lower}"
        if messages.get("invalid_choice") in (defaults["invalid_choice"], model_choice_default):
            messages["invalid_choice"] = f"{label}: select one of the options listed"
        if isinstance(field, forms.CharField) and field.max_length:
            messages["max_length"] = f"{label} must be {field.max_length} characters or fewer"


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's validation errors on the form, against the right fields."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def post_once(
    form: forms.Form,
    *,
    refused: str | None,
    refuse: Callable[[str], HttpResponse],
    already_recorded: Callable[[], HttpResponse | None],
    save: Callable[[dict[str, Any]], object],
    done: Callable[[], HttpResponse],
) -> HttpResponse | None:
    """The POST of a child page that records one row under a one-time form token
    (:mod:`ccehub.common.once`): the response to send, or ``None`` to show the form again with its
    errors.

    ``refused``: why the user may not record here (an audited 403 through ``refuse``), or ``None``.
    The same form sent again, or at the same moment (the other request's row is found by its key
    after a unique-key clash or a validation error), answers with ``already_recorded``'s page.
    ``save`` records from the cleaned data; a ``PermissionDenied`` from it is refused too."""
    if refused is not None:
        return refuse(refused)
    if (shown := already_recorded()) is not None:
        return shown
    if not form.is_valid():
        return None
    try:
        save(form.cleaned_data)
    except IntegrityError:
        # the same form sent twice at once: the other request recorded it first
        if (shown := already_recorded()) is None:
            raise
        return shown
    except ValidationError as exc:
        if (shown := already_recorded()) is not None:
            return shown
        apply_service_errors(form, exc)
        return None
    except PermissionDenied as exc:
        return refuse(str(exc))
    return done()


#: Why a role that records on no child may not record here.
MSG_ROLE = "Your role does not record on children's records"


def not_allowed_reason(actor: Any, record: Any) -> str:
    """Why ``actor`` may not record on the child read as ``record`` (its basis is read-only, or the
    role records on no child)."""
    from ccehub.children.services import read_only_message

    return read_only_message(record.basis) if actor.can_write_cases else MSG_ROLE


def recorded(request: Any, message: str, url_name: str, child: Any) -> HttpResponse:
    """After recording: the success message, and back to the child's page ``url_name``."""
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.success(request, message)
    return redirect(url_name, pid=child.pseudonymous_id)
