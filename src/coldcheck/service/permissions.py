"""Which roles may ask for which command: the API's 403 comes before the rules.

The safety rules (R06-R08) still decide whether an allowed person may do a
given thing *now*; this table only keeps people out of commands their role
never covers. ``None`` means any member of the production.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.service.errors import Forbidden, NotFound
from coldcheck.service.queries import ProductionSummary, ReadModel

ARMORY = frozenset({Role.ARMORER, Role.ASSISTANT_ARMORER})
SAFETY = frozenset({Role.SAFETY_SUPERVISOR})
OFFICE = frozenset({Role.PRODUCER, Role.FIRST_AD, Role.SAFETY_SUPERVISOR})
MANAGERS = frozenset({Role.PRODUCER, Role.ARMORER})

COMMAND_ROLES: dict[type[c.BaseCommand], frozenset[Role] | None] = {
    c.AddPerson: MANAGERS | SAFETY,
    c.AssignRole: MANAGERS,
    c.EndRole: MANAGERS,
    c.AssignDuty: MANAGERS | frozenset({Role.FIRST_AD}),
    c.EndDuty: MANAGERS | frozenset({Role.FIRST_AD}),
    c.RecordTraining: ARMORY | SAFETY,
    c.RecordPermit: MANAGERS | SAFETY,
    c.RecordLiveException: MANAGERS | SAFETY,
    c.RegisterWeapon: ARMORY,
    c.RetireWeapon: ARMORY,
    c.CreateContainer: ARMORY,
    c.MoveContainer: ARMORY,
    c.ReceiveLot: ARMORY,
    c.VerifyDummies: ARMORY,
    c.MoveRounds: ARMORY,
    c.ReturnLot: ARMORY,
    c.DestroyRounds: ARMORY,
    c.ReleaseLot: ARMORY | SAFETY,
    c.PlanScene: ARMORY | OFFICE,
    c.HoldSafetyMeeting: ARMORY | OFFICE,
    c.UnlockArmory: ARMORY,
    c.LockUp: ARMORY,
    c.TakeOutOfStorage: ARMORY,
    c.ReturnToStorage: ARMORY,
    c.InspectWeapon: ARMORY,
    c.CheckBore: ARMORY,
    c.LoadWeapon: ARMORY,
    c.UnloadWeapon: ARMORY,
    # R08 is a safety rule with its own refusal and message: anyone may *ask*,
    # so that the 1st AD reaching for the revolver gets "R08: ..." and not a 403.
    c.HandOver: None,
    c.TakeBack: None,
    c.RecordFiring: ARMORY,
    c.RecordMisfire: ARMORY,
    c.RecordUnplannedDischarge: None,
    c.ClearWeaponQuarantine: ARMORY | SAFETY,
    c.OpenIncident: None,
    c.CloseIncident: ARMORY | SAFETY | frozenset({Role.PRODUCER}),
    c.FileSafetyReport: None,
    c.CloseSafetyReport: SAFETY | frozenset({Role.PRODUCER}),
    c.StopWork: None,
    c.LiftStopWork: ARMORY | SAFETY,
    c.ReconcileDay: ARMORY,
    c.CloseDay: ARMORY | frozenset({Role.PRODUCER}),
    c.ResolveDiscrepancy: ARMORY | frozenset({Role.PRODUCER}),
    c.Correct: ARMORY | SAFETY | frozenset({Role.PRODUCER}),
    # a member enrols their own passkey; the rules say who may enrol another's
    c.EnrolPasskey: None,
    c.RevokePasskey: ARMORY | frozenset({Role.PRODUCER}),
}


#: Who may record a weapon photo. Not in ``COMMAND_ROLES`` on purpose: a photo is recorded
#: only with its bytes (``service.photos``), never as a bare JSON command naming a hash.
PHOTO_ROLES = ARMORY


def may_ask(roles: frozenset[Role] | set[Role], command: type[c.BaseCommand]) -> bool:
    """True when someone with ``roles`` may ask for ``command`` at all."""
    allowed = COMMAND_ROLES.get(command, frozenset())
    if allowed is None:
        return bool(roles)
    return bool(allowed & set(roles))


def command_name(cls: type[c.BaseCommand]) -> str:
    """The name people and URLs use for a command: ``HandOver`` → ``hand-over``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()


def check_role(
    roles: frozenset[Role], production_roles: Sequence[str], cls: type[c.BaseCommand]
) -> None:
    """``Forbidden`` when someone with ``roles`` may never ask for ``cls``."""
    if may_ask(roles, cls):
        return
    allowed = COMMAND_ROLES.get(cls)
    needed = ", ".join(sorted(r.value for r in allowed)) if allowed else "none"
    raise Forbidden(
        f"Your roles on this production ({', '.join(sorted(production_roles))})"
        f" do not allow '{command_name(cls)}'. It needs one of: {needed}."
    )


def membership(reads: ReadModel, person: PersonId, production: str) -> ProductionSummary:
    """The person's place on a production; ``NotFound`` without a role (it does not exist)."""
    summary = reads.membership_on(person, ProductionId(production))
    if summary is None:
        raise NotFound(
            f"No production '{production}' that you have a role on. Ask its producer to add you."
        )
    return summary
