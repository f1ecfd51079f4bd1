"""Small-number suppression (rules/disclosure.py): complementary suppression of a group whose total
is known."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.disclosure import SUPPRESSED, WITHHELD, hidden, protect


def test_counts_of_five_or_more_and_zero_are_shown() -> None:
    assert protect([0, 5, 12]) == ["0", "5", "12"]


def test_one_hidden_count_takes_the_smallest_other_with_it() -> None:
    assert protect([3, 9, 6]) == [SUPPRESSED, "9", WITHHELD]
    assert protect([3, 9, 6], avoid=2) == [SUPPRESSED, WITHHELD, "6"]


def test_two_hidden_counts_that_add_up_to_under_five_take_another_with_them() -> None:
    """1 and 2 hidden beside 6 and 9 of a known 18: 18 - 15 gives their sum, 3."""
    assert protect([1, 2, 6, 9]) == [SUPPRESSED, SUPPRESSED, WITHHELD, "9"]
    # 2 and 3 add up to 5: their sum may be had, it is not a small number
    assert protect([2, 3, 6, 9]) == [SUPPRESSED, SUPPRESSED, "6", "9"]


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8), st.data())
def test_what_is_hidden_never_adds_up_to_a_small_number(counts: list[int], data: st.DataObject) -> None:
    """With the group's total known, the reader gets the sum of the hidden counts by subtraction:
    it is never 1 to 4, unless every non-zero count is hidden (then the sum is the total, shown or
    withheld elsewhere)."""
    avoid = data.draw(st.one_of(st.none(), st.integers(min_value=0, max_value=len(counts) - 1)))
    shown = protect(counts, avoid=avoid)
    hidden_sum = sum(n for n, text in zip(counts, shown, strict=True) if hidden(text))
    all_hidden = all(hidden(text) for n, text in zip(counts, shown, strict=True) if n)
    assert not 0 < hidden_sum < 5 or all_hidden
    # what is shown is the count itself
    assert all(text == str(n) for n, text in zip(counts, shown, strict=True) if not hidden(text))
