"""``ccehub import children --skip-invalid --rejects PATH`` never writes the rejects over the extract
it is importing. In-process (CliRunner)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ccehub.records.models import AgencyRecord

pytestmark = pytest.mark.django_db

EXTRACT = (
    "record_id,given_name,family_name,date_of_birth,sex,postcode\n"
    "A1,Tom,Ingram,2006-04-01,M,N1 1AA\n"
    "A2,Jo,Lee,2006-02-30,F,\n"
)


def test_rejects_path_that_is_the_extract_is_refused(agencies, tmp_path):
    """The rejects hold line numbers and reasons, not the rows: written over the extract, the rows
    to fix would be lost. Refused (exit 2) before anything is imported; the extract is untouched."""
    from ccehub.cli import app

    extract = tmp_path / "la.csv"
    extract.write_text(EXTRACT, encoding="utf-8")
    code = agencies["islington"].code
    for rejects in (extract, tmp_path / "." / "la.csv"):
        result = CliRunner().invoke(
            app,
            [
                "import",
                "children",
                str(extract),
                "--agency",
                code,
                "--skip-invalid",
                "--rejects",
                str(rejects),
            ],
        )
        assert result.exit_code == 2 and "the extract being imported" in result.stderr
    assert extract.read_text(encoding="utf-8") == EXTRACT
    assert not AgencyRecord.objects.exists()
