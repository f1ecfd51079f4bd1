"""Small-number suppression (rules/disclosure.py): complementary suppression of a group whose total
is known."""

from __future__ import annotations

from hypothesis import given, settings
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


def test_a_suppressed_count_beside_a_withheld_one_is_not_pinned() -> None:
    """A known total of 6 as "fewer than 5" and a withheld count (5 or more) can only be 1 and 5:
    with nothing else to withhold, both say only "not shown"."""
    assert protect([1, 5]) == [WITHHELD, WITHHELD]
    assert protect([0, 1, 5]) == ["0", WITHHELD, WITHHELD]
    # a third count to withhold instead: 1, 5 and 9 of a known 15 leave 1 to 4 and 11 to 14
    assert protect([1, 5, 9]) == [SUPPRESSED, WITHHELD, WITHHELD]
    # 2 beside a withheld 5 of a known 7: 1 or 2, and 5 or 6; not pinned
    assert protect([2, 5]) == [SUPPRESSED, WITHHELD]


def _consistent(shown: list[str], total: int) -> list[tuple[int, ...]]:
    """Every group a reader could believe was published as ``shown`` with this total: a shown count
    is itself; "fewer than 5" is 1 to 4; withheld is 5 or more, or (when no count is shown as
    "fewer than 5") any count that is not zero."""
    import itertools

    relabelled = SUPPRESSED not in shown
    choices = []
    for text in shown:
        if not hidden(text):
            choices.append([int(text)])
        elif text == SUPPRESSED:
            choices.append([1, 2, 3, 4])
        else:
            choices.append(list(range(1 if relabelled else 5, total + 1)))
    return [c for c in itertools.product(*choices) if sum(c) == total]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=4))
def test_no_hidden_count_can_be_worked_out_from_the_total(counts: list[int]) -> None:
    """Checked by enumeration, apart from the rule: every group consistent with what is shown and the
    total has each hidden count (when two or more are hidden) taking more than one value."""
    shown = protect(counts)
    at = [i for i, text in enumerate(shown) if hidden(text)]
    if len(at) < 2 or 0 < sum(counts) < 5:
        return  # a total of 1 to 4 is itself suppressed wherever it is published
    worlds = _consistent(shown, sum(counts))
    assert tuple(counts) in worlds
    for i in at:
        assert len({world[i] for world in worlds}) > 1, (counts, shown)
