"""One sentence per event, the same on paper, on screen and in CSV.

``describe(event, state)`` is what the daily log, the custody and incident
reports, their CSV and the weapon page's timeline all print for an event, so
a court's PDF and the screen an armorer saw say the same thing. ``state`` is
the production's state just before the event (names and lot classes come
from it); ``title`` is the event's kind in words ("Weapon loaded").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.localtime import local_hhmm, zone_of
from coldcheck.domain.mechanics import HammerPosition
from coldcheck.domain.state import ProductionState
from coldcheck.service.corrections import change_words

__all__ = ["corrected", "describe", "meeting_name", "title"]


def title(e: Event) -> str:
    """The event's kind in words: ``WeaponLoaded`` → "Weapon loaded"."""
    kind = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in e.type_name).strip()
    return kind[:1].upper() + kind[1:]


def _positions(positions: Sequence[str]) -> str:
    return ", ".join(positions) if positions else "no position"


def _witnessed(e: Event, s: ProductionState, words: str = "witnessed by") -> str:
    """ ", witnessed by Priya Nair" — the second person of a two-person step, on paper too."""
    if not e.witnesses:
        return ""
    return f", {words} {', '.join(s.name_of(p) for p in e.witnesses)}"


def describe(e: Event, s: ProductionState) -> str:
    """One plain sentence for an event, given the state just before it.

    A firearm event recorded with its take context ends with it in brackets
    (``[scene 41, setup 41A, take 3, rehearsal]``); a blank load names the
    safety meeting that authorised it (R17).
    """
    return _sentence(e, s) + _take_words(e)


def _take_words(e: Event) -> str:
    """The take context (and a blank load's authorising meeting) of a firearm event."""
    context = getattr(e, "context", None)
    extra = ""
    if isinstance(e, ev.WeaponLoaded) and e.meeting:
        extra = f", authorised by safety meeting {e.meeting}"
    if context is None:
        return extra
    own_scene = getattr(e, "scene", None)
    if own_scene is not None and context.scene == own_scene:
        context = replace(context, scene=None)
    words = context.words()
    return f"{extra} [{words}]" if words else extra


_HAMMER_WORDS = {HammerPosition.FULL_COCK: "cocked", HammerPosition.DOWN: "down"}


def _action(e: ev.InspectionRecorded | ev.WeaponLoaded) -> str:
    """What a load or an inspection left of the action (R25): hammer, bolt, adapter."""
    parts = []
    if isinstance(e, ev.WeaponLoaded) and e.hammer is not None:
        parts.append(f"hammer left {_HAMMER_WORDS.get(e.hammer, e.hammer.value)}")
    if e.bolt is not None:
        parts.append(f"bolt {e.bolt.value}")
    if isinstance(e, ev.InspectionRecorded) and e.adapter_fitted is not None:
        parts.append(f"blank-firing adapter {'fitted' if e.adapter_fitted else 'off'}")
    return "".join(f"; {p}" for p in parts)


def _sentence(e: Event, s: ProductionState) -> str:
    match e:
        case ev.ProductionCreated():
            return f"production {e.title} created"
        case ev.PersonAdded():
            return f"{e.name} added to the production"
        case ev.RoleAssigned():
            return f"{s.name_of(e.person)} given the role {e.role.value.replace('_', ' ')}"
        case ev.RoleEnded():
            return f"{s.name_of(e.person)} no longer {e.role.value.replace('_', ' ')}"
        case ev.TrainingRecorded():
            course = f" ({e.course})" if e.course else ""
            when = f" on {e.trained_on}" if e.trained_on else ""
            until = f", valid until {e.expires}" if e.expires else ""
            return (
                f"{s.name_of(e.person)} trained on {e.action.value.replace('_', ' ')}"
                f"{course}{when}{until}"
            )
        case ev.PermitRecorded():
            return f"{e.kind.value} permit {e.number} of {s.name_of(e.person)}, expires {e.expires}"
        case ev.WeaponRegistered():
            a = e.acquisition
            source = f", received from {a.name}" if a and a.name else ""
            licence = f" (licence {a.licence})" if a and a.licence else ""
            day = f" on {a.received}" if a and a.received else ""
            return (
                f"{e.weapon} registered: {e.name}, serial {e.serial}, {e.calibre}"
                f"{source}{licence}{day}"
            )
        case ev.WeaponRetired():
            d = e.disposition
            if d is None:
                return f"{e.weapon} retired (back to its owner)"
            to = f" to {d.name}" if d.name else ""
            ref = f", ref. {d.reference}" if d.reference else ""
            return f"{e.weapon} retired: {d.how.value}{to} on {d.on}{ref}"
        case ev.WeaponPhotographed():
            size = f", {e.width} × {e.height} px" if e.width and e.height else ""
            note = f": {e.note}" if e.note else ""
            return f"{e.weapon} photographed ({e.media_type}{size}, sha256 {e.sha256}){note}"
        case ev.ContainerCreated():
            return f"container {e.container} created: {e.label}"
        case ev.ContainerMoved():
            return f"container {e.container} moved to {e.to.value}"
        case ev.LotReceived():
            load = f" ({e.blank_load.value} load)" if e.blank_load else ""
            return (
                f"lot {e.lot} received: {e.count} {e.calibre} {e.round_class.value}s{load} "
                f"from {e.supplier} into {e.container}"
            )
        case ev.DummiesVerified():
            failed = f", {len(e.failed)} failed" if e.failed else ", all passed"
            return f"lot {e.lot}: {e.checked} dummies verified ({e.method}){failed}"
        case ev.RoundsMoved():
            return f"{e.count} rounds of {e.lot} moved {e.from_container} -> {e.to_container}"
        case ev.LotReturned():
            return (
                f"{e.count} rounds of {e.lot} returned to the supplier from {e.container}"
                f"{_witnessed(e, s)}"
            )
        case ev.RoundsDestroyed():
            return f"{e.count} rounds of {e.lot} destroyed from {e.container}{_witnessed(e, s)}"
        case ev.LotQuarantined():
            return f"lot {e.lot} quarantined: {e.reason}"
        case ev.LotReleased():
            return f"lot {e.lot} released from quarantine: {e.note}"
        case ev.ScenePlanned():
            fires = "blanks fired" if e.fires_blanks else "no firing"
            used = ", ".join(e.weapons) or "no weapons"
            return f"scene {e.scene} planned ({e.title}): {used}, {fires}"
        case ev.SafetyMeetingHeld():
            return (
                f"safety meeting at {_hhmm(e.at, s)} for scene(s) {', '.join(e.scenes)},"
                f" {len(e.attendees)} attendees"
            )
        case ev.ArmoryUnlocked():
            return "armory unlocked"
        case ev.ArmoryLocked():
            return f"everything locked up ({e.kind})"
        case ev.WeaponTakenOut():
            return f"{e.weapon} taken out of storage"
        case ev.WeaponReturnedToStorage():
            return f"{e.weapon} returned to storage"
        case ev.InspectionRecorded():
            found = sorted({f.found.value for f in e.findings}) or ["no positions"]
            return f"{e.weapon} inspected: {', '.join(found)}; bore {e.bore.value}" + _action(e)
        case ev.BoreChecked():
            return f"{e.weapon} bore checked: {e.bore.value}"
        case ev.WeaponLoaded():
            lots = sorted({pl.lot for pl in e.loads})
            kinds = sorted(
                {s.lots[pl.lot].lot.round_class.value for pl in e.loads if pl.lot in s.lots}
            )
            scene = f" for scene {e.scene}" if e.scene else ""
            return (
                f"{e.weapon} loaded with {len(e.loads)} {'/'.join(kinds)}(s) from "
                f"{', '.join(lots)}{scene} ({_positions([pl.position for pl in e.loads])})"
                + _action(e)
            )
        case ev.WeaponUnloaded():
            where = f" into {e.container}" if e.container else ""
            return (
                f"{e.weapon} unloaded ({_positions(e.positions)}), "
                f"rounds to {e.disposition.value}{where}{_witnessed(e, s)}"
            )
        case ev.WeaponHandedOver():
            custody = " (armorer's custody)" if e.as_armorer else ""
            return f"{e.weapon} handed to {s.name_of(e.to)}{custody}"
        case ev.WeaponTakenBack():
            return (
                f"{e.weapon} taken back from {s.name_of(e.from_person)}"
                f"{_witnessed(e, s, 'confirmed by')}"
            )
        case ev.RoundsSealedAsEvidence():
            source = (
                f"{_positions(e.positions)} of {e.weapon}"
                if e.weapon
                else f"{e.count} rounds of {e.lot} from {e.container}"
            )
            return (
                f"EVIDENCE: {source} sealed (seal {e.seal}) and handed to {e.handed_to}"
                f"{_witnessed(e, s)}"
            )
        case ev.WeaponSealedAsEvidence():
            return (
                f"EVIDENCE: {e.weapon} sealed (seal {e.seal}) and handed to {e.handed_to}, "
                f"off the production{_witnessed(e, s)}"
            )
        case ev.BlanksFired():
            return f"{e.weapon} fired {len(e.positions)} blank(s) ({_positions(e.positions)})"
        case ev.MisfireRecorded():
            return f"{e.weapon} misfire in {e.position}"
        case ev.UnplannedDischargeRecorded():
            where = f" from {e.position}" if e.position else ""
            return f"UNPLANNED DISCHARGE of {e.weapon}{where}: {e.description}"
        case ev.WeaponQuarantined():
            return f"{e.weapon} quarantined: {e.reason}"
        case ev.WeaponQuarantineCleared():
            return f"{e.weapon} quarantine cleared: {e.note}"
        case ev.IncidentOpened():
            about = [*e.weapons, *e.lots, *([f"scene {e.scene}"] if e.scene else [])]
            about += [s.name_of(p) for p in e.people]
            named = f" [{', '.join(about)}]" if about else ""
            return (
                f"incident {e.incident} opened ({e.kind}, {e.severity.value}): "
                f"{e.description}{named}"
            )
        case ev.IncidentClosed():
            return f"incident {e.incident} closed: {e.resolution}"
        case ev.SafetyReportFiled():
            return "safety report filed" + (" anonymously" if e.anonymous else "")
        case ev.SafetyReportClosed():
            return f"safety report {e.report} answered"
        case ev.StopWorkStarted():
            return f"STOP WORK: {e.reason}"
        case ev.StopWorkLifted():
            carried = (
                f"; still open, carried over: {', '.join(e.carried_over)} ({e.reason})"
                if e.carried_over
                else ""
            )
            return f"stop-work lifted after {meeting_name(s, e.meeting)}{_witnessed(e, s)}{carried}"
        case ev.DayReconciled():
            problems = f"; {len(e.discrepancies)} discrepancies" if e.discrepancies else ""
            return f"day {e.day} reconciled: {len(e.lot_counts)} lots counted{problems}"
        case ev.DayClosed():
            how = "with a discrepancy" if e.with_discrepancy else "clean"
            return f"day {e.day} closed {how}"
        case ev.DiscrepancyResolved():
            return f"discrepancy of {e.day} resolved: {e.resolution}"
        case ev.CorrectionRecorded():
            values = f"{change_words(e.changes)} — " if e.changes else ""
            return f"correction of log #{e.corrects}: {values}{e.reason}"
        case ev.SettingsChanged():
            contact = e.settings.compliance_contact
            return "settings changed" + (f"; compliance contact: {contact}" if contact else "")
    return e.type_name


def corrected(e: ev.CorrectionRecorded, original: Event | None, s: ProductionState) -> str:
    """A correction with the entry it corrects: what was recorded, and what is said now."""
    was = f"{title(original)}: {describe(original, s)}" if original is not None else "unknown"
    values = f"{change_words(e.changes)} — " if e.changes else ""
    return f"correction of log #{e.corrects} (recorded: {was}) — corrected: {values}{e.reason}"


def meeting_name(s: ProductionState, meeting: str) -> str:
    """A safety meeting as people know it: 'the safety meeting at 07:30 for scene 41'."""
    m = s.meetings.get(meeting)  # type: ignore[call-overload]
    if m is None:
        return f"safety meeting {meeting}"
    scenes = ", ".join(m.scenes)
    return f"the safety meeting at {_hhmm(m.at, s)} for scene {scenes}"


def _hhmm(at: datetime, s: ProductionState) -> str:
    return local_hhmm(at, zone_of(s.info.time_zone if s.info else None))
