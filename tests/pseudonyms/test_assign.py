"""Assigning codes to the force's identified extract: adds a code column, removes nothing."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import pytest

from ccehub.pseudonyms import ForceKey, code_for_record, code_parse
from ccehub.pseudonyms.assign import extract_assign_codes
from ccehub.pseudonyms.csvio import CsvInputError

KEY = ForceKey(force="KENT", secret=bytes(range(100, 132)))

EXTRACT = (
    "record_id,given_name,family_name,date_of_birth,postcode,offence\n"
    "KP-000101,Jordan,Fakeperson,2006-02-11,ZZ99 1AA,PWITS\n"
    'KP-000102,Casey,"Example, Jr",2005-07-30,ZZ99 2BB,possession\n'
    "KP-000101,Jordan,Fakeperson,2006-02-11,ZZ99 1AA,breach\n"
)


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_code_column_is_added_first_and_everything_else_is_kept(tmp_path: Path) -> None:
    source = tmp_path / "extract.csv"
    source.write_text(EXTRACT, encoding="utf-8")
    out = tmp_path / "coded.csv"
    result = extract_assign_codes(key=KEY, source=source, destination=out)
    rows = _read(out)
    original = list(csv.reader(EXTRACT.splitlines()))
    assert rows[0] == ["code", *original[0]]
    assert [r[1:] for r in rows] == original
    assert rows[1][0] == str(code_for_record(KEY, "KP-000101"))
    assert rows[1][0] == rows[3][0]  # same child, same code
    assert all(str(code_parse(r[0])) == r[0] for r in rows[1:])
    assert (result.rows, result.distinct_records, result.force) == (3, 2, "KENT")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_other_id_column_by_name(tmp_path: Path) -> None:
    source = tmp_path / "extract.csv"
    source.write_text("Niche Ref,name\nN1,Alex\n", encoding="utf-8")
    out = tmp_path / "coded.csv"
    extract_assign_codes(key=KEY, source=source, destination=out, id_column="niche ref")
    assert _read(out)[1][0] == str(code_for_record(KEY, "N1"))


def test_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    source = tmp_path / "extract.csv"
    source.write_text(EXTRACT, encoding="utf-8")
    out = tmp_path / "coded.csv"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(CsvInputError, match="already exists"):
        extract_assign_codes(key=KEY, source=source, destination=out)
    assert out.read_text(encoding="utf-8") == "keep me"


def test_blank_record_id_stops_the_run_and_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "extract.csv"
    source.write_text("record_id,given_name\nKP-1,Alex\n ,Sam\n", encoding="utf-8")
    out = tmp_path / "coded.csv"
    with pytest.raises(CsvInputError, match=r"line 3, column record_id: blank record id") as raised:
        extract_assign_codes(key=KEY, source=source, destination=out)
    assert "Sam" not in str(raised.value)
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,record_id\nX,KP-1\n", "already has a 'code' column"),
        ("id,name\nKP-1,Alex\n", "no 'record_id' column"),
    ],
)
def test_unusable_extracts(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "extract.csv"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(CsvInputError, match=message):
        extract_assign_codes(key=KEY, source=source, destination=tmp_path / "out.csv")
