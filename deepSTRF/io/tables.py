"""CSV tables with a header line: rows as dicts of text, every malformation an error naming the line."""

from __future__ import annotations

import csv
import io

from ._common import FormatError

#: texts that stand for "no value" (those pandas reads as NaN by default)
MISSING = frozenset({"", "nan", "NaN", "NA", "N/A", "n/a", "NULL", "null", "None", "<NA>", "#N/A", "-nan", "-NaN"})


class TableFormatError(FormatError):
    """A malformed CSV table (names the file, and the line or column).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import FormatError, TableFormatError
    >>> issubclass(TableFormatError, FormatError)
    True
    """


class Row(dict):
    """One row: ``{column: text}``, with ``line`` (its line number in the file) and ``path``."""

    __slots__ = ("line", "path")

    def value(self, column: str, convert=str, missing_ok: bool = False):
        """``convert(text)`` of a cell; None for a missing value if ``missing_ok``, else an error naming the line."""
        text = self.get(column)
        if text is None or text.strip() in MISSING:
            if missing_ok:
                return None
            raise TableFormatError(f"{self.path}, line {self.line}: column {column!r} has no value", self.path,
                                   f"line {self.line}")
        try:
            return convert(text.strip())
        except (TypeError, ValueError) as err:
            raise TableFormatError(f"{self.path}, line {self.line}: column {column!r} is {text!r}, not a "
                                   f"{getattr(convert, '__name__', 'value')}", self.path, f"line {self.line}") from err


def read_table(path: str, required=(), error: type[TableFormatError] = TableFormatError) -> list[Row]:
    """The data rows of a comma-separated table whose first line names the columns.

    Raises
    ------
    TableFormatError
        Empty file (no header), a required column absent, a row with more
        fields than the header, text that is not UTF-8, or a CSV quoting error.
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise error(f"{path}, line {line}: not UTF-8 text (byte {data[err.start]:#04x})", path, f"line {line}") from err
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise error(f"{path}: empty table (no header line)", path)
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise error(f"{path}: no column {missing[0]!r}; found {header}", path, missing[0])
        rows = []
        for fields in reader:
            if not fields or not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                raise error(f"{path}, line {reader.line_num}: {len(fields)} fields, the header names {len(header)}",
                            path, f"line {reader.line_num}")
            row = Row(zip(header, fields + [""] * (len(header) - len(fields))))
            row.line, row.path = reader.line_num, path
            rows.append(row)
    except csv.Error as err:
        raise error(f"{path}, line {reader.line_num}: {err}", path, f"line {reader.line_num}") from err
    return rows
