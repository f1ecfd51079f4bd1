"""Strict CSV reading with line numbers, for extracts that people exported from agency systems.

Errors name the file, line and column but never quote a cell: a cell in the wrong column may be a
child's name or date of birth, and error output ends up in terminals, tickets and logs.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvInputError", "CsvRow", "CsvTable", "column_key", "csv_read"]


class CsvInputError(ValueError):
    """Input that cannot be used as given; the message is safe to show (no cell values)."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row; ``line`` is the physical line where it starts (the header is line 1)."""

    line: int
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CsvTable:
    path: Path
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def column_key(name: str) -> str:
    """Canonical form of a column name: ``"Date of Birth"`` -> ``"date_of_birth"``."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def csv_read(path: Path) -> CsvTable:
    """Read a UTF-8 (optionally BOM-prefixed) CSV file with a header row.

    Blank lines and rows whose cells are all blank are skipped. Raises :class:`CsvInputError` for a
    missing or unreadable file, text that is not UTF-8, malformed quoting, rows with a different
    number of fields from the header, and blank or repeated column names.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CsvInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CsvInputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvInputError(f"{path}, line {line}: not UTF-8 text (save the file as CSV UTF-8)") from None

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[CsvRow] = []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = tuple(cell.strip() for cell in record)
                _check_header(path, start, header)
                continue
            if len(record) != len(header):
                raise CsvInputError(
                    f"{path}, line {start}: {len(record)} fields, but the header has {len(header)} columns"
                )
            rows.append(CsvRow(line=start, values=tuple(record)))
    except csv.Error as exc:
        raise CsvInputError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise CsvInputError(f"{path}: empty file (no header row)")
    return CsvTable(path=path, header=header, rows=tuple(rows))


def _check_header(path: Path, line: int, header: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise CsvInputError(f"{path}, line {line}: column {index} has no name")
        key = column_key(name)
        if key in seen:
            # Position, not name: if the "header" is really a data row, its cells are identity.
            raise CsvInputError(f"{path}, line {line}: column {index} repeats an earlier column's name")
        seen.add(key)
