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
    from 1 to 4 suppressed and then, while the hidden counts add up to 1 to 4 (the total less the
    counts shown would give that sum back: one hidden count, or two of 1 and 2), the smallest other
    non-zero count :data:`WITHHELD` too (complementary suppression). ``avoid``: an index to withhold
    only when no other count will do."""
    shown = [shown_count(n) for n in counts]
    while suppressed(sum(n for n, text in zip(counts, shown, strict=True) if hidden(text))):
        if not withhold_one(counts, shown, avoid=avoid):
            break
    return shown


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
