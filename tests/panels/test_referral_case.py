"""A local-panel referral knows its panel case (``NRMReferral.panel_case``), set when the referral is
recorded: a referral recorded after the child's case closed belongs to the case it opens, even when
it is dated on or before the closing day. Rows without the link (none the service writes) are placed
by the dates, as every referral was before the link (``case_by_dates``).

Jamie's first referral (4 March 2024) is recorded on 30 June, which shares the first case; it goes to
the Home Office SCA and the chair closes the case on 20 September. On 30 September a second referral
is recorded, dated 15 September: five days *before* the first case closed.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import RestrictedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ccehub.audit.models import AuditEvent
from ccehub.nrm.models import NRMReferral
from ccehub.panels import services as panels
from ccehub.panels.models import PanelCase
from ccehub.panels.selectors import (
    monitoring_list,
    panel_referrals,
    referral_case_closed,
    referral_in_hand,
    referral_panel_case,
)
from ccehub.rules.closure import case_by_dates
from tests.panels.conftest import TODAY_2024, refer

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
CLOSED = date(2024, 9, 20)
TODAY = date(2024, 9, 30)
LATE = date(2024, 9, 15)  # the second referral's date: before CLOSED, recorded on TODAY
LONDON = ZoneInfo("Europe/London")


def _closed_then_referred_again(world, referral):
    """Close the first case, then record a referral dated before the closing day. Returns
    (the closed case, the new referral)."""
    panels.referral_refer_to_sca(
        actor=world["as_lead"], referral=referral, reason="Contested CG", on=date(2024, 4, 1)
    )
    closed = panels.panel_case_close(
        actor=world["as_chair"],
        case=PanelCase.objects.get(panel=world["panel"], child=referral.child, closed_on__isnull=True),
        closed_on=CLOSED,
        risk_level="low",
        risk_reduced=True,
        reason="risk_reduced",
        note="Settled at college",
        today=TODAY,
    )
    again = refer(world, referral.child, referred_on=LATE, today=TODAY)
    return closed, again


def _listed(world):
    return {r.pk: r for r in panel_referrals(panel=world["panel"])}


# --- The bug: a referral dated before the earlier case closed, recorded after ------------------


def test_a_referral_recorded_after_the_case_closed_belongs_to_the_case_it_opened(world, referral):
    closed, again = _closed_then_referred_again(world, referral)
    new = PanelCase.objects.get(panel=world["panel"], child=referral.child, closed_on__isnull=True)
    assert new.shared_on == TODAY and new.pk != closed.pk
    again.refresh_from_db()
    referral.refresh_from_db()
    assert again.panel_case_id == new.pk and referral.panel_case_id == closed.pk
    assert list(new.referrals.all()) == [again] and list(closed.referrals.all()) == [referral]
    row = AuditEvent.objects.get(object_type="nrm_referral", object_id=str(again.pk), action="create")
    assert f"panel case {new.pk}" in row.detail
    # The dates alone would put it with the closed case (closed on 20 September, on or after the 15th).
    assert case_by_dates([closed, new], LATE) == closed
    listed = _listed(world)
    assert referral_panel_case(listed[again.pk]) == new and referral_panel_case(again) == new
    assert not referral_case_closed(listed[again.pk]) and referral_in_hand(listed[again.pk])
    assert referral_case_closed(listed[referral.pk]) and not referral_in_hand(listed[referral.pk])


def test_a_second_referral_while_the_case_is_open_joins_it(world, child, referral):
    again = refer(world, child, referred_on=date(2024, 6, 1))
    assert again.panel_case_id == referral.panel_case_id is not None
    assert PanelCase.objects.filter(panel=world["panel"], child=child).count() == 1


def test_the_panel_home_lists_the_late_referral_in_hand(client, world, referral):
    _, again = _closed_then_referred_again(world, referral)
    assert client.login(username=world["users"]["chair"].username, password=PASSWORD)
    page = html.unescape(client.get(reverse("panels:home")).content.decode())
    in_hand, _, apart = page.partition("Concluded referrals and closed cases (1)")
    assert reverse("panels:referral", args=[again.pk]) in in_hand
    assert reverse("panels:referral", args=[again.pk]) not in apart
    assert (
        reverse("panels:referral", args=[referral.pk]) in apart
        and "Case closed on 20 September 2024" in apart
    )


def test_the_referral_page_names_the_case_that_holds_it(client, world, referral):
    _, again = _closed_then_referred_again(world, referral)
    assert client.login(username=world["users"]["chair"].username, password=PASSWORD)
    page = html.unescape(client.get(reverse("panels:referral", args=[again.pk])).content.decode())
    assert "Shared on 30 September 2024: this referral's case" in page
    assert "Shared on 30 June 2024</h3>" in page
    page = html.unescape(client.get(reverse("panels:referral", args=[referral.pk])).content.decode())
    assert "Shared on 30 June 2024: this referral's case" in page
    assert "Shared on 30 September 2024</h3>" in page


def test_monitoring_counts_the_new_case_from_its_own_referral(world, referral, system_actor):
    """The new case's oversight runs from its own referral (15 September), not the closed case's (4
    March): a missing episode in August belongs to the closed case's time, not the new one's."""
    from ccehub.children.models import MissingEpisode
    from ccehub.children.services import fact_record

    _closed_then_referred_again(world, referral)
    for day in (date(2024, 8, 1), date(2024, 9, 16)):
        fact_record(
            actor=system_actor,
            child=referral.child,
            model=MissingEpisode,
            started_at=datetime(day.year, day.month, day.day, 18, 0, tzinfo=LONDON),
            ended_at=datetime(day.year, day.month, day.day, 23, 0, tzinfo=LONDON),
        )
    (row,) = monitoring_list(actor=world["as_chair"], panel=world["panel"], as_of=TODAY)
    assert row.panel_case.shared_on == TODAY
    assert row.missing_since_oversight == 1 and row.last_missing == date(2024, 9, 16)
    assert row.stage == "info_gathering"  # the new referral's, not the first one's (sent to the SCA)


# --- Rows without the link: the dates --------------------------------------------------------


def test_a_referral_without_the_link_is_placed_by_the_dates(world, referral):
    """A row no service linked (written before the link, or by a loader) gets the old answer: the
    first of the child's cases with the panel not closed before the referral date."""
    closed, again = _closed_then_referred_again(world, referral)
    NRMReferral.objects.filter(pk__in=[referral.pk, again.pk]).update(panel_case=None)
    listed = _listed(world)
    assert referral_panel_case(listed[referral.pk]) == closed
    assert referral_panel_case(listed[again.pk]) == closed  # what the dates say, as before the link
    fresh = NRMReferral.objects.get(pk=again.pk)
    assert referral_panel_case(fresh) == closed


def test_case_by_dates_is_the_old_rule():
    """The first case not closed before the referral date; an open case takes any date; no date
    takes the first case; nothing when every case closed before the referral."""

    class Case:
        def __init__(self, closed_on):
            self.closed_on = closed_on

    first, second = Case(date(2024, 9, 20)), Case(None)
    assert case_by_dates([first, second], date(2024, 9, 20)) is first
    assert case_by_dates([first, second], date(2024, 9, 21)) is second
    assert case_by_dates([first, second], None) is first
    assert case_by_dates([first], date(2024, 9, 21)) is None
    assert case_by_dates([], date(2024, 9, 21)) is None


def test_the_list_reads_every_referrals_case_without_a_query(world, referral):
    """``panel_referrals`` prefetches the child's cases: linked or not, no query per referral."""
    _closed_then_referred_again(world, referral)
    NRMReferral.objects.filter(pk=referral.pk).update(panel_case=None)
    listed = list(panel_referrals(panel=world["panel"]))
    assert len(listed) == 2
    with CaptureQueriesContext(connection) as ctx:
        cases = [referral_panel_case(r) for r in listed]
    assert len(ctx.captured_queries) == 0
    assert [c.shared_on for c in cases] == [TODAY_2024, TODAY]


def test_a_case_with_referrals_is_not_deleted_alone(world, referral):
    """RESTRICT: the case goes only with its referrals (erasing the child deletes both)."""
    with pytest.raises(RestrictedError):
        PanelCase.objects.filter(pk=referral.panel_case_id).delete()
