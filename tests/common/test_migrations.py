"""The models and the migrations agree: a model change without its migration fails here, not on a
deployment's `ccehub migrate`."""

from __future__ import annotations

from django.core.management import call_command


def test_no_migrations_are_missing(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
