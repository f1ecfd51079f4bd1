"""Issue 4's command-line contract end to end: agencies add → import → link build → lookup (single and batch)."""

from __future__ import annotations

import csv
import json
import os
import subprocess

import pytest

from tests.support.scratch import CCEHUB, run_ccehub, scratch_database

pytestmark = pytest.mark.slow


def write_extracts(tmp_path):
    from ccehub.children.generate import write_extracts as write
    from ccehub.synthetic import agency_records, generate_population

    pop = generate_population(1200, seed=33)
    records = agency_records(pop, seed=33)
    # A handful of agencies keeps the test quick (each import is a process start).
    keep = sorted({r.agency for r in records if r.agency_kind == "local_authority"})[:2]
    keep += sorted({r.agency for r in records if r.agency_kind == "police"})[:2]
    records = [r for r in records if r.agency in keep]
    return pop, records, write(records, tmp_path / "extracts")


def test_contract(tmp_path):
    """Exit codes, JSON shape and audit of the look-up commands, through the real console script."""
    pop, records, written = write_extracts(tmp_path)
    with scratch_database(tmp_path, migrated=True) as url:
        env = {"CCEHUB_DATA_DIR": str(tmp_path / "data")}
        kinds = {
            "police": "police_force",
            "local_authority": "la_childrens_services",
            "yot": "youth_offending_team",
            "health": "health",
            "custody": "police_force",
        }
        kind_of = {r.agency: kinds[r.agency_kind] for r in records}
        for path, _ in written:
            code = path.stem
            added = run_ccehub(
                ["agencies", "add", code, "--name", code.upper(), "--kind", kind_of[code.upper()]],
                url,
                env=env,
            )
            assert added.returncode == 0, added.stderr
            # Synthetic extracts carry realistic errors (e.g. a year typed as 2077): import the rest.
            imported = run_ccehub(
                [
                    "import",
                    "children",
                    str(path),
                    "--agency",
                    code,
                    "--skip-invalid",
                    "--rejects",
                    str(tmp_path / f"{code}.rejects.csv"),
                ],
                url,
                env=env,
            )
            assert imported.returncode == 0, imported.stderr
        again = run_ccehub(
            ["agencies", "add", written[0][0].stem, "--name", "x", "--kind", "police"], url, env=env
        )
        assert again.returncode == 2 and "already exists" in again.stderr
        built = run_ccehub(["link", "build"], url, env=env)
        assert built.returncode == 0, built.stderr
        assert "records:" in built.stdout and "persons:" in built.stdout and "model version:" in built.stdout

        la = next(r for r in records if r.agency_kind == "local_authority")
        person = pop.person(la.true_person_id)
        single = run_ccehub(
            [
                "lookup",
                "--given-name",
                person.given_name,
                "--family-name",
                person.family_name,
                "--dob",
                person.date_of_birth.isoformat(),
                "--purpose",
                "custody check",
            ],
            url,
            env=env,
        )
        assert single.returncode == 0, single.stderr
        body = json.loads(single.stdout)
        assert set(body) == {"candidates", "query_ms"} and isinstance(body["query_ms"], float)
        best = body["candidates"][0]
        assert set(best) == {
            "person_id",
            "match_probability",
            "records",
            "home_local_authority",
            "flags",
            "contact",
        }
        assert {"agency": la.agency.lower(), "record_id": la.record_id} in best["records"]

        queries = tmp_path / "queries.csv"
        with queries.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["query_id", "given_name", "family_name", "date_of_birth", "sex", "postcode"])
            writer.writerow(
                ["q1", person.given_name, person.family_name, person.date_of_birth.isoformat(), "", ""]
            )
            writer.writerow(["q2", "Zebedee", "Quixotely", "2009-02-28", "", ""])
            writer.writerow(["q3", "", "", "", "", ""])
        batch = run_ccehub(["lookup", "--batch", str(queries), "--purpose", "batch check"], url, env=env)
        assert batch.returncode == 0, batch.stderr
        lines = [json.loads(line) for line in batch.stdout.splitlines()]
        assert [line["query_id"] for line in lines] == ["q1", "q2", "q3"]
        assert lines[0]["candidates"] and lines[1]["candidates"] == []

        # `| head -1`: the reader goes away mid-batch. No traceback (click's convention, as Python's
        # docs advise: stop quietly with status 1); each look-up answered so far was audited.
        many = tmp_path / "many.csv"
        with many.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["query_id", "given_name", "family_name", "date_of_birth"])
            for n in range(400):
                writer.writerow(
                    [f"m{n}", person.given_name, person.family_name, person.date_of_birth.isoformat()]
                )
        piped = subprocess.run(
            ["bash", "-c", f'"{CCEHUB}" lookup --batch "{many}" --purpose "pipe check" | head -n 1'],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "DATABASE_URL": url, **env},
            check=False,
        )
        assert "Traceback" not in piped.stderr and piped.stderr.strip() == "", piped.stderr
        assert json.loads(piped.stdout)["query_id"] == "m0"

        missing_purpose = run_ccehub(
            ["lookup", "--given-name", "A", "--family-name", "B", "--dob", "2010-01-01"], url, env=env
        )
        assert missing_purpose.returncode == 2 and "Traceback" not in missing_purpose.stderr
        bad_dob = run_ccehub(
            ["lookup", "--given-name", "A", "--dob", "2010-13-01", "--purpose", "p"], url, env=env
        )
        assert bad_dob.returncode == 2 and "--dob" in bad_dob.stderr

        # Batch files that cannot be read as written are refused with the line, never half-answered.
        latin = tmp_path / "latin1.csv"
        latin.write_bytes("query_id,given_name\nq1,Zoë\n".encode("latin-1"))
        unclosed = tmp_path / "unclosed.csv"
        unclosed.write_text('query_id,given_name,family_name\nq1,"Tom,Smith\nq2,Ann,Lee\n', encoding="utf-8")
        wide = tmp_path / "wide.csv"
        wide.write_text("query_id,given_name\nq1,Tom,Smith\n", encoding="utf-8")
        for path, says in (
            (latin, "not UTF-8"),
            (unclosed, "line 3: a field runs across lines"),
            (wide, "line 2: more fields than the header"),
        ):
            refused = run_ccehub(["lookup", "--batch", str(path), "--purpose", "p"], url, env=env)
            assert refused.returncode == 2, refused.stderr
            assert says in refused.stderr and "Traceback" not in refused.stderr and not refused.stdout

        bogus = run_ccehub(["link", "build"], url, env={**env, "CCEHUB_LINKAGE_BACKEND": "bogus"})
        assert bogus.returncode == 2 and "use duckdb or spark" in bogus.stderr
        assert "Traceback" not in bogus.stderr

        # A sex or postcode that is not one is an input error, as on import (blank is fine).
        for flag, value in (("--sex", "banana"), ("--postcode", "not a postcode")):
            refused = run_ccehub(
                ["lookup", "--given-name", "A", "--dob", "2010-01-01", flag, value, "--purpose", "p"],
                url,
                env=env,
            )
            assert refused.returncode == 2 and value in refused.stderr, refused.stderr
        district = run_ccehub(
            ["lookup", "--given-name", "A", "--postcode", "n1", "--sex", "Female", "--purpose", "p"],
            url,
            env=env,
        )
        assert district.returncode == 0, district.stderr  # a postcode district on its own is allowed
        bad_row = tmp_path / "bad_row.csv"
        bad_row.write_text("query_id,given_name,sex\nq1,Tom,M\nq2,Ann,banana\n", encoding="utf-8")
        refused = run_ccehub(["lookup", "--batch", str(bad_row), "--purpose", "p"], url, env=env)
        assert refused.returncode == 2 and "line 3: sex" in refused.stderr and not refused.stdout


def test_twins_an_agency_knows_stay_two_children(tmp_path):
    """Harry and Henry Jones, twins at one address, look to the model like one boy recorded once by his
    diminutive. The authority that holds both says so in ``not_same_child_as``; after that the index
    keeps them apart, and a look-up of Harry shows Henry as a second candidate with his own flags,
    never Henry's child-protection plan as Harry's."""
    la = tmp_path / "la.csv"
    la.write_text(
        "record_id,given_name,family_name,date_of_birth,sex,postcode,cp_plan,not_same_child_as\n"
        "CS1,Harry,Jones,2010-04-02,M,NW1 8NH,false,CS2\n"
        "CS2,Henry,Jones,2010-04-02,M,NW1 8NH,true,CS1; CS99\n"
        "CS3,Amira,Khan,2009-07-12,F,N7 6PA,false,\n",
        encoding="utf-8",
    )
    police = tmp_path / "police.csv"
    police.write_text(
        "record_id,given_name,family_name,date_of_birth,sex,postcode\n"
        "PN1,Harry,Jones,2010-04-02,M,NW1 8NH\nPN2,Henry,Jones,02/04/2010,M,\n",
        encoding="utf-8",
    )
    with scratch_database(tmp_path, migrated=True) as url:
        env = {"CCEHUB_DATA_DIR": str(tmp_path / "data")}
        for code, kind, path in (("la-c", "la_childrens_services", la), ("pol-m", "police_force", police)):
            assert (
                run_ccehub(["agencies", "add", code, "--name", code, "--kind", kind], url, env=env).returncode
                == 0
            )
            imported = run_ccehub(["import", "children", str(path), "--agency", code], url, env=env)
            assert imported.returncode == 0, imported.stderr
        # CS99 names no record: imported, with a warning naming the line
        assert "warning: line 3: not_same_child_as names 'CS99'" in imported_warnings(la, url, env)

        built = run_ccehub(["link", "build"], url, env=env)
        assert built.returncode == 0, built.stderr
        assert "known different children: 1 pair of records kept apart (1 person split off)" in built.stdout
        assert "1 not_same_child_as reference(s) name no record" in built.stderr

        found = run_ccehub(
            [
                "lookup",
                "--given-name",
                "Harry",
                "--family-name",
                "Jones",
                "--dob",
                "2010-04-02",
                "--purpose",
                "p",
            ],
            url,
            env=env,
        )
        assert found.returncode == 0, found.stderr
        candidates = json.loads(found.stdout)["candidates"]
        records = [sorted((r["agency"], r["record_id"]) for r in c["records"]) for c in candidates]
        assert records[0] == [("la-c", "CS1"), ("pol-m", "PN1")]
        assert [("la-c", "CS2"), ("pol-m", "PN2")] in records[1:]
        assert candidates[0]["flags"]["cp_plan"] is False
        henry = candidates[records.index([("la-c", "CS2"), ("pol-m", "PN2")])]
        assert henry["flags"]["cp_plan"] is True

        # the data steward's review lists the declared twins as kept apart, to a file or to stdout
        listed = run_ccehub(["link", "review", "--out", str(tmp_path / "review.csv")], url, env=env)
        assert listed.returncode == 0, listed.stderr
        assert "kept apart by not_same_child_as" in listed.stderr
        with (tmp_path / "review.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        kept = [row for row in rows if row["kept_apart"] == "true"]
        assert len(kept) == 1
        assert {kept[0]["records_a"], kept[0]["records_b"]} == {"la-c:CS1;pol-m:PN1", "la-c:CS2;pol-m:PN2"}
        assert float(kept[0]["match_probability"]) >= 0.95
        assert (tmp_path / "review.csv").stat().st_mode & 0o077 == 0
        printed = run_ccehub(["link", "review", "--min-probability", "0.9"], url, env=env)
        assert printed.returncode == 0 and printed.stdout.startswith("person_a,person_b,match_probability")
        for bad in ("0", "1.5"):
            refused = run_ccehub(["link", "review", "--min-probability", bad], url, env=env)
            assert refused.returncode == 2 and "--min-probability" in refused.stderr


def imported_warnings(path, url, env):
    """Re-import (updates, same content) and return what it printed to stderr."""
    again = run_ccehub(["import", "children", str(path), "--agency", "la-c", "--dry-run"], url, env=env)
    assert again.returncode == 0, again.stderr
    return again.stderr
