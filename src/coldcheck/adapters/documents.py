"""The ``Documents`` port: CSV files, PDF reports and label sheets, backups of the data folder.

One object per data folder; the CLI gets it from ``bootstrap.documents``.
The heavy libraries (fpdf2, segno) are imported when a document is made,
so that ``coldcheck --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from coldcheck.adapters import csv_io
from coldcheck.adapters.backup import DataFolder
from coldcheck.service.ports import BackupReport, Progress, RestoreReport

if TYPE_CHECKING:
    from coldcheck.service.boundbook import BoundBookReport
    from coldcheck.service.compliance import ComplianceReport
    from coldcheck.service.daily import DailyReport
    from coldcheck.service.ports import Table
    from coldcheck.service.reports import CustodyReport, IncidentReport, LabelItem

__all__ = ["FileDocuments"]


class FileDocuments:
    """Documents on this machine's file system, for one data folder."""

    def __init__(self, data: DataFolder) -> None:
        self._data = data

    def read_csv(self, path: Path) -> Table:
        """Parse a CSV file (``exchange.FileError`` subclasses when it cannot be read)."""
        return csv_io.read_csv(path)

    def write_csv(self, path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """Write a CSV file, neutralising formula injection."""
        csv_io.write_csv(path, columns, rows)

    def csv_text(self, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
        """CSV text (for stdout), neutralising formula injection."""
        return csv_io.dump_csv(columns, rows)

    def render_report(
        self, report: DailyReport | CustodyReport | IncidentReport, path: Path, paper: str
    ) -> None:
        """Write a report as PDF."""
        from coldcheck.adapters import pdf
        from coldcheck.service.daily import DailyReport
        from coldcheck.service.reports import CustodyReport

        if isinstance(report, DailyReport):
            pdf.daily_pdf(report, path, paper)
        elif isinstance(report, CustodyReport):
            pdf.custody_pdf(report, path, paper)
        else:
            pdf.incident_pdf(report, path, paper)

    def render_compliance(self, report: ComplianceReport, path: Path, paper: str) -> None:
        """Write the §9153 compliance report as PDF."""
        from coldcheck.adapters.compliance_pdf import compliance_pdf

        compliance_pdf(report, path, paper)

    def render_bound_book(self, report: BoundBookReport, path: Path, paper: str) -> None:
        """Write the bound book as PDF."""
        from coldcheck.adapters.boundbook_pdf import bound_book_pdf

        bound_book_pdf(report, path, paper)

    def render_labels(self, items: Sequence[LabelItem], path: Path, layout: str) -> int:
        """Write QR label sheets as PDF; the number of pages."""
        from coldcheck.adapters import pdf

        return pdf.labels_pdf(items, path, layout)

    def backup(self, target: Path, progress: Progress | None = None) -> BackupReport:
        """Consistent online copy of the SQLite database and the key (raises ``FileError``)."""
        from coldcheck.adapters import backup

        return backup.backup(self._data, target, progress)

    def restore(
        self, source: Path, *, force: bool = False, progress: Progress | None = None
    ) -> RestoreReport:
        """Put a backup in place after its ledger verifies (raises ``FileError``)."""
        from coldcheck.adapters import backup

        return backup.restore(self._data, source, force=force, progress=progress)
