"""Tokens made before tokens expired are given created + CCEHUB_API_TOKEN_DAYS by a data migration,
on the suite's kind of database (PostgreSQL in CI, SQLite otherwise), in a scratch database of its
own: migrate to just before expiry, store a token the old way, migrate to the end."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.scratch import ROOT, scratch_database

SCRIPT = """
from datetime import UTC, datetime

import django

django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

call_command("migrate", "agencies", "0003", verbosity=0)
old = MigrationExecutor(connection).loader.project_state(("agencies", "0003_apitoken")).apps
user = old.get_model("auth", "User").objects.create(username="old.token")
Token = old.get_model("agencies", "ApiToken")
Token.objects.create(user=user, name="old", token_hash="a" * 64)
Token.objects.update(created_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
call_command("migrate", verbosity=0)

from ccehub.agencies.models import ApiToken

print(ApiToken.objects.get().expires_at.astimezone(UTC).isoformat())
"""


@pytest.mark.slow
@pytest.mark.parametrize(("days", "expected"), [(None, "2026-04-10"), ("30", "2026-02-09")])
def test_existing_tokens_expire_the_default_days_after_they_were_made(tmp_path, days, expected):
    with scratch_database(tmp_path) as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        env.pop("CCEHUB_API_TOKEN_DAYS", None)
        if days:
            env["CCEHUB_API_TOKEN_DAYS"] = days
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{expected}T12:00:00+00:00"
