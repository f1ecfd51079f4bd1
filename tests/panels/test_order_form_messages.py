"""Each field of a Safeguarding Order condition has its own error message, so the error summary does
not list the same sentence twice (one link for the type, one for the detail) and each message says
what that field needs (GOV.UK error messages)."""

from __future__ import annotations

import pytest

from ccehub.panels.forms import OrderDraftForm

pytestmark = pytest.mark.django_db

BASE = {"legal_basis": "new_statutory_order", "legal_basis_detail": "A new order"}


def test_an_empty_first_condition_names_each_part_once():
    form = OrderDraftForm(data=BASE)
    assert not form.is_valid()
    assert form.errors["condition1_type"] == ["Select the type of condition"]
    assert form.errors["condition1_detail"] == ["Enter the condition"]


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"condition2_type": "residence"}, "condition2_detail", "Enter the condition"),
        ({"condition2_detail": "Home by 21:00"}, "condition2_type", "Select the type of condition"),
    ],
)
def test_a_half_filled_later_condition_points_at_the_missing_part(given, field, message):
    data = {**BASE, "condition1_type": "residence", "condition1_detail": "Home by 21:00", **given}
    form = OrderDraftForm(data=data)
    assert not form.is_valid()
    assert form.errors == {field: [message]}
