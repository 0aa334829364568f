"""One POST route per domain command, generated from the command dataclasses, and the
confirmation routes.

``POST /api/v1/productions/{production}/commands/{name}`` takes the
command's own fields as JSON (strict), plus ``confirmations``: the ids of the
confirmations given for this very command (R12 and every two-person rule).
The server fills in who asks (the signed-in person) and the time. A
confirmation is asked for with ``POST .../confirmations`` (a challenge for the
exact command) and given with ``POST .../confirmations/{challenge}`` (the
confirming person's PIN); see ``service.confirmations``. Every time field must
carry its UTC offset (422 otherwise) and every text, number and list is bounded
as ``domain.bounds`` says.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    create_model,
)

from coldcheck.bootstrap import App
from coldcheck.domain import commands as c
from coldcheck.domain.bounds import ID_TYPES, MAX_NUMBER, items_limit, text_limit
from coldcheck.domain.codec import event_payload
from coldcheck.domain.mechanics import CHECKLISTS
from coldcheck.entrypoints.commanding import (
    Asked,
    ask_confirmations,
    give_confirmation,
    run_batch,
    run_command,
)
from coldcheck.entrypoints.deps import (
    AppDep,
    Membership,
    MembershipToCheck,
    MemberToCheck,
    client_of,
)
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.service.confirmations import MAX_CONFIRMATIONS, IssuedChallenge, confirmers_words
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


ConfirmationId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PinConfirmation(BaseModel):
    """One person confirms a challenge with their own PIN."""

    model_config = ConfigDict(strict=True, extra="forbid")
    person: str = Field(min_length=1, max_length=64, examples=["jack-hale"])
    pin: str = Field(min_length=4, max_length=8, pattern=r"^[0-9]+$", examples=["1212"])


def body_model(cls: type[c.BaseCommand]) -> type[BaseModel]:
    """A strict pydantic model of the command's own fields, with their bounds."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in BASE_FIELDS:
            continue
        annotation = _bounded(f.name, _strict(hints[f.name]))
        if SERVER_PICKS.get(cls) == f.name:
            fields[f.name] = (annotation, "")
        elif f.default is not dataclasses.MISSING:
            fields[f.name] = (annotation, f.default)
        elif f.default_factory is not dataclasses.MISSING:
            fields[f.name] = (annotation, Field(default_factory=f.default_factory))
        else:
            fields[f.name] = (annotation, ...)
    fields["confirmations"] = (
        list[ConfirmationId],
        Field(
            default_factory=list,
            max_length=MAX_CONFIRMATIONS,
            description="Ids of confirmations given for this very command "
            "(POST .../confirmations, then .../confirmations/{challenge}).",
        ),
    )
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


class ChallengeRequest(BaseModel):
    """Ask for the confirmations of one exact command."""

    model_config = ConfigDict(strict=True, extra="forbid")
    command: str = Field(max_length=64, examples=["hand-over"])
    body: dict[str, Any] = Field(default_factory=dict)
    before: list[BatchItem] = Field(
        default_factory=list,
        max_length=49,
        description="The commands of the same batch that come before it.",
    )


def _strict(annotation: Any) -> Any:
    """No "3" for 3 or "yes" for True: numbers and booleans must be JSON numbers and booleans,
    and a time must carry its UTC offset (``2026-03-14T14:05:00-06:00``).

    (Enums, dates and arrays keep pydantic's JSON parsing: strings and lists.)
    """
    if annotation is int:
        return Annotated[StrictInt, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
    if annotation is bool:
        return StrictBool
    if annotation is datetime:
        return AwareDatetime
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and args:
        return typing.Union[tuple(_strict(a) for a in args)]  # noqa: UP007
    return annotation


def _bounded(name: str, annotation: Any) -> Any:
    """The text and list bounds of ``domain.bounds``, so the API says 422 before the rules."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and args:
        return typing.Union[tuple(_bounded(name, a) for a in args)]  # noqa: UP007
    if annotation is str or annotation in ID_TYPES:
        return Annotated[str, StringConstraints(max_length=text_limit(name, annotation))]
    if origin is tuple and args:
        return Annotated[
            tuple[_bounded(name, args[0]), ...],  # type: ignore[misc]
            Field(max_length=items_limit(name)),
        ]
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
    """The command a parsed body asks for: its own fields and the confirmations it presents."""
    data = {name: getattr(body, name) for name in type(body).model_fields}
    ids = list(data.pop("confirmations"))
    return Asked(cls, {k: _plain(v) for k, v in data.items()}, ids)


def _make_route(router: APIRouter, cls: type[c.BaseCommand]) -> None:
    model = body_model(cls)
    allowed = COMMAND_ROLES.get(cls)
    who = "any member" if allowed is None else ", ".join(sorted(r.value for r in allowed))

    def endpoint(asking: MembershipToCheck, app: App, body: BaseModel) -> Response:
        member = asking.check()
        return answer(accepted_json(run_command(app, member, asked(cls, body))))

    # the body model is made at run time, so the annotations are set as objects
    endpoint.__annotations__ = {
        "asking": MemberToCheck,
        "app": AppDep,
        "body": Annotated[model, Body()],
        "return": Response,
    }

    router.add_api_route(
        f"/productions/{{production}}/commands/{command_name(cls)}",
        endpoint,
        methods=["POST"],
        response_model=dict[str, Any],
        name=f"command_{command_name(cls)}",
        summary=f"{cls.__name__} ({who})",
        description=(cls.__doc__ or "").strip()
        + _checklists_words(cls)
        + "\n\nRefused by a safety rule: 409 with every rule code and what to do instead."
        + "\n\nA confirmation not given for this very command, expired or used before: 403.",
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


def _checklists_words(cls: type[c.BaseCommand]) -> str:
    """For inspect-weapon: every action type's checklist, step by step, exactly as it is sent."""
    if cls is not c.InspectWeapon:
        return ""
    lines = [
        f"- `{action.value}`: " + ", ".join(f"`{step}`" for step in steps)
        for action, steps in CHECKLISTS.items()
    ]
    return (
        "\n\n`checklist` lists every step of the weapon's action type, exactly as written "
        "(also `GET .../weapons/{tag}/checklist`):\n\n" + "\n".join(lines)
    )


def _plain(value: Any) -> Any:
    """Pydantic gives lists where the dataclasses want tuples."""
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


router = APIRouter(prefix=API_PREFIX)


def add_command_routes(router: APIRouter) -> None:
    """A route for every command except CreateProduction (which has its own), and the batch."""
    models = {command_name(cls): (cls, body_model(cls)) for cls in COMMAND_ROLES}

    def _parsed(number: int, item: BatchItem | ChallengeRequest) -> Asked:
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
        return asked(cls, parsed)

    @router.post(
        "/productions/{production}/batch",
        tags=["commands"],
        summary="Several commands in one transaction (all or nothing)",
        responses={409: {"description": "One command was refused; nothing was recorded"}},
        response_model=dict[str, Any],
    )
    def batch(body: Batch, asking: MemberToCheck, app: AppDep) -> Response:
        """E.g. take out, inspect and hand over at the cart in one step.

        Each item is ``{"command": "<route name>", "body": {...}}`` with the same
        body as that command's own route (confirmations included). Each command
        is decided against the state the earlier ones leave; a refusal names the
        command by its position and nothing is written.
        """
        member = asking.check()
        batch = [_parsed(number, item) for number, item in enumerate(body.commands, start=1)]
        return answer(accepted_json(run_batch(app, member, batch)))

    @router.post(
        "/productions/{production}/confirmations",
        tags=["confirmations"],
        status_code=201,
        summary="Ask for the confirmations of one exact command (a challenge)",
        responses={
            403: {"description": "Your role may not ask for this command"},
            409: {"description": "The command asks for no confirmation, or `before` is refused"},
        },
        response_model=dict[str, Any],
    )
    def challenge(body: ChallengeRequest, asking: MemberToCheck, app: AppDep) -> Response:
        """The server words what is confirmed and who may confirm it, and binds it to the exact
        command (its fields, the production's log size, a nonce, an expiry of a few minutes).
        Each person then confirms with ``POST .../confirmations/{challenge}``; send the command
        with the confirmation ids in ``confirmations``. Each confirmation is used once."""
        member = asking.check()
        before = [_parsed(n, item) for n, item in enumerate(body.before, start=1)]
        issued = ask_confirmations(app, member, _parsed(len(before) + 1, body), before)
        return answer(challenge_json(app, member, issued), 201)

    @router.post(
        "/productions/{production}/confirmations/{challenge}",
        tags=["confirmations"],
        status_code=201,
        summary="Confirm a challenge with your own PIN",
        responses={403: {"description": "Not asked to confirm, expired, or the PIN refused"}},
        response_model=dict[str, Any],
    )
    def confirm(
        request: Request,
        challenge: Annotated[str, Path(max_length=64)],
        body: PinConfirmation,
        asking: MemberToCheck,
        app: AppDep,
    ) -> Response:
        """One person named by the challenge confirms it with their PIN; the answer is the id
        of a confirmation only the challenged command can use, once."""
        member = asking.check()
        given = give_confirmation(app, member, challenge, body.person, body.pin, client_of(request))
        return answer(
            {"confirmation": given.id, "person": given.person, "at": given.at.isoformat()}, 201
        )

    # after the batch and the confirmations: a request is matched against the routes in
    # order, and those two take six of the nine requests of an issue and its return
    for cls in COMMAND_ROLES:
        _make_route(router, cls)


def answer(content: dict[str, Any], status_code: int = 200) -> Response:
    """``content`` as the JSON response FastAPI would make of it, encoded by orjson.

    The routes an issue takes (a command, the batch, a challenge and its confirmations)
    return their answer as a ``Response``: FastAPI's own path checks the dict against the
    declared ``dict[str, Any]`` and serialises it through pydantic (~8% of the server's CPU
    per issue over HTTP, measured interleaved). The same JSON either way (compact, UTF-8);
    what orjson cannot write (an integer beyond 64 bits) goes through ``JSONResponse``.
    """
    try:
        body = orjson.dumps(content)
    except orjson.JSONEncodeError:
        return JSONResponse(content, status_code=status_code)
    return Response(body, status_code=status_code, media_type="application/json")


def challenge_json(app: App, member: Membership, issued: IssuedChallenge) -> dict[str, Any]:
    """A challenge as the API answers it."""
    ch = issued.challenge
    state = app.custody.state(member.id)
    return {
        "challenge": ch.id,
        "command": ch.command,
        "summary": ch.summary,
        "log_size": ch.log_size,
        "expires_at": ch.expires_at.isoformat(),
        "asks": confirmers_words(state, issued.slots),
    }


add_command_routes(router)

__all__ = [
    "accepted_json",
    "add_command_routes",
    "answer",
    "body_model",
    "challenge_json",
    "router",
]
