"""Read-table rows derived from a production's state (the projections).

Pure functions: the SQL adapter writes what they return, and ``verify``
compares the stored rows with the rows of a fresh replay.
"""

from __future__ import annotations

from typing import Any

from coldcheck.domain.ids import LotId, WeaponId
from coldcheck.domain.state import ProductionState
from coldcheck.domain.status import lot_status, weapon_status

Row = dict[str, Any]


def production_row(state: ProductionState, last_seq: int) -> Row:
    """The ``productions`` row."""
    info = state.info
    assert info is not None, "a production row needs a created production"
    return {
        "id": state.production,
        "title": info.title,
        "company": info.company,
        "location": info.location,
        "time_zone": info.time_zone,
        "last_seq": last_seq,
    }


def membership_rows(state: ProductionState) -> list[Row]:
    """One ``memberships`` row per person with at least one role."""
    rows = []
    for person, roles in state.roles.items():
        if roles:
            rows.append(
                {
                    "production": state.production,
                    "person": person,
                    "name": state.name_of(person),
                    "roles": ",".join(sorted(r.value for r in roles)),
                }
            )
    return rows


def weapon_row(state: ProductionState, weapon: WeaponId) -> Row:
    """The ``weapon_view`` row of one weapon."""
    st = weapon_status(state, weapon)
    return {
        "production": state.production,
        "tag": st.tag,
        "name": st.name,
        "kind": st.kind.value,
        "action": st.action.value,
        "label": st.label.value,
        "custody": st.location.value,
        "holder": st.holder,
        "retired": st.retired,
        "last_inspected_at": st.inspected_at.isoformat() if st.inspected_at else None,
    }


def lot_row(state: ProductionState, lot: LotId) -> Row:
    """The ``lot_view`` row of one lot."""
    st = lot_status(state, lot)
    return {
        "production": state.production,
        "tag": st.lot,
        "round_class": st.round_class.value,
        "calibre": st.calibre,
        "received": st.received,
        "in_store": st.in_store,
        "in_weapons": st.in_weapons,
        "fired": st.fired,
        "returned": st.returned,
        "destroyed": st.destroyed,
        "quarantined": st.quarantined,
    }


def changed_weapons(before: ProductionState, after: ProductionState) -> list[WeaponId]:
    """Weapons whose state object changed (frozen states: identity is enough)."""
    return [w for w, ws in after.weapons.items() if before.weapons.get(w) is not ws]


def changed_lots(before: ProductionState, after: ProductionState) -> list[LotId]:
    """Lots whose state object changed."""
    return [lot for lot, ls in after.lots.items() if before.lots.get(lot) is not ls]
