"""The §9153 daily compliance report as PDF, on the same page furniture as the other reports.

Kept beside ``pdf.py`` (it uses its document class) so that the report can change
without touching the shared file.
"""

from __future__ import annotations

from pathlib import Path

from coldcheck.adapters.pdf import _Doc, _save, _view_line
from coldcheck.service.compliance import MET, NOT_MET, NOT_RECORDED, ComplianceReport

__all__ = ["compliance_pdf"]

_SECTIONS = (
    ("production", "The production"),
    ("firearm", "Per firearm: custody"),
    ("person", "Per person: duties, permits, training"),
    ("scene", "Per scene: safety meetings"),
)


def compliance_pdf(report: ComplianceReport, path: Path, paper: str = "a4") -> None:
    """Render the compliance report: a summary, one table per section, signatures, the head."""
    h = report.heading
    doc = _Doc(paper, f"coldcheck §9153 compliance - {h.title} - {report.day:%Y-%m-%d}")
    doc.set_title(f"Firearm safety compliance {h.title} {report.day}")
    doc.add_page()
    doc.title_block(
        "California Labor Code §9153 daily compliance report",
        f"{h.title} - {report.day:%A %d %B %Y}",
        [
            f"{h.company} · {h.location} · production id {h.production}",
            f"Compliance contact: {report.contact or 'NONE NAMED'}",
            f"Times in {h.time_zone}. Printed {h.generated_at:%Y-%m-%d %H:%M %Z}. "
            "Built from the custody log only; #n is an entry's log position.",
            _view_line(report.view),
        ],
    )
    counts = report.counts
    doc.para(
        f"{counts.get(MET, 0)} met · {counts.get(NOT_MET, 0)} not met · "
        f"{counts.get(NOT_RECORDED, 0)} not recorded",
        size=10,
        bold=True,
    )
    for key, title in _SECTIONS:
        lines = [line for line in report.lines if line.section == key]
        if not lines:
            continue
        doc.section(title)
        doc.grid(
            ("subject", "requirement (rule)", "status", "events", "what the log shows"),
            [
                (
                    line.subject,
                    f"{line.requirement} ({line.rule})",
                    line.status.upper() if line.status != MET else line.status,
                    " ".join(f"#{n}" for n in line.events),
                    line.detail + (f"\nCORRECTED: {line.correction}" if line.correction else ""),
                )
                for line in lines
            ],
            (32, 40, 22, 18, 70),
            bold_rows=[line.status == NOT_MET for line in lines],
        )
    doc.ln(2)
    doc.para(
        "met: the cited entries show it. NOT MET: the cited entry breaks it. "
        "NOT RECORDED: the log holds nothing either way.",
        size=7,
    )
    doc.signatures((("Compliance contact", (report.contact,)), ("Armorer", ())))
    doc.head_block(report.head, "by the end of the day")
    _save(doc, path)
