"""The 100-day presumption (R-24), its rebuttal (R-25, R-38) and local-panel eligibility."""

from __future__ import annotations

from datetime import date

import pytest

from ccehub.rules.age import assess_age
from ccehub.rules.policy import PROFILES, PolicyProfile
from ccehub.rules.presumption import (
    PresumptionCategory,
    RebuttalAssessment,
    RebuttalOutcome,
    WeakReason,
    assess_panel_eligibility,
    assess_presumption,
    assess_rebuttal,
    rebuttal_reason,
    substantive_words,
)

BOTH_PROFILES = pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
DOB = date(2005, 1, 1)  # 18 on 2023-01-01; cut-off 2022-09-23 (DOMAIN R-24)
NOT_CLAIMED = RebuttalAssessment(RebuttalOutcome.NOT_CLAIMED)


def presume(
    on: date,
    *,
    profile: PolicyProfile,
    dob: date | None = DOB,
    estimate: int | None = None,
    county_lines_linked: bool = True,
    drugs_offence: bool = True,
    arrested: bool = True,
    rebuttal: RebuttalAssessment = NOT_CLAIMED,
) -> tuple[PresumptionCategory, bool]:
    age = assess_age(date_of_birth=dob, estimated_age=estimate, on=on, profile=profile)
    result = assess_presumption(
        age=age,
        county_lines_linked=county_lines_linked,
        drugs_offence=drugs_offence,
        arrested=arrested,
        rebuttal=rebuttal,
        profile=profile,
    )
    panel = assess_panel_eligibility(age=age, profile=profile)
    return result.category, panel.eligible


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("on", "category", "panel"),
    [
        (date(2010, 1, 1), PresumptionCategory.PRESUMED_VICTIM, True),  # age 5: no lower bound
        (date(2022, 9, 22), PresumptionCategory.PRESUMED_VICTIM, True),  # 101 days
        (date(2022, 9, 23), PresumptionCategory.PRESUMED_VICTIM, False),  # exactly 100: counts; pilot no
        (date(2022, 9, 24), PresumptionCategory.CHILD_CONSIDER_EXPLOITATION, False),  # 99 days
        (date(2022, 12, 31), PresumptionCategory.CHILD_CONSIDER_EXPLOITATION, False),  # day before 18
        (date(2023, 1, 1), PresumptionCategory.YOUNG_ADULT_TRANSITIONAL, False),  # 18th birthday
        (date(2029, 12, 31), PresumptionCategory.YOUNG_ADULT_TRANSITIONAL, False),  # 24
        (date(2030, 1, 1), PresumptionCategory.ADULT, False),  # 25
    ],
)
def test_presumption_and_panel_at_every_boundary(
    on: date, category: PresumptionCategory, panel: bool, profile: PolicyProfile
) -> None:
    """99/100/101 days, the 18th birthday and the 25 line give the right category and panel answer."""
    assert presume(on, profile=profile) == (category, panel)


@BOTH_PROFILES
def test_second_domain_value(profile: PolicyProfile) -> None:
    """DOB 2004-09-30: presumed on the cut-off 2022-06-22, not the day after."""
    dob = date(2004, 9, 30)
    assert presume(date(2022, 6, 22), dob=dob, profile=profile)[0] is PresumptionCategory.PRESUMED_VICTIM
    assert (
        presume(date(2022, 6, 23), dob=dob, profile=profile)[0]
        is PresumptionCategory.CHILD_CONSIDER_EXPLOITATION
    )


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("on", "category"),
    [
        (date(2021, 11, 21), PresumptionCategory.PRESUMED_VICTIM),  # 100 days before 2022-03-01
        (date(2021, 11, 22), PresumptionCategory.CHILD_CONSIDER_EXPLOITATION),
        (date(2022, 2, 28), PresumptionCategory.CHILD_CONSIDER_EXPLOITATION),  # still 17
        (date(2022, 3, 1), PresumptionCategory.YOUNG_ADULT_TRANSITIONAL),
    ],
)
def test_leap_day_birthday(on: date, category: PresumptionCategory, profile: PolicyProfile) -> None:
    """A 29 February 2004 child is 18 on 1 March 2022, so the cut-off is 21 November 2021."""
    assert presume(on, dob=date(2004, 2, 29), profile=profile)[0] is category


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("county_lines_linked", "drugs_offence", "arrested", "category"),
    [
        (True, True, True, PresumptionCategory.PRESUMED_VICTIM),
        (True, True, False, PresumptionCategory.PRESUMED_VICTIM),  # drugs offence, no arrest
        (True, False, True, PresumptionCategory.PRESUMED_VICTIM),  # any arrest in county lines
        (True, False, False, PresumptionCategory.CHILD_CONSIDER_EXPLOITATION),
        (False, True, True, PresumptionCategory.CHILD_CONSIDER_EXPLOITATION),  # not county lines
    ],
)
def test_presumption_conditions(
    county_lines_linked: bool,
    drugs_offence: bool,
    arrested: bool,
    category: PresumptionCategory,
    profile: PolicyProfile,
) -> None:
    """The presumption needs a county-lines link and either a drugs offence or an arrest (R-24, Q-09)."""
    result = presume(
        date(2021, 1, 1),
        profile=profile,
        county_lines_linked=county_lines_linked,
        drugs_offence=drugs_offence,
        arrested=arrested,
    )
    assert result[0] is category


@BOTH_PROFILES
@pytest.mark.parametrize(
    ("estimate", "category"),
    [
        (None, PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD),
        (14, PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD),
        (17, PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD),
        (18, PresumptionCategory.YOUNG_ADULT_TRANSITIONAL),
        (24, PresumptionCategory.YOUNG_ADULT_TRANSITIONAL),
        (25, PresumptionCategory.ADULT),
    ],
)
def test_unknown_date_of_birth(
    estimate: int | None, category: PresumptionCategory, profile: PolicyProfile
) -> None:
    """Without a DOB the cut-off cannot be fixed: treat as a child unless estimated 18+; never panel."""
    assert presume(date(2022, 1, 1), dob=None, estimate=estimate, profile=profile) == (category, False)


@BOTH_PROFILES
def test_unknown_date_of_birth_panel_reason(profile: PolicyProfile) -> None:
    """The panel reason for an unknown DOB says it cannot be established and age-disputed cases are out."""
    age = assess_age(date_of_birth=None, estimated_age=15, on=date(2022, 1, 1), profile=profile)
    reason = assess_panel_eligibility(age=age, profile=profile).reason
    assert "cannot be established" in reason
    assert "age-disputed" in reason


def test_exactly_100_days_reason_explains_the_two_lines() -> None:
    """At exactly 100 days the reasons say the presumption counts it and the pilot does not."""
    profile = PROFILES["current"]
    age = assess_age(date_of_birth=DOB, estimated_age=None, on=date(2022, 9, 23), profile=profile)
    result = assess_presumption(
        age=age,
        county_lines_linked=True,
        drugs_offence=True,
        arrested=True,
        rebuttal=NOT_CLAIMED,
        profile=profile,
    )
    assert "exactly 100 days counts" in result.reasons[0]
    assert result.reasons[0].startswith("R-24:")
    assert "the pilot does not" in assess_panel_eligibility(age=age, profile=profile).reason


# --- Rebuttal ----------------------------------------------------------------------------------

WEAK_NOTES = [
    ("No disclosure.", {WeakReason.NO_DISCLOSURE}),
    ("He didn't disclose anything", {WeakReason.NO_DISCLOSURE}),
    ("No comment interview", {WeakReason.NO_COMMENT}),
    ("Answered no-comment to all questions; remained silent", {WeakReason.NO_COMMENT}),
    ("Refused to answer questions in interview", {WeakReason.NO_COMMENT}),
    ("Manual phone check negative", {WeakReason.PHONE_CHECK_NEGATIVE}),
    ("No threatening messages found on his phone", {WeakReason.PHONE_CHECK_NEGATIVE}),
    ("Denies being exploited, says he chose to do it for the money", {WeakReason.APPARENT_CONSENT}),
    (
        "No disclosure, no comment interview, phone checked manually with nothing found.",
        {WeakReason.NO_DISCLOSURE, WeakReason.NO_COMMENT, WeakReason.PHONE_CHECK_NEGATIVE},
    ),
    ("Would not say who he works for", {WeakReason.NO_DISCLOSURE}),
]


@pytest.mark.parametrize(("note", "reasons"), WEAK_NOTES)
def test_weak_notes_are_refused(note: str, reasons: set[WeakReason]) -> None:
    """A note made only of no disclosure, no comment, a negative phone check or denial is refused (R-38)."""
    result = assess_rebuttal(claimed=True, evidence_note=note)
    assert result.outcome is RebuttalOutcome.REFUSED_WEAK_EVIDENCE
    assert set(result.weak_reasons) == reasons


@pytest.mark.parametrize("note", ["He is not exploited", "n/a", "none", "Clear evidence to the contrary."])
def test_assertions_without_evidence_are_refused(note: str) -> None:
    """A note that only asserts the conclusion records no evidence item, so it cannot rebut (R-25)."""
    assert assess_rebuttal(claimed=True, evidence_note=note).outcome is RebuttalOutcome.REFUSED_NO_EVIDENCE


@pytest.mark.parametrize(
    "note",
    [
        "Full download of his phone shows he runs the line and recruits younger children",
        "No comment, but CCTV shows him directing two younger runners and collecting their takings",
        "Text messages show he is the line holder paying other runners",
        "Home-area police intelligence: he controls the line from his own flat",
    ],
)
def test_notes_with_other_evidence_are_accepted(note: str) -> None:
    """Any evidence beyond the weak reasons is accepted as a candidate rebuttal (to be approved)."""
    result = assess_rebuttal(claimed=True, evidence_note=note)
    assert result.outcome is RebuttalOutcome.ACCEPTED
    assert substantive_words(note)


def test_no_claim_is_not_a_rebuttal() -> None:
    """Without clear_evidence_not_exploited the note is irrelevant to the presumption."""
    assert assess_rebuttal(claimed=False, evidence_note="anything").outcome is RebuttalOutcome.NOT_CLAIMED


@BOTH_PROFILES
def test_accepted_rebuttal_removes_the_presumption(profile: PolicyProfile) -> None:
    """Clear evidence to the contrary turns a presumed victim into 'consider exploitation' (R-25)."""
    rebuttal = assess_rebuttal(
        claimed=True, evidence_note="CCTV shows him running the line and paying runners"
    )
    assert presume(date(2021, 1, 1), profile=profile, rebuttal=rebuttal)[0] is (
        PresumptionCategory.CHILD_CONSIDER_EXPLOITATION
    )


@BOTH_PROFILES
def test_weak_rebuttal_keeps_the_presumption_and_says_why(profile: PolicyProfile) -> None:
    """A weak-only note leaves the presumption in place with an R-38 reason."""
    rebuttal = assess_rebuttal(claimed=True, evidence_note="No comment interview and no disclosure")
    age = assess_age(date_of_birth=DOB, estimated_age=None, on=date(2021, 1, 1), profile=profile)
    result = assess_presumption(
        age=age,
        county_lines_linked=True,
        drugs_offence=True,
        arrested=True,
        rebuttal=rebuttal,
        profile=profile,
    )
    assert result.category is PresumptionCategory.PRESUMED_VICTIM
    assert any(reason.startswith("R-38:") for reason in result.reasons)


@pytest.mark.parametrize(
    "note",
    [
        "He answered no comment throughout",
        "Replied no comment to all questions in interview",
        "Negative result from the manual phone examination",
        "No disclosure during the custody period",
        "no relevant messages on the phone",
        "Nothing of note found on his phone",
        "Manual check of his iPhone showed no threats",
        "phone checked by PC Smith, no threatening messages",
        "He said he chose to do it for money",
    ],
)
def test_weak_reasons_never_rebut_however_worded(note):
    """R-38: notes made only of weak reasons are refused, clause by clause, officers' names ignored."""
    from ccehub.rules.presumption import RebuttalOutcome, assess_rebuttal

    assert assess_rebuttal(claimed=True, evidence_note=note).outcome is RebuttalOutcome.REFUSED_WEAK_EVIDENCE


@pytest.mark.parametrize(
    "note",
    [
        "Full download of his phone shows he manages the line and recruits younger children",
        "CCTV shows him directing two younger boys to deliver",
        "No comment in interview, but CCTV shows him paying two younger runners",
    ],
)
def test_real_evidence_is_a_candidate_rebuttal(note):
    """A clause with real content survives next to weak ones (it still needs a specialist's approval)."""
    from ccehub.rules.presumption import RebuttalOutcome, assess_rebuttal

    assert assess_rebuttal(claimed=True, evidence_note=note).outcome is RebuttalOutcome.ACCEPTED


# Black-box findings: each of these lifted the presumption before, on leftover words ("nobody",
# "alone", "trainers", "nfa", "concerns", "quiet"). R-25 needs clear evidence; say the
# child's own account, consent, motive, silence and an absence of evidence are never that.
@pytest.mark.parametrize(
    ("note", "reasons"),
    [
        ("He says nobody made him do it", {WeakReason.APPARENT_CONSENT}),
        ("States he acted alone and of his own free will", {WeakReason.APPARENT_CONSENT}),
        ("Says he was selling to pay for trainers", {WeakReason.APPARENT_CONSENT}),
        ("NFA", {WeakReason.ABSENCE_OF_EVIDENCE}),
        ("No concerns", {WeakReason.ABSENCE_OF_EVIDENCE}),
        (
            "Silence in interview; kept quiet throughout; nothing on mobile",
            {WeakReason.NO_COMMENT, WeakReason.PHONE_CHECK_NEGATIVE},
        ),
        # docs/rules-triage.md's refused example, kept in step with the docs
        ("Denies being exploited, says he did it for the money", {WeakReason.APPARENT_CONSENT}),
        ("Police intelligence checked and nothing known", {WeakReason.ABSENCE_OF_EVIDENCE}),
        ("Police intelligence: nothing known", {WeakReason.ABSENCE_OF_EVIDENCE}),
        ("He told officers CCTV would show he was elsewhere", {WeakReason.APPARENT_CONSENT}),
        ("He wants to be left alone", {WeakReason.APPARENT_CONSENT}),
    ],
)
def test_the_childs_account_and_absence_of_evidence_never_rebut(note: str, reasons: set[WeakReason]) -> None:
    result = assess_rebuttal(claimed=True, evidence_note=note)
    assert result.outcome is RebuttalOutcome.REFUSED_WEAK_EVIDENCE
    assert set(result.weak_reasons) == reasons
    text = rebuttal_reason(result)
    assert text is not None and text.startswith("R-38:") and "independent evidence item" in text


@pytest.mark.parametrize(
    "note",
    [
        "He had three phones and cash",  # a source but nothing it shows
        "CCTV",
        "He runs his own line",  # a claim with no evidence item
        "Mother says he is not exploited",
        "Nobody is controlling him according to his social worker",
    ],
)
def test_a_note_without_an_independent_item_showing_something_is_refused(note: str) -> None:
    """Unrecognised wording is refused (and asks for the evidence item), never waved through."""
    result = assess_rebuttal(claimed=True, evidence_note=note)
    assert result.outcome is not RebuttalOutcome.ACCEPTED
    assert "independent evidence item" in (rebuttal_reason(result) or "")


@pytest.mark.parametrize(
    "note",
    [
        "Bank records show he receives the line's takings and pays the runners",
        "An independent witness saw him hand drugs to two younger boys and collect the money from them",
        "His account that he was at school is confirmed by the school attendance register",
        "School register and CCTV from the school confirm he was in class in Leeds at the time of the arrest",
    ],
)
def test_corroborated_independent_evidence_can_still_rebut(note: str) -> None:
    """Positive evidence from an independent source is a candidate rebuttal (a specialist approves);
    the child's account verified by an independent record counts, the child's say-so alone does not."""
    assert assess_rebuttal(claimed=True, evidence_note=note).outcome is RebuttalOutcome.ACCEPTED


# Second black-box round: evidence of the dealing itself was accepted as "evidence to the contrary".
@pytest.mark.parametrize(
    "note",
    [
        "CCTV shows him selling drugs",
        "Witness saw him selling",
        "PNC record shows previous convictions for supply",
        "Phone download shows he was alone",
        "Body-worn video shows him carrying wraps of heroin and crack",
    ],
)
def test_evidence_of_the_offence_itself_never_rebuts(note: str) -> None:
    """The offence raises the presumption (R-24), so evidence of it, however good, is not clear
    evidence to the contrary (R-25); role indicators are evidence items, not scores (R-29)."""
    result = assess_rebuttal(claimed=True, evidence_note=note)
    assert result.outcome is RebuttalOutcome.REFUSED_WEAK_EVIDENCE
    assert result.weak_reasons == (WeakReason.OFFENCE_EVIDENCE,)
    assert "own offending" in (rebuttal_reason(result) or "")
