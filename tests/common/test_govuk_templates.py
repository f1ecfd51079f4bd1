"""The GOV.UK partials and vendored assets: pure rendering checks, no database, no browser."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django import forms
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "ccehub" / "common" / "static"


def render(source: str, **context: object) -> str:
    return Template("{% load govuk_extras %}" + source).render(Context(context))


class ReferralForm(forms.Form):
    name = forms.CharField(label="First name", help_text="As recorded by the referring agency")
    known_as = forms.CharField(label="Known as", required=False)
    dob = forms.DateField(label="Date of birth", widget=forms.SelectDateWidget)
    risk = forms.ChoiceField(
        label="Risk level",
        choices=[("", "---------"), ("low", "Low"), ("high", "High")],
        widget=forms.RadioSelect,
    )
    indicators = forms.MultipleChoiceField(
        label="Indicators",
        choices=[("cash", "Unexplained cash"), ("phones", "Multiple phones")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    consent = forms.BooleanField(label="Consent recorded", required=False)


def test_text_input_with_hint_and_error_uses_govuk_ids_and_classes():
    form = ReferralForm(data={})
    form.is_valid()
    html = render('{% include "includes/field.html" with field=f.name %}', f=form)
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert '<div id="id_name-hint" class="govuk-hint">' in html
    assert '<p id="id_name-error" class="govuk-error-message">' in html
    assert '<span class="govuk-visually-hidden">Error:</span> This field is required.' in html
    control = re.search(r"<input[^>]*>", html).group(0)
    assert 'class="govuk-input govuk-input--error"' in control
    assert 'aria-describedby="id_name-hint id_name-error"' in control
    assert "required" not in control
    assert "aria-invalid" not in control


def test_optional_field_label_says_optional():
    html = render('{% include "includes/field.html" with field=f.known_as %}', f=ReferralForm())
    assert "Known as (optional)" in html


def test_date_input_is_three_text_boxes_that_round_trip():
    form = ReferralForm(initial={"dob": datetime.date(2011, 4, 9)})
    html = render('{% include "includes/field.html" with field=f.dob %}', f=form)
    assert re.search(r'<fieldset class="govuk-fieldset" role="group"', html)
    for part, value in (("day", "9"), ("month", "4"), ("year", "2011")):
        assert f'id="id_dob-{part}" name="dob_{part}" type="text" inputmode="numeric" value="{value}"' in html

    bound = ReferralForm(
        data={"name": "Sam", "dob_day": "9", "dob_month": "4", "dob_year": "2011", "risk": "low"}
    )
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["dob"] == datetime.date(2011, 4, 9)


def test_invalid_date_keeps_what_was_typed_and_summary_links_to_day():
    form = ReferralForm(
        data={"name": "Sam", "dob_day": "31", "dob_month": "2", "dob_year": "20x4", "risk": "low"}
    )
    assert not form.is_valid()
    field = render('{% include "includes/field.html" with field=f.dob %}', f=form)
    assert 'value="20x4"' in field
    summary = render('{% include "includes/error_summary.html" with form=f %}', f=form)
    assert 'href="#id_dob-day"' in summary
    assert 'data-module="govuk-error-summary"' in summary


def test_radios_number_ids_like_govuk_and_drop_the_blank_choice():
    html = render('{% include "includes/field.html" with field=f.risk %}', f=ReferralForm())
    assert "---------" not in html
    assert 'id="id_risk" name="risk" type="radio" value="low"' in html
    assert 'id="id_risk-2" name="risk" type="radio" value="high"' in html
    assert 'data-module="govuk-radios"' in html
    assert "<legend" in html


def test_checkboxes_and_single_checkbox():
    form = ReferralForm(initial={"indicators": ["phones"], "consent": True})
    many = render('{% include "includes/field.html" with field=f.indicators %}', f=form)
    assert 'id="id_indicators-2" name="indicators" type="checkbox" value="phones" checked' in many
    one = render('{% include "includes/field.html" with field=f.consent %}', f=form)
    assert 'id="id_consent" name="consent" type="checkbox" value="true" checked' in one


def test_textarea_has_govuk_rows_and_no_cols():
    html = render('{% include "includes/field.html" with field=f.notes %}', f=ReferralForm())
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert 'class="govuk-textarea"' in textarea
    assert 'rows="5"' in textarea
    assert "cols" not in textarea


def test_summary_list_table_tag_and_pagination():
    rows = [
        {
            "key": "Name",
            "value": "Sam",
            "actions": [{"href": "/x", "text": "Change", "visually_hidden": "name"}],
        },
        {"key": "Date of birth", "value": None},
    ]
    summary = render('{% include "includes/summary_list.html" with rows=rows %}', rows=rows)
    assert "govuk-summary-list__row--no-actions" in summary
    assert "Not recorded" in summary
    assert 'Change<span class="govuk-visually-hidden"> name</span>' in summary

    table = render(
        '{% include "includes/table.html" with caption="c" head=head rows=rows first_cell_is_header=True %}',
        head=["Area", {"text": "Referrals", "numeric": True}],
        rows=[["Kent", {"text": 3, "numeric": True}]],
    )
    assert '<th scope="row" class="govuk-table__header">Kent</th>' in table
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in table

    assert 'class="govuk-tag govuk-tag--red">Overdue<' in render(
        '{% include "includes/tag.html" with text="Overdue" %}'
    )

    request = RequestFactory().get("/children/?q=sam&page=5")
    page = Paginator(list(range(100)), 10).page(5)
    nav = Template('{% include "includes/pagination.html" with page_obj=p %}').render(
        Context({"p": page, "request": request})
    )
    assert 'aria-label="Page 5" aria-current="page"' in nav
    assert 'href="?q=sam&amp;page=4" rel="prev"' in nav


def test_base_page_has_no_inline_script_or_style_and_signs_out_by_post():
    class User:
        is_authenticated = True

        def get_full_name(self):
            return "Jane Smith"

        def get_username(self):
            return "jsmith"

    request = RequestFactory().get("/")
    request.user = User()
    html = render_to_string(
        "base.html",
        {
            "nav_items": [
                {"href": "/", "text": "Dashboard", "active": True},
                {"href": "/c/", "text": "Children"},
            ],
            "current_membership": {"role_label": "Social worker", "agency_name": "Kent County Council"},
            "messages": [Message(constants.SUCCESS, "Saved")],
        },
        request=request,
    )
    assert '<html lang="en" class="govuk-template govuk-template--rebranded">' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline <script>"
    assert "style=" not in html
    assert re.search(r'<script type="module" src="[^"]*ccehub/init\.js"', html)
    assert 'href="#main-content" class="govuk-skip-link"' in html
    assert "Jane Smith (Social worker, Kent County Council)" in html
    assert re.search(r'<form method="post"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"', html)
    assert "Sign out</button>" in html
    assert 'aria-current="true"' in html
    assert "govuk-notification-banner--success" in html
    assert "synthetic data only" in html.lower()


def test_vendored_assets_match_the_script_pins():
    script = (ROOT / "scripts" / "vendor-govuk-frontend.sh").read_text()
    govuk = re.search(r'^GOVUK_FRONTEND_VERSION="([^"]+)"', script, re.M).group(1)
    htmx = re.search(r'^HTMX_VERSION="([^"]+)"', script, re.M).group(1)
    assert (STATIC / "govuk" / "VERSION").read_text().strip() == govuk
    assert (STATIC / "vendor" / "htmx" / "VERSION").read_text().strip() == htmx
    assert f'version="{govuk}"' in (STATIC / "govuk" / "govuk-frontend.min.js").read_text()

    css = (STATIC / "govuk" / "govuk-frontend.min.css").read_text()
    urls = set(re.findall(r"url\(([^)]+)\)", css))
    assert urls, "the CSS should reference its fonts and images"
    for url in urls:
        assert not url.startswith("/"), f"root-relative url({url}) will not resolve under STATIC_URL"
        assert (STATIC / "govuk" / url).is_file(), url
    assert "sourceMappingURL" not in css
    assert not (ROOT / "node_modules").exists()
