"""The California Labor Code §9153 daily compliance report, built from the ledger only.

For one shoot day, per firearm and per person, each requirement gets one line:
*met* (citing the log positions that show it), *not met* (citing the event
that breaks it) or *not recorded* (the log holds nothing either way). The
report never trusts that the rules ran: it re-reads what the log holds, so a
log written before a rule existed, or restored from elsewhere, is judged on
what it says.

Requirements (Labor Code §§9150-9161, in force since 2025; rule codes of DESIGN.md):

* §9153 the production names a compliance contact (R29);
* firearms only in the custody of a qualified armorer, who alone hands them to
  and takes them back from performers (R06, R08, R26 at the time of each event);
* an armorer holding weapons has no other duty (R07, with the duty timeline);
* the armorer's permit is current on the day (R26);
* the production's entertainment firearms permit(s), held by its people, current on the
  day (R26), and each safety supervisor's qualification (issue 18);
* a safety meeting with attendees for every scene that loaded blanks (R17);
* weapons out within the armorer's capacity (R28);
* §9155 no live ammunition, or the recorded exception (R01);
* §9156 training, with course and date, of everyone who handled a firearm or
  attended a safety meeting (R14).

Pure: no IO, no clock (``now`` comes in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import PersonId, SceneId, WeaponId
from coldcheck.domain.mechanics import ActionType, RoundState
from coldcheck.domain.model import PermitKind, Role, RoundClass
from coldcheck.domain.state import Custody, ProductionState, apply, empty_state
from coldcheck.service.corrections import (
    Fix,
    View,
    fixes_in,
    marks,
    record_as_viewed,
    registration_fixes,
)
from coldcheck.service.queries import ReadModel, TimelineItem
from coldcheck.service.reports import (
    ClosingCheckpoint,
    Heading,
    HeadPrint,
    day_bounds,
    head_print,
    report_heading,
    report_zone,
)
from coldcheck.service.witnessing import WitnessService

MET, NOT_MET, NOT_RECORDED = "met", "not met", "not recorded"

COMPLIANCE_COLUMNS = (
    "section",
    "subject",
    "requirement",
    "rule",
    "status",
    "events",
    "detail",
    "correction",
)

#: Events an armorer, and only an armorer, records on a weapon (R06, R08).
_ARMORER_STEPS = (
    ev.WeaponTakenOut,
    ev.WeaponReturnedToStorage,
    ev.InspectionRecorded,
    ev.WeaponLoaded,
    ev.WeaponUnloaded,
    ev.WeaponHandedOver,
    ev.WeaponTakenBack,
)


@dataclass(frozen=True)
class ComplianceLine:
    """One requirement for one subject, and what the log shows about it."""

    section: str
    subject: str
    requirement: str
    rule: str
    status: str
    events: tuple[int, ...]
    detail: str
    correction: str = ""
    """The marks of the cited entries that were corrected (R27), "" when none was."""

    def cells(self) -> list[str]:
        """The CSV cells (COMPLIANCE_COLUMNS); events as ``#12 #15``."""
        return [
            self.section,
            self.subject,
            self.requirement,
            self.rule,
            self.status,
            " ".join(f"#{n}" for n in self.events),
            self.detail,
            self.correction,
        ]


@dataclass(frozen=True)
class ComplianceReport:
    """Every line of the day, the contact, and the head that closes the day."""

    heading: Heading
    day: date
    contact: str
    lines: tuple[ComplianceLine, ...]
    head: HeadPrint | None = None
    counts: dict[str, int] = field(default_factory=dict)
    view: str = View.BOTH.value
    """Which values corrected entries show (R27): original, corrected or both."""


def compliance_rows(report: ComplianceReport) -> list[list[str]]:
    """The CSV rows of the report (COMPLIANCE_COLUMNS)."""
    return [line.cells() for line in report.lines]


@dataclass
class _Armorer:
    """What the day shows about one armorer."""

    custody: list[int] = field(default_factory=list)
    weapons: set[WeaponId] = field(default_factory=set)
    breaches: list[tuple[int, str]] = field(default_factory=list)
    duty_events: list[int] = field(default_factory=list)


@dataclass
class _Weapon:
    steps: list[int] = field(default_factory=list)
    breaches: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Handler:
    actions: dict[ActionType, int] = field(default_factory=dict)  # action -> first handoff seq
    near: list[int] = field(default_factory=list)  # meetings attended


@dataclass
class _Day:
    """Everything gathered in one pass over the log."""

    armorers: dict[PersonId, _Armorer] = field(default_factory=dict)
    weapons: dict[WeaponId, _Weapon] = field(default_factory=dict)
    handlers: dict[PersonId, _Handler] = field(default_factory=dict)
    meetings: dict[SceneId, list[int]] = field(default_factory=dict)
    blank_loads: dict[SceneId, list[tuple[int, bool]]] = field(default_factory=dict)
    capacity_breaches: list[int] = field(default_factory=list)
    most_out: tuple[int, int] = (0, 0)  # (count, seq)
    live_breaches: list[tuple[int, str]] = field(default_factory=list)
    issues: list[int] = field(default_factory=list)
    contact_seq: int | None = None
    permits: dict[PersonId, tuple[int, date]] = field(default_factory=dict)
    entertainment: dict[PersonId, tuple[int, str, date]] = field(default_factory=dict)
    qualifications: dict[PersonId, tuple[int, str, date]] = field(default_factory=dict)
    supervisors: dict[PersonId, int] = field(default_factory=dict)  # person -> role entry
    trainings: dict[tuple[PersonId, ActionType], tuple[int, ev.TrainingRecorded]] = field(
        default_factory=dict
    )
    lots: list[int] = field(default_factory=list)
    exception_seq: int | None = None


def _holders(s: ProductionState) -> dict[PersonId, set[WeaponId]]:
    held: dict[PersonId, set[WeaponId]] = {}
    for ws in s.weapons.values():
        if ws.location is Custody.ARMORER and ws.holder is not None:
            held.setdefault(ws.holder, set()).add(ws.weapon.id)
    return held


def _permit_ok(s: ProductionState, person: PersonId | None, at: datetime) -> bool:
    if person is None:
        return False
    return any(p.kind is PermitKind.ARMORER and p.valid_at(at) for p in s.permits.get(person, ()))


def _to_an_armorer(s: ProductionState, e: ev.WeaponHandedOver) -> bool:
    """True when the receiver took custody as an armorer (v1 entries: their role decided)."""
    if e.as_armorer is None:
        return s.is_armorer(e.to)
    return e.as_armorer


def _on_the_day(d: _Day, s: ProductionState, seq: int, e: Event) -> None:
    """Note what event ``e`` (about to be applied to ``s``) shows."""
    held = _holders(s)
    if isinstance(e, _ARMORER_STEPS):
        weapon = WeaponId(e.weapon)
        w = d.weapons.setdefault(weapon, _Weapon())
        w.steps.append(seq)
        who = s.name_of(e.by)
        if not s.is_armorer(e.by):
            w.breaches.append((seq, f"{who} is not an armorer ({e.type_name})"))
        elif not _permit_ok(s, e.by, e.at):
            w.breaches.append((seq, f"{who} had no current armorer permit ({e.type_name})"))
    if isinstance(e, ev.WeaponTakenOut | ev.WeaponHandedOver) and e.by is not None:
        receiver = e.by if isinstance(e, ev.WeaponTakenOut) else e.to
        if isinstance(e, ev.WeaponTakenOut) or _to_an_armorer(s, e):
            a = d.armorers.setdefault(receiver, _Armorer())
            a.custody.append(seq)
            a.weapons.add(WeaponId(e.weapon))
            duties = s.duties.get(receiver, frozenset())
            if duties:
                a.breaches.append(
                    (
                        seq,
                        f"took custody of {e.weapon} while holding the duty "
                        f"{', '.join(sorted(duties))}",
                    )
                )
    if isinstance(e, ev.WeaponHandedOver) and not _to_an_armorer(s, e):
        ws = s.weapons.get(WeaponId(e.weapon))
        if ws is not None:
            d.handlers.setdefault(e.to, _Handler()).actions.setdefault(ws.weapon.action, seq)
        d.issues.append(seq)
    if isinstance(e, ev.DutyAssigned):
        a_held = held.get(e.person)
        if a_held and s.is_armorer(e.person):
            a = d.armorers.setdefault(e.person, _Armorer())
            a.breaches.append(
                (seq, f"given the duty {e.duty!r} while holding {', '.join(sorted(a_held))}")
            )
        if e.person in d.armorers or s.is_armorer(e.person):
            d.armorers.setdefault(e.person, _Armorer()).duty_events.append(seq)
    if isinstance(e, ev.DutyEnded) and e.person in d.armorers:
        d.armorers[e.person].duty_events.append(seq)
    if isinstance(e, ev.SafetyMeetingHeld) and e.attendees:
        for scene in e.scenes:
            d.meetings.setdefault(scene, []).append(seq)
        for p in e.attendees:
            if not s.is_armorer(p):
                d.handlers.setdefault(p, _Handler()).near.append(seq)
    if isinstance(e, ev.WeaponLoaded) and e.announce and e.scene is not None:
        covered = e.meeting is not None or bool(d.meetings.get(e.scene))
        d.blank_loads.setdefault(e.scene, []).append((seq, covered))
    if isinstance(e, ev.WeaponTakenOut | ev.WeaponHandedOver) and any(
        w.rule == "R28" for w in e.warnings
    ):
        d.capacity_breaches.append(seq)
    if isinstance(e, ev.InspectionRecorded):
        bad = [f.position for f in e.findings if f.found in (RoundState.LIVE, RoundState.UNKNOWN)]
        if bad:
            d.live_breaches.append(
                (seq, f"a live or unidentified round found in {', '.join(bad)} of {e.weapon}")
            )


def _before_and_on(d: _Day, s: ProductionState, seq: int, e: Event, start: datetime) -> None:
    """Note the standing records (contact, permits, training, lots) up to the day's end."""
    if isinstance(e, ev.ProductionCreated | ev.SettingsChanged):
        d.contact_seq = seq if e.settings.compliance_contact.strip() else None
    elif isinstance(e, ev.PermitRecorded) and e.kind is PermitKind.ARMORER:
        d.permits[e.person] = (seq, e.expires)
    elif isinstance(e, ev.PermitRecorded) and e.kind is PermitKind.ENTERTAINMENT_FIREARMS:
        d.entertainment[e.person] = (seq, e.number, e.expires)
    elif isinstance(e, ev.PermitRecorded) and e.kind is PermitKind.SAFETY_SUPERVISOR:
        d.qualifications[e.person] = (seq, e.number, e.expires)
    elif isinstance(e, ev.RoleAssigned) and e.role is Role.SAFETY_SUPERVISOR:
        d.supervisors[e.person] = seq
    elif isinstance(e, ev.RoleEnded) and e.role is Role.SAFETY_SUPERVISOR and e.at < start:
        d.supervisors.pop(e.person, None)
    elif isinstance(e, ev.TrainingRecorded):
        d.trainings[(e.person, e.action)] = (seq, e)
    elif isinstance(e, ev.LotReceived):
        d.lots.append(seq)
        if e.round_class is RoundClass.LIVE and s.live_exception is None:
            d.live_breaches.append((seq, f"live lot {e.lot} received without a §9155 exception"))
    elif isinstance(e, ev.LiveExceptionRecorded):
        d.exception_seq = seq


def compliance_report(
    state_now: ProductionState,
    items: Sequence[TimelineItem],
    day: date,
    now: datetime,
    head: ClosingCheckpoint | None,
    view: View = View.BOTH,
) -> ComplianceReport:
    """The §9153 compliance report of shoot ``day``, from the production's events; ``head``
    is the checkpoint that closes the day (the newest, marked not final, before its end).

    ``view``: a firearm's serial and name as recorded, as corrected, or both (R27); a line
    citing a corrected entry carries the correction's mark whichever."""
    heading = report_heading(state_now, now)
    tz = report_zone(state_now)
    start, end = day_bounds(day, tz)
    d = _Day()
    s = empty_state(state_now.production)
    fixes = fixes_in(items)
    for item in sorted(items, key=lambda i: i.seq):
        e = item.event
        if e.at >= end:
            break
        if e.at >= start:
            _on_the_day(d, s, item.seq, e)
        _before_and_on(d, s, item.seq, e, start)
        after = apply(s, e)
        if e.at >= start:
            for p, weapons in _holders(after).items():
                if p in d.armorers:
                    d.armorers[p].weapons |= weapons
            out = len(after.weapons_out())
            if out > d.most_out[0]:
                d.most_out = (out, item.seq)
        s = after
    lines = [
        *_contact_lines(d, s),
        *_entertainment_permit_lines(d, s, day),
        *_capacity_lines(d, s),
        *_ammunition_lines(d, s),
        *_weapon_lines(d, s, fixes, view),
        *_armorer_lines(d, s, day),
        *_supervisor_lines(d, s, day),
        *_training_lines(d, s, day),
        *_meeting_lines(d, s, day),
    ]
    lines = [_marked(line, fixes, state_now, tz) for line in lines]
    counts = {k: sum(1 for line in lines if line.status == k) for k in (MET, NOT_MET, NOT_RECORDED)}
    return ComplianceReport(
        heading=heading,
        day=day,
        contact=s.info.settings.compliance_contact if s.info else "",
        lines=tuple(lines),
        head=head_print(head, tz, now >= end) if head is not None else None,
        counts=counts,
        view=view.value,
    )


def _marked(
    line: ComplianceLine, fixes: Mapping[int, Sequence[Fix]], names: ProductionState, tz: ZoneInfo
) -> ComplianceLine:
    """The line with the marks of every cited entry that was corrected (R27)."""
    cited = [f"#{seq} {marks(fixes[seq], names, tz)}" for seq in line.events if seq in fixes]
    return replace(line, correction="; ".join(cited)) if cited else line


def day_compliance(
    state: ProductionState,
    reads: ReadModel,
    witnessing: WitnessService,
    vkey: str,
    day: date,
    now: datetime,
    view: View = View.BOTH,
) -> ComplianceReport:
    """The report of ``day`` from the read side: every event, and the checkpoint (with the
    cosignatures held) that closes the day (the newest when the day is not over yet)."""
    from coldcheck.service.evidence import closing_checkpoint

    _, end = day_bounds(day, report_zone(state))
    closing = closing_checkpoint(reads, witnessing, vkey, end if now >= end else None)
    items = reads.timeline(state.production, None, limit=2**62)
    return compliance_report(state, items, day, now, closing, view)


def _line(
    section: str,
    subject: str,
    requirement: str,
    rule: str,
    status: str,
    events: Sequence[int],
    detail: str,
) -> ComplianceLine:
    return ComplianceLine(
        section, subject, requirement, rule, status, tuple(sorted(set(events))), detail
    )


def _contact_lines(d: _Day, s: ProductionState) -> list[ComplianceLine]:
    req = "a named compliance contact (§9153)"
    contact = s.info.settings.compliance_contact.strip() if s.info else ""
    if contact and d.contact_seq is not None:
        return [_line("production", "production", req, "R29", MET, [d.contact_seq], contact)]
    if d.issues:
        return [
            _line(
                "production",
                "production",
                req,
                "R29",
                NOT_MET,
                d.issues[:1],
                "a weapon was issued to a performer with no compliance contact named",
            )
        ]
    return [_line("production", "production", req, "R29", NOT_RECORDED, [], "none named")]


def _weapon_lines(
    d: _Day, s: ProductionState, fixes: Mapping[int, Sequence[Fix]], view: View
) -> list[ComplianceLine]:
    out = []
    req = "only a qualified armorer took it out, handed it over and took it back"
    for weapon in sorted(d.weapons):
        w = d.weapons[weapon]
        ws = s.weapons.get(weapon)
        subject: str = weapon
        if ws is not None:
            registered = registration_fixes(fixes, "WeaponRegistered", weapon)
            seen = record_as_viewed(ws.weapon, registered, view)
            subject = f"{weapon} {seen.name}, serial {seen.serial}"
            if registered:
                subject += " (corrected)"
        if w.breaches:
            out.append(
                _line(
                    "firearm",
                    subject,
                    req,
                    "R06 R08",
                    NOT_MET,
                    [seq for seq, _ in w.breaches],
                    "; ".join(f"#{seq}: {why}" for seq, why in w.breaches),
                )
            )
        else:
            out.append(
                _line(
                    "firearm",
                    subject,
                    req,
                    "R06 R08",
                    MET,
                    w.steps,
                    f"{len(w.steps)} custody steps, each by an armorer with a current permit",
                )
            )
    return out


def _armorer_lines(d: _Day, s: ProductionState, day: date) -> list[ComplianceLine]:
    out = []
    for person in sorted(d.armorers, key=s.name_of):
        a = d.armorers[person]
        if not a.custody and not a.breaches:
            continue
        subject = f"{s.name_of(person)} (armorer)"
        req = "no other duty while holding weapons"
        held = ", ".join(sorted(a.weapons)) or "weapons"
        timeline = (
            f"; duty timeline {' '.join(f'#{n}' for n in a.duty_events)}" if a.duty_events else ""
        )
        if a.breaches:
            out.append(
                _line(
                    "person",
                    subject,
                    req,
                    "R07",
                    NOT_MET,
                    [seq for seq, _ in a.breaches],
                    "; ".join(f"#{seq}: {why}" for seq, why in a.breaches) + timeline,
                )
            )
        else:
            out.append(
                _line(
                    "person",
                    subject,
                    req,
                    "R07",
                    MET,
                    a.custody,
                    f"held {held}; no duty recorded while holding{timeline}",
                )
            )
        req = "armorer permit current on the day"
        permit = d.permits.get(person)
        if permit is None:
            out.append(
                _line("person", subject, req, "R26", NOT_RECORDED, [], "no armorer permit recorded")
            )
        elif permit[1] < day:
            out.append(
                _line(
                    "person", subject, req, "R26", NOT_MET, [permit[0]], f"expired on {permit[1]}"
                )
            )
        else:
            out.append(
                _line("person", subject, req, "R26", MET, [permit[0]], f"valid until {permit[1]}")
            )
    return out


def _meeting_lines(d: _Day, s: ProductionState, day: date) -> list[ComplianceLine]:
    out = []
    scenes = {sc.id for sc in s.scenes.values() if sc.day == day and sc.fires_blanks}
    scenes |= set(d.blank_loads)
    for scene in sorted(scenes):
        subject = f"scene {scene}"
        req = "a safety meeting with attendees before blanks were loaded"
        loads = d.blank_loads.get(scene, [])
        meetings = d.meetings.get(scene, [])
        uncovered = [seq for seq, covered in loads if not covered]
        if uncovered:
            out.append(
                _line(
                    "scene",
                    subject,
                    req,
                    "R17",
                    NOT_MET,
                    uncovered,
                    "blanks loaded with no safety meeting held for the scene before",
                )
            )
        elif meetings:
            attendees = sorted(
                {
                    s.name_of(p)
                    for m in s.meetings.values()
                    if scene in m.scenes and m.day == day
                    for p in m.attendees
                }
            )
            out.append(
                _line(
                    "scene",
                    subject,
                    req,
                    "R17",
                    MET,
                    [*meetings, *(seq for seq, _ in loads)],
                    f"attended by {', '.join(attendees)}; {len(loads)} blank load(s)",
                )
            )
        else:
            out.append(
                _line(
                    "scene", subject, req, "R17", NOT_RECORDED, [], "no meeting and no blank load"
                )
            )
    return out


def _capacity_lines(d: _Day, s: ProductionState) -> list[ComplianceLine]:
    capacity = s.info.settings.armorer_capacity if s.info else 0
    req = f"weapons out within the armorer's capacity ({capacity})"
    if d.capacity_breaches:
        return [
            _line(
                "production",
                "armorer-to-weapons ratio",
                req,
                "R28",
                NOT_MET,
                d.capacity_breaches,
                "more weapons out than the capacity set for the production",
            )
        ]
    count, seq = d.most_out
    if not count:
        return [
            _line(
                "production",
                "armorer-to-weapons ratio",
                req,
                "R28",
                NOT_RECORDED,
                [],
                "no weapon out",
            )
        ]
    return [
        _line(
            "production",
            "armorer-to-weapons ratio",
            req,
            "R28",
            MET,
            [seq],
            f"at most {count} weapon(s) out at once",
        )
    ]


def _ammunition_lines(d: _Day, s: ProductionState) -> list[ComplianceLine]:
    req = "no live ammunition, or the recorded exception (§9155)"
    if d.live_breaches:
        return [
            _line(
                "production",
                "ammunition",
                req,
                "R01",
                NOT_MET,
                [seq for seq, _ in d.live_breaches],
                "; ".join(f"#{seq}: {why}" for seq, why in d.live_breaches),
            )
        ]
    live = [ls.lot.id for ls in s.lots.values() if ls.lot.round_class is RoundClass.LIVE]
    if live and s.live_exception is not None and d.exception_seq is not None:
        return [
            _line(
                "production",
                "ammunition",
                req,
                "R01",
                MET,
                [d.exception_seq],
                f"live lots {', '.join(sorted(live))} under the exception: "
                f"{s.live_exception.purpose}",
            )
        ]
    if not d.lots:
        return [_line("production", "ammunition", req, "R01", NOT_RECORDED, [], "no lot received")]
    classes = sorted({ls.lot.round_class.value for ls in s.lots.values()})
    return [
        _line(
            "production",
            "ammunition",
            req,
            "R01",
            MET,
            d.lots,
            f"{len(d.lots)} lot(s) received, all {' or '.join(classes)}; no live round found",
        )
    ]


def _training_lines(d: _Day, s: ProductionState, day: date) -> list[ComplianceLine]:
    out = []
    for person in sorted(d.handlers, key=s.name_of):
        h = d.handlers[person]
        name = s.name_of(person)
        req = "training with course and date (§9156)"
        if h.actions:
            for action, handoff in sorted(h.actions.items()):
                kind = action.value.replace("_", " ")
                subject = f"{name} (handled a {kind})"
                found = d.trainings.get((person, action))
                out.append(_training_line(subject, req, found, day, handoff, kind))
        else:
            subject = f"{name} (worked near firearms)"
            found = max(
                (v for (p, _), v in d.trainings.items() if p == person),
                key=lambda v: v[0],
                default=None,
            )
            out.append(_training_line(subject, req, found, day, h.near[0], "firearms"))
    return out


def _training_line(
    subject: str,
    req: str,
    found: tuple[int, ev.TrainingRecorded] | None,
    day: date,
    cause: int,
    kind: str,
) -> ComplianceLine:
    if found is None:
        return _line("person", subject, req, "R14", NOT_RECORDED, [cause], f"no training on {kind}")
    seq, t = found
    if t.expires is not None and t.expires < day:
        return _line(
            "person", subject, req, "R14", NOT_MET, [seq, cause], f"training expired on {t.expires}"
        )
    if t.trained_on is None:
        return _line(
            "person",
            subject,
            req,
            "R14",
            NOT_RECORDED,
            [seq],
            "training recorded without its date" + (f" ({t.course})" if t.course else ""),
        )
    until = f", valid until {t.expires}" if t.expires else ""
    course = t.course or t.note or "course not named"
    return _line("person", subject, req, "R14", MET, [seq], f"{course}, {t.trained_on}{until}")


def _permit_line(
    section: str,
    subject: str,
    req: str,
    found: tuple[int, str, date] | None,
    day: date,
    missing: str,
) -> ComplianceLine:
    """Met (valid on the day), not met (expired before it, citing the entry) or not recorded."""
    if found is None:
        return _line(section, subject, req, "R26", NOT_RECORDED, [], missing)
    seq, number, expires = found
    if expires < day:
        return _line(section, subject, req, "R26", NOT_MET, [seq], f"{number} expired on {expires}")
    return _line(section, subject, req, "R26", MET, [seq], f"{number}, valid until {expires}")


def _entertainment_permit_lines(d: _Day, s: ProductionState, day: date) -> list[ComplianceLine]:
    """Each entertainment firearms permit on record (its holder's newest), or none recorded."""
    req = "entertainment firearms permit current on the day"
    if not d.entertainment:
        return [
            _permit_line(
                "production",
                "entertainment firearms permit",
                req,
                None,
                day,
                "no entertainment firearms permit recorded",
            )
        ]
    return [
        _permit_line(
            "production",
            f"entertainment firearms permit ({s.name_of(person)})",
            req,
            d.entertainment[person],
            day,
            "",
        )
        for person in sorted(d.entertainment, key=s.name_of)
    ]


def _supervisor_lines(d: _Day, s: ProductionState, day: date) -> list[ComplianceLine]:
    """Each safety supervisor of the day: their qualification on record and current."""
    req = "safety supervisor qualification current on the day"
    if not d.supervisors:
        return [
            _line(
                "person",
                "safety supervisor",
                req,
                "R26",
                NOT_RECORDED,
                [],
                "no safety supervisor on the production",
            )
        ]
    return [
        _permit_line(
            "person",
            f"{s.name_of(person)} (safety supervisor)",
            req,
            d.qualifications.get(person),
            day,
            f"no qualification recorded (role given at #{d.supervisors[person]})",
        )
        for person in sorted(d.supervisors, key=s.name_of)
    ]
