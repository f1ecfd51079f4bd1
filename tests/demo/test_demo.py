"""The report's 13 boys, loaded into the database, reproduce Fig 3 and the stated outcomes."""

from pathlib import Path

import pytest

from ccehub.children.models import Child, VulnerabilityFlag
from ccehub.demo.cases import COHORT, COHORT_ORDER
from ccehub.demo.load import demo_load
from ccehub.reports.vulnerability import vulnerability_matrix

FIG3 = (Path(__file__).resolve().parents[2] / "ccehub" / "demo" / "fig3.csv").read_text()


@pytest.fixture
def demo(db):
    demo_load()
    return {c.display_pseudonym: c for c in Child.objects.filter(cohort=COHORT)}


def expected_csv() -> str:
    return FIG3.replace("unknown", "*").replace("category,", "factor,", 1)


def test_fig3_reproduced_cell_for_cell(demo, system_actor):
    """The matrix computed from stored flags equals the report's Fig 3."""
    assert vulnerability_matrix(actor=system_actor).to_csv() == expected_csv()


def test_fig3_regression_counts(demo, system_actor):
    """DOMAIN §5.1 regression checks: row totals and the two unknowns."""
    matrix = vulnerability_matrix(actor=system_actor)
    totals = matrix.row_totals()
    assert totals == {
        "Domestic Abuse": 10,
        "Sexual abuse / assault concerns": 2,
        "Substance Misuse": 13,
        "Mental health concerns": 5,
        "School exclusions": 7,
        "Care experienced": 5,
        "Reported missing": 11,
        "Gang involvement": 9,
        "Offending behaviour": 12,
        "Victim of crime": 8,
    }
    missing = dict(matrix.rows)["Reported missing"]
    assert {matrix.columns[i] for i, c in enumerate(missing) if c == "*"} == {"Harry", "Daniel"}
    offending = dict(matrix.rows)["Offending behaviour"]
    assert [matrix.columns[i] for i, c in enumerate(offending) if c == ""] == ["Toby"]
    assert matrix.column_totals()["Ben"] == 9 and matrix.column_totals()["Tom"] == 3


def test_changing_a_flag_changes_the_report(demo, system_actor):
    """The report is computed from records: recording a factor changes the cell."""
    from ccehub.children.services import vulnerability_flag_set

    vulnerability_flag_set(
        actor=system_actor,
        child=demo["Tom"],
        factor="domestic_abuse",
        value="recorded_present",
        source_type="la_record",
    )
    cells = dict(vulnerability_matrix(actor=system_actor).rows)["Domestic Abuse"]
    assert cells[COHORT_ORDER.index("Tom")] == "x"


def test_loading_twice_leaves_one_copy(demo):
    """Running the loader again duplicates nothing."""
    flags = VulnerabilityFlag.objects.count()
    demo_load()
    assert Child.objects.filter(cohort=COHORT).count() == 13
    assert VulnerabilityFlag.objects.count() == flags


def test_unknown_stays_unknown(demo):
    """Dates of birth only where the report gives an age; NRM outcomes only where stated."""
    with_dob = {name for name, child in demo.items() if child.identity.date_of_birth}
    assert with_dob == {"Sam", "Max", "Michael"}
    assert not demo["Toby"].nrm_referrals.exists() and not demo["Ethan"].nrm_referrals.exists()
    assert not demo["Ben"].nrm_referrals.exists()
    for name in ("Stuart", "Max", "Liam", "Michael"):
        assert not any(r.decisions.exists() for r in demo[name].nrm_referrals.all()), name


@pytest.mark.parametrize(("name", "age"), [("Sam", 15), ("Max", 14), ("Michael", 16)])
def test_dates_of_birth_consistent_with_stated_ages(demo, name, age):
    """Synthetic dates of birth give the age the report states at the identifying incident."""
    from ccehub.rules.age import age_on

    child = demo[name]
    incident = child.incidents.get()
    assert age_on(child.identity.date_of_birth, incident.occurred_at.date()) == age


def test_identifying_incidents_and_outcomes(demo):
    """Incident types and criminal-justice outcomes as the report states them (N-23..N-29)."""
    types = {name: c.incidents.get().incident_type for name, c in demo.items()}
    assert {n for n, t in types.items() if t in ("disclosure", "intelligence")} == {"Ben", "Stuart", "Joshua"}
    assert types["Tom"] == "stop_search" and types["Sam"] == "cuckooed_address"
    assert types["Michael"] == "missing_person_enquiry"
    de_arrested = {n for n, c in demo.items() if c.arrests.filter(outcome="de_arrested").exists()}
    assert de_arrested == {"Toby", "Ethan", "John"}
    court = {n for n, c in demo.items() if c.court_outcomes.filter(charge__incident__isnull=False).exists()}
    assert court == {"Tom", "Harry", "Daniel"}
    dropped = {n for n, c in demo.items() if c.charges.filter(status="discontinued").exists()}
    assert dropped == {"Max", "Liam"}  # Michael's is a recorded conflict
    assert demo["Michael"].conflicts.count() == 1
    assert demo["Sam"].arrests.get().outcome_reason == "evidential_difficulty"
    tom_court = demo["Tom"].court_outcomes.get()
    assert (tom_court.sentence_type, tom_court.length_months, tom_court.ended_early_after_months) == (
        "yro",
        12,
        5,
    )


def test_nrm_outcomes_as_stated(demo):
    """Harry negative, Daniel/John/Tom positive CG, Joshua two referrals, Sam positive (stage unstated)."""

    def outcomes(name):
        return sorted((d.stage, d.outcome) for r in demo[name].nrm_referrals.all() for d in r.decisions.all())

    assert outcomes("Harry") == [("unstated", "negative")]
    assert outcomes("Sam") == [("unstated", "positive")]
    for name in ("Daniel", "John", "Tom"):
        assert outcomes(name) == [("cg", "positive")], name
    assert demo["Joshua"].nrm_referrals.count() == 2
    referred = {n for n, c in demo.items() if c.nrm_referrals.exists()}
    assert len(referred) == 10


def test_referring_agency_only_where_the_report_says_who_referred(demo):
    """Sam's, Tom's and Michael's referrals were made by social care (their home local authority);
    for the others the report does not say who referred, so no agency is invented for them."""
    named = {"Sam", "Tom", "Michael"}
    for name, child in demo.items():
        for referral in child.nrm_referrals.all():
            expected = child.home_local_authority if name in named else None
            assert referral.referring_agency == expected, name
