"""One POST route per domain command, generated from the command dataclasses.

``POST /api/v1/productions/{production}/commands/{name}`` takes the
command's own fields as JSON (strict), plus ``confirmations``: the PINs of
the people who confirm it on this device (R12). The server fills in who
asks (the signed-in person), the time, and the verified confirmations.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
)

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.codec import event_payload
from coldcheck.entrypoints.commanding import Asked, run_batch, run_command
from coldcheck.entrypoints.deps import AppDep, MemberDep, Membership
from coldcheck.service import confirmations
from coldcheck.service.custody import Accepted
from coldcheck.service.permissions import COMMAND_ROLES, command_name

BASE_FIELDS = {f.name for f in dataclasses.fields(c.BaseCommand)}
# ids the server picks when a client leaves them out (see service.custody.fill_ids)
SERVER_PICKS = {
    c.RegisterWeapon: "weapon",
    c.ReceiveLot: "lot",
    c.CreateContainer: "container",
    c.HoldSafetyMeeting: "meeting",
    c.FileSafetyReport: "report",
}


class PinConfirmation(BaseModel):
    """One person confirming on this device with their own PIN."""

    model_config = ConfigDict(strict=True, extra="forbid")
    person: str = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=4, max_length=8, pattern=r"^[0-9]+$")


def body_model(cls: type[c.BaseCommand]) -> type[BaseModel]:
    """A strict pydantic model of the command's own fields."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in BASE_FIELDS:
            continue
        annotation = _strict(hints[f.name])
        if SERVER_PICKS.get(cls) == f.name:
            fields[f.name] = (annotation, "")
        elif f.default is not dataclasses.MISSING:
            fields[f.name] = (annotation, f.default)
        elif f.default_factory is not dataclasses.MISSING:
            fields[f.name] = (annotation, Field(default_factory=f.default_factory))
        else:
            fields[f.name] = (annotation, ...)
    fields["confirmations"] = (list[PinConfirmation], Field(default_factory=list, max_length=8))
    model: type[BaseModel] = create_model(
        f"{cls.__name__}Body",
        __config__=ConfigDict(extra="forbid"),
        __doc__=(cls.__doc__ or cls.__name__).strip().splitlines()[0],
        **fields,
    )
    return model


class BatchItem(BaseModel):
    """One command of a batch: its route name and its body."""

    model_config = ConfigDict(strict=True, extra="forbid")
    command: str = Field(examples=["inspect-weapon"])
    body: dict[str, Any] = Field(default_factory=dict)


class Batch(BaseModel):
    """Commands recorded together in one transaction, or not at all."""

    model_config = ConfigDict(strict=True, extra="forbid")
    commands: list[BatchItem] = Field(min_length=1, max_length=50)


def _strict(annotation: Any) -> Any:
    """No "3" for 3 or "yes" for True: numbers and booleans must be JSON numbers and booleans.

    (Enums, dates and arrays keep pydantic's JSON parsing: strings and lists.)
    """
    if annotation is int:
        return StrictInt
    if annotation is bool:
        return StrictBool
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and args:
        return typing.Union[tuple(_strict(a) for a in args)]  # noqa: UP007
    return annotation


def accepted_json(result: Accepted) -> dict[str, Any]:
    """The response of an accepted command."""
    return {
        "accepted": [
            {"seq": seq, "type": e.type_name, "at": e.at.isoformat(), "payload": event_payload(e)}
            for seq, e in zip(result.seqs, result.events, strict=True)
        ],
        "head": result.head.to_json(),
    }


def asked(cls: type[c.BaseCommand], body: BaseModel) -> Asked:
    """The command a parsed body asks for: its own fields and the PINs that confirm it."""
    data = {name: getattr(body, name) for name in type(body).model_fields}
    pins = [confirmations.PinConfirmation(p.person, p.pin) for p in data.pop("confirmations")]
    return Asked(cls, {k: _plain(v) for k, v in data.items()}, pins)


def _make_route(router: APIRouter, cls: type[c.BaseCommand]) -> None:
    model = body_model(cls)
    allowed = COMMAND_ROLES.get(cls)
    who = "any member" if allowed is None else ", ".join(sorted(r.value for r in allowed))

    def endpoint(member: Membership, app: App, body: BaseModel) -> dict[str, Any]:
        return accepted_json(run_command(app, member, asked(cls, body)))

    # the body model is made at run time, so the annotations are set as objects
    endpoint.__annotations__ = {
        "member": MemberDep,
        "app": AppDep,
        "body": Annotated[model, Body()],
        "return": dict[str, Any],
    }

    router.add_api_route(
        f"/productions/{{production}}/commands/{command_name(cls)}",
        endpoint,
        methods=["POST"],
        name=f"command_{command_name(cls)}",
        summary=f"{cls.__name__} ({who})",
        description=(cls.__doc__ or "").strip()
        + "\n\nRefused by a safety rule: 409 with every rule code and what to do instead.",
        responses={
            409: {
                "description": "Refused by a safety rule",
                "content": {
                    "application/json": {
                        "example": {
                            "refused": [
                                {
                                    "rule": "R08",
                                    "message": "only an armorer hands a weapon to a performer"
                                    " — give it back to Mara Voss.",
                                }
                            ]
                        }
                    }
                },
            },
            403: {"description": "Your role may not ask for this, or a PIN was wrong"},
        },
        tags=["commands"],
    )


def _plain(value: Any) -> Any:
    """Pydantic gives lists where the dataclasses want tuples."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


router = APIRouter()


def add_command_routes(router: APIRouter) -> None:
    """A route for every command except CreateProduction (which has its own), and the batch."""
    models = {command_name(cls): (cls, body_model(cls)) for cls in COMMAND_ROLES}
    for cls in COMMAND_ROLES:
        _make_route(router, cls)

    @router.post(
        "/productions/{production}/batch",
        tags=["commands"],
        summary="Several commands in one transaction (all or nothing)",
        responses={409: {"description": "One command was refused; nothing was recorded"}},
    )
    def batch(body: Batch, member: MemberDep, app: AppDep) -> dict[str, Any]:
        """E.g. take out, inspect and hand over at the cart in one step.

        Each item is ``{"command": "<route name>", "body": {...}}`` with the same
        body as that command's own route (confirmations included). Each command
        is decided against the state the earlier ones leave; a refusal names the
        command by its position and nothing is written.
        """
        batch = []
        for number, item in enumerate(body.commands, start=1):
            found = models.get(item.command)
            if found is None:
                raise HTTPException(422, f"command {number}: there is no command '{item.command}'.")
            cls, model = found
            try:
                parsed = model.model_validate(item.body)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
                )
                raise HTTPException(422, f"command {number} ({item.command}): {problems}") from None
            batch.append(asked(cls, parsed))
        return accepted_json(run_batch(app, member, batch))


add_command_routes(router)

__all__ = ["accepted_json", "add_command_routes", "body_model", "router"]
