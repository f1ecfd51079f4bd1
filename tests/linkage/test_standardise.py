"""Standardisation tables: what each raw spelling becomes before records are compared."""

from __future__ import annotations

from datetime import date

import pytest

from ccehub.linkage.standardise import (
    STANDARD_COLUMNS,
    canonical_given_name,
    clean_name,
    dob_is_near,
    dob_swap_key,
    normalise_postcode,
    parse_dob,
    standardise_family_name,
    standardise_frame,
    standardise_given_name,
    standardise_record,
    standardise_sex,
    swap_day_month,
)


@pytest.mark.parametrize(
    ("raw", "std", "canonical"),
    [
        ("Thomas", "thomas", "thomas"),
        ("TOM", "tom", "thomas"),
        ("  tommy ", "tommy", "thomas"),
        ("Josh", "josh", "joshua"),
        ("Mo", "mo", "muhammad"),
        ("Mohammed", "mohammed", "muhammad"),
        ("Muhammad", "muhammad", "muhammad"),
        ("Mohamed", "mohamed", "muhammad"),
        ("Zoë", "zoe", "zoe"),
        ("José-Luis", "jose", "jose"),
        ("Ayesha", "ayesha", "aisha"),
        ("J. Oliver", "oliver", "oliver"),
        ("Jack", "jack", "jack"),  # a name in its own right, not John
        # Oleksandr and Aleksandr are Alexander transliterated; Sasha is the diminutive of all three
        ("Oleksandr", "oleksandr", "alex"),
        ("Sasha", "sasha", "alex"),
        ("Bart", "bart", "bartholomew"),
        ("Aleksandr", "aleksandr", "alex"),
        ("", None, None),
        ("  ", None, None),
        (None, None, None),
        ("123", None, None),
    ],
)
def test_given_names(raw: str | None, std: str | None, canonical: str | None) -> None:
    """Given names lose case, accents and initials; diminutives and transliterations share a group."""
    got = standardise_given_name(raw)
    assert (got.std, got.canonical) == (std, canonical)


@pytest.mark.parametrize(
    ("raw", "std", "canonical", "first", "last"),
    [
        ("Smith-Jones", "smithjones", "smithjones", "smith", "jones"),
        ("smith jones", "smithjones", "smithjones", "smith", "jones"),
        ("SMITH-JONES", "smithjones", "smithjones", "smith", "jones"),
        ("O'Brien", "obrien", "obrien", "obrien", "obrien"),
        ("McDonald", "mcdonald", "macdonald", "macdonald", "macdonald"),
        ("MacDonald", "macdonald", "macdonald", "macdonald", "macdonald"),
        ("Hussein", "hussein", "hussain", "hussain", "hussain"),
        ("Chaudhry", "chaudhry", "chowdhury", "chowdhury", "chowdhury"),
        ("De Souza", "desouza", "desouza", "desouza", "desouza"),
        ("van der Berg", "vanderberg", "vanderberg", "vanderberg", "vanderberg"),
        ("Wiśniewski", "wisniewski", "wisniewski", "wisniewski", "wisniewski"),
        ("", None, None, None, None),
    ],
)
def test_family_names(
    raw: str, std: str | None, canonical: str | None, first: str | None, last: str | None
) -> None:
    """Hyphenated and double-barrelled surnames agree exactly and keep their barrels; spellings group."""
    got = standardise_family_name(raw)
    assert (got.std, got.canonical, got.first, got.last) == (std, canonical, first, last)


def test_clean_name_joins_parts() -> None:
    """Spaces, hyphens and apostrophes vanish so that spelling variants of layout agree."""
    assert clean_name(" Smith - Jones ") == clean_name("smith-jones") == "smithjones"
    assert canonical_given_name(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2010-05-12", date(2010, 5, 12)),
        ("2010-5-2", date(2010, 5, 2)),
        ("2010-05-12T00:00:00", date(2010, 5, 12)),
        ("20100512", date(2010, 5, 12)),
        ("2010/05/12", date(2010, 5, 12)),
        ("12/05/2010", date(2010, 5, 12)),  # UK order: day first
        ("12-05-2010", date(2010, 5, 12)),
        ("12.05.2010", date(2010, 5, 12)),
        ("12 May 2010", date(2010, 5, 12)),
        ("12 may 2010", date(2010, 5, 12)),
        (date(2010, 5, 12), date(2010, 5, 12)),
        ("31/02/2010", None),
        ("2010-13-01", None),
        ("1850-01-01", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_dob(raw: object, expected: date | None) -> None:
    """Dates of birth parse from the formats agencies use; impossible dates are missing, not guessed."""
    assert parse_dob(raw) == expected


def test_day_month_swap_and_near_dates() -> None:
    """Swapped day/month, a day out and a year out are 'near'; other dates are not."""
    d = date(2010, 5, 12)
    assert swap_day_month(d) == date(2010, 12, 5)
    assert swap_day_month(date(2010, 5, 13)) is None
    assert swap_day_month(date(2010, 5, 5)) is None
    assert dob_swap_key(d) == dob_swap_key(date(2010, 12, 5))
    assert dob_is_near(d, date(2010, 12, 5))
    assert dob_is_near(d, date(2010, 5, 13))
    assert dob_is_near(date(2010, 5, 31), date(2010, 6, 1))
    assert dob_is_near(d, date(2011, 5, 12))
    assert not dob_is_near(d, date(2010, 5, 17))  # one digit: too many dates are one digit away
    assert not dob_is_near(d, d)
    assert not dob_is_near(d, date(2008, 5, 12))
    assert not dob_is_near(d, date(2010, 7, 30))


@pytest.mark.parametrize(
    ("raw", "full", "district", "sector"),
    [
        ("b12 3xy", "B12 3XY", "B12", "B12 3"),
        ("B123XY", "B12 3XY", "B12", "B12 3"),
        ("  sw1a1aa ", "SW1A 1AA", "SW1A", "SW1A 1"),
        ("EC1A 1BB", "EC1A 1BB", "EC1A", "EC1A 1"),
        ("M1 1AE", "M1 1AE", "M1", "M1 1"),
        ("CR2 6XH", "CR2 6XH", "CR2", "CR2 6"),
        ("b12 OXY", "B12 0XY", "B12", "B12 0"),  # letter O typed for zero
        ("LS14 IAB", "LS14 1AB", "LS14", "LS14 1"),
    ],
)
def test_postcodes(raw: str, full: str, district: str, sector: str) -> None:
    """Postcodes are normalised to 'OUT IN' with their district and sector."""
    got = normalise_postcode(raw)
    assert got is not None
    assert (got.full, got.district, got.sector) == (full, district, sector)


@pytest.mark.parametrize("raw", ["", "XX", "B12", "12345", "Q12 3AB", "B12 3CI", "not a postcode", None])
def test_invalid_postcodes(raw: str | None) -> None:
    """Anything that is not a valid UK postcode is treated as missing."""
    assert normalise_postcode(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "M"),
        ("male", "M"),
        ("Boy", "M"),
        ("1", "M"),
        ("F", "F"),
        ("Female", "F"),
        ("2", "F"),
        ("U", None),
        ("9", None),
        ("", None),
        (None, None),
    ],
)
def test_sex(raw: str | None, expected: str | None) -> None:
    """Sex is M or F from the usual spellings and NHS codes; unknown is missing."""
    assert standardise_sex(raw) == expected


def test_record_and_frame() -> None:
    """A raw record becomes every compared column; blank fields become missing, never empty strings."""
    rec = standardise_record(
        {
            "agency": "LA-X",
            "record_id": "7",
            "given_name": "Tommy",
            "family_name": "Smith-Jones",
            "date_of_birth": "12/05/2010",
            "sex": "",
            "postcode": "b12 3xy",
        }
    )
    assert rec["unique_id"] == "LA-X:7"
    assert rec["given_canon"] == "thomas"
    assert rec["family_first"] == "smith" and rec["family_last"] == "jones"
    assert rec["dob"] == "2010-05-12" and rec["dob_swapkey"] == "20100512"
    assert rec["sex"] is None
    assert rec["pc_district"] == "B12"
    frame = standardise_frame([{"agency": "A", "record_id": "1"}, {"agency": "A", "record_id": "2"}])
    assert list(frame.columns) == list(STANDARD_COLUMNS)
    assert frame["given_std"].isna().all()
    with pytest.raises(ValueError, match="duplicate record ids"):
        standardise_frame([{"agency": "A", "record_id": "1"}, {"agency": "A", "record_id": "1"}])
