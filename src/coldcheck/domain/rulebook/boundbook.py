"""The bound book's rules (issue 18): an acquisition and a disposition that make sense.

A weapon's acquisition (from whom, their licence or reference, the day received) and its
disposition (returned, transferred or destroyed; to whom; the day) are what an FFL's
acquisition and disposition record asks for (27 CFR 478.125(e)). The texts are bounded by
``domain.bounds`` like every field; these rules check what the bounds cannot: days that are
not in the future or before the weapon came, and a transferee a record can name.
"""

from __future__ import annotations

from datetime import date

from coldcheck.domain import commands as c
from coldcheck.domain.bounds import is_written
from coldcheck.domain.errors import Reason
from coldcheck.domain.model import DispositionKind, WeaponDisposition
from coldcheck.domain.rulebook.kit import Reasons, because
from coldcheck.domain.state import ProductionState, WeaponState

#: No bound book entry is dated before this (a day typed as 0026 or 1026 is a slip).
EARLIEST_DAY = date(1900, 1, 1)


def the_acquisition_makes_sense(cmd: c.RegisterWeapon, today: date) -> Reasons:
    """A weapon was not received in the future, nor before 1900."""
    received = cmd.acquisition.received if cmd.acquisition else None
    if received is None:
        return
    if received > today:
        yield because(
            "INPUT",
            f"the day received ({received}) is in the future — give the day the weapon "
            "arrived (leave it empty for today).",
        )
    elif received < EARLIEST_DAY:
        yield because("INPUT", f"the day received ({received}) is before 1900 — check the year.")


def acquired_on(state: ProductionState, ws: WeaponState) -> date | None:
    """The day a weapon was received: the recorded one, else the day it was registered."""
    if ws.weapon.acquisition is not None and ws.weapon.acquisition.received is not None:
        return ws.weapon.acquisition.received
    return state.local_day(ws.registered_at) if ws.registered_at is not None else None


def disposition_of(
    state: ProductionState, cmd: c.RetireWeapon, ws: WeaponState, today: date
) -> WeaponDisposition | list[Reason]:
    """The disposition a retirement records, or why it cannot be recorded.

    Returned with no name: to the house it was acquired from (or its owner). Transferred:
    the transferee's name and their address or licence (as 27 CFR 478.125(e) asks).
    """
    reasons: list[Reason] = []
    on = cmd.on or today
    name = cmd.to_name.strip()
    if cmd.how is DispositionKind.RETURNED and not name:
        acquisition = ws.weapon.acquisition
        name = (acquisition.name if acquisition else "").strip() or ws.weapon.owner.strip()
        if not name:
            reasons.append(
                because("INPUT", f"say to whom {ws.weapon.id} is returned (no owner is recorded).")
            )
    if cmd.how is DispositionKind.TRANSFERRED:
        if not is_written(name):
            reasons.append(because("INPUT", f"say to whom {ws.weapon.id} is transferred."))
        if not (is_written(cmd.to_address) or is_written(cmd.to_licence)):
            reasons.append(
                because(
                    "INPUT",
                    "give the transferee's address, or their licence (FFL) number if they "
                    "hold one.",
                )
            )
    if on > today:
        reasons.append(
            because("INPUT", f"the day it left ({on}) is in the future — give the day it went.")
        )
    came = acquired_on(state, ws)
    if came is not None and on < came:
        reasons.append(
            because(
                "INPUT",
                f"the day it left ({on}) is before the day it was received ({came}).",
            )
        )
    if reasons:
        return reasons
    return WeaponDisposition(
        how=cmd.how,
        on=on,
        name=name,
        address=cmd.to_address.strip(),
        licence=cmd.to_licence.strip(),
        reference=cmd.reference.strip(),
    )
