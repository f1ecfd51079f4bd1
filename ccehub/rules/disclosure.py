"""Small-number suppression (statistical disclosure control) for every published count.

A count from 1 to 4 shows as :data:`SUPPRESSED`; zero is shown as zero. A total that adds up a
suppressed count is :data:`WITHHELD`, since the total minus the counts shown would give it back.

Pure: no Django.
"""

from __future__ import annotations

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
    from 1 to 4 suppressed and, where that leaves exactly one hidden, the smallest other non-zero
    count :data:`WITHHELD` too, so the hidden one cannot be had by subtraction (complementary
    suppression). ``avoid``: an index to withhold only when no other count will do."""
    shown = [shown_count(n) for n in counts]
    hidden = [i for i, n in enumerate(counts) if suppressed(n)]
    if len(hidden) == 1:
        others = [i for i, n in enumerate(counts) if n > 0 and i not in hidden]
        preferred = [i for i in others if i != avoid] or others
        if preferred:
            shown[min(preferred, key=lambda i: (counts[i], i))] = WITHHELD
    return shown


def hidden(text: str) -> bool:
    """Whether a shown count is not a number (suppressed or withheld)."""
    return text in (SUPPRESSED, WITHHELD)
