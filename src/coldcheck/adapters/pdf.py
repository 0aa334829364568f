"""PDF reports and QR label sheets (fpdf2), rendered from the values in ``service.reports``.

Text is set in DejaVu Sans when the system has it (Debian ``fonts-dejavu-core``),
so names and labels keep every character; otherwise in the PDF core font
Helvetica, with characters outside Latin-1 replaced. QR codes are drawn as
vector squares, so they scan at any print resolution.

Why one file of ~700 lines: the three reports and the label sheets share one
document class (page furniture, wrapped tables, the head block), and each
report is a short list of its sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from coldcheck.adapters.qr import qr_matrix
from coldcheck.service.daily import DailyReport
from coldcheck.service.lanes import LANES, CustodyLanes
from coldcheck.service.reports import (
    CustodyReport,
    HeadPrint,
    IncidentReport,
    LabelItem,
    SecurityRow,
    TimelineRow,
)

__all__ = [
    "LABEL_LAYOUTS",
    "PAPERS",
    "LabelLayout",
    "custody_pdf",
    "daily_pdf",
    "incident_pdf",
    "labels_pdf",
]

PAPERS = {"a4": "A4", "letter": "Letter"}

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/local/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
)
_REPLACE = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2192": "->",
    "\u2265": ">=",
    "\u2264": "<=",
}
CELL_LINES = 16
"""A table cell longer than this many lines goes on in continuation rows, so rows split
across pages (fpdf2 cannot break one row over a page): a page loses at most the height of
16 lines (about 6 cm) at its foot, and no text."""
PAD_X, PAD_Y = 1.2, 0.8
GREY = (235, 235, 235)
RED = (180, 20, 20)


def _font_files() -> dict[str, Path] | None:
    for folder in _FONT_DIRS:
        files = {
            "": folder / "DejaVuSans.ttf",
            "B": folder / "DejaVuSans-Bold.ttf",
            "mono": folder / "DejaVuSansMono.ttf",
        }
        if all(f.exists() for f in files.values()):
            return files
    return None


class _Doc(FPDF):
    """An A4/Letter page with a running footer: what, which production, page n of N."""

    def __init__(self, paper: str, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format=PAPERS.get(paper, paper))
        self.footer_text = footer_text
        files = _font_files()
        self.unicode = files is not None
        if files is not None:
            self.add_font("Sans", "", str(files[""]))
            self.add_font("Sans", "B", str(files["B"]))
            self.add_font("Mono", "", str(files["mono"]))
            self.sans, self.mono = "Sans", "Mono"
        else:
            self.sans, self.mono = "Helvetica", "Courier"
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=16)
        self.set_creator("coldcheck")

    def t(self, text: str) -> str:
        """Text the current font can show."""
        if self.unicode:
            return text
        for k, v in _REPLACE.items():
            text = text.replace(k, v)
        return text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(self.sans, "", 7)
        self.set_text_color(90)
        self.cell(0, 4, self.t(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    # -- building blocks -------------------------------------------------------------

    @property
    def width(self) -> float:
        return float(self.w - self.l_margin - self.r_margin)

    def title_block(self, kind: str, title: str, lines: Sequence[str]) -> None:
        self.set_font(self.sans, "B", 8)
        self.set_text_color(90)
        self.cell(0, 4, self.t(kind.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_font(self.sans, "B", 16)
        self.multi_cell(0, 7.5, self.t(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.sans, "", 9)
        for line in lines:
            self.multi_cell(0, 4.6, self.t(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_draw_color(0)
        self.set_line_width(0.4)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_line_width(0.2)
        self.ln(2)

    def section(self, title: str, need: float = 20) -> None:
        if self.get_y() + need > self.page_break_trigger:
            self.add_page()
        self.ln(2)
        self.set_font(self.sans, "B", 11)
        self.multi_cell(0, 6, self.t(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.sans, "", 8)

    def para(self, text: str, size: float = 8, bold: bool = False) -> None:
        self.set_font(self.sans, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def wrapped(self, text: str, width: float, size: float, style: str = "") -> list[str]:
        """``text`` broken into the lines a cell ``width`` mm wide shows (long words too)."""
        self.set_font(self.sans, style, size)
        lines = self.multi_cell(
            width, size * 0.48, text, dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(lines, list)
        return [str(line) for line in lines] or [""]

    def split_rows(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        bold_rows: Sequence[bool],
        size: float,
    ) -> tuple[list[list[str]], list[bool]]:
        """Rows whose cells run past ``CELL_LINES`` lines, cut into continuation rows."""
        scale = self.width / sum(widths)
        inner = [w * scale - 2 * PAD_X - 0.6 for w in widths]  # a little slack against re-wrap
        out: list[list[str]] = []
        bold_out: list[bool] = []
        for i, row in enumerate(rows):
            bold = i < len(bold_rows) and bold_rows[i]
            cells = [self.t(cell) for cell in row]
            wrapped = [
                self.wrapped(cell, w, size, "B" if bold else "")
                for cell, w in zip(cells, inner, strict=True)
            ]
            chunks = max(-(-len(lines) // CELL_LINES) for lines in wrapped)
            if chunks == 1:
                out.append(cells)
                bold_out.append(bold)
                continue
            for k in range(chunks):
                part = [
                    "\n".join(lines[k * CELL_LINES : (k + 1) * CELL_LINES]) for lines in wrapped
                ]
                if k > 0 and not part[0]:
                    part[0] = f"{wrapped[0][0]}\n(cont.)"
                out.append(part)
                bold_out.append(bold)
        return out, bold_out

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        bold_rows: Sequence[bool] = (),
        size: float = 7.5,
    ) -> None:
        """A table with a heading row repeated on every page; long cells split across pages."""
        if not rows:
            self.para("(none)")
            return
        cut, cut_bold = self.split_rows(rows, widths, bold_rows, size)
        self.set_font(self.sans, "", size)
        style = FontFace(emphasis="BOLD", fill_color=GREY)
        with self.table(
            col_widths=tuple(widths),
            width=self.width,
            text_align="LEFT",
            line_height=size * 0.48,
            headings_style=style,
            padding=(PAD_Y, PAD_X),
            v_align="TOP",
        ) as table:
            head = table.row()
            for h in headings:
                head.cell(self.t(h))
            for cells, bold in zip(cut, cut_bold, strict=True):
                row = table.row()
                for cell in cells:
                    row.cell(cell, style=FontFace(emphasis="BOLD") if bold else None)

    def qr(self, text: str, x: float, y: float, size: float) -> None:
        matrix = qr_matrix(text)
        n = len(matrix)
        module = size / (n + 8)
        self.set_fill_color(255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0)
        for j, row in enumerate(matrix):
            i = 0
            while i < n:
                if row[i]:
                    start = i
                    while i < n and row[i]:
                        i += 1
                    self.rect(
                        x + (start + 4) * module,
                        y + (j + 4) * module,
                        (i - start) * module,
                        module,
                        style="F",
                    )
                else:
                    i += 1

    def head_block(self, head: HeadPrint | None, what: str) -> None:
        """The closing checkpoint: its text, its QR code, the fingerprint to read aloud."""
        self.section("Closing checkpoint (signed tree head)", need=80)
        if head is None:
            self.para("No signed tree head existed at the end of this period.")
            return
        top = self.get_y()
        size = 56.0
        self.qr(head.qr_text, self.l_margin, top, size)
        x = self.l_margin + size + 4
        self.set_xy(x, top + 1)
        w = self.w - self.r_margin - x
        note = (
            f"The newest checkpoint signed {what}."
            if head.final
            else f"Not closed yet: the newest checkpoint when printed ({what} is not over)."
        )
        cosigned = (
            f"Cosigned by the witness(es) {', '.join(head.witnesses)}."
            if head.witnesses
            else "Not yet cosigned by a witness when this was printed."
        )
        for style, text in (
            ("", note),
            ("B", f"Tree size {head.tree_size} · signed {head.signed_at:%Y-%m-%d %H:%M:%S %Z}"),
            ("", cosigned),
        ):
            self.set_x(x)
            self.set_font(self.sans, style, 8)
            self.multi_cell(w, 4, self.t(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(x)
        self.set_font(self.sans, "B", 7)
        self.cell(
            w, 3.6, "Fingerprint (read it aloud to compare)", new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        self.set_x(x)
        self.set_font(self.mono, "", 14)
        self.cell(w, 7, head.fingerprint, new_x=XPos.LEFT, new_y=YPos.NEXT)
        for name, value in (
            ("Root hash (SHA-256, base64)", head.root_b64),
            ("Log id (SHA-256 of the log key, base64)", head.log_id_b64),
        ):
            self.set_x(x)
            self.set_font(self.sans, "B", 7)
            self.cell(w, 3.6, name, new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_x(x)
            self.set_font(self.mono, "", 7.5)
            self.cell(w, 3.4, value, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_y(max(self.get_y(), top + size) + 2)
        self.set_font(self.sans, "B", 7)
        self.cell(
            self.width,
            3.6,
            "The checkpoint, as GET /api/v1/ledger/checkpoint serves it and the QR code holds it"
            " (coldcheck verify --head takes it):",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_font(self.mono, "", 6.5)
        for line in (head.checkpoint.rstrip("\n") + "\n\nLog key (vkey): " + head.vkey).split("\n"):
            for k in range(0, max(len(line), 1), 96):
                self.cell(
                    self.width, 3.2, self.t(line[k : k + 96]), new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
        self.para(
            "Keep the signed paper: it anchors the log outside the server. Every hash on it is"
            " base64, as in the API, in `coldcheck verify` and in evidence bundles.",
            size=7,
        )

    def pin_block(self, rows: Sequence[SecurityRow], who: str) -> None:
        """Wrong and refused PINs and lock-outs from the security log."""
        self.section(f"PIN failures and lock-outs ({who})", need=20)
        if not rows:
            self.para("None recorded in the security log.", size=8)
            return
        self.grid(
            ("log", "time", "what", "whose PIN", "detail"),
            [r.cells() for r in rows],
            (14, 30, 30, 40, 66),
        )

    def signatures(
        self, roles: Sequence[tuple[str, Sequence[str]]], signed: Sequence[str] = ()
    ) -> None:
        """Signature lines per role; ``signed`` says, per role, who signed in coldcheck."""
        self.section("Signatures", need=46)
        gap = 8.0
        w = (self.width - gap * (len(roles) - 1)) / max(len(roles), 1)
        top = self.get_y() + 2
        for i, (role, names) in enumerate(roles):
            x = self.l_margin + i * (w + gap)
            self.set_xy(x, top)
            self.set_font(self.sans, "B", 9)
            self.cell(w, 5, self.t(role), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(self.sans, "", 7.5)
            self.set_x(x)
            self.cell(w, 4, self.t(" / ".join(names) or ""), new_x=XPos.LEFT, new_y=YPos.NEXT)
            if i < len(signed) and signed[i]:
                self.set_x(x)
                self.set_font(self.sans, "B", 7.5)
                self.multi_cell(w, 3.6, self.t(signed[i]), new_x=XPos.LEFT, new_y=YPos.NEXT)
            for label in ("Name (print)", "Signature", "Date and time"):
                y = self.get_y() + 8
                self.line(x, y, x + w, y)
                self.set_xy(x, y + 0.5)
                self.set_font(self.sans, "", 6.5)
                self.cell(w, 3, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(self.l_margin, top + 52)


_LANE_FILL = {"storage": (154, 167, 184), "armorer": (11, 110, 47), "performer": (176, 0, 32)}
_MARK_TEXT = {
    "load": "L",
    "shot": "*",
    "misfire": "!",
    "discharge": "!!",
    "inspect": "v",
    "unload": "U",
}


def _lanes(doc: _Doc, lanes: CustodyLanes, tz: tzinfo | None) -> None:
    """One weapon's swim-lane: three lanes on a time axis, stints as bars, marks as dots."""
    lane_h, label_w = 5.0, 22.0
    need = lane_h * 3 + 12
    if doc.get_y() + need > doc.page_break_trigger:
        doc.add_page()
    x0 = doc.l_margin + label_w
    width = doc.width - label_w
    span = max((lanes.end - lanes.start).total_seconds(), 60.0)

    def at(t: datetime) -> float:
        return x0 + width * min(max((t - lanes.start).total_seconds(), 0.0), span) / span

    top = doc.get_y() + 1
    doc.set_font(doc.sans, "B", 8)
    doc.set_xy(doc.l_margin, top)
    doc.cell(label_w, 4, doc.t(lanes.weapon))
    top += 4.5
    for i, lane in enumerate(LANES):
        y = top + i * lane_h
        doc.set_fill_color(241, 241, 238)
        doc.rect(x0, y, width, lane_h - 0.8, style="F")
        doc.set_font(doc.sans, "", 6.5)
        doc.set_xy(doc.l_margin, y)
        doc.cell(label_w, lane_h - 0.8, lane)
    for st in lanes.stints:
        y = top + LANES.index(st.lane) * lane_h + 0.8
        x1, x2 = at(st.start), at(st.end)
        doc.set_fill_color(*_LANE_FILL[st.lane])
        doc.rect(x1, y, max(x2 - x1, 0.6), lane_h - 2.4, style="F")
        if st.holder and x2 - x1 > 18:
            doc.set_text_color(255)
            doc.set_font(doc.sans, "B", 6)
            doc.set_xy(x1 + 0.8, y)
            doc.cell(x2 - x1 - 1, lane_h - 2.4, doc.t(st.holder))
            doc.set_text_color(0)
    for m in lanes.marks:
        y = top + LANES.index(m.lane) * lane_h + (lane_h - 0.8) / 2
        doc.set_fill_color(255, 191, 71)
        doc.set_draw_color(0)
        doc.ellipse(at(m.at) - 1.6, y - 1.6, 3.2, 3.2, style="DF")
        doc.set_font(doc.sans, "B", 5)
        doc.set_xy(at(m.at) - 1.6, y - 1.6)
        doc.cell(3.2, 3.2, _MARK_TEXT[m.kind], align="C")
    axis = top + 3 * lane_h
    doc.set_font(doc.sans, "", 6)
    t = lanes.start.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    hours = span / 3600
    step = 1 if hours <= 8 else 2 if hours <= 16 else 3
    while t <= lanes.end:
        if t >= lanes.start and t.hour % step == 0:
            doc.set_draw_color(150)
            doc.line(at(t), top, at(t), axis)
            doc.set_xy(at(t) - 5, axis)
            doc.cell(10, 3, f"{t:%H:%M}", align="C")
        t += timedelta(hours=1)
    doc.set_draw_color(0)
    doc.set_y(axis + 4)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _hm(at: datetime | None) -> str:
    return f"{at:%H:%M}" if at else ""


def _marked(r: TimelineRow) -> str:
    """The row's words and, for a corrected entry, its marks (R27) on a line of their own."""
    return r.what + (f"\nCORRECTED: {r.correction}" if r.correction else "")


_VIEW_WORDS = {
    "original": "entries as recorded (corrected entries marked)",
    "corrected": "entries as corrected (corrected entries marked)",
    "both": "entries as corrected, then as recorded (corrected entries marked)",
}


def _view_line(view: str) -> str:
    return f"Shown: {_VIEW_WORDS.get(view, view)} - R27, ATF Ruling 2016-1."


def _timeline(doc: _Doc, rows: Sequence[TimelineRow], after: Sequence[str] = ()) -> None:
    if after:
        doc.grid(
            ("#", "time", "what", "by / confirmed by", "after"),
            [
                (
                    str(r.seq),
                    f"{r.at:%Y-%m-%d %H:%M}",
                    _marked(r),
                    r.by + (f" / {r.confirmed_by}" if r.confirmed_by else ""),
                    a,
                )
                for r, a in zip(rows, after, strict=True)
            ],
            (8, 20, 64, 34, 56),
        )
        return
    doc.grid(
        ("#", "time", "what", "by / confirmed by"),
        [
            (
                str(r.seq),
                f"{r.at:%H:%M:%S}",
                ("> " if r.highlight else "") + _marked(r),
                r.by + (f" / {r.confirmed_by}" if r.confirmed_by else ""),
            )
            for r in rows
        ],
        (9, 16, 110, 47),
        bold_rows=[r.highlight for r in rows],
    )


def _save(doc: _Doc, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    doc.output(str(tmp))
    tmp.replace(path)


# -- daily armory log --------------------------------------------------------------------


def daily_pdf(report: DailyReport, path: Path, paper: str = "a4") -> None:
    """Render the daily armory log."""
    h = report.heading
    doc = _Doc(paper, f"coldcheck daily armory log - {h.title} - {report.day:%Y-%m-%d}")
    doc.set_title(f"Daily armory log {h.title} {report.day}")
    doc.add_page()
    status = f"wrap: {report.wrap.state}" if report.over or report.closed else "day not over yet"
    doc.title_block(
        "Daily armory log",
        f"{h.title} - {report.day:%A %d %B %Y}",
        [
            f"{h.company} · {h.location} · production id {h.production}",
            f"Times in {h.time_zone}. Printed {h.generated_at:%Y-%m-%d %H:%M %Z} ({status}).",
            _view_line(report.view),
        ],
    )
    out = [w for w in report.weapons if w.end_location != "storage"]
    open_incidents = [i for i in report.incidents if i.status == "open"]
    doc.para(
        f"{_n(len(report.weapons), 'weapon')} · {len(out)} out of storage at the end of the day"
        f" · {_n(len(report.loads), 'load')} · {_n(report.blanks_fired, 'blank')} fired · "
        f"{_n(len(report.incidents), 'incident')} ({len(open_incidents)} open)",
        size=9,
        bold=True,
    )

    doc.section("Custody of every weapon")
    doc.grid(
        ("weapon", "that day", "end of day"),
        [
            (
                f"{w.tag}{' (RETIRED)' if w.retired else ''}\n{w.name}\nserial {w.serial}"
                + (f"\nCORRECTED: {w.correction}" if w.correction else ""),
                "\n".join(
                    f"{m.at:%H:%M} {_marked(m)} - {m.by}"
                    + (f" (confirmed: {m.confirmed_by})" if m.confirmed_by else "")
                    for m in w.movements
                )
                or "not handled",
                f"{w.end_location}"
                + (f", {w.end_holder}" if w.end_holder else "")
                + f"\n{w.end_label}",
            )
            for w in report.weapons
        ],
        (40, 108, 34),
        bold_rows=[w.end_location != "storage" for w in report.weapons],
    )

    if report.lanes:
        doc.section("Custody swim-lanes", need=30)
        doc.para(
            "Where each weapon was, hour by hour: storage, an armorer, a performer (the name"
            " in the bar). Marks: L load, * blanks fired, ! misfire, !! unplanned discharge,"
            " v inspection, U unload.",
            size=7,
        )
        for lanes in report.lanes:
            _lanes(doc, lanes, report.start.tzinfo)

    doc.section("Loads")
    doc.grid(
        ("time", "what", "by", "confirmed by"),
        [(_hm(r.at), _marked(r), r.by, r.confirmed_by) for r in report.loads],
        (14, 110, 28, 30),
    )

    doc.section("Blanks fired, misfires and discharges")
    doc.grid(
        ("time", "weapon", "lot", "rounds", "what", "recorded by"),
        [
            (_hm(f.at), f.weapon, "-" if f.lot == "?" else f.lot, str(f.count), f.kind, f.by)
            for f in report.firing
        ],
        (14, 22, 22, 16, 60, 48),
    )

    doc.section("Reconciliation (R05, R23)", need=40)
    doc.grid(
        (
            "lot",
            "rounds",
            "re-\nceived",
            "loaded\ntoday",
            "fired\ntoday",
            "spent\ncases",
            "in\nstore",
            "in\nweapons",
            "fired\n(all)",
            "re-\nturned",
            "de-\nstroyed",
            "bal-\nances",
        ),
        [
            (
                lot.tag,
                lot.description,
                str(lot.received),
                str(lot.loaded_today),
                str(lot.fired_today),
                "-" if lot.spent_cases_counted is None else str(lot.spent_cases_counted),
                str(lot.in_store),
                str(lot.in_weapons),
                str(lot.fired),
                str(lot.returned),
                str(lot.destroyed),
                "yes" if lot.balances else "NO",
            )
            for lot in report.lots
        ],
        (14, 28, 13.6, 13.6, 13.6, 13.6, 13.6, 16, 13.6, 13.6, 13.6, 13.6),
        bold_rows=[not lot.balances for lot in report.lots],
        size=7,
    )
    wrap = report.wrap
    lines = [f"Wrap: {wrap.state}." if wrap.reconciled_at else "Wrap: not counted yet."]
    if wrap.reconciled_at:
        lines.append(
            f"Counted {_hm(wrap.reconciled_at)} by {wrap.reconciled_by}; serials seen in "
            f"storage: {', '.join(wrap.serials_seen) or 'none'}."
        )
    if wrap.discrepancies:
        lines.append("Discrepancies: " + "; ".join(wrap.discrepancies))
    if wrap.closed_at:
        lines.append(
            f"Closed {_hm(wrap.closed_at)} by {wrap.closed_by}"
            + (f", confirmed by {wrap.confirmed_by}." if wrap.confirmed_by else ".")
        )
    doc.ln(1)
    doc.para(" ".join(lines), size=8)

    doc.section("Incidents and stop-work")
    doc.grid(
        ("id", "time", "kind", "severity", "what happened", "weapon", "status"),
        [
            (
                i.id,
                _hm(i.at),
                i.kind.replace("_", " "),
                i.severity,
                i.description,
                i.weapon,
                i.status,
            )
            for i in report.incidents
        ],
        (14, 12, 24, 16, 62, 16, 38),
    )
    if report.stop_work:
        doc.ln(1)
        for r in report.stop_work:
            doc.para(f"{_hm(r.at)} {r.what} ({r.by})", size=8, bold=True)

    wrap = report.wrap
    doc.signatures(
        (
            ("Armorer", report.armorers),
            ("Production representative", report.representatives),
        ),
        (
            f"Closed in coldcheck by {wrap.closed_by} at {_hm(wrap.closed_at)}"
            if wrap.closed_at
            else "",
            f"Confirmed in coldcheck by {wrap.confirmed_by} with their PIN"
            if wrap.closed_at and wrap.confirmed_by
            else "",
        ),
    )
    doc.head_block(
        report.head, f"by the end of {report.day:%Y-%m-%d}" if report.over else "the day"
    )
    _save(doc, path)


# -- chain of custody --------------------------------------------------------------------


def custody_pdf(report: CustodyReport, path: Path, paper: str = "a4") -> None:
    """Render the chain of custody of one weapon or lot."""
    h = report.heading
    doc = _Doc(paper, f"coldcheck chain of custody - {h.title} - {report.ref}")
    doc.set_title(f"Chain of custody {report.ref}")
    doc.add_page()
    period = (
        f"{report.start:%Y-%m-%d %H:%M}" if report.start else "registration",
        f"{report.end:%Y-%m-%d %H:%M}" if report.end else "now",
    )
    doc.title_block(
        f"Chain of custody of a {report.kind}",
        f"{report.ref} - {report.description}",
        [
            f"{h.title} · {h.company} · production id {h.production}",
            f"Period: {period[0]} to {period[1]} ({h.time_zone}). "
            f"Printed {h.generated_at:%Y-%m-%d %H:%M %Z}.",
            _view_line(report.view),
        ],
    )
    doc.para(f"At the start of the period: {report.status_before}", size=8.5)
    doc.para(f"At the end of the period: {report.status_after}", size=8.5, bold=True)
    doc.section(f"Every recorded event ({len(report.rows)})")
    _timeline(doc, report.rows, report.after)
    doc.pin_block(report.pin_failures, "of the people in these events, in the period")
    doc.head_block(
        report.head, "by the end of the period" if report.end else "when this was printed"
    )
    _save(doc, path)


# -- incident --------------------------------------------------------------------------------


def incident_pdf(report: IncidentReport, path: Path, paper: str = "a4") -> None:
    """Render an incident with its timeline."""
    h = report.heading
    doc = _Doc(paper, f"coldcheck incident report - {h.title} - {report.id}")
    doc.set_title(f"Incident {report.id}")
    doc.add_page()
    doc.title_block(
        "Incident report",
        f"{report.id} - {report.kind.replace('_', ' ')} ({report.severity})",
        [
            f"{h.title} · {h.company} · {h.location}",
            f"Opened {report.at:%Y-%m-%d %H:%M:%S %Z} by {report.opened_by}. "
            f"Printed {h.generated_at:%Y-%m-%d %H:%M %Z}.",
            _view_line(report.view),
        ],
    )
    doc.para(report.description, size=10, bold=True)
    details = [
        f"Weapon: {report.weapon or 'none'}",
        f"Lots: {', '.join(report.lots) or 'none'}",
        (
            f"Closed {report.closed_at:%Y-%m-%d %H:%M}: {report.resolution}"
            if report.closed_at
            else "Status: OPEN"
        ),
    ]
    doc.para(" · ".join(details), size=8.5)
    minutes = int(report.window.total_seconds() // 60)
    doc.section(f"Timeline: every event {minutes} minutes either side (> marks related events)")
    _timeline(doc, report.rows)
    if report.follow_up:
        doc.section("Afterwards")
        _timeline(doc, report.follow_up)
    doc.pin_block(report.pin_failures, f"{minutes} minutes either side")
    doc.signatures((("Armorer", ()), ("Safety supervisor", ())))
    doc.head_block(report.head, "when this was printed")
    _save(doc, path)


# -- labels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelLayout:
    """A sheet of labels (all sizes in mm)."""

    name: str
    paper: str
    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    gap_x: float
    gap_y: float


LABEL_LAYOUTS = {
    # Avery 3474 / Zweckform: 3 x 8 labels of 70 x 37 mm on A4, no margins at the sides.
    "a4": LabelLayout("A4 3 x 8, 70 x 37 mm", "a4", 3, 8, 70.0, 37.0, 0.0, 0.5, 0.0, 0.0),
    # Avery 5163: 2 x 5 labels of 4 x 2 in on US Letter.
    "letter": LabelLayout(
        "US Letter 2 x 5, 4 x 2 in", "letter", 2, 5, 101.6, 50.8, 3.97, 12.7, 4.76, 0.0
    ),
}


class _Sheet(_Doc):
    def footer(self) -> None:  # labels have no footer
        return None


def labels_pdf(items: Sequence[LabelItem], path: Path, layout: str = "a4") -> int:
    """Render label sheets; returns the number of pages."""
    spec = LABEL_LAYOUTS[layout]
    doc = _Sheet(spec.paper, "")
    doc.set_auto_page_break(False)
    doc.set_margins(0, 0, 0)
    doc.set_title("coldcheck labels")
    per_page = spec.columns * spec.rows
    for n, item in enumerate(items):
        if n % per_page == 0:
            doc.add_page()
        k = n % per_page
        col, row = k % spec.columns, k // spec.columns
        x = spec.left + col * (spec.width + spec.gap_x)
        y = spec.top + row * (spec.height + spec.gap_y)
        _label(doc, item, x, y, spec)
    if not items:
        doc.add_page()
    _save(doc, path)
    return int(doc.page_no())


def _label(doc: _Doc, item: LabelItem, x: float, y: float, spec: LabelLayout) -> None:
    """One label: the QR code, the tag big, and every line whole — wrapped, and the type made
    smaller until it all fits (a label never cuts a name or a serial)."""
    pad = 2.5
    size = spec.height - 2 * pad
    doc.qr(item.qr_text, x + pad, y + pad, size)
    tx = x + pad + size + 1.5
    tw = spec.width - (tx - x) - pad
    room = spec.height - 2 * pad - 1
    big = 14.0 if spec.height < 45 else 18.0
    doc.set_font(doc.sans, "B", big)
    while big > 7 and doc.get_string_width(doc.t(item.tag)) > tw:
        big -= 0.5
        doc.set_font(doc.sans, "B", big)
    small = 6.5 if spec.height < 45 else 8.0
    lines: list[str] = []
    while True:
        doc.set_font(doc.sans, "", small)
        lines = [part for line in item.lines for part in _wrap(doc, doc.t(line), tw)]
        if big * 0.42 + len(lines) * small * 0.45 <= room or small <= 3.0:
            break
        small -= 0.25
    doc.set_xy(tx, y + pad + 1)
    doc.set_font(doc.sans, "B", big)
    doc.cell(tw, big * 0.42, doc.t(item.tag), new_x=XPos.LEFT, new_y=YPos.NEXT)
    doc.set_font(doc.sans, "", small)
    for text in lines:
        doc.set_x(tx)
        doc.cell(tw, small * 0.45, text, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _wrap(doc: _Doc, text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` at the current font, at spaces
    where it can and inside a word where it must; nothing is dropped."""
    out: list[str] = []
    line = ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if doc.get_string_width(trial) <= width:
            line = trial
            continue
        if line:
            out.append(line)
        line = ""
        while doc.get_string_width(word) > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and doc.get_string_width(word[:cut]) > width:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not out:
        out.append(line)
    return out
