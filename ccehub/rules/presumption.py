"""The 100-day presumption (R-24), its rebuttal (R-25, R-38) and local-panel eligibility (pilot).

Two lines sit 100 days before the 18th birthday and differ at exactly 100 days:

* the report's **presumption** covers a child "100 days shy of their 18th birthday or younger":
  exactly 100 days counts (policy field ``presumption_days_before_18``);
* the devolved pilot's **panel eligibility** needs *more than* 100 days (policy field
  ``panel_eligibility_days_before_18``).

Rebuttal needs "clear evidence to the contrary" (R-25), which the report does not define. What it
does say (R-38, R-28, R-01) is what is *not* clear evidence: no disclosure, a "no comment" interview,
a phone with no threatening messages, and apparent consent. :func:`assess_rebuttal` accepts a note as
a candidate only when it names an independent evidence item and what it shows; see
``docs/rules-triage.md`` for the check and its limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from ccehub.rules.age import AgeAssessment, AgeBand
from ccehub.rules.policy import PolicyProfile


class PresumptionCategory(StrEnum):
    """The ``presumption`` output code (issue #3 contract)."""

    PRESUMED_VICTIM = "presumed_victim"
    CHILD_CONSIDER_EXPLOITATION = "child_consider_exploitation"
    YOUNG_ADULT_TRANSITIONAL = "young_adult_transitional"
    ADULT = "adult"
    AGE_UNKNOWN_TREAT_AS_CHILD = "age_unknown_treat_as_child"


PRESUMPTION_LABELS: Final[dict[PresumptionCategory, str]] = {
    PresumptionCategory.PRESUMED_VICTIM: "Presumed a potential victim of child criminal exploitation",
    PresumptionCategory.CHILD_CONSIDER_EXPLOITATION: "Child: the presumption does not apply, but "
    "exploitation must still be considered",
    PresumptionCategory.YOUNG_ADULT_TRANSITIONAL: "Young adult (18 to 24): consider exploitation and "
    "transitional safeguarding",
    PresumptionCategory.ADULT: "Adult (25 or over)",
    PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD: "Age not established: treat as a child",
}

#: How protective each category is (higher = more protection); used by properties and the web layer.
PRESUMPTION_PROTECTION_RANK: Final[dict[PresumptionCategory, int]] = {
    PresumptionCategory.PRESUMED_VICTIM: 4,
    PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD: 3,
    PresumptionCategory.CHILD_CONSIDER_EXPLOITATION: 3,
    PresumptionCategory.YOUNG_ADULT_TRANSITIONAL: 1,
    PresumptionCategory.ADULT: 0,
}


# --- Rebuttal (R-25, R-38) ---------------------------------------------------------------------


class WeakReason(StrEnum):
    """Reasons that are never clear evidence against exploitation on their own."""

    NO_DISCLOSURE = "no_disclosure"  # expecting disclosure is unrealistic
    NO_COMMENT = "no_comment"
    PHONE_CHECK_NEGATIVE = "phone_check_negative"  # burners, disappearing messages
    APPARENT_CONSENT = "apparent_consent"  # the child's own account, consent or motive
    ABSENCE_OF_EVIDENCE = "absence_of_evidence"  # nothing found is not evidence of absence
    OFFENCE_EVIDENCE = "offence_evidence"  # the dealing that raises the presumption


WEAK_REASON_LABELS: Final[dict[WeakReason, str]] = {
    WeakReason.NO_DISCLOSURE: "no disclosure",
    WeakReason.NO_COMMENT: "a 'no comment' interview or silence",
    WeakReason.PHONE_CHECK_NEGATIVE: "a negative phone check",
    WeakReason.APPARENT_CONSENT: "the child's own account (a denial, apparent consent or a motive such as money)",
    WeakReason.ABSENCE_OF_EVIDENCE: "an absence of evidence (nothing found, no further action, no concerns)",
    WeakReason.OFFENCE_EVIDENCE: (
        "evidence of the child's own offending (selling, carrying drugs, previous convictions, being alone), "
        "which is what raises the presumption, not evidence against it"
    ),
}


class RebuttalOutcome(StrEnum):
    """What became of a claim of clear evidence that the child is not exploited."""

    NOT_CLAIMED = "not_claimed"
    ACCEPTED = "accepted"
    REFUSED_WEAK_EVIDENCE = "refused_weak_evidence"
    REFUSED_NO_EVIDENCE = "refused_no_evidence"


@dataclass(frozen=True, slots=True)
class RebuttalAssessment:
    """The outcome of :func:`assess_rebuttal` and the weak reasons found in the note."""

    outcome: RebuttalOutcome
    weak_reasons: tuple[WeakReason, ...] = ()

    @property
    def accepted(self) -> bool:
        """The note may rebut the presumption (subject to supervisor or specialist approval)."""
        return self.outcome is RebuttalOutcome.ACCEPTED


# The child's own account: what they say, deny, admit or explain.
_CHILD_SAYS: Final = re.compile(
    r"\b(?:he|she|they|child|boy|girl|suspect|detainee|person|youth|juvenile)\s+(?:also\s+)?"
    r"(?:says|said|states|stated|claims|claimed|insists|insisted|maintains|maintained|told|tells"
    r"|explains|explained|reports|reported|describes|described|accepts|accepted|admits|admitted"
    r"|agrees|agreed|asserts|asserted|confirms|confirmed|reckons|thinks|feels|believes)\b"
    r"|^(?:says|said|states|stated|claims|claimed|insists|insisted|maintains|maintained|told"
    r"|reports|reported|explains|explained|admits|admitted|accepts|accepted|asserts|asserted)\b"
    r"|\b(?:his|her|their|child's|own)\s+(?:account|version|explanation|word)\b"
    r"|\baccording\s+to\s+(?:him|her|them|the\s+child)\b|\bself[- ]?report"
)
# Apparent consent, free will and motive: never excluding CCE whoever records it (R-01: "apparent
# consent does not exclude it"; exchange for something wanted is limb (a) of the definition).
_CONSENT: Final = re.compile(
    r"\bden(?:y|ies|ied|ying|ial)\b|\bchos(?:e|en)\b|\bchoice\b|\bvoluntar|\bwilling"
    r"|\bconsent|\bfree\s+will\b|\bfreely\b|\bwant(?:s|ed)?\b|\bagreed\b"
    r"|\b(?:nobody|no\s*one|no-one|no\s+body)\s+(?:made|makes|forced|forces|told|tells|pressured|coerced"
    r"|groomed|threatened|asked|sent|controls|controlled)\b"
    r"|\bacted\s+alone\b|\bon\s+(?:his|her|their)\s+own\b|\bof\s+(?:his|her|their)\s+own\b"
    r"|\bown\s+(?:accord|choice|decision|idea|volition|initiative)\b|\bindependently\s+of\b"
    r"|\bfor\s+(?:the\s+)?(?:money|cash|profit)\b|\bmoney\b(?!\s+from)"
    r"|\bto\s+(?:pay\s+(?:for|off)|buy|afford|earn|make\s+money|get\s+money)\b|\bpay\s+for\b"
    r"|\btrainers\b|\bclothes\b|\bdesigner\b|\bspending\s+money\b|\bpocket\s+money\b|\bfor\s+himself\b"
    r"|\bfor\s+herself\b"
)
# Evidence of the child's own offending: selling, carrying, a record, being alone. It is what raises
# the presumption (a child dealing in county lines), so it can never be evidence to the contrary
# role indicators are evidence items, not scores. Evidence that the child controls or
# exploits others (_CONTROL) is a different matter, left to the specialist who approves a rebuttal.
_OFFENCE: Final = re.compile(
    r"\b(?:sell\w*|sold|deal(?:s|t|ing|er|ers)?|supply\w*|supplie[sd]|possess\w*|carr(?:y|ies|ied|ying)"
    r"|drugs?|heroin|crack|cocaine|cannabis|wraps?|convict\w*|previous(?:ly)?|pnc|offend\w*|offences?"
    r"|criminal\s+record|antecedents?|alone|by\s+himself|by\s+herself)\b"
)
_CONTROL: Final = re.compile(
    r"\b(?:recruit\w*|direct\w*|control\w*|manag\w*|organis\w*|instruct\w*|supervis\w*|employ\w*"
    r"|exploits|exploiting|boss|in\s+charge|line\s*holder|holds?\s+the\s+line|runs?\s+(?:the|a|his|her)\s+line"
    r"|younger|takings|pay(?:s|ing)?\s+(?:the\s+|other\s+|two\s+|younger\s+)?(?:runners?|boys?|girls?|children)"
    r"|paid\s+(?:the\s+)?(?:runners?|boys?|girls?|children))\b"
)
# Which weak reason a clause is about (used to refuse it, and to name it in the reason text).
_WEAK_REASON_PATTERNS: Final[tuple[tuple[WeakReason, re.Pattern[str]], ...]] = (
    (
        WeakReason.NO_DISCLOSURE,
        re.compile(
            r"disclos|\badmi(?:t|ts|tted|ssions?)\b|\ballegations?\b"
            r"|\b(?:not|refused|declined|unwilling|reluctant)\s+(?:to\s+)?(?:tell|talk|speak|say|name|engage|explain)"
        ),
    ),
    (
        WeakReason.NO_COMMENT,
        re.compile(
            r"\bno\s*-?\s*comment|\bsilen(?:t|ce)\b|\bquiet\b|\bmute\b|\bsaid\s+nothing\b|\bsays\s+nothing\b"
            r"|\b(?:refus|declin|fail)\w*\s+to\s+(?:answer|comment|respond)"
            r"|\bgave\s+no\s+(?:answers?|account|comment)|\bwould\s+not\s+answer"
        ),
    ),
    (
        WeakReason.PHONE_CHECK_NEGATIVE,
        re.compile(
            r"\b(?:phones?|mobiles?|handsets?|devices?|burners?|sims?|whatsapp|snapchat|messages?|texts?"
            r"|iphones?|androids?|smartphones?|threats?|threatening)\b"
            r"|\bdownload"
        ),
    ),
    (WeakReason.APPARENT_CONSENT, re.compile(f"(?:{_CHILD_SAYS.pattern})|(?:{_CONSENT.pattern})")),
    (
        WeakReason.ABSENCE_OF_EVIDENCE,
        re.compile(
            r"\bnfa\b|\bno\s+further\s+action\b|\bnothing\b|\bnone\s+(?:known|found|recorded|identified)\b"
            r"|\bno\s+(?:concerns?|worries|issues|problems|evidence|intel(?:ligence)?|information|info|trace"
            r"|traces|record|records|history|markers?|links?|indications?|indicators?|signs?|known|previous"
            r"|prior|safeguarding|reason|grounds|suggestion|suspicion|involvement|connection|further)\b"
            r"|\bnot\s+(?:known|found|identified|linked|flagged|recorded|seen|evidenced)\b"
            r"|\bclean\s+(?:record|search|sheet)\b|\bsearch(?:ed)?\s+(?:negative|clean|nil)\b"
            r"|\b(?:negative|nil)\s+(?:search|result|return|trace|check)s?\b|\bunremarkable\b"
        ),
    ),
)

# Words that carry no evidence of their own: connecting words, people and roles, and the words the
# weak reasons are written in (used by :func:`substantive_words`).
_FILLER_TEXT: Final = """
    a an the and or but also as well so then therefore hence thus because since though although however
    while whilst of in on at to for from by with without into onto about over under during after before
    upon via per than that this these those there here it its is are was were be been being am has have
    had having do does did doing done will would shall should can could may might must not no nor never
    nothing none nil any anything all some only just even still yet again both either neither each every
    other such same own very really quite too much more most less any one he she they him her them his
    hers their theirs himself herself themselves we you me my our your us who whom whose which what when
    where why how if whether child young person people boy girl male female suspect detainee individual
    subject youth juvenile minor officer officers police custody sergeant noted notes recorded record
    reported report stated states state says said say saying claims claimed claim told unknown tbc clear
    evidence evidenced contrary indication indications indicator indicators sign signs suggest suggests
    suggested suggestion show shows showed shown showing found find finding findings identified apparent
    apparently appears appeared seems seemed obvious obviously exploitation exploited exploiting exploit
    victim victims cce trafficked trafficking slavery coerced groomed grooming made make gave give given
    got get
    disclose disclosed discloses disclosing disclosure disclosures admission admissions admit admitted
    admits allegation allegations tell talk talked speak spoke engage engaged engagement name named
    explain explained account accounts
    comment comments commented interview interviews interviewed interviewing answer answered answers
    question questions questioning respond responded response responses silent silence refuse refused
    refuses refusal decline declined declines fail failed fails unwilling reluctant right remain remained
    stayed kept
    phone phones mobile mobiles handset handsets device devices burner burners sim sims manual manually
    check checks checked checking examined examine examination looked look search searched download
    downloaded forensic full negative clean message messages text texts threat threats threatening
    threatened coercion coercive contact contacts whatsapp snapchat app apps content contents data
    deny denies denied denying denial chose chosen choose chooses choosing choice voluntarily voluntary
    willing willingly willingness consent consented consenting free freely want wanted wants money agreed
    agree happy work works worked working
"""
_FILLER_WORDS: Final = frozenset(_FILLER_TEXT.split())

_TOKEN = re.compile(r"[a-z0-9]+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})


def _normalise(note: str) -> str:
    return note.translate(_APOSTROPHES).lower().replace("n't", " not")


def weak_reasons_in(note: str) -> tuple[WeakReason, ...]:
    """The weak-reason vocabulary a text mentions, in :class:`WeakReason` order (a phone mention
    counts whether or not the check found anything; :func:`assess_rebuttal` decides that)."""
    text = _normalise(note)
    return tuple(reason for reason, pattern in _WEAK_REASON_PATTERNS if pattern.search(text))


def substantive_words(note: str) -> tuple[str, ...]:
    """Words of ``note`` that are not filler or weak-reason vocabulary (tokens of 3+ characters)."""
    tokens = _TOKEN.findall(_normalise(note))
    return tuple(token for token in tokens if len(token) > 2 and token not in _FILLER_WORDS)


# Clauses are split at punctuation and at joining words, so that "no comment; phone clean" is judged
# as two weak clauses rather than one sentence with some content words in it. A colon is not a split:
# "Police intelligence: nothing known" is one clause, a source and what it found.
_CLAUSE_SPLIT: Final = re.compile(
    r"[.;,!?()\n]+|\b(?:and|but|also|while|whilst|although|though|however|plus)\b"
)
_NEGATION: Final = re.compile(
    r"\b(?:no|not|nothing|none|nil|negative|clean|without|never|neither|nor|absent|zero|blank|empty"
    r"|nobody|nfa|unremarkable)\b"
)
# An officer's title and surname ("PC Smith") is not evidence.
_OFFICER_NAME: Final = re.compile(
    r"\b(?:pc|dc|ds|dcs|dci|di|sgt|ps|insp|inspector|officer|constable)\s+[a-z'-]+"
)
# An evidence item independent of the child's say-so: a record, a recording, a device examined, a
# witness, intelligence, an agency's records, or a check that verified something (R-25: "a recorded
# evidence item").
_SOURCE: Final = re.compile(
    r"\b(?:cctv|footage|videos?|body[- ]?worn|bwv|cameras?|anpr|cell[- ]?site|telephony|call\s+data"
    r"|downloads?|downloaded|forensic|extraction|phones?|mobiles?|handsets?|devices?|messages?|texts?"
    r"|chats?|whatsapp|snapchat|witness(?:es)?|third[- ]party|statements?\s+from|intel(?:ligence)?"
    r"|surveillance|observations?|observed|test\s+purchases?|bank|financial|transactions?|records?"
    r"|registers?|school|college|teachers?|social\s+workers?|yot|youth\s+(?:justice|offending)"
    r"|probation|verified|verifies|corroborat\w*|independent(?:ly)?)\b"
)
# The item must say what it shows: "CCTV shows ...", "a witness saw ...", "intelligence: ...".
_FINDS: Final = re.compile(
    r"\b(?:show|shows|showed|shown|showing|reveal\w*|confirm\w*|prove[sdn]?|proof|establish\w*"
    r"|demonstrat\w*|places?|placed|captur\w*|records|recorded|corroborat\w*|verif\w*|evidences"
    r"|identif\w*|observed|seen|saw|heard|witnessed|depict\w*|puts?|locates?|located)\b|:"
)
# A check that verifies the child's account makes it independent evidence ("his account is
# confirmed by the school register"); consent and motive never become evidence (R-01).
_CORROBORATED: Final = re.compile(r"\b(?:confirmed|corroborated|verified|supported|borne\s+out)\s+by\b")


def _clauses(note: str) -> list[str]:
    text = _OFFICER_NAME.sub(" ", _normalise(note))
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


def _clause_weak_reasons(clause: str, phone_negative_in_note: bool) -> set[WeakReason]:
    """The weak reasons a clause rests on (empty when it rests on none)."""
    found = set(weak_reasons_in(clause))
    if WeakReason.PHONE_CHECK_NEGATIVE in found and not (phone_negative_in_note or _NEGATION.search(clause)):
        found.discard(WeakReason.PHONE_CHECK_NEGATIVE)  # a phone that *shows* something is evidence
    if (
        WeakReason.APPARENT_CONSENT in found
        and not _CONSENT.search(clause)
        and _CORROBORATED.search(clause)
        and _SOURCE.search(_CHILD_SAYS.sub(" ", clause))
    ):
        found.discard(WeakReason.APPARENT_CONSENT)  # the child's account, verified independently
    if not found and _OFFENCE.search(clause) and not _CONTROL.search(clause):
        found.add(WeakReason.OFFENCE_EVIDENCE)  # the offence itself, however well evidenced
    if found - {WeakReason.ABSENCE_OF_EVIDENCE}:
        found.discard(WeakReason.ABSENCE_OF_EVIDENCE)  # named by the more specific reason
    return found


def _independent_evidence(clause: str) -> bool:
    """The clause names an independent source, says what it shows, and shows something (not an
    absence)."""
    if _NEGATION.search(clause) or not _SOURCE.search(clause) or not _FINDS.search(clause):
        return False
    finding = _FINDS.sub(" ", _SOURCE.sub(" ", clause))
    return bool(substantive_words(finding))


def assess_rebuttal(*, claimed: bool, evidence_note: str | None) -> RebuttalAssessment:
    """Whether a claim of clear evidence against exploitation can rebut the presumption.

    Sources: R-25 (rebuttal needs clear evidence: a recorded evidence item and rationale), R-38 (no
    threats on a manually checked phone, no disclosure and "no comment" are weak evidence), R-28
    ("no comment" does not close the assessment for an under-18), R-01 (apparent consent does not
    exclude CCE). No policy field: the rule is the same under every profile.

    It errs towards keeping the presumption: a note is a candidate rebuttal only when some clause
    names an **independent evidence item and what it shows** ("CCTV shows him directing younger
    runners", "a full download of his phone shows he runs the line", "school records confirm he was
    in class"), with no negation in that clause. Clauses resting on the child's own account (what he
    says, denies or admits; consent, free will or a motive such as money), on silence or no
    disclosure, or on an absence of evidence (nothing found, NFA, no concerns, a clean phone) are
    never that, whatever else the note says. Anything else (an assertion, wording the check does not
    recognise) is refused with a reason asking for the evidence item. An accepted note is still only a
    candidate: a specialist must approve it (R-25).
    """
    if not claimed:
        return RebuttalAssessment(RebuttalOutcome.NOT_CLAIMED)
    clauses = _clauses((evidence_note or "").strip())
    phone_negative = any(
        WeakReason.PHONE_CHECK_NEGATIVE in weak_reasons_in(c) and _NEGATION.search(c) for c in clauses
    )
    weak: set[WeakReason] = set()
    for clause in clauses:
        reasons = _clause_weak_reasons(clause, phone_negative)
        if reasons:
            weak |= reasons
        elif _independent_evidence(clause):
            return RebuttalAssessment(RebuttalOutcome.ACCEPTED)
    if weak:
        return RebuttalAssessment(
            RebuttalOutcome.REFUSED_WEAK_EVIDENCE, tuple(r for r in WeakReason if r in weak)
        )
    return RebuttalAssessment(RebuttalOutcome.REFUSED_NO_EVIDENCE)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


#: What the officer is asked for when a note is refused.
EVIDENCE_ITEM_HINT: Final = (
    "name an independent evidence item and what it shows (for example 'CCTV shows ...', 'a full "
    "download of his phone shows ...', 'a witness saw ...', 'school records confirm ...')"
)


def rebuttal_reason(rebuttal: RebuttalAssessment) -> str | None:
    """Plain-English reason for a rebuttal claim (``None`` when none was claimed)."""
    if rebuttal.outcome is RebuttalOutcome.ACCEPTED:
        return (
            "R-25: the recorded evidence note is accepted as clear evidence to the contrary; a supervisor "
            "or specialist must approve the rebuttal before it is relied on."
        )
    if rebuttal.outcome is RebuttalOutcome.REFUSED_WEAK_EVIDENCE:
        listed = _join([WEAK_REASON_LABELS[reason] for reason in rebuttal.weak_reasons])
        return (
            f"R-38: the evidence note rests only on {listed}, which is never clear evidence on its own "
            "(runners use burners and disappearing messages, disclosure far from home is unrealistic, "
            "and apparent consent does not exclude exploitation, R-01); it cannot rebut the presumption or "
            f"rule out exploitation (R-25): {EVIDENCE_ITEM_HINT}."
        )
    if rebuttal.outcome is RebuttalOutcome.REFUSED_NO_EVIDENCE:
        return (
            "R-25: the evidence note records no independent evidence item, only an assertion; it cannot "
            f"rebut the presumption or rule out exploitation: {EVIDENCE_ITEM_HINT}."
        )
    return None


# --- The presumption (R-24) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PresumptionResult:
    """The presumption category with the facts that decided it."""

    category: PresumptionCategory
    presumed: bool
    cutoff: date | None
    rebuttal: RebuttalAssessment
    reasons: tuple[str, ...]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def assess_presumption(
    *,
    age: AgeAssessment,
    county_lines_linked: bool,
    drugs_offence: bool,
    arrested: bool,
    rebuttal: RebuttalAssessment,
    profile: PolicyProfile,
) -> PresumptionResult:
    """Whether the 100-day presumption applies, and the ``presumption`` category.

    Source: R-24 and F-01 (presumed a potential CCE victim when under 18 and the incident is on or
    before the day ``presumption_days_before_18`` days before the 18th birthday, it is linked to county
    lines, it involves a drugs offence or an arrest, and there is no clear evidence to the contrary),
    R-25/R-38 (rebuttal), Q-09 (any county-lines-linked arrest; no lower age bound). Policy fields:
    ``presumption_days_before_18``, ``young_adult_upper_age_exclusive``.
    """
    days_figure = profile.presumption_days_before_18
    reasons: list[str] = []
    extra = rebuttal_reason(rebuttal)

    if age.band is AgeBand.YOUNG_ADULT:
        reasons.append(
            f"R-24: the presumption is for children; 18 to {profile.young_adult_upper_age_exclusive - 1} "
            "on the incident date, so exploitation is considered through transitional safeguarding "
            "(F-24, R-28, N-12)."
        )
        return PresumptionResult(
            PresumptionCategory.YOUNG_ADULT_TRANSITIONAL, False, None, rebuttal, tuple(reasons)
        )
    if age.band is AgeBand.ADULT:
        reasons.append(
            f"R-24: the presumption is for children; {profile.young_adult_upper_age_exclusive} or over on "
            "the incident date (N-12: outside the young-adult band)."
        )
        return PresumptionResult(PresumptionCategory.ADULT, False, None, rebuttal, tuple(reasons))
    if age.band is AgeBand.UNKNOWN_TREAT_AS_CHILD:
        estimate = (
            "no estimated age" if age.estimated_age is None else f"an estimated age of {age.estimated_age}"
        )
        reasons.append(
            f"R-24: the {days_figure}-day cut-off needs a date of birth; none is recorded ({estimate}), "
            "so the presumption cannot be established: treat as a child and establish the date of birth "
            "(R-01, R-10)."
        )
        if extra:
            reasons.append(extra)
        return PresumptionResult(
            PresumptionCategory.AGE_UNKNOWN_TREAT_AS_CHILD, False, None, rebuttal, tuple(reasons)
        )

    assert age.eighteenth_birthday is not None and age.days_until_18 is not None  # band CHILD
    cutoff = age.eighteenth_birthday - timedelta(days=days_figure)
    within = age.days_until_18 >= days_figure
    trigger = drugs_offence or arrested
    failing: list[str] = []
    if not within:
        failing.append(
            f"the incident is {_days(age.days_until_18)} before the 18th birthday, after the cut-off "
            f"{cutoff.isoformat()} ({days_figure} days or more are needed)"
        )
    if not county_lines_linked:
        failing.append("the incident is not recorded as linked to county lines")
    if not trigger:
        failing.append("there is neither a drugs offence nor an arrest")

    if failing:
        reasons.append(
            "R-24: the presumption does not apply because "
            + "; ".join(failing)
            + ". Exploitation must still be considered (R-10: the NRM threshold is suspicion; R-28)."
        )
        if extra:
            reasons.append(extra)
        return PresumptionResult(
            PresumptionCategory.CHILD_CONSIDER_EXPLOITATION, False, cutoff, rebuttal, tuple(reasons)
        )

    basis = _join(
        [label for label, present in (("a drugs offence", drugs_offence), ("an arrest", arrested)) if present]
    )
    exactly = f"; exactly {days_figure} days counts" if age.days_until_18 == days_figure else ""
    met = (
        f"aged {age.age_years}, {_days(age.days_until_18)} before the 18th birthday (on or before the "
        f"cut-off {cutoff.isoformat()}{exactly}), linked to county lines, with {basis}"
    )
    if rebuttal.accepted:
        reasons.append(f"R-24: the presumption's conditions are met ({met}) but it is rebutted (R-25).")
        if extra:
            reasons.append(extra)
        return PresumptionResult(
            PresumptionCategory.CHILD_CONSIDER_EXPLOITATION, False, cutoff, rebuttal, tuple(reasons)
        )
    reasons.append(
        f"R-24: presumed a potential victim of child criminal exploitation: {met}, and no clear evidence "
        "to the contrary (R-25)."
    )
    if extra:
        reasons.append(extra)
    return PresumptionResult(PresumptionCategory.PRESUMED_VICTIM, True, cutoff, rebuttal, tuple(reasons))


# --- Local-panel eligibility (devolved pilot) --------------------------------------------------


@dataclass(frozen=True, slots=True)
class PanelEligibility:
    """Whether the child is in the devolved pilot's age scope, with the reason."""

    eligible: bool
    reason: str


def assess_panel_eligibility(*, age: AgeAssessment, profile: PolicyProfile) -> PanelEligibility:
    """Local-panel (devolved NRM decision-making pilot) age eligibility.

    Source: DOMAIN "Since the report" (children aged 17 or under *more than* 100 days from their 18th
    birthday; age-disputed cases out of scope since 2023), R-14 (panels decide for children), Q-26.
    Policy field: ``panel_eligibility_days_before_18``. Kept apart from the R-24 presumption, which
    counts exactly 100 days.
    """
    figure = profile.panel_eligibility_days_before_18
    prefix = "Local panel (devolved pilot): "
    if age.band is AgeBand.UNKNOWN_TREAT_AS_CHILD:
        return PanelEligibility(
            False,
            prefix + f"not eligible: with no date of birth, 'more than {figure} days before the 18th "
            "birthday' cannot be established, and age-disputed cases are out of the pilot's scope (since "
            "2023); use the national route and establish the date of birth.",
        )
    if age.band is not AgeBand.CHILD:
        return PanelEligibility(False, prefix + "not eligible: the panel route is for children (R-14).")
    assert age.days_until_18 is not None
    if age.days_until_18 > figure:
        return PanelEligibility(
            True,
            prefix + f"eligible: {_days(age.days_until_18)} before the 18th birthday "
            f"(more than {figure} needed).",
        )
    exactly = (
        f" (exactly {figure} days: the R-24 presumption counts it, the pilot does not)"
        if age.days_until_18 == figure
        else ""
    )
    return PanelEligibility(
        False,
        prefix + f"not eligible: {_days(age.days_until_18)} before the 18th birthday{exactly}; more than "
        f"{figure} needed, so the national route (SCA) applies.",
    )
