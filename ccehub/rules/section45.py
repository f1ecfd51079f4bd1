"""Whether the Modern Slavery Act 2015 s45 defence can arise (R-02, R-03, R-05, Q-11).

The rule only says which limb of the defence is in play: a court decides whether it succeeds (R-04).
Exclusions come from the offence catalogue (``data/offences.csv``), which mirrors Schedule 4 of the
Act; nothing here names an offence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ccehub.rules.offences import Offence


class Section45Status(StrEnum):
    """The ``section45`` output code (issue #3 contract)."""

    EXCLUDED_OFFENCE = "excluded_offence"
    CHILD_MAY_APPLY = "child_may_apply"
    ADULT_TEST = "adult_test"
    NOT_APPLICABLE = "not_applicable"


SECTION45_LABELS: Final[dict[Section45Status, str]] = {
    Section45Status.EXCLUDED_OFFENCE: "Section 45 defence not available for an offence recorded",
    Section45Status.CHILD_MAY_APPLY: "Section 45 child defence may apply (under 18 at the offence date)",
    Section45Status.ADULT_TEST: "Section 45 adult test applies (18 or over at the offence date)",
    Section45Status.NOT_APPLICABLE: "No offence recorded: section 45 does not arise",
}


@dataclass(frozen=True, slots=True)
class Section45Result:
    """The s45 status, the offences that exclude it, and the reasons."""

    status: Section45Status
    excluded: tuple[Offence, ...]
    reasons: tuple[str, ...]


def assess_section45(*, offences: Sequence[Offence], treat_as_child: bool) -> Section45Result:
    """Which s45 limb is in play for these offences.

    Sources: R-02 (the child limb, s45(4), applies when under 18 at the time of the act; 18 and over
    get the adult test, s45(1)); R-03 and Q-11 (not available for the offences in Schedule 4, kept as
    reference data with a citation per offence); R-05 (the defendant need only point to evidence).
    A person whose age is not established and not estimated at 18 or over is treated as a child.
    No policy field: the statute is the same under every profile.
    """
    if not offences:
        return Section45Result(
            Section45Status.NOT_APPLICABLE,
            (),
            ("R-02: no offence is recorded, so the section 45 defence does not arise.",),
        )
    excluded = tuple(offence for offence in offences if offence.s45_excluded)
    if excluded:
        reasons = tuple(
            f"R-03: section 45 is not available for {offence.code} ({offence.label}): {offence.citation}"
            for offence in excluded
        )
        return Section45Result(Section45Status.EXCLUDED_OFFENCE, excluded, reasons)
    listed = ", ".join(f"{offence.code} ({offence.label})" for offence in offences)
    if treat_as_child:
        return Section45Result(
            Section45Status.CHILD_MAY_APPLY,
            (),
            (
                f"R-02: the section 45(4) child defence may apply to {listed} (under 18 at the offence "
                "date, or age not established): the act must be a direct consequence of being a victim of "
                "slavery or relevant exploitation, and a reasonable person in the same situation with the "
                "child's relevant characteristics would have done it. The defendant need only point to "
                "evidence (R-05); raise it early.",
            ),
        )
    return Section45Result(
        Section45Status.ADULT_TEST,
        (),
        (
            f"R-02: 18 or over at the offence date, so the child limb is not offered for {listed}; the "
            "adult test in section 45(1) applies (compelled to act, the compulsion attributable to slavery "
            "or relevant exploitation, and no realistic alternative).",
        ),
    )
