"""Fixtures shared by the look-up tests."""

from __future__ import annotations

import pytest

EXTRACT_HEADER = "record_id,given_name,family_name,date_of_birth,sex,postcode\n"


@pytest.fixture
def linked(db, agencies, system_actor, tmp_path, settings):
    """``linked(rows, header=EXTRACT_HEADER, build=True)``: write Islington's extract, import it and
    (unless ``build=False``) build the person index on it, as an operator would; returns the build.

    The index lives under ``tmp_path`` and the process's cached index is dropped, so each test
    searches only what it imported.
    """
    from ccehub.records import services
    from ccehub.records.importer import import_records
    from ccehub.records.services import link_build

    settings.CCEHUB_DATA_DIR = tmp_path
    services._cache.clear()

    def make(rows: str, header: str = EXTRACT_HEADER, build: bool = True):
        path = tmp_path / "la.csv"
        path.write_text(header + rows, encoding="utf-8")
        import_records(actor=system_actor, agency=agencies["islington"], path=path)
        return link_build(actor=system_actor) if build else None

    return make
