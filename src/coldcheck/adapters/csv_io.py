"""CSV files in and out: UTF-8 (a BOM from Excel is accepted), comma-separated, one header row.

Reading keeps each record's physical line number (a quoted cell may span
lines), so problems can be reported where a person will look for them.
Writing neutralises formula injection: a cell starting with ``= + - @``, a tab
or a carriage return gets a leading ``'`` (OWASP's advice), which the import
removes again.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from coldcheck.service.exchange import FileError, neutralise
from coldcheck.service.ports import SourceRow, Table

__all__ = ["CsvError", "dump_csv", "parse_csv", "read_csv", "write_csv"]


class CsvError(FileError):
    """The file cannot be read as CSV at all (not UTF-8, broken quoting, no header)."""


def parse_csv(text: str) -> Table:
    """Parse CSV text into a header and rows with their line numbers."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise CsvError("the file is empty; it needs a header row")
        columns = tuple(h.strip().lower() for h in header)
        rows = []
        start = reader.line_num + 1
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not record:
                continue
            if len(record) > len(columns):
                extra = record[len(columns) :]
                if any(cell.strip() for cell in extra):
                    values = dict(zip(columns, record, strict=False))
                    problem = f"{len(record)} cells but the header has {len(columns)} columns"
                    rows.append(SourceRow(line, values, problem))
                    continue
            padded = [*record, *([""] * (len(columns) - len(record)))]
            rows.append(SourceRow(line, dict(zip(columns, padded, strict=False))))
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: {exc}") from None
    return Table(columns, tuple(rows))


def read_csv(path: Path) -> Table:
    """Read and parse a CSV file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CsvError(f"line {line}: the file is not UTF-8 text (save it as CSV UTF-8)") from None
    return parse_csv(text)


def dump_csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """CSV text with a header, every cell neutralised against formula injection."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(str(cell)) for cell in row])
    return out.getvalue()


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write CSV atomically (a temporary file renamed over ``path``)."""
    text = dump_csv(columns, rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)
