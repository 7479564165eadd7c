"""Writing CSV that is safe to open in a spreadsheet (formula injection, CWE-1236).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets strip before reading the formula) is run as a formula when a colleague opens the
export: a hostile source reference could then exfiltrate the sheet or run commands. Every CSV the
project writes goes through ``neutralise``: such cells get a leading apostrophe, which the
spreadsheet shows as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class NeutralisingWriter:
    """``csv.writer`` over ``target`` that neutralises every cell it writes."""

    def __init__(self, target) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])


class Echo:
    """A file-like object whose write returns the text, for streaming responses."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterable[str]:
    """Lines of a neutralised CSV, for ``StreamingHttpResponse``."""
    writer = csv.writer(Echo())
    yield writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])
