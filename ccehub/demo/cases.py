"""The report's 13 boys, as recorded facts (DOMAIN.md §5; Crest Advisory 2022).

Rules for this file:

* Only facts the report gives. What the report does not say stays unknown: no date of birth unless
  the report gives an age at the identifying incident (Sam 15, Max 14, Michael 16 [I]); no NRM
  outcome unless stated; no invented offences.
* The report removed every location and date. The demo places the boys in real local authorities
  and forces so that cross-agency access can be shown, and gives each identifying incident a
  *synthetic* date in the study period (stored with ``DateBasis.SYNTHETIC`` and said on screen).
  Tom's first missing episode (June 2020) is the only dated event in the report. Where the report
  gives only an interval between two events (John's first arrest six days after his first missing
  episode, R-34), both dates are synthetic and placed that far apart.
* Given names are the report's pseudonyms; family names are generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

COHORT = "crest-2022"
#: A synthetic date for John's first recorded missing episode (R-34: the report gives only that his
#: first recorded arrest came six days later).
JOHN_FIRST_MISSING = date(2019, 5, 6)
COHORT_ORDER: tuple[str, ...] = (
    "Ben",
    "Sam",
    "Toby",
    "Ethan",
    "Stuart",
    "Max",
    "Harry",
    "Daniel",
    "Tom",
    "John",
    "Liam",
    "Joshua",
    "Michael",
)

REPORT = "Crest Advisory (2022) County Lines: Breaking the Cycle"

# Demo agencies (real names; which child belongs where is a demonstration assignment).
ARRESTING_FORCES = ("kent", "thames-valley")
HOME_FORCE = "met"


@dataclass(frozen=True)
class Event:
    """One recorded fact. ``kind`` selects the model; ``values`` are its fields."""

    kind: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    name: str
    family_name: str
    home_la: str  # our agency code for the local authority
    incident_date: date
    incident_type: str
    is_arrest: bool
    recording_agency: str
    arresting_force: str | None
    age_at_incident: int | None = None
    date_of_birth: date | None = None
    offences: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    first_known_by: str = "police"
    in_home_area: str = "not_recorded"
    summary: str = ""
    looked_after: str = "not_recorded"
    events: tuple[Event, ...] = ()
    provenance: str = ""


def _e(kind: str, **values: object) -> Event:
    return Event(kind, values)


CASES: tuple[Case, ...] = (
    Case(
        name="Ben",
        family_name="Ashby",
        home_la="la-islington",
        incident_date=date(2021, 3, 15),
        incident_type="disclosure",
        is_arrest=False,
        recording_agency="la-islington",
        arresting_force=None,
        first_known_by="social_care",
        summary=(
            "Disclosed to his allocated social worker that he had been robbed of a large sum of cash and "
            "threatened by its owner. Police suspected the money was county-lines related; this led to a "
            "police referral."
        ),
        events=(
            _e(
                "plan",
                plan_type="child_protection",
                category="neglect",
                reason="Neglect, age 13 to 15",
                relative_to_incident="before",
            ),
            _e(
                "plan",
                plan_type="child_protection",
                category="gang_concerns",
                reason="Gang concerns",
                relative_to_incident="after",
            ),
            _e(
                "arrest",
                offences=["possession_class_b"],
                offence_description="Possession of Class B drugs, age 15",
                outcome="charged",
                source_note="First drugs charge at 15 (before the identifying incident)",
            ),
            _e(
                "court",
                sentence_type="dto",
                length_months=12,
                source_note="12-month DTO after a guilty plea to burglary he said a gang forced him into",
            ),
            _e(
                "care_order",
                reason="Parents could not cope; taken into care months after the disclosure",
                source_note="After the identifying incident",
            ),
            _e(
                "placement",
                setting_type="supported",
                relative_to_incident="after",
                notes="Supported accommodation away from the family's town",
            ),
            _e(
                "placement",
                setting_type="supported",
                relative_to_incident="after",
                notes="Supported accommodation nearer home; broke down",
                end_reason="breakdown",
            ),
            _e(
                "placement",
                setting_type="custody",
                relative_to_incident="after",
                notes="Custodial sentence after burgling five houses with a group; released when almost 18",
            ),
        ),
        provenance="No NRM referral: the NRM 'wasn't popular' at the time (N-29). Age at the incident not stated.",
    ),
    Case(
        name="Sam",
        family_name="Bramley",
        home_la="la-camden",
        incident_date=date(2021, 5, 20),
        incident_type="cuckooed_address",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        age_at_incident=15,
        date_of_birth=date(2005, 11, 3),
        offences=("pwits_class_a",),
        indicators=(
            "cash",
            "multiple_phones",
            "found_at_cuckooed_address",
            "reported_missing",
            "drugs_seized",
        ),
        in_home_area="recorded_absent",
        summary=(
            "Arrested for PWITS Class A at a cuckooed address in an area where he was not living, with a friend "
            "(also 15). Drugs, £800 cash and burner phones found. Reported missing by his family 2 days earlier."
        ),
        events=(
            _e(
                "missing",
                approximate_duration_days=2,
                reported_by="parent",
                missing_from="family_home",
                notes="Reported missing by family 2 days before the identifying incident",
            ),
            _e(
                "arrest",
                offences=["pwits_class_a"],
                outcome="nfa",
                outcome_reason="evidential_difficulty",
                incident=True,
                source_note="Investigation dropped for evidential difficulties",
            ),
            _e("plan", plan_type="child_in_need", reason="Behaviour", relative_to_incident="before"),
            _e(
                "referral",
                referrer_role="Social care (with police support)",
                by_home_la=True,
                county_lines_flag="recorded_present",
                linked=True,
            ),
            _e(
                "decision",
                stage="unstated",
                outcome="positive",
                source_note="'Later recognised as a victim'; the stage (RG or CG) is not stated",
            ),
        ),
        provenance="Age 15 at the incident is stated; the date of birth is synthetic and consistent with it.",
    ),
    Case(
        name="Toby",
        family_name="Carver",
        home_la="la-islington",
        incident_date=date(2021, 2, 10),
        incident_type="arrest_other",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        indicators=("reported_missing",),
        summary="Arrested (offence not stated); de-arrested once it was clear he was a victim.",
        events=(
            _e(
                "missing",
                approximate_duration_days=None,
                reported_by="unknown",
                notes="Missing for several days just before the incident. Police did not tell social care, so no "
                "strategy meeting was held.",
            ),
            _e(
                "arrest",
                outcome="de_arrested",
                outcome_reason="exploitation_recognised",
                incident=True,
                offence_description="Offence not stated",
            ),
        ),
        provenance="Age, offence and NRM status not stated in the report.",
    ),
    Case(
        name="Ethan",
        family_name="Dunmore",
        home_la="la-hackney",
        incident_date=date(2021, 6, 2),
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency="thames-valley",
        arresting_force="thames-valley",
        offences=("pwits_class_a",),
        indicators=("reported_missing",),
        looked_after="recorded_present",
        summary="Arrested for PWITS Class A after almost two months missing; de-arrested.",
        events=(
            _e(
                "missing",
                approximate_duration_days=58,
                missing_from="placement",
                notes="Missing almost two months with no sightings immediately before the incident",
            ),
            _e(
                "arrest",
                offences=["pwits_class_a"],
                outcome="de_arrested",
                outcome_reason="exploitation_recognised",
                incident=True,
                restraint_used=True,
                restraint_justification="Restrained and taken to the floor by three officers (as reported)",
            ),
            _e("care_order", reason="Long-standing neglect; taken into care young"),
            _e(
                "secure_order",
                label_in_source="Deprivation of Liberty Order ('DoLS')",
                reason="Frequent long missing episodes",
                source_note="Q-15: statutory basis not given",
            ),
            _e(
                "placement",
                setting_type="secure",
                relative_to_incident="after",
                notes="Secure accommodation authorised by a court",
            ),
        ),
        provenance="Age and NRM status not stated in the report.",
    ),
    Case(
        name="Stuart",
        family_name="Ellery",
        home_la="la-camden",
        incident_date=date(2021, 4, 12),
        incident_type="intelligence",
        is_arrest=False,
        recording_agency="met",
        arresting_force=None,
        looked_after="recorded_present",
        summary="Intelligence about likely county-lines involvement; NRM referral made without a county-lines arrest.",
        events=(
            _e("care_order", reason="Removed from home after alleging physical abuse by his father"),
            _e("placement", setting_type="foster", notes="Initial foster placement (between 14 and 16)"),
            _e(
                "placement",
                setting_type="foster",
                notes="Foster placement in an area where gangs were very active (between 14 and 16)",
            ),
            _e("referral", referrer_role="Referral on intelligence", linked=True),
        ),
        provenance="Age not stated; NRM outcome unknown.",
    ),
    Case(
        name="Max",
        family_name="Fenwick",
        home_la="la-hackney",
        incident_date=date(2021, 7, 9),
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        age_at_incident=14,
        date_of_birth=date(2007, 2, 14),
        offences=("pwits_class_a",),
        indicators=("older_associates",),
        summary="Arrested alongside two adults; the age gap led the officer to treat him as a victim.",
        events=(
            _e("arrest", offences=["pwits_class_a"], outcome="charged", incident=True),
            _e(
                "charge",
                offence="pwits_class_a",
                status="discontinued",
                status_reason="Charge dropped: likely exploited",
            ),
            _e("referral", linked=True),
        ),
        provenance="Age 14 at the incident is stated; the date of birth is synthetic and consistent with it. "
        "NRM outcome unknown.",
    ),
    Case(
        name="Harry",
        family_name="Garside",
        home_la="la-hackney",
        incident_date=date(2021, 1, 26),
        incident_type="arrest_other",
        is_arrest=True,
        recording_agency="thames-valley",
        arresting_force="thames-valley",
        offences=("possession_unspecified",),
        looked_after="recorded_present",
        summary="Arrested for a drugs possession offence.",
        events=(
            _e(
                "arrest",
                offences=["possession_unspecified"],
                offence_description="Drugs possession offence",
                outcome="charged",
                incident=True,
            ),
            _e("charge", offence="possession_unspecified", status="convicted"),
            _e("court", sentence_type="custody", source_note="Custodial sentence"),
            _e("referral", linked=True),
            _e(
                "decision",
                stage="unstated",
                outcome="negative",
                source_note="Not recognised as an exploitation or modern-slavery victim; stage not stated",
            ),
        ),
        provenance="Age not stated. Missing history unknown (Fig 3 '*').",
    ),
    Case(
        name="Daniel",
        family_name="Holloway",
        home_la="la-hackney",
        incident_date=date(2021, 8, 17),
        incident_type="arrest_other",
        is_arrest=True,
        recording_agency="thames-valley",
        arresting_force="thames-valley",
        offences=("possession_unspecified",),
        looked_after="recorded_present",
        summary="Arrested for a drugs possession offence; 'very verbally aggressive', 'anti-police'.",
        events=(
            _e(
                "arrest",
                offences=["possession_unspecified"],
                offence_description="Drugs possession offence",
                outcome="remanded",
                incident=True,
            ),
            _e("charge", offence="possession_unspecified", status="convicted"),
            _e(
                "court",
                remanded_in_custody=True,
                sentence_type="custody",
                source_note="Remanded in custody by a judge; custodial sentence",
            ),
            _e(
                "referral",
                linked=False,
                considered_relevant_to_later_incidents="recorded_absent",
                source_note="Positive NRM outcome 'a number of years before'; police and the judge treated it as "
                "no longer relevant. No new referral for this incident.",
            ),
            _e("decision", stage="cg", outcome="positive", source_note="Q-25: treated as a positive CG"),
        ),
        provenance="Age not stated. Missing history unknown (Fig 3 '*').",
    ),
    Case(
        name="Tom",
        family_name="Ingram",
        home_la="la-islington",
        incident_date=date(2020, 10, 22),
        incident_type="stop_search",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        offences=("pwits_class_a",),
        indicators=("travelling_without_ticket", "curfew_breach", "drugs_seized"),
        summary=(
            "Stopped at a train station trying to get through the barriers without a ticket, in the evening, "
            "alone. Found in breach of curfew, detained and searched: thousands of pounds' worth of drugs on him "
            "and at home. The arresting officer was in a county-lines task force."
        ),
        events=(
            _e(
                "missing",
                started_at="2020-06-15",
                date_basis="approximate",
                reported_by="unknown",
                notes="First reported missing in June 2020; came back saying he had stayed with friends",
            ),
            _e(
                "plan",
                plan_type="child_in_need",
                reason="Exploitation concerns",
                relative_to_incident="before",
            ),
            _e(
                "referral",
                referrer_role="Social care",
                by_home_la=True,
                linked=False,
                source_note="Earlier referral, open at the RG stage and awaiting CG at the incident (Q-23: whether "
                "a positive RG had been given is unclear). Police made no new referral.",
            ),
            _e(
                "decision",
                stage="cg",
                outcome="positive",
                source_note="Positive CG delivered after sentencing",
            ),
            _e("arrest", offences=["pwits_class_a"], outcome="charged", incident=True),
            _e("charge", offence="pwits_class_a", status="convicted"),
            _e(
                "court",
                sentence_type="yro",
                length_months=12,
                ended_early_after_months=5,
                ended_early_reason="Complied and was not reported missing again",
            ),
            _e("strategy", trigger="arrest", actions="Moved to live with a relative for his safety"),
        ),
        provenance="Age not stated. June 2020 is the only dated event in the report; the incident date is "
        "synthetic and consistent with the narrative.",
    ),
    Case(
        name="John",
        family_name="Jessop",
        home_la="la-camden",
        incident_date=date(2021, 9, 3),
        incident_type="arrest_other",
        is_arrest=True,
        recording_agency="thames-valley",
        arresting_force="thames-valley",
        looked_after="recorded_present",
        summary="Arrested (offence not stated); de-arrested once it was clear he was a victim.",
        events=(
            _e(
                "care_order", reason="Looked after from age 6: neglect, his mother's drug use, domestic abuse"
            ),
            # R-34: "his first recorded arrest came six days after he was first recorded as being
            # missing". The report gives the interval only: both dates are synthetic, six days apart.
            _e(
                "missing",
                started_at=JOHN_FIRST_MISSING.isoformat(),
                date_basis="synthetic",
                reported_by="unknown",
                missing_from="unknown",
                notes="First recorded missing episode (the report gives no date)",
            ),
            _e(
                "arrest",
                arrested_at=(JOHN_FIRST_MISSING + timedelta(days=6)).isoformat(),
                offence_description=(
                    "Offence not stated: his first recorded arrest, six days after his first recorded "
                    "missing episode (about 20 arrests between 12 and 15, mostly criminal damage)"
                ),
            ),
            _e("placement", setting_type="unregistered", notes="One of more than 10 placements in 2 years"),
            _e("placement", setting_type="holiday_let", notes="Short-term holiday let"),
            _e(
                "placement",
                setting_type="foster",
                notes="Foster placement; at 15 given toys for much younger children",
            ),
            _e(
                "arrest",
                outcome="de_arrested",
                outcome_reason="exploitation_recognised",
                incident=True,
                offence_description="Offence not stated",
            ),
            _e(
                "referral",
                linked=False,
                source_note="Link to the identifying incident and timing unknown (Q-29)",
            ),
            _e(
                "decision",
                stage="cg",
                outcome="positive",
                source_note="Taken into account at a later court appearance",
            ),
        ),
        provenance="Age not stated.",
    ),
    Case(
        name="Liam",
        family_name="Kershaw",
        home_la="la-islington",
        incident_date=date(2020, 11, 18),
        incident_type="arrest_pwits",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        offences=("pwits_class_a",),
        summary="Arrested; charged with PWITS, later dropped.",
        events=(
            _e(
                "arrest",
                offences=["pwits_class_a"],
                outcome="charged",
                incident=True,
                source_note="[I] Presumably for PWITS, since he was later charged with it",
            ),
            _e("charge", offence="pwits_class_a", status="discontinued", status_reason="Charge dropped"),
            _e("referral", linked=True),
        ),
        provenance="Age not stated; NRM outcome unknown.",
    ),
    Case(
        name="Joshua",
        family_name="Lockwood",
        home_la="la-camden",
        incident_date=date(2021, 10, 5),
        incident_type="disclosure",
        is_arrest=False,
        recording_agency="la-camden",
        arresting_force=None,
        first_known_by="social_care",
        summary="Disclosure to his exploitation support worker, which led to a police referral.",
        events=(
            _e("referral", linked=True, outcome_known=False),
            _e(
                "referral",
                linked=True,
                outcome_known=False,
                source_note="Second referral within 3 months; outcomes unknown",
            ),
            _e(
                "police_protection",
                started_on="2021-10-19",
                hours=72,
                officer="An officer of his home force",
                grounds=(
                    "The proposed placement with his father, who has a history of selling Class A "
                    "drugs; he wanted to walk from the building and could have become a high-risk "
                    "missing person"
                ),
                released_to="la_accommodation",
                outcome="Social care reassessed the move and placed him in a residential placement",
                disputed_plan="Placement with his biological father",
                dispute_reason="His father has a history of selling Class A drugs (police intelligence)",
                reassessed_after_days=3,
                reassessment_outcome="plan_changed",
                reassessment_notes="A residential placement in a rural area instead of his father's home",
                source_note=(
                    "[R] Police used their powers to keep Joshua on police premises and compel social "
                    "workers to reassess the proposed move. The report gives no dates or hours: the "
                    "dates are synthetic and the 72-hour maximum is shown"
                ),
            ),
            _e(
                "placement",
                setting_type="registered_residential",
                relative_to_incident="after",
                notes="Residential placement in a rural area, where he felt safe",
            ),
            _e(
                "placement",
                setting_type="registered_residential",
                relative_to_incident="after",
                area_risk_notes="Near a bail hostel; adults known to police for drug dealing nearby",
                notes="Moved nearer home once direct work was done; near a bail hostel",
            ),
            _e(
                "arrest",
                offences=["pwits_class_a"],
                outcome="unknown",
                offence_description="PWITS Class A (MDMA tablets in his room), after the identifying incident",
            ),
        ),
        provenance="Age not stated; NRM outcomes unknown.",
    ),
    Case(
        name="Michael",
        family_name="Marlow",
        home_la="la-islington",
        incident_date=date(2021, 11, 24),
        incident_type="missing_person_enquiry",
        is_arrest=True,
        recording_agency="kent",
        arresting_force="kent",
        age_at_incident=16,
        date_of_birth=date(2005, 3, 8),
        offences=("pwits_class_a",),
        indicators=("reported_missing", "cash", "drugs_seized"),
        in_home_area="recorded_absent",
        summary=(
            "Found out of his home area more than a week after going missing, with cocaine, heroin and £300. "
            "Arrested for PWITS Class A."
        ),
        events=(
            _e(
                "missing",
                approximate_duration_days=8,
                end_uncertain=True,
                missing_from="family_home",
                notes="'More than a week' (case study) vs 'two weeks in the month before' (Ch 2): Q-14",
            ),
            _e("strategy", trigger="missing", actions="First missing at 16: referred to the Early Help Hub"),
            _e(
                "arrest",
                offences=["pwits_class_a"],
                outcome="rui",
                incident=True,
                source_note="Case study: released under investigation, later NFA",
            ),
            _e(
                "conflict",
                subject="Criminal outcome of the identifying incident",
                value_a="Released under investigation, later no further action",
                source_a="Case study (Ch 2)",
                value_b="Charged with PWITS, charge dropped",
                source_b="Outcome summary (Ch 3)",
            ),
            _e("plan", plan_type="child_protection", reason="Before step-down", relative_to_incident="after"),
            _e(
                "plan",
                plan_type="child_in_need",
                reason="Stepped down for positive engagement",
                relative_to_incident="after",
                stepped=True,
            ),
            _e("referral", referrer_role="Social worker", by_home_la=True, linked=True),
        ),
        provenance="[I] Age 16 at the incident; the date of birth is synthetic and consistent with it. "
        "NRM outcome unknown.",
    ),
)
