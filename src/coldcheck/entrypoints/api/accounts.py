"""Accounts over the API: exchange a login and password for a token, revoke it, who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from coldcheck.entrypoints.api.jsonable import jsonable
from coldcheck.entrypoints.deps import AppDep, ViewerDep, client_of, request_token
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.service.account_model import CredentialRefused, SessionKind, TriesThrottled

router = APIRouter(prefix=API_PREFIX)


class TokenRequest(BaseModel):
    """Login and password, for an API token."""

    model_config = ConfigDict(strict=True, extra="forbid")
    login: str = Field(min_length=1, max_length=80, examples=["mara"])
    password: str = Field(min_length=1, max_length=1024, examples=["correct horse battery"])


@router.post(
    "/auth/token",
    tags=["accounts"],
    summary="Exchange login and password for a token",
    responses={429: {"description": "Too many wrong passwords: wait Retry-After seconds"}},
)
def issue_token(request: Request, body: TokenRequest, app: AppDep) -> dict[str, Any]:
    """Returns a bearer token for ``Authorization: Bearer <token>`` (valid 30 days).

    Too many wrong passwords for a login or from a client: 429 with ``Retry-After``.
    """
    try:
        signed = app.accounts.sign_in(
            body.login, body.password, SessionKind.API, client_of(request)
        )
    except TriesThrottled as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except CredentialRefused:  # recorded and committed by the service
        raise HTTPException(401, "Login or password is wrong. Check both and try again.") from None
    return {
        "token": signed.token,
        "expires_at": signed.session.expires_at.isoformat(),
        "person": signed.user.person_id,
        "display_name": signed.user.display_name,
    }


@router.post("/auth/logout", tags=["accounts"], summary="Revoke the token used for this call")
def revoke_token(request: Request, app: AppDep, viewer: ViewerDep) -> dict[str, bool]:
    """Ends the session or token that authenticated this request (bearer token or cookie)."""
    raw, _ = request_token(request)
    return {"revoked": app.accounts.revoke_session(raw)}


@router.get("/me", tags=["accounts"], summary="Who you are and your productions")
def me(app: AppDep, viewer: ViewerDep) -> dict[str, Any]:
    """The signed-in person and every production they have a role on."""
    return {
        "person": viewer.user.person_id,
        "login": viewer.user.login,
        "display_name": viewer.user.display_name,
        "productions": [jsonable(p) for p in app.reads.productions_for(viewer.person)],
    }
