"""Black-box robustness of the ``ccehub`` command (seventh issue-4 session): bad input gets a clear
message and a documented exit status, never a traceback or "failed unexpectedly", and a failed or
interrupted run leaves nothing half-done. Through the real entry point in a subprocess, each with its
own SQLite database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.scratch import migrated_sqlite_copy

UNEXPECTED = "failed unexpectedly"


def ccehub(
    *args: str | Path, db: Path, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CCEHUB_DEBUG")}
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["CCEHUB_DATA_DIR"] = str(db.parent / "data")
    return subprocess.run(
        [sys.executable, "-m", "ccehub", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd or db.parent,
        input=input,
        check=False,
    )


def clean_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and UNEXPECTED not in result.stderr, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the reference agencies, copied for each test that writes."""
    db = migrated_sqlite_copy(tmp_path_factory.mktemp("migrated") / "db.sqlite3")
    result = ccehub("agencies", "load-reference", db=db)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def db(migrated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db.sqlite3"
    copy.write_bytes(migrated.read_bytes())
    return copy


@pytest.mark.parametrize(
    "args",
    [
        ("agencies", "list"),
        ("lookup", "--purpose", "Custody", "--given-name", "Tom", "--dob", "2008-03-01"),
        ("children", "export", "CH-7F3KQ-9Q2MD", "--purpose", "Case review"),
        ("report", "vulnerabilities"),
        ("tokens", "create", "--user", "j.smith", "--name", "custody system"),
    ],
)
def test_a_database_not_yet_migrated_says_run_migrate(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Before `ccehub migrate`, a command that reads the database said "failed unexpectedly … report
    it" (OperationalError: no such table); it is a set-up step not taken, and says which."""
    err = clean_error(ccehub(*args, db=tmp_path / "fresh.sqlite3"), 1)
    assert "not set up" in err and "ccehub migrate" in err


def test_a_database_that_cannot_be_opened_is_named_as_the_problem(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    err = clean_error(ccehub("agencies", "list", db=missing, cwd=tmp_path), 1)
    assert "DATABASE_URL" in err


def _writing_for(db: Path, seconds: float, *, give_up: float = 240.0) -> bool:
    """Wait until another process has held a write transaction on ``db`` for ``seconds`` without a
    break (a write lock cannot be had), or ``give_up`` passes.

    The lock is taken at a transaction's first write and held to its end. (The rollback journal is
    no sign: SQLite may write it only when its cache spills or at COMMIT, and an interrupt that lands
    in the COMMIT is too late.)"""
    import sqlite3

    since: float | None = None
    deadline = time.monotonic() + give_up
    while time.monotonic() < deadline:
        probe = sqlite3.connect(db, timeout=0, isolation_level=None)
        try:
            probe.execute("begin immediate")
            probe.execute("rollback")
            busy = False
        except sqlite3.OperationalError:
            busy = True
        finally:
            probe.close()
        if busy:
            since = since if since is not None else time.monotonic()
            if time.monotonic() - since >= seconds:
                return True
        else:
            since = None
        time.sleep(0.05)
    return False


def _as_in_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: SIGINT neither ignored nor blocked. A child inherits both,
    and a suite started in the background by a non-interactive shell (``make test &``) runs with
    SIGINT ignored (POSIX, for asynchronous lists without job control); the command rightly keeps an
    ignored SIGINT ignored, as for any background job, so the interrupt was lost and all 40,000
    children were created."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_says_what_became_of_the_work_and_leaves_no_half_population(db: Path) -> None:
    """Ctrl-C exited 130 without a word (Typer swallows it), and `generate` kept every batch of 2,000
    committed before it: a re-run then said the cohort "already exists" and the population stayed
    short for good. Now the message says the work was rolled back, and it was.

    The interrupt is sent once the population's transaction has held its write lock for a second,
    not after a fixed sleep: on a fast machine the sleep outlasted the whole run, and on a slow one it
    could land before the first batch. 40,000 children keep the transaction open for about a minute,
    so the interrupt cannot land in its COMMIT."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CCEHUB_DEBUG")}
    env.update(DATABASE_URL=f"sqlite:///{db}", CCEHUB_DATA_DIR=str(db.parent / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "ccehub", "generate", "--children", "40000", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=db.parent,
        preexec_fn=_as_in_a_terminal,
    )
    try:
        assert _writing_for(db, 1.0), "generate never held its transaction open for a second"
        assert process.poll() is None, "generate finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    import sqlite3

    with sqlite3.connect(db) as connection:
        (count,) = connection.execute(
            "select count(*) from children_child where cohort = 'synthetic-5'"
        ).fetchone()
    assert count == 0, (process.returncode, stderr[-2000:])
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("extracts", ["a-file.txt", "a-file.txt/sub", ""])
def test_generate_refuses_an_extracts_folder_it_cannot_write_before_creating_anyone(
    db: Path, extracts: str
) -> None:
    """The population was committed first, then the command failed unexpectedly on the folder."""
    (db.parent / "a-file.txt").write_text("not a folder\n")
    err = clean_error(ccehub("generate", "--children", "5", "--seed", "3", "--extracts", extracts, db=db), 2)
    assert "--extracts" in err
    import sqlite3

    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from children_child").fetchone() == (0,)


def test_generate_prints_its_progress_on_stderr(db: Path) -> None:
    """stdout carries the result only (the progress bar was written there when it was not a terminal)."""
    result = ccehub("generate", "--children", "3", "--seed", "4", db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "created 3 synthetic children in cohort synthetic-4\n"
    assert "Creating synthetic children" in result.stderr


EXTRACT = (
    "record_id,given_name,family_name,date_of_birth,sex,postcode\n"
    "A1,Tom,Ingram,2006-04-01,M,N1 1AA\n"
    "A2,Jo,Lee,2006-02-30,F,\n"
)


def records_in(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(db) as connection:
        (count,) = connection.execute("select count(*) from records_agencyrecord").fetchone()
    return int(count)


def test_import_refuses_a_field_too_long_for_a_csv_row_naming_its_line(db: Path) -> None:
    """A field over 131,072 characters (a binary or mangled file) crashed the import (csv.Error)."""
    extract = db.parent / "huge.csv"
    extract.write_text(EXTRACT.splitlines()[0] + "\nA1," + "A" * 200_000 + ",Ingram,2006-04-01,M,\n")
    err = clean_error(ccehub("import", "children", extract, "--agency", "kent", db=db), 2)
    assert "line 2" in err and "not a readable CSV row" in err
    assert records_in(db) == 0


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs Linux /proc")
def test_import_refuses_a_file_that_cannot_be_read(db: Path) -> None:
    """An unreadable file (permissions, a failing device) crashed the import (OSError)."""
    err = clean_error(ccehub("import", "children", "/proc/self/mem", "--agency", "kent", db=db), 2)
    assert "cannot read the file" in err


def test_import_names_a_folder_given_as_the_extract(db: Path) -> None:
    err = clean_error(ccehub("import", "children", db.parent, "--agency", "kent", db=db), 2)
    assert "is a folder" in err


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")
def test_rejects_that_cannot_be_created_are_refused_before_anything_is_imported(db: Path) -> None:
    """`os.access` said /proc was writable (to root, as on any read-only file system), so the valid rows
    were imported and the command then failed to create the rejects: rejects lost."""
    extract = db.parent / "la.csv"
    extract.write_text(EXTRACT)
    rejects = "/proc/ccehub-rejects.csv"
    result = ccehub(
        "import", "children", extract, "--agency", "kent", "--skip-invalid", "--rejects", rejects, db=db
    )
    assert "--rejects" in clean_error(result, 2)
    assert records_in(db) == 0


@pytest.fixture(scope="module")
def indexed(migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with two records and a built person index (shared: tests only read it)."""
    db = tmp_path_factory.mktemp("indexed") / "db.sqlite3"
    db.write_bytes(migrated.read_bytes())
    extract = db.parent / "kent.csv"
    extract.write_text(EXTRACT.replace("2006-02-30", "2006-02-28"))
    assert ccehub("import", "children", extract, "--agency", "kent", db=db).returncode == 0
    built = ccehub("link", "build", db=db)
    assert built.returncode == 0, built.stderr
    return db


@pytest.mark.skipif(not Path("/proc/self/mem").is_file(), reason="needs Linux /proc")
def test_lookup_batch_refuses_a_file_that_cannot_be_read(indexed: Path) -> None:
    """An unreadable batch file crashed the look-up (OSError) after the index was loaded."""
    result = ccehub("lookup", "--purpose", "Custody check", "--batch", "/proc/self/mem", db=indexed)
    err = clean_error(result, 2)
    assert "cannot read the file" in err and result.stdout == ""


def test_lookup_batch_names_a_folder_given_as_the_file(indexed: Path) -> None:
    result = ccehub("lookup", "--purpose", "Custody check", "--batch", indexed.parent, db=indexed)
    assert "is a folder" in clean_error(result, 2)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")
def test_link_review_refuses_an_out_file_it_cannot_create_before_scoring(indexed: Path) -> None:
    """`--out` in a folder that exists but cannot take a file: the review scored every pair, was
    audited as an export, then failed unexpectedly on the write."""
    result = ccehub("link", "review", "--out", "/proc/ccehub-review.csv", db=indexed)
    err = clean_error(result, 2)
    assert "--out: cannot write" in err and "Scoring" not in err


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--name", "N" * 201), "--name"),
        (("--name", "Kent Police (test)", "--contact", "0" * 201), "--contact"),
    ],
)
def test_agencies_add_refuses_values_longer_than_their_columns(
    db: Path, args: tuple[str, ...], option: str
) -> None:
    """SQLite stored them; PostgreSQL refused the row and the command failed unexpectedly."""
    err = clean_error(ccehub("agencies", "add", "test-force", "--kind", "police", *args, db=db), 2)
    assert err.startswith(f"error: {option}:") and "characters or fewer" in err
    assert "test-force" not in ccehub("agencies", "list", db=db).stdout


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_tokens_create_refuses_a_blank_or_overlong_name(db: Path, name: str) -> None:
    """A blank name made the token impossible to tell apart when revoking it; over 100 characters
    PostgreSQL refused the row (SQLite stored it). Refused before any token is made."""
    err = clean_error(ccehub("tokens", "create", "--user", "nobody", "--name", name, db=db), 2)
    assert err.startswith("error: --name:")


@pytest.mark.parametrize("command", [("serve",), ("demo", "--no-index")])
@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_that_cannot_be_one_is_refused_before_anything_runs(
    tmp_path: Path, command: tuple[str, ...], port: str
) -> None:
    """`serve --port 99999` migrated, then failed unexpectedly (OverflowError from bind); `demo`
    loaded every case first. Refused as a usage error (exit 2), before the database is touched."""
    db = tmp_path / "db.sqlite3"
    result = ccehub(*command, "--port", port, db=db)
    assert result.returncode == 2, result.stderr
    assert "--port" in result.stderr and UNEXPECTED not in result.stderr and "Traceback" not in result.stderr
    assert not db.exists() or db.stat().st_size == 0


def test_generate_refuses_a_seed_too_long_for_the_cohort_name(db: Path) -> None:
    """The cohort is `synthetic-<seed>` in a 40-character column: SQLite stored a longer one,
    PostgreSQL refused the first batch and the command failed unexpectedly."""
    err = clean_error(ccehub("generate", "--children", "1", "--seed", str(10**30), db=db), 2)
    assert "--seed" in err
