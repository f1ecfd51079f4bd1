"""`ccehub generate`: a seeded synthetic population across agencies."""

import pytest

from ccehub.children.generate import generate_children
from ccehub.children.models import CaseHolding, Child


@pytest.mark.django_db
def test_generate_is_seeded_idempotent_and_spans_agencies(system_actor):
    """Same seed twice creates once; children span several local authorities and importing forces."""
    first = generate_children(actor=system_actor, children=300, seed=11)
    again = generate_children(actor=system_actor, children=300, seed=11)
    assert (first.created, again.created, again.existing) == (300, 0, 300)
    children = Child.objects.filter(cohort="synthetic-11")
    assert children.values("home_local_authority").distinct().count() >= 5
    assert (
        CaseHolding.objects.filter(basis="arresting_force", child__in=children)
        .values("agency")
        .distinct()
        .count()
        >= 3
    )
    assert all(c.identity.date_of_birth for c in children.select_related("identity")[:50])


@pytest.mark.django_db
def test_generated_children_are_scoped_like_real_ones(system_actor, make_user, roles):
    """An LA social worker sees only its own generated children."""
    from ccehub.agencies.models import Agency
    from ccehub.children.selectors import child_list
    from ccehub.common.access import Actor

    generate_children(actor=system_actor, children=200, seed=5)
    la = (
        Child.objects.filter(cohort="synthetic-5")
        .exclude(home_local_authority=None)
        .first()
        .home_local_authority
    )
    user = make_user("gsw", Agency.objects.get(pk=la.pk), roles.SOCIAL_WORKER)
    actor = Actor(user=user, membership=user.memberships.get(), channel="web")
    visible = child_list(actor=actor)
    assert visible.exists()
    assert not visible.exclude(holdings__agency=la).exists()


def test_extracts_come_with_the_agencies_they_need(tmp_path):
    """Each extract's agency is listed with a name and a kind `ccehub agencies add` accepts."""
    import csv

    from ccehub.agencies.models import AgencyKind
    from ccehub.children.generate import write_extracts
    from ccehub.synthetic import agency_records, generate_population

    written = write_extracts(agency_records(generate_population(200, seed=3), seed=3), tmp_path)
    with (tmp_path / "agencies.csv").open(encoding="utf-8") as handle:
        listed = {row["code"]: row for row in csv.DictReader(handle)}
    assert set(listed) == {path.stem for path, _ in written}
    assert {row["kind"] for row in listed.values()} <= set(AgencyKind.values)


def test_la_extracts_name_the_twins_they_know(tmp_path):
    """A local authority's extract lists the co-twin's record ids in not_same_child_as; other agencies'
    extracts leave it blank (they do not know the household)."""
    import csv

    from ccehub.children.generate import write_extracts
    from ccehub.synthetic import agency_records, generate_population

    population = generate_population(600, seed=4)
    twins = {p.person_id: p.twin_of for p in population if p.twin_of is not None}
    records = agency_records(population, seed=4)
    written = write_extracts(records, tmp_path, twin_of=twins)
    owner = {(r.agency.lower(), r.record_id): r.true_person_id for r in records}
    listed = 0
    for path, _ in written:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if not row["not_same_child_as"]:
                    continue
                assert path.stem.startswith("la-")
                for other in row["not_same_child_as"].split(";"):
                    assert twins[owner[(path.stem, row["record_id"])]] == owner[(path.stem, other)]
                    listed += 1
    assert listed > 0


@pytest.mark.django_db
def test_generated_children_keep_the_population_s_sex(system_actor):
    """The population says "M"/"F"; the stored child must say male/female, not "unknown" for everyone."""
    from ccehub.synthetic import generate_population

    generate_children(actor=system_actor, children=60, seed=21)
    expected = {"M": "male", "F": "female"}
    wanted = [expected.get(p.sex, "unknown") for p in generate_population(60, 21).persons]
    stored = list(
        Child.objects.filter(cohort="synthetic-21").order_by("created_at", "id").values_list("sex", flat=True)
    )
    assert sorted(stored) == sorted(wanted)
    assert {"male", "female"} <= set(stored)
