"""`ccehub reconcile` and `ccehub pseudonyms`, through the real console script in a subprocess.

The whole Fig 5 flow end to end: the force makes a key and codes its identified extract; both halves
(wrongly) still carry identity; reconciliation's output holds none of it.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ccehub.linkage.reconcile import LA_TEMPLATE, MSG_NO_CODE_COLUMN, POLICE_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = ROOT / ".venv" / "bin" / "ccehub"
CCEHUB = str(_SCRIPT if _SCRIPT.exists() else Path(sys.executable).with_name("ccehub"))
EXAMPLES = ROOT / "docs" / "examples"


def ccehub(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [CCEHUB, *map(str, args)], capture_output=True, text=True, timeout=60, env=env, cwd=cwd, check=False
    )


def invalid(result: subprocess.CompletedProcess[str]) -> str:
    """Assert exit 2 with a one-line-per-problem message and no traceback; return stderr."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- reconcile ---------------------------------------------------------------------------


def test_documented_example_reconciles_and_prints_counts(tmp_path: Path) -> None:
    """Exit 0 with discrepancies present; the counts are printed; three files are written."""
    out = tmp_path / "out"
    result = ccehub("reconcile", EXAMPLES / "police_half.csv", EXAMPLES / "la_half.csv", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "matched 2, conflict 1, awaiting_police 0, awaiting_la 2, excluded 0, rejected 1" in result.stdout
    assert "discrepancies: 5 (conflict 1, invalid_code 1, la_only 1, police_only 2)" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["discrepancies.csv", "merged.csv", "summary.json"]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["merged_rows"] == 5


def test_deadline_excludes_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = ccehub(
        "reconcile",
        EXAMPLES / "police_half.csv",
        EXAMPLES / "la_half.csv",
        "--out",
        out,
        "--deadline",
        "2022-01-31",
        "--as-of",
        "2022-02-01",
    )
    assert result.returncode == 0, result.stderr
    assert "excluded 2" in result.stdout
    assert "excluded by reason: la_data_not_supplied 2" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["excluded_by_reason"] == {"la_data_not_supplied": 2}
    assert (summary["deadline"], summary["as_of"]) == ("2022-01-31", "2022-02-01")


IDENTIFIED_EXTRACT = (
    "record_id,given_name,family_name,date_of_birth,address,postcode,sex,age_at_incident,incident_date,"
    "criminal_outcome,reported_missing,care_experienced,notes\n"
    "KP-004417,Jordan,Fakeperson,2006-02-11,1 Imaginary Road,ZZ99 1AA,male,15,2021-06-01,charge_dropped,x,,"
    "Jordan said he owed money\n"
    "KP-004418,Casey,Notreal,2005-09-23,2 Pretend Lane,ZZ99 2BB,male,16,2021-07-12,nfa,unknown,,\n"
    "KP-004419,Riley,Inventedson,2006-12-01,3 Fictional Close,ZZ99 3CC,male,14,2021-08-30,de_arrested,x,,\n"
)
IDENTITY_VALUES = [
    "KP-004417",
    "KP-004418",
    "KP-004419",
    "Jordan",
    "Fakeperson",
    "Casey",
    "Notreal",
    "Riley",
    "Inventedson",
    "2006-02-11",
    "2005-09-23",
    "2006-12-01",
    "Imaginary",
    "Pretend",
    "Fictional",
    "ZZ99",
    "1AA",
    "2BB",
    "3CC",
    "owed money",
    "Mx Worker",
    "LCS-",
]


def test_full_flow_never_emits_identity(tmp_path: Path) -> None:
    """new-key -> assign -> halves that still carry identity -> reconcile: no identity in any output."""
    key = tmp_path / "kent.key"
    made = ccehub("pseudonyms", "new-key", "--force", "KENT", "--out", key)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    extract = tmp_path / "extract.csv"
    extract.write_text(IDENTIFIED_EXTRACT, encoding="utf-8")
    coded = tmp_path / "coded.csv"
    assigned = ccehub("pseudonyms", "assign", extract, "--key", key, "--out", coded)
    assert assigned.returncode == 0, assigned.stderr
    assert "assigned KENT codes to 3 rows (3 distinct record ids)" in assigned.stdout
    rows = read_csv(coded)
    assert next(iter(rows[0])) == "code"
    assert rows[0]["given_name"] == "Jordan"  # still identified: this file stays with the force

    # The force sends its coded file as the police half, forgetting to strip identity (the mistake
    # the reconciler must survive); it adds the force column the template asks for.
    police = tmp_path / "police.csv"
    with police.open("w", encoding="utf-8", newline="") as handle:
        dict_writer = csv.DictWriter(handle, fieldnames=[*rows[0], "completing_force"])
        dict_writer.writeheader()
        dict_writer.writerows({**row, "completing_force": "kent"} for row in rows)
    # The LA reapplies two of the codes, with its own identity columns left in.
    la = tmp_path / "la.csv"
    with la.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["code", "completing_la", "Child Name", "D.O.B.", "LA Child ID", "Social worker", "sex"]
        )
        writer.writerow(
            [rows[0]["code"], "E10000016", "Jordan Fakeperson", "11/02/2006", "LCS-1", "Mx Worker", "m"]
        )
        writer.writerow(
            [rows[1]["code"], "E06000035", "Casey Notreal", "23/09/2005", "LCS-2", "Mx Worker", "m"]
        )

    out = tmp_path / "out"
    result = ccehub("reconcile", police, la, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "identity: record_id, given_name, family_name, date_of_birth, address, postcode" in result.stdout
    assert "not in template: notes" in result.stdout
    assert "identity: Child Name, D.O.B., LA Child ID" in result.stdout
    assert "matched 2, conflict 0, awaiting_police 0, awaiting_la 1" in result.stdout

    output_text = "\n".join(p.read_text(encoding="utf-8") for p in out.iterdir()).lower()
    assert rows[0]["code"].lower() in output_text  # the search runs over real output
    console = (result.stdout + result.stderr).lower()
    for value in IDENTITY_VALUES:
        assert value.lower() not in output_text, value
        assert value.lower() not in console, value
    merged = {row["code"]: row for row in read_csv(out / "merged.csv")}
    assert merged[rows[1]["code"]]["reported_missing"] == "unknown"


def test_missing_file_is_named(tmp_path: Path) -> None:
    message = invalid(ccehub("reconcile", tmp_path / "nope.csv", EXAMPLES / "la_half.csv", "--out", tmp_path))
    assert f"{tmp_path / 'nope.csv'}: no such file" in message


def test_missing_code_column_is_named(tmp_path: Path) -> None:
    police = tmp_path / "police.csv"
    police.write_text("Code Number,sex\nX,male\n", encoding="utf-8")
    message = invalid(ccehub("reconcile", police, EXAMPLES / "la_half.csv", "--out", tmp_path / "out"))
    assert f"{police}: {MSG_NO_CODE_COLUMN}" in message
    assert not (tmp_path / "out").exists()


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    la = tmp_path / "la.csv"
    la.write_text('code,sex\nKENT-D1NE4-B63GG-K,male\n"KENT-91TF5,male\n', encoding="utf-8")
    message = invalid(ccehub("reconcile", EXAMPLES / "police_half.csv", la, "--out", tmp_path / "out"))
    assert f"{la}, line 3: malformed CSV" in message


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    la = tmp_path / "la.csv"
    la.write_text("code,sex\nKENT-D1NE4-B63GG-K,male,extra\n", encoding="utf-8")
    message = invalid(ccehub("reconcile", EXAMPLES / "police_half.csv", la, "--out", tmp_path / "out"))
    assert f"{la}, line 2: 3 fields, but the header has 2 columns" in message


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    la = tmp_path / "la.csv"
    la.write_bytes(b"code,sex\nKENT-D1NE4-B63GG-K,male\nKENT-91TF5-XMQZV-G,m\xe9le\n")
    message = invalid(ccehub("reconcile", EXAMPLES / "police_half.csv", la, "--out", tmp_path / "out"))
    assert f"{la}, line 3: not UTF-8" in message


def test_bad_cell_names_line_and_column_but_not_the_value(tmp_path: Path) -> None:
    la = tmp_path / "la.csv"
    la.write_text("code,sex,care_experienced\nKENT-D1NE4-B63GG-K,Jordan,yes\n", encoding="utf-8")
    message = invalid(ccehub("reconcile", EXAMPLES / "police_half.csv", la, "--out", tmp_path / "out"))
    assert f"{la}, line 2, column sex: expected male" in message
    assert f"{la}, line 2, column care_experienced: expected x, blank or unknown" in message
    assert "Jordan" not in message


@pytest.mark.parametrize("option", ["--deadline", "--as-of"])
def test_bad_dates_are_invalid_input(tmp_path: Path, option: str) -> None:
    args = ("reconcile", EXAMPLES / "police_half.csv", EXAMPLES / "la_half.csv", "--out", tmp_path)
    assert f"{option} must be a date" in invalid(ccehub(*args, option, "31/01/2022"))


def test_same_file_twice_is_refused(tmp_path: Path) -> None:
    same = EXAMPLES / "police_half.csv"
    assert "same file" in invalid(ccehub("reconcile", same, same, "--out", tmp_path / "out"))


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    args = ("reconcile", EXAMPLES / "police_half.csv", EXAMPLES / "la_half.csv", "--out", target)
    assert "is not a directory" in invalid(ccehub(*args))


def test_blank_out_is_refused_not_read_as_the_current_folder(tmp_path: Path) -> None:
    """`--out "$DIR"` with DIR unset must not scatter the merged dataset into wherever the shell is."""
    args = ("reconcile", EXAMPLES / "police_half.csv", EXAMPLES / "la_half.csv", "--out", "")
    assert "--out is blank" in invalid(ccehub(*args, cwd=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_out_is_required(tmp_path: Path) -> None:
    result = ccehub("reconcile", EXAMPLES / "police_half.csv", EXAMPLES / "la_half.csv")
    assert result.returncode == 2
    assert "--out" in result.stderr and "Traceback" not in result.stderr


# --- pseudonyms ------------------------------------------------------------------------------


def test_new_key_refuses_to_overwrite(tmp_path: Path) -> None:
    key = tmp_path / "kent.key"
    assert ccehub("pseudonyms", "new-key", "--force", "kent", "--out", key).returncode == 0
    before = key.read_bytes()
    assert "never overwritten" in invalid(ccehub("pseudonyms", "new-key", "--force", "KENT", "--out", key))
    assert key.read_bytes() == before


def test_new_key_refuses_a_bad_force_code(tmp_path: Path) -> None:
    assert "force code" in invalid(ccehub("pseudonyms", "new-key", "--force", "K", "--out", tmp_path / "k"))


def test_assign_refuses_an_exposed_key(tmp_path: Path) -> None:
    key = tmp_path / "kent.key"
    assert ccehub("pseudonyms", "new-key", "--force", "KENT", "--out", key).returncode == 0
    key.chmod(0o644)
    extract = tmp_path / "extract.csv"
    extract.write_text(IDENTIFIED_EXTRACT, encoding="utf-8")
    message = invalid(ccehub("pseudonyms", "assign", extract, "--key", key, "--out", tmp_path / "c.csv"))
    assert "chmod 600" in message
    assert not (tmp_path / "c.csv").exists()


def test_assign_and_check_agree(tmp_path: Path) -> None:
    key = tmp_path / "kent.key"
    assert ccehub("pseudonyms", "new-key", "--force", "KENT", "--out", key).returncode == 0
    extract = tmp_path / "extract.csv"
    extract.write_text(IDENTIFIED_EXTRACT, encoding="utf-8")
    coded = tmp_path / "coded.csv"
    assert ccehub("pseudonyms", "assign", extract, "--key", key, "--out", coded).returncode == 0
    code = read_csv(coded)[0]["code"]
    ok = ccehub("pseudonyms", "check", code.lower())
    assert (ok.returncode, ok.stdout.strip()) == (0, f"{code}: valid")
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    bad = ccehub("pseudonyms", "check", typo)
    assert bad.returncode == 2
    assert "check character does not match" in bad.stderr


def test_templates_are_what_the_examples_use() -> None:
    """The example files' headers are exactly the documented templates."""
    with (EXAMPLES / "police_half.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [c.name for c in POLICE_TEMPLATE]
    with (EXAMPLES / "la_half.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [c.name for c in LA_TEMPLATE]


def test_reconcile_modules_do_not_import_django() -> None:
    code = (
        "import sys, ccehub.commands.reconcile, ccehub.linkage.reconcile, ccehub.pseudonyms.assign;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]"
