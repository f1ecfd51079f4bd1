"""The export carries the NRM referral with its RG and CG decisions and decision maker (issue 2), on
every door (CLI, API, web download), and names agencies by code rather than by database id."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from ccehub.children.export import child_export
from ccehub.nrm.models import NRMDecision, NRMReferral

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(islington_child, agencies):
    referral = NRMReferral.objects.create(
        child=islington_child,
        referring_agency=agencies["islington"],
        referrer_role="social worker",
        referred_on=date(2024, 3, 4),
        route="local_panel",
        rationale="Free text naming Jamie",
    )
    NRMDecision.objects.create(
        referral=referral,
        stage="rg",
        outcome="positive",
        decided_on=date(2024, 3, 20),
        decision_maker="local_panel",
        decision_maker_agency=agencies["panel"],
        rationale="Jamie was coerced",
    )
    NRMDecision.objects.create(
        referral=referral,
        stage="cg",
        outcome="positive",
        decided_on=date(2024, 4, 2),
        decision_maker="local_panel",
        decision_maker_agency=agencies["panel"],
    )
    return islington_child


def _check(data):
    [referral] = data["nrm_referrals"]
    assert referral["referring_agency"] == "la-islington"
    stages = {d["stage"]: d for d in referral["decisions"]}
    assert set(stages) == {"rg", "cg"}
    assert stages["rg"]["outcome"] == "positive" and stages["rg"]["decided_on"] == "2024-03-20"
    assert stages["rg"]["decision_maker"] == "local_panel"
    assert stages["rg"]["decision_maker_agency"] == "islington-camden-panel"
    # a CG is reached on the balance of probabilities
    assert stages["cg"]["standard_of_proof"] == "balance_of_probabilities"
    assert "standard_of_proof" not in stages["rg"]


def test_service_export_has_decisions(referred, agencies, make_user, actor_for, roles):
    sw = make_user("e.sw", agencies["islington"], roles.SOCIAL_WORKER)
    data = json.loads(
        json.dumps(child_export(actor=actor_for(sw), pid=referred.pseudonymous_id), default=str)
    )
    _check(data)
    assert data["nrm_referrals"][0]["decisions"][0]["rationale"] == "Jamie was coerced"


def test_pseudonymised_export_has_decisions_without_free_text(
    referred, agencies, make_user, actor_for, roles
):
    analyst = make_user("e.analyst", agencies["islington"], roles.ANALYST)
    data = json.loads(
        json.dumps(child_export(actor=actor_for(analyst), pid=referred.pseudonymous_id), default=str)
    )
    _check(data)
    assert "Jamie" not in json.dumps(data)


def test_api_and_web_exports_have_decisions(client, referred, agencies, make_user, roles):
    sw = make_user("e.sw", agencies["islington"], roles.SOCIAL_WORKER)
    client.force_login(sw)
    _check(client.get(f"/api/children/{referred.pseudonymous_id}/export").json())
    _check(client.get(f"/children/{referred.pseudonymous_id}/export.json").json())


def test_cli_export_has_decisions(referred, agencies, make_user, roles):
    from ccehub.cli import app

    make_user("e.sw", agencies["islington"], roles.SOCIAL_WORKER)
    result = CliRunner().invoke(
        app, ["children", "export", referred.pseudonymous_id, "--purpose", "Case review", "--user", "e.sw"]
    )
    assert result.exit_code == 0, result.output
    _check(json.loads(result.stdout))


def test_people_are_named_by_username_and_hidden_from_pseudonymised_readers(
    client, referred, agencies, make_user, actor_for, roles
):
    sw = make_user("e.sw", agencies["islington"], roles.SOCIAL_WORKER)
    NRMReferral.objects.filter(child=referred).update(referred_by=sw)
    data = json.loads(
        json.dumps(child_export(actor=actor_for(sw), pid=referred.pseudonymous_id), default=str)
    )
    assert data["nrm_referrals"][0]["referred_by"] == "e.sw"
    client.force_login(sw)
    api = client.get(f"/api/children/{referred.pseudonymous_id}/export").json()
    assert api["nrm_referrals"][0]["referred_by"] == "e.sw"
    analyst = make_user("e.analyst", agencies["islington"], roles.ANALYST)
    hidden = child_export(actor=actor_for(analyst), pid=referred.pseudonymous_id)
    assert "referred_by" not in hidden["nrm_referrals"][0]
    assert "e.sw" not in json.dumps(hidden, default=str)
