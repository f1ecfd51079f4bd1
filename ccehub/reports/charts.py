"""Charts rendered on the server as SVG with matplotlib (no client-side JavaScript needed).

Every chart sits next to a table holding the same numbers, so nobody depends on the picture.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from ccehub.reports.vulnerability import Matrix
from ccehub.rules.disclosure import WITHHELD
from ccehub.rules.early_signs import EarlySigns
from ccehub.rules.returns import STATUS_SHORT_LABELS, Returns
from ccehub.rules.sufficiency import Sufficiency

# Colour-blind-safe, and each state also has its own symbol in the cell.
_PRESENT = "#d4351c"
_UNKNOWN = "#ffdd00"
_ABSENT = "#f3f2f1"


def vulnerability_heatmap_svg(matrix: Matrix) -> bytes:
    """Fig 3 as a heat map: rows are factors, columns children; ✕ recorded, ? unknown."""
    codes = {"x": 2, "*": 1, "": 0}
    grid = [[codes[c] for c in cells] for _, cells in matrix.rows]
    n_rows, n_cols = len(grid), max(1, len(matrix.columns))
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * n_cols + 2.8, 0.5 * n_rows + 1.6), dpi=100)
    ax.imshow(grid, cmap=ListedColormap([_ABSENT, _UNKNOWN, _PRESENT]), vmin=0, vmax=2, aspect="auto")
    ax.set_xticks(range(n_cols), labels=list(matrix.columns) or [""], rotation=45, ha="right", fontsize=10)
    ax.set_yticks(range(n_rows), labels=[label for label, _ in matrix.rows], fontsize=10)
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            symbol = {2: "✕", 1: "?", 0: ""}[value]
            if symbol:
                ax.text(
                    c,
                    r,
                    symbol,
                    ha="center",
                    va="center",
                    color="white" if value == 2 else "black",
                    fontsize=11,
                )
    ax.set_xticks([x - 0.5 for x in range(1, n_cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n_rows)], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title("Vulnerabilities prior to the identifying incident", fontsize=12, loc="left")
    return _svg(fig)


def _svg(fig: Figure) -> bytes:
    """The figure as SVG bytes (no date in the metadata, so the same numbers give the same file)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def _counts_svg(
    labels: list[str],
    shown: list[str],
    *,
    title: str,
    xlabel: str,
    width: float,
    row_height: float,
    room: float,
    colours: str | list[str] = "#1d70b8",
    hatched: list[bool] | None = None,
) -> bytes:
    """Counts as horizontal bars, each labelled with the count as shown. A count that is not a
    number (suppressed or withheld) has no bar, only its words: the table beside it says why.
    ``room``: how far past the longest bar the axis runs, for the labels."""
    values = [int(text) if text.isdigit() else 0 for text in shown]
    fig, ax = plt.subplots(figsize=(width, row_height * len(labels) + 1.6), dpi=100)
    positions = list(range(len(labels)))
    bars = ax.barh(positions, values, color=colours)
    for bar, hatch in zip(bars, hatched or [False] * len(labels), strict=True):
        if hatch:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    top = max([*values, 1])
    for y, (value, text) in enumerate(zip(values, shown, strict=True)):
        ax.text(value + top * 0.02, y, text, va="center", fontsize=10)
    ax.set_yticks(positions, labels=labels, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, top * room)
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=12, loc="left")
    return _svg(fig)


def early_signs_svg(result: EarlySigns) -> bytes:
    """R-34: children who went missing first, by days until the first arrest. A band with a
    suppressed count has no bar, only the words "fewer than 5" (the table says the same)."""
    return _counts_svg(
        [label for label, _ in result.bands],
        [count.shown for _, count in result.bands],
        title="Days from the first missing episode to the first arrest",
        xlabel="Children",
        width=8.0,
        row_height=0.55,
        room=1.35,
    )


# Banned settings are told apart by hatching and their label, not by colour alone (WCAG 1.4.1);
# both colours have at least 3:1 contrast with white (1.4.11).
_ALLOWED = "#1d70b8"
_BANNED = "#d4351c"


def placements_svg(result: Sufficiency) -> bytes:
    """R-46: the children placed now, by kind of setting; the settings banned at high risk (R-43)
    hatched and labelled. A setting whose count is not shown has no bar, only the words (the table
    says the same)."""
    return _counts_svg(
        [f"{row.label} (banned at high risk)" if row.banned else row.label for row in result.settings],
        # "not shown": the table says why
        ["not shown" if row.count.shown == WITHHELD else row.count.shown for row in result.settings],
        title="Where children are placed now, by kind of setting",
        xlabel="Children placed now",
        width=9.0,
        row_height=0.45,
        room=1.6,
        colours=[_BANNED if row.banned else _ALLOWED for row in result.settings],
        hatched=[row.banned for row in result.settings],
    )


def returns_svg(result: Returns) -> bytes:
    """F-23: the children identified in the period, by where they stand at its end. A count that is
    not shown has no bar, only the words (the table says the same)."""
    return _counts_svg(
        [STATUS_SHORT_LABELS[status] for status, _ in result.statuses],
        [count.shown for _, count in result.statuses],
        title=f"Children exploited in county lines, {result.period.label}",
        xlabel="Children",
        width=8.5,
        row_height=0.6,
        room=1.6,
    )
