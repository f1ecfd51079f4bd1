"""Crisis responses convened before ``panels 0009`` are listed at the child's open panel case: the
one at the active panel covering the convenor, else the earliest shared; responses not convened, or
closed, are left alone. On the suite's kind of database, in a scratch database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.scratch import ROOT, scratch_database

SCRIPT = """
import json
from datetime import date

import django

django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

call_command("migrate", "panels", "0008", verbosity=0)
old = MigrationExecutor(connection).loader.project_state(("panels", "0008_crisis_response")).apps
Agency = old.get_model("agencies", "Agency")
Child = old.get_model("children", "Child")
PanelArea = old.get_model("panels", "PanelArea")
PanelCase = old.get_model("panels", "PanelCase")
CrisisResponse = old.get_model("panels", "CrisisResponse")
covering = Agency.objects.create(code="zz-panel", name="Z panel", kind="cce_panel")
other = Agency.objects.create(code="aa-panel", name="A panel", kind="cce_panel")
la = Agency.objects.create(code="la", name="LA", kind="la_childrens_services")
PanelArea.objects.create(panel=covering, local_authority=la)
children = {name: Child.objects.create(pseudonymous_id=f"CH-{name.upper()}", home_local_authority=la)
            for name in ("both", "other_only", "not_convened", "closed", "no_case")}


def case(panel, child, on):
    return PanelCase.objects.create(panel=panel, child=children[child], shared_by=la, shared_on=on, reason="r")


cases = {
    "both_other": case(other, "both", date(2024, 1, 1)),  # shared first, but not the covering panel
    "both_covering": case(covering, "both", date(2024, 2, 1)),
    "other_only": case(other, "other_only", date(2024, 2, 1)),
    "not_convened": case(covering, "not_convened", date(2024, 2, 1)),
    "closed": case(covering, "closed", date(2024, 2, 1)),
}
names = {c.pk: name for name, c in cases.items()}
day = date(2024, 3, 1)
responses = {
    "both": CrisisResponse.objects.create(child=children["both"], convenor=la, trigger="pre_arrest_concern",
                                          triggered_on=day, returned_home_on=day, convened_on=day),
    "other_only": CrisisResponse.objects.create(child=children["other_only"], convenor=None,
                                                trigger="pre_arrest_concern", triggered_on=day,
                                                returned_home_on=day, convened_on=day),
    "not_convened": CrisisResponse.objects.create(child=children["not_convened"], convenor=la,
                                                  trigger="pre_arrest_concern", triggered_on=day),
    "closed": CrisisResponse.objects.create(child=children["closed"], convenor=la, trigger="pre_arrest_concern",
                                            triggered_on=day, returned_home_on=day, convened_on=day,
                                            closed_on=day, close_note="x"),
    "no_case": CrisisResponse.objects.create(child=children["no_case"], convenor=la,
                                             trigger="pre_arrest_concern", triggered_on=day,
                                             returned_home_on=day, convened_on=day),
}
call_command("migrate", verbosity=0)
new = MigrationExecutor(connection).loader.project_state(("panels", "0009_crisis_listed")).apps
rows = dict(new.get_model("panels", "CrisisResponse").objects.values_list("pk", "panel_case_id"))
print(json.dumps({name: names.get(rows[r.pk]) for name, r in responses.items()}))
call_command("migrate", "panels", "0008", verbosity=0)
"""


@pytest.mark.slow
def test_convened_responses_are_listed_at_the_covering_panels_open_case(tmp_path):
    with scratch_database(tmp_path) as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
        )
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "both": "both_covering",  # the panel covering the convenor, not the earliest shared
        "other_only": "other_only",  # no open case there: the earliest shared (convenor from the child)
        "not_convened": None,
        "closed": None,
        "no_case": None,
    }
