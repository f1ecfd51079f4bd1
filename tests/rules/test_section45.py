"""Section 45 (R-02, R-03, Q-11) and the offence catalogue it reads."""

from __future__ import annotations

import pytest

from ccehub.rules.offences import (
    OffenceCatalogueError,
    catalogue,
    get_offence,
    offence_codes,
    parse_catalogue,
)
from ccehub.rules.section45 import Section45Status, assess_section45

CONTRACT_OFFENCES = {
    "pwits_class_a",
    "pwits_class_b",
    "possession_class_a",
    "possession_class_b",
    "possession_weapon",
    "firearms",
    "robbery",
    "burglary",
    "violence",
    "sexual_offence",
    "criminal_damage",
    "other",
}
HEADER = "code,label,category,drug_offence,s45_excluded,citation\n"


def status(codes: list[str], *, child: bool) -> Section45Status:
    return assess_section45(offences=[get_offence(c) for c in codes], treat_as_child=child).status


@pytest.mark.parametrize(
    ("codes", "child", "expected"),
    [
        ([], True, Section45Status.NOT_APPLICABLE),
        ([], False, Section45Status.NOT_APPLICABLE),
        (["pwits_class_a"], True, Section45Status.CHILD_MAY_APPLY),
        (["pwits_class_a"], False, Section45Status.ADULT_TEST),
        (["possession_class_b", "criminal_damage"], True, Section45Status.CHILD_MAY_APPLY),
        (["violence"], True, Section45Status.EXCLUDED_OFFENCE),
        (["sexual_offence"], False, Section45Status.EXCLUDED_OFFENCE),
        (["robbery"], True, Section45Status.EXCLUDED_OFFENCE),
        (["firearms"], True, Section45Status.EXCLUDED_OFFENCE),
        (["pwits_class_a", "robbery"], True, Section45Status.EXCLUDED_OFFENCE),  # any excluded offence
        (["burglary"], True, Section45Status.CHILD_MAY_APPLY),
        (["possession_weapon"], True, Section45Status.CHILD_MAY_APPLY),
        (["other"], False, Section45Status.ADULT_TEST),
    ],
)
def test_section45_status(codes: list[str], child: bool, expected: Section45Status) -> None:
    """Excluded offences win; else the child limb under 18, the adult test at 18+, none without offences."""
    assert status(codes, child=child) is expected


def test_catalogue_has_every_contract_code() -> None:
    """The shipped catalogue holds every offence code the CLI contract names."""
    assert set(offence_codes()) >= CONTRACT_OFFENCES


@pytest.mark.parametrize(
    ("code", "excluded"),
    [
        ("sexual_offence", True),
        ("violence", True),
        ("robbery", True),  # Theft Act 1968 s8 is in MSA 2015 Sch. 4
        ("firearms", True),  # Firearms Act 1968 s5, 16-18 are in Sch. 4
        ("pwits_class_a", False),  # PWITS is covered
        ("pwits_class_b", False),
        ("possession_class_a", False),
    ],
)
def test_s45_flags_follow_schedule_4(code: str, excluded: bool) -> None:
    """Sexual and violent offences, robbery and firearms are excluded; drug offences are not (R-03)."""
    assert get_offence(code).s45_excluded is excluded


def test_every_row_cites_its_source() -> None:
    """Each flag in the reference data comes with a citation (Q-11: legally maintained data)."""
    assert all(offence.citation for offence in catalogue().values())


def test_exclusion_reason_cites_the_catalogue() -> None:
    """The reason for an exclusion quotes the catalogue's citation, with R-03."""
    result = assess_section45(offences=[get_offence("robbery")], treat_as_child=True)
    assert result.reasons[0].startswith("R-03:")
    assert "Theft Act 1968 s8" in result.reasons[0]


def test_drug_offences_are_flagged_for_the_presumption() -> None:
    """Of the contract's codes, exactly the four drugs codes count as drugs offences for R-24."""
    drugs = {code for code in CONTRACT_OFFENCES if get_offence(code).drug_offence}
    assert drugs == {"pwits_class_a", "pwits_class_b", "possession_class_a", "possession_class_b"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,label\nx,y\n", "columns must be"),
        (HEADER + "x,X,other,yes,false,cite\n", "drug_offence must be true or false"),
        (HEADER + "x,X,other,false,false,\n", "citation is required"),
        (HEADER + "x,X,other,false,false,c\nx,X,other,false,false,c\n", "duplicate code 'x'"),
        (HEADER + ",X,other,false,false,c\n", "empty code"),
    ],
)
def test_malformed_catalogue_is_rejected(text: str, problem: str) -> None:
    """A malformed reference file fails loudly with the row and the problem."""
    with pytest.raises(OffenceCatalogueError, match=problem):
        parse_catalogue(text)


def test_catalogue_can_grow_without_code_changes() -> None:
    """A new row with s45_excluded=true excludes s45 with no change to the rules."""
    extra = parse_catalogue(HEADER + "kidnap,Kidnapping,other,false,true,MSA 2015 Sch. 4 (common law)\n")
    result = assess_section45(offences=[extra["kidnap"]], treat_as_child=True)
    assert result.status is Section45Status.EXCLUDED_OFFENCE


@pytest.mark.parametrize("treat_as_child", [True, False])
def test_r02_reason_names_the_offence_in_words(treat_as_child: bool) -> None:
    """The officer reads the R-02 reason on the decision page: it names each offence in words (with its
    code, as R-03 does), not only as a code such as 'pwits_class_a'."""
    offence = get_offence("pwits_class_a")
    result = assess_section45(offences=[offence], treat_as_child=treat_as_child)
    assert f"pwits_class_a ({offence.label})" in result.reasons[0]
