"""`ccehub demo --no-server` and `ccehub report vulnerabilities` through the real console script."""

import json
from pathlib import Path

import pytest

from tests.support.scratch import run_ccehub, scratch_database

FIG3 = (Path(__file__).resolve().parents[2] / "ccehub" / "demo" / "fig3.csv").read_text()
EXPECTED = FIG3.replace("unknown", "*").replace("category,", "factor,", 1)
HEADER = "factor,Ben,Sam,Toby,Ethan,Stuart,Max,Harry,Daniel,Tom,John,Liam,Joshua,Michael"


@pytest.mark.slow
def test_demo_twice_then_fig3_csv(tmp_path):
    """Loading twice exits 0 and leaves one copy; the CSV report is Fig 3 exactly."""
    with scratch_database(tmp_path) as url:
        first = run_ccehub(["demo", "--no-server"], url)
        assert first.returncode == 0, first.stderr
        second = run_ccehub(["demo", "--no-server"], url)
        assert second.returncode == 0, second.stderr
        report = run_ccehub(["report", "vulnerabilities", "--format", "csv"], url)
        assert report.returncode == 0, report.stderr
        assert report.stdout.splitlines()[0] == HEADER
        assert report.stdout == EXPECTED
        # R-34, the report's own figure: John's first arrest six days after his first missing episode
        early = run_ccehub(
            ["report", "missing-before-arrest", "--cohort", "crest-2022", "--all-dates", "--format", "json"],
            url,
        )
        assert early.returncode == 0, early.stderr
        john = next(row for row in json.loads(early.stdout)["per_child"] if row["child"] == "John")
        assert john == {
            "child": "John",
            "order": "missing_first",
            "first_missing_to_first_arrest_days": 6,
            "dates": "synthetic",
        }
        recorded = run_ccehub(
            ["report", "missing-before-arrest", "--cohort", "crest-2022", "--format", "json"], url
        )
        assert json.loads(recorded.stdout)["orders"]["missing_first"] == "0"  # the report gives no dates


def test_report_rejects_unknown_format(tmp_path):
    """A bad option is a clear error with exit 2, not a traceback."""
    result = run_ccehub(
        ["report", "vulnerabilities", "--format", "xml"], "sqlite:///" + str(tmp_path / "x.db")
    )
    assert result.returncode == 2
    assert "--format" in result.stderr and "Traceback" not in result.stderr
