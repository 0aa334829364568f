"""The ledger over HTTP, shaped like Certificate Transparency: head, key, entries, proofs,
and the newest checkpoint in C2SP form (c2sp.org/tlog-checkpoint) with its cosignatures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import PlainTextResponse

from coldcheck.entrypoints.deps import AppDep, OptionalViewerDep
from coldcheck.entrypoints.routes import API_PREFIX
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import b64encode as b64

router = APIRouter(prefix=API_PREFIX)

MAX_ENTRIES = 1000


def _bad(message: str) -> HTTPException:
    return HTTPException(400, message)


@router.get("/ledger/head", tags=["ledger"], summary="The newest signed tree head")
def ledger_head(app: AppDep) -> dict[str, Any]:
    """``{log_id, tree_size, root_hash, timestamp, signature}``, base64 byte strings."""
    head = app.reads.ledger_head()
    if head is None:
        raise HTTPException(404, "The log is empty: no head has been signed yet.")
    return head.to_json()


@router.get(
    "/ledger/checkpoint",
    tags=["ledger"],
    summary="The newest checkpoint (c2sp.org/tlog-checkpoint) with every cosignature held",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def ledger_checkpoint(app: AppDep) -> PlainTextResponse:
    """The signed note: origin, tree size, base64 root, the log's signature, then every
    witness cosignature held for it (c2sp.org/tlog-cosignature)."""
    head = app.reads.ledger_head()
    if head is None:
        raise HTTPException(404, "The log is empty: no checkpoint has been signed yet.")
    note = app.witnessing.cosigned_checkpoint(head)
    return PlainTextResponse(note.decode("utf-8"), media_type="text/plain; charset=utf-8")


@router.get("/ledger/key", tags=["ledger"], summary="The log's public key")
def ledger_key(app: AppDep) -> dict[str, str]:
    """Raw 32-byte Ed25519 public key, ``log_id`` = SHA-256 of it (base64), the log's
    ``origin`` and its ``vkey`` in the signed-note form a witness is configured with."""
    return {
        "public_key": b64(app.public_key),
        "log_id": b64(app.log_id),
        "origin": app.identity.origin,
        "vkey": app.identity.vkey,
    }


@router.get("/ledger/entries", tags=["ledger"], summary="Log entries start..end (inclusive)")
def ledger_entries(
    app: AppDep,
    viewer: OptionalViewerDep,
    start: Annotated[int, Query(ge=0)],
    end: Annotated[int, Query(ge=0)],
) -> dict[str, Any]:
    """At most 1000 entries. ``entry`` bytes only for members of that entry's production;
    a commit record (head links) for anyone, a security record for nobody."""
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
        if e.public or (e.production and e.production in readable):
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
