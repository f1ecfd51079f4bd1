"""Small-number suppression (statistical disclosure control) for every published count.

A count from 1 to 4 shows as :data:`SUPPRESSED`; zero is shown as zero. A total that adds up a
suppressed count is :data:`WITHHELD`, since the total minus the counts shown would give it back.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

#: Counts below this are suppressed.
SUPPRESSION_THRESHOLD: Final = 5
#: What a suppressed cell shows, on the page, in the CSV and JSON, and in the CLI table.
SUPPRESSED: Final = "fewer than 5"
#: What a total shows when a count it adds up is suppressed.
WITHHELD: Final = "not shown (it would reveal a count of fewer than 5)"


def suppressed(n: int) -> bool:
    return 0 < n < SUPPRESSION_THRESHOLD


def shown_count(n: int) -> str:
    """A count as displayed: every count from 1 to 4 is :data:`SUPPRESSED`, whatever it counts."""
    return SUPPRESSED if suppressed(n) else str(n)


def protect(counts: list[int], *, avoid: int | None = None) -> list[str]:
    """Show a group of counts whose total is known (published, or derivable elsewhere): every count
    from 1 to 4 suppressed and then, while what is hidden could be worked out (complementary
    suppression), the smallest other non-zero count :data:`WITHHELD` too. ``avoid``: an index to
    withhold only when no other count will do.

    What is hidden could be worked out when the hidden counts add up to 1 to 4 (the total less the
    counts shown gives that sum back: one hidden count, or two of 1 and 2), or when a reader who
    knows that a suppressed count is 1 to 4 and a withheld one is 5 or more could pin a hidden count
    to one value (a total of 6 split into "fewer than 5" and a withheld count: 1 and 5). When every
    non-zero count is hidden and that still holds, every hidden count is shown as :data:`WITHHELD`,
    which says only that it is not zero."""
    shown = [shown_count(n) for n in counts]
    while _exposed(counts, shown):
        if not withhold_one(counts, shown, avoid=avoid):
            at = [i for i, text in enumerate(shown) if hidden(text)]
            # (a hidden sum of 1 to 4 is the total itself: a small number, suppressed wherever it is
            # published; nothing here can help)
            if len(at) > 1 and not suppressed(sum(counts[i] for i in at)):
                shown = [WITHHELD if hidden(text) else text for text in shown]
            break
    return shown


def _exposed(counts: Sequence[int], shown: Sequence[str]) -> bool:
    """Whether the hidden counts of a group with a known total can be worked out (see :func:`protect`)."""
    at = [i for i, text in enumerate(shown) if hidden(text)]
    total = sum(counts[i] for i in at)
    if suppressed(total):
        return True
    # what a reader knows of each hidden count: 1 to 4 when suppressed, 5 or more when withheld
    bounds = [
        (1, SUPPRESSION_THRESHOLD - 1) if shown[i] == SUPPRESSED else (SUPPRESSION_THRESHOLD, None)
        for i in at
    ]
    for k, (low, high) in enumerate(bounds):
        others = bounds[:k] + bounds[k + 1 :]
        others_low = sum(b[0] for b in others)
        others_high = None if any(b[1] is None for b in others) else sum(b[1] or 0 for b in others)
        least = low if others_high is None else max(low, total - others_high)
        most = total - others_low if high is None else min(high, total - others_low)
        if most <= least:
            return True
    return False


def withhold_one(counts: Sequence[int], shown: list[str], *, avoid: int | None = None) -> bool:
    """Withhold the smallest non-zero count still shown (``avoid`` last); False if none is left."""
    others = [i for i, n in enumerate(counts) if n > 0 and not hidden(shown[i])]
    preferred = [i for i in others if i != avoid] or others
    if not preferred:
        return False
    shown[min(preferred, key=lambda i: (counts[i], i))] = WITHHELD
    return True


def hidden(text: str) -> bool:
    """Whether a shown count is not a number (suppressed or withheld)."""
    return text in (SUPPRESSED, WITHHELD)
