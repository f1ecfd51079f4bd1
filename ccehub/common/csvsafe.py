"""CSV cells that a spreadsheet will not run as formulas (CSV/formula injection).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or
a tab or carriage return before one) as a formula: ``=HYPERLINK("http://…?"&A1)`` typed into a free
text field would send the neighbouring cells to a stranger when the export is opened. Such a text
cell is written with a leading apostrophe, which the spreadsheet shows as plain text (OWASP's advice).
Numbers are left alone: only text is ever typed by a person.
"""

from __future__ import annotations

from typing import Any

#: First characters a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
