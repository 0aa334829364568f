"""Issue 18: the §9153 report checks the production's entertainment firearms permit(s) and
their expiry on the day (R26) and each safety supervisor's qualification — met, not met
citing the entry, or not recorded — from a scripted day."""

from __future__ import annotations

from datetime import date

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.model import PermitKind, Role
from coldcheck.service.compliance import MET, NOT_MET, NOT_RECORDED
from tests.factories import DAY, MARA, PRIYA, TOM
from tests.unit.service.test_compliance import _line, _played_day, _report


def _permit(s, person, kind: PermitKind, number: str, expires: date) -> int:  # type: ignore[no-untyped-def]
    """Record a permit; its log position."""
    s.do(c.RecordPermit, TOM, person=person, kind=kind, number=number, expires=expires)
    return len(s.log) - 1


def test_a_day_with_no_entertainment_permit_or_qualification_says_not_recorded():
    report = _report(_played_day())
    efp = _line(report, "entertainment firearms permit", "R26")
    assert (efp.status, efp.detail) == (NOT_RECORDED, "no entertainment firearms permit recorded")
    supervisor = _line(report, "Priya Nair (safety supervisor)", "R26")
    assert supervisor.status == NOT_RECORDED
    assert supervisor.detail.startswith("no qualification recorded (role given at #")


def test_a_current_entertainment_permit_and_qualification_are_met_citing_their_entries():
    s = _played_day()
    efp_seq = _permit(s, MARA, PermitKind.ENTERTAINMENT_FIREARMS, "EFP-2231", date(2026, 6, 30))
    qual_seq = _permit(s, PRIYA, PermitKind.SAFETY_SUPERVISOR, "CSATF-SS-88", DAY)
    report = _report(s)
    efp = _line(report, "entertainment firearms permit (Mara Voss)", "R26")
    assert (efp.status, efp.events) == (MET, (efp_seq,))
    assert efp.detail == "EFP-2231, valid until 2026-06-30"
    supervisor = _line(report, "Priya Nair (safety supervisor)", "R26")
    assert (supervisor.status, supervisor.events) == (MET, (qual_seq,))  # valid through the day


def test_an_expired_entertainment_permit_or_qualification_is_not_met_citing_the_entry():
    s = _played_day()
    efp_seq = _permit(s, MARA, PermitKind.ENTERTAINMENT_FIREARMS, "EFP-1", date(2026, 3, 13))
    qual_seq = _permit(s, PRIYA, PermitKind.SAFETY_SUPERVISOR, "SS-1", date(2025, 12, 31))
    report = _report(s)
    efp = _line(report, "entertainment firearms permit (Mara Voss)", "R26")
    assert (efp.status, efp.events, efp.detail) == (
        NOT_MET,
        (efp_seq,),
        "EFP-1 expired on 2026-03-13",
    )
    supervisor = _line(report, "Priya Nair (safety supervisor)", "R26")
    assert (supervisor.status, supervisor.events) == (NOT_MET, (qual_seq,))
    assert report.counts[NOT_MET] == 2
    assert supervisor.cells()[4:6] == [NOT_MET, f"#{qual_seq}"]


def test_a_production_without_a_safety_supervisor_says_so():
    s = _played_day()
    log = [
        e
        for e in s.log
        if not (isinstance(e, ev.RoleAssigned) and e.role is Role.SAFETY_SUPERVISOR)
    ]
    line = _line(_report(s, log), "safety supervisor", "R26")
    assert (line.status, line.detail) == (NOT_RECORDED, "no safety supervisor on the production")
