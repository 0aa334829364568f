"""The bound book as PDF (issue 18), on the same page furniture as the other reports.

Kept beside ``pdf.py`` (it uses its document class) so that the bound book can change
without touching the shared file. The columns are those of 27 CFR 478.125(e) folded into
six, so that a portrait page holds them: the description of the firearm, its receipt and its
disposition.
"""

from __future__ import annotations

from pathlib import Path

from coldcheck.adapters.pdf import _Doc, _save
from coldcheck.service.boundbook import BoundBookEntry, BoundBookReport

__all__ = ["bound_book_pdf"]


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _row(e: BoundBookEntry) -> tuple[str, ...]:
    x = e.cells
    description = _joined(
        x.get("manufacturer", ""),
        f"importer {x['importer']}" if x.get("importer") else "",
        f"made in {x['country']}" if x.get("country") else "",
        f"model {x['model']}" if x.get("model") else "",
        x.get("type", ""),
    )
    receipt = _joined(
        x.get("acquired_on", ""),
        x.get("from_name", ""),
        x.get("from_address", ""),
        f"licence {x['from_licence']}" if x.get("from_licence") else "",
        f"ref. {x['from_reference']}" if x.get("from_reference") else "",
    )
    disposition = _joined(
        x.get("disposed_on", ""),
        x.get("how", ""),
        x.get("to_name", ""),
        x.get("to_address", ""),
        f"licence {x['to_licence']}" if x.get("to_licence") else "",
        f"ref. {x['to_reference']}" if x.get("to_reference") else "",
    )
    return (e.tag, description, x.get("serial", ""), x.get("calibre", ""), receipt, disposition)


def bound_book_pdf(report: BoundBookReport, path: Path, paper: str = "a4") -> None:
    """Render the bound book: one line per firearm, open ones first, then the checkpoint."""
    h = report.heading
    doc = _Doc(paper, f"coldcheck bound book - {h.title} - {h.generated_at:%Y-%m-%d}")
    doc.set_title(f"Firearms acquisition and disposition record {h.title}")
    doc.add_page()
    doc.title_block(
        "Firearms acquisition and disposition record (bound book)",
        h.title,
        [
            f"{h.company} · {h.location} · production id {h.production}",
            "Columns of 27 CFR 478.125(e): description of the firearm, receipt, disposition.",
            f"Days in {h.time_zone}. Printed {h.generated_at:%Y-%m-%d %H:%M %Z}. "
            "Built from the custody log only.",
        ],
    )
    open_ = [e for e in report.entries if not e.closed]
    closed = [e for e in report.entries if e.closed]
    doc.para(f"{len(open_)} firearm(s) on hand · {len(closed)} disposed of", size=10, bold=True)
    headings = (
        "tag",
        "manufacturer, importer, country, model, type",
        "serial",
        "caliber or gauge",
        "received: date, from, address / licence",
        "disposition: date, how, to, address / licence",
    )
    widths = (16, 44, 22, 16, 42, 42)
    for title, entries in (("On hand", open_), ("Disposed of", closed)):
        doc.section(title)
        doc.grid(headings, [_row(e) for e in entries], widths)
    doc.head_block(report.head, "before this book was printed")
    _save(doc, path)
