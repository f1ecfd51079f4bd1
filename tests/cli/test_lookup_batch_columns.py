"""``ccehub lookup --batch``: the header is read as analysts write it, and a file whose columns would
all go unread is refused rather than answered "not known" for every query. In-process (CliRunner)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ccehub.linkage.lookup import LookupResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def searched(monkeypatch):
    """An index that records what it was asked and finds nothing."""
    queries: list[dict[str, str]] = []

    class Recording:
        model_version = "test"

        def lookup(self, query, **kwargs):
            queries.append(dict(query))
            return LookupResult((), query_ms=0.1, candidates_scored=0)

    monkeypatch.setattr("ccehub.records.services.active_index", lambda: Recording())
    return queries


def run_batch(tmp_path, text):
    from ccehub.cli import app

    path = tmp_path / "queries.csv"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(app, ["lookup", "--batch", str(path), "--purpose", "batch check"])


def test_header_with_spaces_and_capitals_is_read(tmp_path, searched):
    """`query_id, given_name, …` (a space after each comma) or `Query_ID,Given_Name` name the columns."""
    for header in (
        "query_id, given_name, family_name, date_of_birth, sex, postcode\n",
        "Query_ID,Given_Name,Family_Name,Date_Of_Birth,Sex,Postcode\n",
    ):
        searched.clear()
        result = run_batch(tmp_path, header + "q1,Alfie,Whitcombe,2009-03-14,M,N7 8QT\n")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["query_id"] == "q1"
        (query,) = searched
        assert (query["given_name"], query["family_name"], query["date_of_birth"]) == (
            "Alfie",
            "Whitcombe",
            "2009-03-14",
        )


def test_no_searchable_column_is_refused(tmp_path, searched):
    """`first_name,surname,dob` are not the contract's columns: refused (exit 2), not answered empty."""
    result = run_batch(tmp_path, "query_id,first_name,surname,dob\nq1,Alfie,Whitcombe,2009-03-14\n")
    assert result.exit_code == 2 and "nothing to search on" in result.stderr
    assert result.stdout == "" and searched == []


def test_unread_columns_are_named(tmp_path, searched):
    result = run_batch(tmp_path, "query_id,given_name,surname\nq1,Alfie,Whitcombe\n")
    assert result.exit_code == 0, result.stderr
    assert "not read: surname" in result.stderr


def test_single_query_options_with_batch_are_refused(tmp_path, searched):
    """--given-name and the like would be silently ignored beside --batch: refused, naming them."""
    from ccehub.cli import app

    path = tmp_path / "queries.csv"
    path.write_text("query_id,given_name\nq1,Tom\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["lookup", "--batch", str(path), "--given-name", "Tom", "--dob", "2009-01-01", "--purpose", "x"]
    )
    assert result.exit_code == 2
    assert "--given-name, --dob cannot be given with it" in result.output
    assert searched == []
