"""Template helpers that let Django forms render as GOV.UK Design System markup.

Used by ``includes/field.html`` and ``includes/error_summary.html``; see docs/frontend.md.
Load with ``{% load govuk_extras %}``.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.core.paginator import Page
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

BLANK_CHOICE_LABEL = str(BLANK_CHOICE_DASH[0][1])

# Input types GOV.UK styles as a text input (govuk-input).
_TEXT_INPUT_TYPES = {"text", "email", "number", "tel", "url", "search", "password"}

# Suggested GOV.UK tag colours for status words used across the service. A template can
# always pass an explicit colour instead; unknown words get the default (dark blue) tag.
STATUS_TAG_COLOURS: dict[str, str] = {
    # workflow
    "draft": "grey",
    "not started": "grey",
    "new": "light-blue",
    "open": "blue",
    "active": "blue",
    "in progress": "light-blue",
    "awaiting decision": "yellow",
    "pending": "yellow",
    "referred": "purple",
    "escalated": "pink",
    "completed": "green",
    "approved": "green",
    "closed": "grey",
    "withdrawn": "grey",
    "rejected": "red",
    "overdue": "red",
    "urgent": "red",
    # risk levels
    "very high": "red",
    "high": "red",
    "medium": "orange",
    "moderate": "orange",
    "low": "green",
    "none": "grey",
    "not recorded": "grey",
    "unknown": "grey",
}

_TAG_COLOURS = {
    "grey",
    "purple",
    "turquoise",
    "blue",
    "light-blue",
    "yellow",
    "orange",
    "red",
    "pink",
    "green",
}


def field_type(field: BoundField) -> str:
    """Which GOV.UK component renders this field.

    One of: ``hidden``, ``checkbox`` (a single yes/no box), ``checkboxes``, ``radios``,
    ``date`` (three text inputs: day, month, year), ``select``, ``textarea``, ``file``,
    ``input``.
    """
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.SelectDateWidget):
        return "date"
    if isinstance(widget, forms.Select):  # includes SelectMultiple and NullBooleanSelect
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


register.filter("field_type", field_type)


@register.filter
def field_template(field: BoundField) -> str:
    """The include that renders this field (used by includes/field.html)."""
    return f"includes/fields/{field_type(field)}.html"


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id the error summary should link to: the first input of the field."""
    kind = field_type(field)
    if kind == "date":
        return f"{field.auto_id}-day"
    if kind in ("radios", "checkboxes"):
        return field.auto_id or field.html_name
    return field.id_for_label or field.auto_id or field.html_name


@register.filter
def first_error(field: BoundField) -> str:
    """GOV.UK shows one error message per field: the first."""
    return str(field.errors[0]) if field.errors else ""


def _widget_classes(field: BoundField, base: str, error_class: str, extra: str = "") -> str:
    classes = [base]
    existing = field.field.widget.attrs.get("class", "")
    classes.extend(c for c in str(existing).split() if c != base)
    classes.extend(extra.split())
    if field.errors:
        classes.append(error_class)
    return " ".join(dict.fromkeys(c for c in classes if c))


def _describedby(field: BoundField, hint: Any) -> str:
    ids = []
    if hint:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def govuk_control(field: BoundField, extra_classes: str = "", hint: Any = None) -> SafeString:
    """Render the <input>, <textarea> or <select> of a field with GOV.UK classes.

    Adds ``govuk-input`` / ``govuk-textarea`` / ``govuk-select`` (keeping classes set on
    the widget, such as ``govuk-input--width-10``), the ``--error`` modifier when the
    field has errors, and ``aria-describedby`` pointing at the hint and error message
    that ``includes/field.html`` renders.
    """
    kind = field_type(field)
    base, error_class = {
        "textarea": ("govuk-textarea", "govuk-textarea--error"),
        "select": ("govuk-select", "govuk-select--error"),
        "file": ("govuk-file-upload", "govuk-file-upload--error"),
    }.get(kind, ("govuk-input", "govuk-input--error"))
    attrs: dict[str, Any] = {"class": _widget_classes(field, base, error_class, extra_classes)}
    describedby = _describedby(field, hint)
    if describedby:
        attrs["aria-describedby"] = describedby
    if kind == "textarea":
        # GOV.UK textareas are full width with 5 rows; Django's Textarea defaults to
        # cols=40 rows=10. Keep rows only if the form set something else.
        attrs["cols"] = False
        if str(field.field.widget.attrs.get("rows", "10")) == "10":
            attrs["rows"] = "5"
    return _render_widget(field, attrs)


def _render_widget(field: BoundField, attrs: dict[str, Any]) -> SafeString:
    widget = field.field.widget
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    attrs = field.build_widget_attrs(attrs, widget)
    # Markup as GOV.UK Frontend's: no HTML5 `required` (the server validates; optional
    # fields say "(optional)") and no `aria-invalid` (the error message is already tied
    # to the control by aria-describedby, as for radios, checkboxes and date inputs).
    attrs.pop("required", None)
    attrs.pop("aria-invalid", None)
    html: SafeString = widget.render(
        name=field.html_name,
        value=field.value(),
        attrs=attrs,
        renderer=field.form.renderer,
    )
    return html


@register.filter
def add_class(field: BoundField, css_class: str) -> SafeString:
    """Render a field's widget with extra CSS classes (keeps the widget's own)."""
    existing = str(field.field.widget.attrs.get("class", ""))
    classes = " ".join(dict.fromkeys((existing + " " + css_class).split()))
    return field.as_widget(attrs={"class": classes})


@register.filter
def choice_items(field: BoundField) -> list[dict[str, Any]]:
    """Radios/checkboxes items with GOV.UK ids: the first is the field id, then id-2, id-3…

    A widget may carry ``item_hints`` (a dict of option value -> hint text) to give
    individual options a hint, e.g. ``forms.RadioSelect()`` with
    ``widget.item_hints = {"high": "Immediate risk of significant harm"}``.
    """
    base_id = field.auto_id or field.html_name
    hints = getattr(field.field.widget, "item_hints", {}) or {}
    items = []
    index = 0
    for subwidget in field.subwidgets:
        data = subwidget.data
        if data["value"] in ("", None) and str(data["label"]) == BLANK_CHOICE_LABEL:
            # Django's "---------" blank choice means nothing in radios or checkboxes.
            continue
        index += 1
        value = "" if data["value"] is None else str(data["value"])
        item_id = base_id if index == 1 else f"{base_id}-{index}"
        hint = hints.get(value) or hints.get(data["value"])
        items.append(
            {
                "id": item_id,
                "name": data["name"],
                "value": value,
                "label": data["label"],
                "checked": bool(data["selected"]),
                "hint": hint or "",
                "hint_id": f"{item_id}-item-hint" if hint else "",
                "disabled": bool(data["attrs"].get("disabled")) or field.field.disabled,
            }
        )
    return items


@register.filter
def checkbox_checked(field: BoundField) -> bool:
    """Whether a single yes/no checkbox (BooleanField) is ticked."""
    widget = field.field.widget
    return bool(widget.check_test(field.value())) if hasattr(widget, "check_test") else bool(field.value())


@register.filter
def date_parts(field: BoundField) -> dict[str, str]:
    """Day, month and year to show in a GOV.UK date input.

    After a failed submission these are exactly what the user typed (even if not a valid
    date), so nothing they entered is lost; otherwise they come from the initial value.
    Use with ``forms.SelectDateWidget``: its ``value_from_datadict`` reads the
    ``<name>_day``, ``<name>_month`` and ``<name>_year`` inputs that field.html renders.
    """
    name = field.html_name
    if field.form.is_bound:
        data = field.form.data
        return {part: str(data.get(f"{name}_{part}", "") or "") for part in ("day", "month", "year")}
    value = field.value()
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    if isinstance(value, str) and value:
        parts = field.field.widget.format_value(value)
        return {k: "" if parts.get(k) in (None, 0, "0") else str(parts[k]) for k in ("day", "month", "year")}
    return {"day": "", "month": "", "year": ""}


@register.filter
def is_required(field: BoundField) -> bool:
    return bool(field.field.required)


@register.filter
def tag_colour(status: Any) -> str:
    """Suggested GOV.UK tag colour for a status word (``""`` means the default tag)."""
    return STATUS_TAG_COLOURS.get(str(status).strip().lower(), "")


@register.simple_tag
def govuk_tag(text: Any, colour: str = "", extra_classes: str = "") -> SafeString:
    """``<strong class="govuk-tag govuk-tag--COLOUR">TEXT</strong>``.

    ``colour`` is one of GOV.UK's tag colours; when omitted it is looked up from the
    text in STATUS_TAG_COLOURS. Colour is never the only signal: the text says it all.
    """
    colour = colour or tag_colour(text)
    classes = ["govuk-tag"]
    if colour:
        if colour not in _TAG_COLOURS:
            raise template.TemplateSyntaxError(f"unknown GOV.UK tag colour {colour!r}")
        classes.append(f"govuk-tag--{colour}")
    classes.extend(extra_classes.split())
    return format_html('<strong class="{}">{}</strong>', " ".join(classes), text)


@register.filter
def non_field_error_list(form: forms.BaseForm) -> list[str]:
    return [str(e) for e in form.non_field_errors()] if form is not None else []


@register.filter
def errored_fields(form: forms.BaseForm) -> list[BoundField]:
    """Visible fields with errors, in form order (the order of the error summary)."""
    if form is None:
        return []
    return [bf for bf in form if bf.errors and not bf.is_hidden]


@register.filter
def hidden_field_errors(form: forms.BaseForm) -> list[str]:
    """Errors on hidden fields: not linkable, shown as plain items in the summary."""
    if form is None:
        return []
    return [f"{bf.label}: {e}" for bf in form.hidden_fields() for e in bf.errors]


@register.filter
def all_success(messages: Any) -> bool:
    """True when every Django message is a success message (drives the banner type)."""
    items = list(messages)
    return bool(items) and all(getattr(m, "level_tag", "") == "success" for m in items)


@register.filter
def any_row_has_actions(rows: Any) -> bool:
    return any(_get(row, "actions") for row in rows or [])


@register.filter
def is_blank(value: Any) -> bool:
    """None or an empty/whitespace string (but not 0 or False)."""
    return value is None or (isinstance(value, str) and not value.strip())


@register.filter
def as_cell(cell: Any) -> Any:
    """A table cell as a mapping with at least "text"."""
    if isinstance(cell, dict):
        return cell
    return {"text": cell}


@register.filter
def elided_page_range(page: Page[Any]) -> list[Any]:
    """Page numbers with ellipses, around the current page (GOV.UK: 1 … 4 5 6 … 40)."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int, param: str = "") -> str:
    """The current URL's query string with the page parameter set to ``number``.

    The parameter is ``param``, else the context's ``page_param``, else "page".
    """
    param = param or context.get("page_param") or "page"
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query[param] = str(number)
    return "?" + query.urlencode()


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)
