"""`ccehub import children` through the real console script: refusals that must leave nothing behind."""

from __future__ import annotations

import pytest

from tests.support.scratch import run_ccehub, scratch_database

pytestmark = pytest.mark.slow

EXTRACT = (
    "record_id,given_name,family_name,date_of_birth,sex,postcode\n"
    "A1,Tom,Ingram,2006-04-01,M,N1 1AA\n"
    "A2,Jo,Lee,2006-02-30,F,\n"
    "A3,Sam,Hill,2007-01-09,M,\n"
)


def test_unwritable_rejects_file_imports_nothing(tmp_path):
    """With --skip-invalid the rejects must be saved: a rejects path that cannot be written is refused
    (exit 2) before any row is imported, so the valid rows are not left in with their rejects lost."""
    extract = tmp_path / "la.csv"
    extract.write_text(EXTRACT, encoding="utf-8")
    with scratch_database(tmp_path, migrated=True) as url:
        env = {"CCEHUB_DATA_DIR": str(tmp_path / "data")}
        added = run_ccehub(["agencies", "add", "la-x", "--name", "LA X", "--kind", "la"], url, env=env)
        assert added.returncode == 0, added.stderr

        def import_with_rejects(path):
            args = ["import", "children", str(extract), "--agency", "la-x", "--skip-invalid", "--rejects"]
            return run_ccehub([*args, str(path)], url, env=env)

        for bad, says in (
            (tmp_path / "no-such-folder" / "rejects.csv", "does not exist"),
            (tmp_path, "is a directory"),
        ):
            refused = import_with_rejects(bad)
            assert refused.returncode == 2, refused.stderr
            assert says in refused.stderr and "Traceback" not in refused.stderr
        good = tmp_path / "rejects.csv"
        done = import_with_rejects(good)
        assert done.returncode == 0, done.stderr
        # both valid rows are *created* now: the refused runs wrote nothing
        assert "(2 created, 0 updated, 1 rejected)" in done.stdout
        assert "3,A2,date_of_birth" in good.read_text(encoding="utf-8")
