"""Two-half reconciliation (DOMAIN.md §6.3.4): merge rule, one-sided codes, conflicts, no identity out."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ccehub.linkage.reconcile import (
    FIG3_FACTORS,
    LA_TEMPLATE,
    MERGED_COLUMNS,
    MSG_FLAG,
    MSG_LOOKS_LIKE_LA,
    MSG_NO_CODE_COLUMN,
    MSG_SEX,
    POLICE_TEMPLATE,
    Flag,
    ReconcileInputError,
    Status,
    flag_merge,
    half_read,
    halves_reconcile,
    reconciliation_write,
)
from ccehub.pseudonyms import ForceKey, code_for_record

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
KEY = ForceKey(force="KENT", secret=bytes(range(40, 72)))
POLICE_COLUMNS = [c.name for c in POLICE_TEMPLATE]
LA_COLUMNS = [c.name for c in LA_TEMPLATE]


def code(n: int) -> str:
    return str(code_for_record(KEY, f"KP-{n:06d}"))


def write_csv(path: Path, rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def police(n: int, **values: str) -> dict[str, str]:
    base = {"code": code(n), "completing_force": "kent", "sex": "male", "age_at_incident": "15"}
    base.update(incident_date="2021-03-14", criminal_outcome="nfa")
    return {**base, **values}


def la(n: int, **values: str) -> dict[str, str]:
    base = {"code": code(n), "completing_la": "E10000016", "sex": "male", "age_band": "14-15"}
    base.update(incident_date="2021-03-14")
    return {**base, **values}


def run(
    tmp_path: Path,
    police_rows: Sequence[Mapping[str, str]],
    la_rows: Sequence[Mapping[str, str]],
    *,
    police_columns: Sequence[str] = POLICE_COLUMNS,
    la_columns: Sequence[str] = LA_COLUMNS,
    deadline: date | None = None,
    as_of: date | None = None,
) -> tuple[list[dict[str, str]], list[dict[str, str]], dict[str, Any]]:
    p = write_csv(tmp_path / "police.csv", police_rows, police_columns)
    la_path = write_csv(tmp_path / "la.csv", la_rows, la_columns)
    result = halves_reconcile(
        police=half_read(p, side="police"), la=half_read(la_path, side="la"), deadline=deadline, as_of=as_of
    )
    out = tmp_path / "out"
    reconciliation_write(result, out)
    with (out / "merged.csv").open(encoding="utf-8", newline="") as handle:
        merged = list(csv.DictReader(handle))
    with (out / "discrepancies.csv").open(encoding="utf-8", newline="") as handle:
        discrepancies = list(csv.DictReader(handle))
    return merged, discrepancies, json.loads((out / "summary.json").read_text(encoding="utf-8"))


# --- the flag merge rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sources", "merged"),
    [
        (["x", "x"], "x"),
        (["x", ""], "x"),
        (["", "x"], "x"),
        (["x", "unknown"], "x"),
        (["unknown", "x"], "x"),
        (["unknown", ""], "unknown"),
        (["", "unknown"], "unknown"),
        (["unknown", "unknown"], "unknown"),
        (["", ""], ""),
        (["", "", "x"], "x"),  # a third source (interviews) counts the same
        ([], ""),
    ],
)
def test_flag_merge_rule(sources: list[str], merged: str) -> None:
    """x if any source records present; else unknown if any says unknown; else not recorded."""
    assert flag_merge(Flag(s) for s in sources) == Flag(merged)


BOYS = [
    "Ben",
    "Sam",
    "Toby",
    "Ethan",
    "Stuart",
    "Max",
    "Harry",
    "Daniel",
    "Tom",
    "John",
    "Liam",
    "Joshua",
    "Michael",
]
#: Fig 3 exactly as published (DOMAIN.md §5.1): x marked, "." blank (not recorded), "*" unknown.
FIG3 = {
    "domestic_abuse": "x.xxxxxx.x.xx",
    "sexual_abuse_concerns": "xx...........",
    "substance_misuse": "xxxxxxxxxxxxx",
    "mental_health_concerns": "xx.x..x..x...",
    "school_exclusions": "x.x.x....xxxx",
    "care_experienced": "...xx.xx.x...",
    "reported_missing": "xxxxxx**xxxxx",
    "gang_involvement": "x...xxxx.xxxx",
    "offending_behaviour": "xx.xxxxxxxxxx",
    "victim_of_crime": "x...x.xx.xxxx",
}


def _split(cell: str, i: int, j: int) -> tuple[str, str]:
    """Spread one Fig 3 cell over a police and an LA value in every way the rule must handle."""
    if cell == "x":
        other = "unknown" if (i * j) % 2 else ""
        return [("x", other), (other, "x"), ("x", "x")][(i + j) % 3]
    if cell == "*":
        return ("unknown", "") if (i + j) % 2 else ("", "unknown")
    return ("", "")


def test_merge_reproduces_fig3_exactly(tmp_path: Path) -> None:
    """Police and LA halves that split Fig 3 between them merge back to Fig 3, cell for cell."""
    assert [f.column for f in FIG3_FACTORS] == list(FIG3)
    police_rows, la_rows = [], []
    for i, _boy in enumerate(BOYS):
        p, lrow = police(i), la(i)
        for j, (factor, cells) in enumerate(FIG3.items()):
            p[factor], lrow[factor] = _split(cells[i], i, j)
        police_rows.append(p)
        la_rows.append(lrow)
    merged, _, summary = run(tmp_path, police_rows, la_rows)
    by_code = {row["code"]: row for row in merged}
    expected = {"x": "x", "*": "unknown", ".": ""}
    for i, _boy in enumerate(BOYS):
        row = by_code[code(i)]
        assert row["status"] == "matched"
        for j, (factor, cells) in enumerate(FIG3.items()):
            assert row[factor] == expected[cells[i]]
            assert (row[f"{factor}_police"], row[f"{factor}_la"]) == _split(cells[i], i, j)
    harry, ben = by_code[code(BOYS.index("Harry"))], by_code[code(BOYS.index("Ben"))]
    assert harry["reported_missing"] == "unknown"
    assert ben["care_experienced"] == ""  # not recorded -- not "absent"
    assert summary["status_counts"] == {
        "matched": 13,
        "conflict": 0,
        "awaiting_police": 0,
        "awaiting_la": 0,
        "excluded": 0,
        "rejected": 0,
    }


def test_fig3_star_and_uppercase_x_are_read(tmp_path: Path) -> None:
    """Returns written in Fig 3's own notation ('*' for unknown, 'X') are accepted."""
    merged, _, _ = run(tmp_path, [police(1, reported_missing="*", gang_involvement="X")], [la(1)])
    assert (merged[0]["reported_missing"], merged[0]["gang_involvement"]) == ("unknown", "x")


# --- identity never leaves ---------------------------------------------------------------

IDENTITY = {
    "given_name": "Jordan",
    "family_name": "Fakeperson",
    "date_of_birth": "2006-02-11",
    "address": "1 Imaginary Road, Nowhere",
    "postcode": "ZZ99 1AA",
    "record_id": "KP-000101",
    "NHS Number": "9990001112",
    "Mother's name": "Morwenna",
    "notes": "Jordan said Morwenna was away",
}
LA_IDENTITY = {
    "Forename": "Jordan",
    "Surname": "Fakeperson",
    "DOB": "11/02/2006",
    "Home Address": "1 Imaginary Road",
    "Post Code": "zz99 1aa",
    "LA Child ID": "LCS-77812",
    "Allocated worker": "Quentin Madeup",
}


def _all_output_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.iterdir())).lower()


def test_no_identity_value_reaches_any_output_file(tmp_path: Path) -> None:
    """Halves that wrongly carry names, DOB, address, postcode and record ids: none of it gets out."""
    police_rows = [police(101, **IDENTITY, reported_missing="x"), police(102, **IDENTITY)]
    la_rows = [la(101, **LA_IDENTITY, care_experienced="x"), la(103, **LA_IDENTITY)]
    p = write_csv(tmp_path / "police.csv", police_rows, [*POLICE_COLUMNS, *IDENTITY])
    la_path = write_csv(tmp_path / "la.csv", la_rows, [*LA_COLUMNS, *LA_IDENTITY])
    result = halves_reconcile(police=half_read(p, side="police"), la=half_read(la_path, side="la"))
    out = tmp_path / "out"
    written = reconciliation_write(result, out)
    assert sorted(path.name for path in out.iterdir()) == ["discrepancies.csv", "merged.csv", "summary.json"]
    assert set(written.values()) == set(out.iterdir())

    text = _all_output_text(out)
    assert code(101).lower() in text and "kent" in text  # the search runs over real output
    values = [*IDENTITY.values(), *LA_IDENTITY.values(), "11/02/2006", "2006-02-11", "ZZ991AA", "LCS-77812"]
    for value in values:
        for fragment in (value, *value.split()):
            if len(fragment) >= 4:  # whole values and each word of them ("Imaginary", "Madeup")
                assert fragment.lower() not in text, fragment

    merged_header = (out / "merged.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert tuple(merged_header) == MERGED_COLUMNS
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    dropped = summary["halves"]["police"]["dropped_columns"]
    assert dropped["identity"] == [
        "given_name",
        "family_name",
        "date_of_birth",
        "address",
        "postcode",
        "record_id",
        "NHS Number",
        "Mother's name",
    ]
    assert dropped["unrecognised"] == ["notes"]
    la_dropped = summary["halves"]["la"]["dropped_columns"]
    assert la_dropped["identity"] == [
        "Forename",
        "Surname",
        "DOB",
        "Home Address",
        "Post Code",
        "LA Child ID",
    ]
    assert la_dropped["unrecognised"] == ["Allocated worker"]
    # ... and the drop is reported by column name, in the discrepancy report too.
    with (out / "discrepancies.csv").open(encoding="utf-8", newline="") as handle:
        dropped_rows = [r for r in csv.DictReader(handle) if r["kind"] == "dropped_column"]
    assert {(r["half"], r["field"]) for r in dropped_rows} >= {("police", "given_name"), ("la", "DOB")}


def test_exact_age_and_date_of_birth_become_an_age_band(tmp_path: Path) -> None:
    """Only the band is kept; a half that wrongly has DOB and no age still gets a band, then forgets it."""
    p = police(1, age_at_incident="", date_of_birth="2005-03-15", incident_date="2021-03-14")
    merged, _, summary = run(
        tmp_path, [p], [la(1, age_band="")], police_columns=[*POLICE_COLUMNS, "date_of_birth"]
    )
    assert merged[0]["age_band"] == "14-15"  # the day before his 16th birthday: still 15
    assert "age_at_incident" not in merged[0]
    assert summary["halves"]["police"]["age_band_derived_from_date_of_birth"] == 1
    assert "2005" not in _all_output_text(tmp_path / "out")


# --- one-sided codes, deadlines ------------------------------------------------------------


def test_la_code_that_no_police_half_has_is_rejected(tmp_path: Path) -> None:
    """DOMAIN.md §6.3 acceptance: an LA half with an unknown code is rejected and reported."""
    merged, discrepancies, summary = run(tmp_path, [police(1)], [la(1), la(2)])
    assert [row["code"] for row in merged] == [code(1)]
    rejected = [d for d in discrepancies if d["kind"] == "la_only"]
    assert [(d["code"], d["half"], d["lines"]) for d in rejected] == [(code(2), "la", "3")]
    assert summary["status_counts"]["rejected"] == 1


def test_police_code_without_la_half_awaits_it_without_a_deadline(tmp_path: Path) -> None:
    merged, discrepancies, summary = run(tmp_path, [police(1), police(2)], [la(1)])
    statuses = {row["code"]: row["status"] for row in merged}
    assert statuses == {code(1): "matched", code(2): "awaiting_la"}
    assert [(d["kind"], d["code"]) for d in discrepancies] == [("police_only", code(2))]
    assert summary["excluded_by_reason"] == {}


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(date(2022, 3, 30), "awaiting_la"), (date(2022, 3, 31), "excluded"), (date(2022, 6, 1), "excluded")],
)
def test_deadline_excludes_cases_whose_la_half_never_came(tmp_path: Path, as_of: date, status: str) -> None:
    """DOMAIN.md §6.3 acceptance: no LA half by the cutoff -> excluded(la_data_not_supplied)."""
    merged, _, summary = run(
        tmp_path, [police(1), police(2)], [la(1)], deadline=date(2022, 3, 31), as_of=as_of
    )
    row = next(r for r in merged if r["code"] == code(2))
    assert row["status"] == status
    if status == "excluded":
        assert row["status_reason"] == "la_data_not_supplied"
        assert row["sex"] == "" and row["incident_date"] == ""  # out of the sample, data withheld
        assert summary["excluded_by_reason"] == {"la_data_not_supplied": 1}
        assert summary["status_counts"]["excluded"] == 1


def test_deadline_needs_a_reconciliation_date() -> None:
    half = half_read(EXAMPLES / "police_half.csv", side="police")
    with pytest.raises(ValueError, match="as_of"):
        halves_reconcile(
            police=half, la=half_read(EXAMPLES / "la_half.csv", side="la"), deadline=date(2022, 1, 1)
        )


# --- conflicts ------------------------------------------------------------------------------


def test_michaels_outcome_conflict_keeps_both_values(tmp_path: Path) -> None:
    """Q-04: 'charged then dropped' (police) vs 'NFA' (LA) -- stored side by side, not overwritten."""
    merged, discrepancies, summary = run(
        tmp_path, [police(13, criminal_outcome="charge_dropped")], [la(13, criminal_outcome="NFA")]
    )
    row = merged[0]
    assert (row["status"], row["conflicts"]) == ("conflict", "criminal_outcome")
    assert (row["criminal_outcome_police"], row["criminal_outcome_la"]) == ("charge_dropped", "nfa")
    assert row["criminal_outcome"] == ""  # no winner is picked
    conflict = next(d for d in discrepancies if d["kind"] == "conflict")
    assert (conflict["field"], conflict["police_value"], conflict["la_value"]) == (
        "criminal_outcome",
        "charge_dropped",
        "nfa",
    )
    assert summary["status_counts"]["conflict"] == 1


def test_conflicting_sex_age_band_and_dates_are_each_reported(tmp_path: Path) -> None:
    p = police(
        1, sex="male", age_at_incident="16", incident_date="2021-03-14", nrm_referral_date="2021-03-20"
    )
    lrow = la(1, sex="F", age_band="14-15", incident_date="14/03/2021", nrm_referral_date="2021-04-20")
    merged, discrepancies, _ = run(tmp_path, [p], [lrow])
    fields = [
        (d["field"], d["police_value"], d["la_value"]) for d in discrepancies if d["kind"] == "conflict"
    ]
    assert fields == [
        ("sex", "male", "female"),
        ("age_band", "16-17", "14-15"),
        ("nrm_referral_date", "2021-03-20", "2021-04-20"),
    ]
    assert merged[0]["conflicts"] == "sex;age_band;nrm_referral_date"
    assert merged[0]["incident_date"] == "2021-03-14"  # same date in two notations agrees


def test_unknown_or_blank_on_one_side_is_not_a_conflict(tmp_path: Path) -> None:
    merged, discrepancies, _ = run(
        tmp_path,
        [police(1, sex="unknown", criminal_outcome="nfa", nrm_referral_date="")],
        [la(1, sex="male", criminal_outcome="unknown", nrm_referral_date="2021-04-01")],
    )
    assert merged[0]["status"] == "matched"
    assert (merged[0]["sex"], merged[0]["criminal_outcome"], merged[0]["nrm_referral_date"]) == (
        "male",
        "nfa",
        "2021-04-01",
    )
    assert not [d for d in discrepancies if d["kind"] == "conflict"]


# --- duplicates and invalid codes -----------------------------------------------------------


def test_identical_duplicate_rows_collapse_differing_ones_exclude_the_case(tmp_path: Path) -> None:
    merged, discrepancies, summary = run(
        tmp_path,
        [police(1), police(1), police(2), police(2, sex="female")],
        [la(1), la(2), la(3), la(3, sex="female")],
    )
    statuses = {row["code"]: (row["status"], row["status_reason"]) for row in merged}
    assert statuses == {code(1): ("matched", ""), code(2): ("excluded", "duplicate_code_in_police_half")}
    duplicates = [
        (d["half"], d["code"], d["lines"], d["detail"])
        for d in discrepancies
        if d["kind"] == "duplicate_code"
    ]
    assert duplicates == [
        ("police", code(1), "2;3", "identical rows; one kept"),
        ("police", code(2), "4;5", "rows differ; case excluded"),
        ("la", code(3), "4;5", "rows differ; case excluded"),
    ]
    assert summary["status_counts"]["rejected"] == 1  # code 3 is LA-only as well


def test_mistyped_code_is_reported_with_the_probable_intended_code(tmp_path: Path) -> None:
    good = code(1)
    swapped = good[:5] + good[6] + good[5] + good[7:]
    typed = swapped.lower().replace("-", " - ")  # as a person might type it
    merged, discrepancies, summary = run(tmp_path, [police(1)], [la(1, code=typed)])
    invalid = next(d for d in discrepancies if d["kind"] == "invalid_code")
    assert (invalid["half"], invalid["lines"], invalid["code"]) == ("la", "2", swapped)
    assert invalid["detail"] == f"check_character_mismatch; probably {good}"
    assert merged[0]["status"] == "awaiting_la"
    assert summary["halves"]["la"]["invalid_codes"] == 1


def test_a_name_in_the_code_column_is_reported_but_never_echoed(tmp_path: Path) -> None:
    _, discrepancies, _ = run(tmp_path, [police(1)], [la(1, code="Jordan Fakeperson"), la(1, code="")])
    invalid = [(d["lines"], d["code"], d["detail"]) for d in discrepancies if d["kind"] == "invalid_code"]
    assert invalid == [("2", "", "malformed"), ("3", "", "blank")]
    assert "jordan" not in _all_output_text(tmp_path / "out")


# --- invalid input ----------------------------------------------------------------------------


def test_missing_code_column_is_invalid_input(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [{"sex": "male"}], ["sex"])
    with pytest.raises(ReconcileInputError, match=MSG_NO_CODE_COLUMN):
        half_read(path, side="police")


def test_bad_cells_are_all_listed_by_line_and_column_without_their_values(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv", [police(1, sex="Jordan"), police(2, reported_missing="yes")], POLICE_COLUMNS
    )
    with pytest.raises(ReconcileInputError) as raised:
        half_read(path, side="police")
    message = str(raised.value)
    assert f"{path}, line 2, column sex: {MSG_SEX}" in message
    assert f"{path}, line 3, column reported_missing: {MSG_FLAG}" in message
    assert "Jordan" not in message and "yes" not in message


def test_an_la_half_given_as_the_police_half_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "la.csv", [la(1)], LA_COLUMNS)
    with pytest.raises(ReconcileInputError, match=MSG_LOOKS_LIKE_LA):
        half_read(path, side="police")


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("completing_force", "Kent Police", "police force agency code"),
        ("age_at_incident", "fifteen", "whole years"),
        ("incident_date", "2021-02-30", "YYYY-MM-DD"),
        ("criminal_outcome", "let off", "expected one of no_arrest"),
        ("prior_arrests", "-1", "whole number"),
    ],
)
def test_closed_vocabularies(tmp_path: Path, column: str, value: str, fragment: str) -> None:
    """Every kept cell is checked, so free text (a name, a note) cannot ride into the output."""
    path = write_csv(tmp_path / "p.csv", [police(1, **{column: value})], POLICE_COLUMNS)
    with pytest.raises(ReconcileInputError, match=fragment):
        half_read(path, side="police")


def test_superseded_la_codes_are_read_as_their_successor(tmp_path: Path) -> None:
    merged, _, _ = run(tmp_path, [police(1)], [la(1, completing_la="E08000016")])
    assert merged[0]["completing_la"] == "E08000038"


# --- the documented examples ----------------------------------------------------------------


def test_documented_example_halves_reconcile_as_the_docs_say(tmp_path: Path) -> None:
    """docs/examples: 2 matched, Michael-style conflict, 2 awaiting (one mistyped), 1 rejected."""
    p = half_read(EXAMPLES / "police_half.csv", side="police")
    lhalf = half_read(EXAMPLES / "la_half.csv", side="la")
    result = halves_reconcile(police=p, la=lhalf)
    assert result.status_counts == {
        "matched": 2,
        "conflict": 1,
        "awaiting_police": 0,
        "awaiting_la": 2,
        "excluded": 0,
        "rejected": 1,
    }
    late = halves_reconcile(police=p, la=lhalf, deadline=date(2022, 1, 31), as_of=date(2022, 2, 1))
    assert late.excluded_by_reason == {"la_data_not_supplied": 2}
    assert {c.status for c in late.cases} == {
        Status.MATCHED,
        Status.CONFLICT,
        Status.EXCLUDED,
        Status.REJECTED,
    }


def test_a_data_row_used_as_titles_is_reported_by_position(tmp_path: Path) -> None:
    """A header cell that is not a column title (a file whose first row is a child's details) is named
    by its position in the reports, so the name and date of birth in it never reach the outputs."""
    title = "Zephyrine Quillfeather 14/03/2009"
    columns = [*POLICE_COLUMNS, title, "Address line 1", "Allocated worker"]
    _, discrepancies, summary = run(tmp_path, [police(1)], [la(1)], police_columns=columns)
    text = _all_output_text(tmp_path / "out")
    for fragment in ("zephyrine", "quillfeather", "14/03/2009", "14_03_2009"):
        assert fragment not in text
    dropped = summary["halves"]["police"]["dropped_columns"]
    position = len(POLICE_COLUMNS) + 1
    assert dropped["unrecognised"] == [f"column {position}", "Allocated worker"]
    assert dropped["identity"] == ["Address line 1"]  # real titles are still named
    assert any(d["field"] == f"column {position}" for d in discrepancies if d["kind"] == "dropped_column")


def test_codes_typed_with_spaces_or_solid_reconcile(tmp_path: Path) -> None:
    """docs/reconciliation.md: case, spaces and hyphens do not matter when reading a code."""
    spaced = code(1).replace("-", " ").lower()
    solid = code(2).replace("-", "")
    merged, discrepancies, _ = run(tmp_path, [police(1), police(2, code=solid)], [la(1, code=spaced), la(2)])
    assert not [d for d in discrepancies if d["kind"] == "invalid_code"]
    assert sorted(row["code"] for row in merged) == sorted([code(1), code(2)])
    assert {row["status"] for row in merged} == {"matched"}
