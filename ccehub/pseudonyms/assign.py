"""Assign codes to a force's identified extract (Fig 5 step 3), inside the force.

The output keeps every column of the input -- it is the force's own identified working file, from
which it fills in the police half and tells the home LA which code goes with which child (step 6).
It is written readable by its owner only.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ccehub.pseudonyms.codes import code_for_record
from ccehub.pseudonyms.csvio import CsvInputError, column_key, csv_read
from ccehub.pseudonyms.keys import ForceKey

__all__ = ["AssignResult", "extract_assign_codes"]

CODE_COLUMN: Final = "code"


@dataclass(frozen=True, slots=True)
class AssignResult:
    rows: int
    distinct_records: int
    key_id: str
    force: str


def extract_assign_codes(
    *, key: ForceKey, source: Path, destination: Path, id_column: str = "record_id"
) -> AssignResult:
    """Write ``destination``: ``source`` with a ``code`` column first, computed from ``id_column``.

    All-or-nothing: any blank record id, an existing ``code`` column, or two different record ids
    that would share a code (a 50-bit collision, expected about once in 10^15 pairs) stops the run
    before anything is written. Raises :class:`CsvInputError`.
    """
    table = csv_read(source)
    keys = [column_key(name) for name in table.header]
    if CODE_COLUMN in keys:
        raise CsvInputError(f"{source}: already has a '{CODE_COLUMN}' column; codes are assigned once")
    wanted = column_key(id_column)
    if wanted not in keys:
        raise CsvInputError(
            f"{source}: no '{id_column}' column (columns: {', '.join(table.header)}); "
            "name the force's record id column with --id-column"
        )
    id_index = keys.index(wanted)

    code_owner: dict[str, str] = {}
    errors: list[str] = []
    out_rows: list[list[str]] = []
    for row in table.rows:
        record_id = row.values[id_index].strip()
        if not record_id:
            errors.append(f"{source}, line {row.line}, column {table.header[id_index]}: blank record id")
            continue
        code = str(code_for_record(key, record_id))
        owner = code_owner.setdefault(code, record_id)
        if owner != record_id:
            errors.append(f"{source}, line {row.line}: two different record ids give the same code")
        out_rows.append([code, *row.values])
    if errors:
        raise CsvInputError("\n".join(errors))

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([CODE_COLUMN, *table.header])
    writer.writerows(out_rows)
    try:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CsvInputError(f"{destination}: already exists; choose a new file") from None
    except OSError as exc:
        raise CsvInputError(f"{destination}: cannot create ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())
    return AssignResult(
        rows=len(out_rows), distinct_records=len(code_owner), key_id=key.key_id, force=key.force
    )
