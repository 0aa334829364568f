"""The JSON API under ``/api/v1``: thin — parse, build a command, call the service, render."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from coldcheck.domain import commands as c
from coldcheck.domain.ids import LotId, ProductionId, WeaponId
from coldcheck.domain.model import Role, Settings
from coldcheck.domain.state import (
    ProductionState,
    day_status,
    lot_status,
    overdue_reports,
    stop_work_active,
    weapon_status,
)
from coldcheck.entrypoints.api_commands import accepted_json, add_command_routes
from coldcheck.entrypoints.deps import (
    AppDep,
    MemberDep,
    OptionalViewerDep,
    ViewerDep,
    membership_of,
)
from coldcheck.entrypoints.jsonable import jsonable
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import b64encode as b64
from coldcheck.service.accounts import CredentialRefused, SessionKind

router = APIRouter(prefix="/api/v1")
add_command_routes(router)

MAX_ENTRIES = 1000


# -- accounts -------------------------------------------------------------------


class TokenRequest(BaseModel):
    """Login and password, for an API token."""

    model_config = ConfigDict(strict=True, extra="forbid")
    login: str = Field(min_length=1, max_length=80, examples=["mara"])
    password: str = Field(min_length=1, max_length=1024, examples=["correct horse battery"])


@router.post("/auth/token", tags=["accounts"], summary="Exchange login and password for a token")
def issue_token(body: TokenRequest, app: AppDep) -> dict[str, Any]:
    """Returns a bearer token for ``Authorization: Bearer <token>`` (valid 30 days)."""
    refused = False
    with app.account_store() as store:
        try:
            user = app.accounts.authenticate(store, body.login, body.password, app.clock.now())
        except CredentialRefused:
            refused = True  # the failure is recorded; let the transaction commit
        else:
            raw, session = app.accounts.open_session(store, user, SessionKind.API, app.clock.now())
    if refused:
        raise HTTPException(401, "Login or password is wrong. Check both and try again.")
    return {
        "token": raw,
        "expires_at": session.expires_at.isoformat(),
        "person": user.person_id,
        "display_name": user.display_name,
    }


@router.post("/auth/logout", tags=["accounts"], summary="Revoke the token used for this call")
def revoke_token(request: Request, app: AppDep, viewer: ViewerDep) -> dict[str, bool]:
    """Ends the session or token that authenticated this request."""
    auth = request.headers.get("authorization", "")
    raw = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    app.sessions.drop(raw)
    with app.account_store() as store:
        done = app.accounts.revoke_session(store, raw, app.clock.now())
    return {"revoked": done}


@router.get("/me", tags=["accounts"], summary="Who you are and your productions")
def me(app: AppDep, viewer: ViewerDep) -> dict[str, Any]:
    """The signed-in person and every production they have a role on."""
    return {
        "person": viewer.user.person_id,
        "login": viewer.user.login,
        "display_name": viewer.user.display_name,
        "productions": [jsonable(p) for p in app.reads.productions_for(viewer.person)],
    }


# -- productions ------------------------------------------------------------------


class NewProduction(BaseModel):
    """A production to start; you become a member with ``roles``."""

    model_config = ConfigDict(strict=True, extra="forbid")
    id: str = Field(
        min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", examples=["dry-gulch"]
    )
    title: str = Field(min_length=1, max_length=200, examples=["Dry Gulch"])
    company: str = Field(max_length=200, examples=["Mesa Pictures"])
    location: str = Field(max_length=200, examples=["Ranch, New Mexico"])
    time_zone: str = Field(max_length=64, examples=["America/Denver"])
    roles: list[Role] = Field(default_factory=lambda: [Role.PRODUCER])
    settings: Settings = Field(default_factory=Settings)


@router.get("/productions", tags=["productions"], summary="Your productions")
def list_productions(app: AppDep, viewer: ViewerDep) -> list[dict[str, Any]]:
    """Only productions on which you have a role."""
    return [jsonable(p) for p in app.reads.productions_for(viewer.person)]


@router.post("/productions", tags=["productions"], status_code=201, summary="Start a production")
def create_production(body: NewProduction, app: AppDep, viewer: ViewerDep) -> dict[str, Any]:
    """Creates the production with you as its first member."""
    if app.custody.production_exists(ProductionId(body.id)):
        raise HTTPException(409, f"A production with id '{body.id}' exists. Choose another id.")
    result = app.custody.execute(
        c.CreateProduction(
            production=ProductionId(body.id),
            actor=viewer.person,
            at=app.clock.now(),
            title=body.title,
            company=body.company,
            location=body.location,
            time_zone=body.time_zone,
            settings=body.settings,
            actor_name=viewer.user.display_name,
            roles=tuple(body.roles),
        )
    )
    return accepted_json(result)


def _state(member: MemberDep, app: AppDep) -> ProductionState:
    return app.custody.state(member.id)


@router.get("/productions/{production}", tags=["productions"], summary="A production")
def production_detail(member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Title, settings, your roles, stop-work state, weapons out, overdue reports."""
    state = _state(member, app)
    return {
        "production": jsonable(member.production),
        "settings": jsonable(state.info.settings if state.info else None),
        "your_roles": sorted(member.production.roles),
        "stop_work": jsonable(state.stop_work) if stop_work_active(state) else None,
        "weapons_out": [w.weapon for w in state.weapons_out()],
        "overdue_reports": jsonable(overdue_reports(state, app.clock.now())),
    }


@router.get("/productions/{production}/weapons", tags=["queries"], summary="Weapons and states")
def weapons(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Every weapon with its derived label (cold, dummy-loaded, ...) and holder."""
    state = _state(member, app)
    return [jsonable(weapon_status(state, w)) for w in sorted(state.weapons)]


@router.get("/productions/{production}/weapons/{tag}", tags=["queries"], summary="One weapon")
def weapon(tag: str, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Load positions, last inspection, hazards, and whether it can fire without a trigger pull."""
    state = _state(member, app)
    if WeaponId(tag) not in state.weapons:
        raise HTTPException(404, f"No weapon {tag} on this production. Tags look like W-0001.")
    return jsonable(weapon_status(state, WeaponId(tag)))  # type: ignore[no-any-return]


@router.get("/productions/{production}/timeline", tags=["queries"], summary="Custody timeline")
def timeline(
    member: MemberDep,
    app: AppDep,
    ref: Annotated[str | None, Query(max_length=64, description="W-…, L-…, C-… or person")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Events of the production, or of one weapon, lot or person, oldest first."""
    from coldcheck.service.envelope import envelope

    return [envelope(item.seq, item.event) for item in app.reads.timeline(member.id, ref, limit)]


@router.get("/productions/{production}/lots", tags=["queries"], summary="Ammunition lots")
def lots(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Every lot with its counts: received = store + weapons + fired + returned + destroyed."""
    state = _state(member, app)
    return [jsonable(lot_status(state, lot)) for lot in sorted(state.lots)]


@router.get("/productions/{production}/lots/{tag}", tags=["queries"], summary="One lot")
def lot(tag: str, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """A lot's counts, containers and verification."""
    state = _state(member, app)
    if LotId(tag) not in state.lots:
        raise HTTPException(404, f"No lot {tag} on this production. Tags look like L-0001.")
    return jsonable(lot_status(state, LotId(tag)))  # type: ignore[no-any-return]


@router.get("/productions/{production}/people", tags=["queries"], summary="People and roles")
def people(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """People with their roles, duties, training and permits."""
    state = _state(member, app)
    return [
        {
            "person": pid,
            "name": person.name,
            "roles": sorted(r.value for r in state.roles.get(pid, ())),
            "duties": sorted(state.duties.get(pid, ())),
            "training": sorted(a.value for a in state.training.get(pid, ())),
            "permits": jsonable(state.permits.get(pid, ())),
        }
        for pid, person in sorted(state.people.items())
    ]


@router.get("/productions/{production}/scenes", tags=["queries"], summary="Scene plans")
def scenes(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Scene plans and the safety meetings held for them."""
    state = _state(member, app)
    return [jsonable(s) for _, s in sorted(state.scenes.items())]


@router.get("/productions/{production}/incidents", tags=["queries"], summary="Incidents")
def incidents(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Incidents, newest last."""
    state = _state(member, app)
    return [jsonable(i) for _, i in sorted(state.incidents.items())]


@router.get("/productions/{production}/reports", tags=["queries"], summary="Safety reports")
def reports(member: MemberDep, app: AppDep) -> list[dict[str, Any]]:
    """Safety reports; anonymous ones carry no name."""
    state = _state(member, app)
    return [jsonable(r) for _, r in sorted(state.reports.items())]


@router.get("/productions/{production}/days/{day}", tags=["queries"], summary="Day status")
def day(day: date, member: MemberDep, app: AppDep) -> dict[str, Any]:
    """Whether the day is open, reconciled or closed, and any discrepancy."""
    return jsonable(day_status(_state(member, app), day))  # type: ignore[no-any-return]


# -- ledger (shaped like Certificate Transparency) ----------------------------------


def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


@router.get("/ledger/head", tags=["ledger"], summary="The newest signed tree head")
def ledger_head(app: AppDep) -> dict[str, Any]:
    """``{log_id, tree_size, root_hash, timestamp, signature}``, base64 byte strings."""
    head = app.reads.ledger_head()
    if head is None:
        raise HTTPException(404, "The log is empty: no head has been signed yet.")
    return head.to_json()


@router.get("/ledger/key", tags=["ledger"], summary="The log's public key")
def ledger_key(app: AppDep) -> dict[str, str]:
    """Raw 32-byte Ed25519 public key and ``log_id`` = SHA-256 of it, base64."""
    return {"public_key": b64(app.public_key), "log_id": b64(app.log_id)}


@router.get("/ledger/entries", tags=["ledger"], summary="Log entries start..end (inclusive)")
def ledger_entries(
    app: AppDep,
    viewer: OptionalViewerDep,
    start: Annotated[int, Query(ge=0)],
    end: Annotated[int, Query(ge=0)],
) -> dict[str, Any]:
    """At most 1000 entries. ``entry`` bytes only for members of that entry's production."""
    if end < start:
        raise _bad(f"end ({end}) is before start ({start}).")
    if end - start + 1 > MAX_ENTRIES:
        raise _bad(f"At most {MAX_ENTRIES} entries at a time; ask for {start}..{start + 999}.")
    size = app.reads.ledger_size()
    if start >= size:
        raise _bad(f"start ({start}) is beyond the log's {size} entries.")
    readable: set[str] = set()
    if viewer is not None:
        readable = {p.id for p in app.reads.productions_for(viewer.person)}
    out = []
    for e in app.reads.ledger_entries(start, min(end, size - 1)):
        item: dict[str, Any] = {"index": e.index, "leaf_hash": b64(e.leaf_hash)}
        if e.production in readable:
            item["entry"] = b64(e.entry)
        out.append(item)
    return {"entries": out}


@router.get("/ledger/proof/inclusion", tags=["ledger"], summary="RFC 9162 inclusion proof")
def inclusion(
    app: AppDep,
    index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """Audit path for entry ``index`` in the tree of ``tree_size`` (default: the head's)."""
    head = app.reads.ledger_head()
    if head is None:
        raise _bad("The log is empty.")
    size = tree_size if tree_size is not None else head.tree_size
    if size > app.reads.ledger_size():
        raise _bad(f"tree_size {size} is beyond the log's {app.reads.ledger_size()} entries.")
    if index >= size:
        raise _bad(f"index {index} is not in a tree of {size} entries.")
    try:
        path = app.reads.inclusion_proof(index, size)
        root = app.reads.ledger_root(size)
    except LedgerError as exc:
        raise _bad(str(exc)) from None
    return {
        "index": index,
        "tree_size": size,
        "leaf_hash": b64(app.reads.leaf_hash(index)),
        "root_hash": b64(root),
        "audit_path": [b64(h) for h in path],
    }


@router.get("/ledger/proof/consistency", tags=["ledger"], summary="RFC 9162 consistency proof")
def consistency(
    app: AppDep,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """Proof that the tree of ``second`` entries extends the tree of ``first``."""
    size = app.reads.ledger_size()
    if first > second:
        raise _bad(f"first ({first}) must not exceed second ({second}).")
    if second > size:
        raise _bad(f"second ({second}) is beyond the log's {size} entries.")
    try:
        path = app.reads.consistency_proof(first, second)
    except LedgerError as exc:
        raise _bad(str(exc)) from None
    return {"first": first, "second": second, "consistency_path": [b64(h) for h in path]}


# -- live alerts ----------------------------------------------------------------------


@router.get("/alerts/stream", tags=["alerts"], summary="Live alerts (server-sent events)")
async def alerts_stream(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    production: Annotated[str, Query(max_length=64)],
) -> StreamingResponse:
    """Stop-work, blank loads (R13) and incidents of one production, as they happen."""
    membership_of(app, viewer, production)
    sub = app.alerts.subscribe(ProductionId(production))

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            while not await request.is_disconnected():
                try:
                    alert = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                data = json.dumps(jsonable(alert))
                yield f"event: {alert.kind}\ndata: {data}\n\n".encode()
        finally:
            sub.close()

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
