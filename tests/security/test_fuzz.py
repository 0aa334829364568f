"""Schemathesis against ``/openapi.json`` of a real server: no 5xx, answers match the schema,
and a request the server refuses changes nothing (the ledger head stays the same).

Every operation gets ``COLDCHECK_FUZZ_CASES`` generated cases (default 4;
derandomised, so a CI failure reproduces), sent as the armorer — who may
ask for almost everything, so the cases reach the rules and the ledger.
Logout is left out (it would end the token the run uses).

schemathesis is a trial dependency: without it the test skips.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.support import Forked, Zygote, bearer, custody_events, login

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

CASES = int(os.environ.get("COLDCHECK_FUZZ_CASES", "4"))
LEFT_OUT = {"/api/v1/auth/logout", "/api/v1/alerts/stream"}


@pytest.fixture(scope="module")
def server(
    z: Zygote, demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Forked]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(demo_data, data)
    s = z.serve(data)
    try:
        yield s
    finally:
        z.kill(s.pid)
    result = z.run("verify", data=data)
    assert result.returncode == 0, result.stdout


def _fuzz(
    op: Any,
    server: Forked,
    headers: dict[str, str],
    statuses: Counter[int],
    failures: list[str],
    known: list[str],
) -> None:
    """Run the generated cases of one operation, collecting what went wrong."""

    @given(case=op.as_strategy())
    @settings(
        max_examples=CASES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        params = case.path_parameters or {}
        if "production" in params:  # reach the rules, not a 404 for a made-up production
            params["production"] = "dry-gulch"
            if "tag" in params:
                params["tag"] = "L-0001" if "/lots/" in op.path else "W-0001"
        writes = op.method.upper() != "GET"
        before = custody_events(server) if writes else None
        try:
            response = case.call(base_url=server.url, headers=headers, timeout=60)
        except (httpx.TransportError, OSError) as exc:  # pragma: no cover
            failures.append(f"{op.method.upper()} {op.path}: transport {exc!r}")
            return
        statuses[response.status_code] += 1
        try:
            case.validate_response(
                response,
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    content_type_conformance,
                ],
            )
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            inner = getattr(exc, "exceptions", None) or [exc]
            for e in inner:
                first = str(e).strip().splitlines()[0][:160] if str(e).strip() else repr(e)
                where = f"{op.method.upper()} {op.path} -> {response.status_code}: {first}"
                if response.status_code == 422 and "violates schema" in first:
                    known.append(where)  # see test_validation_errors_match_their_schema
                else:
                    failures.append(where)
        if writes and response.status_code >= 400 and custody_events(server) != before:
            failures.append(
                f"{op.method.upper()} {op.path}: refused ({response.status_code})"
                " but a custody event was recorded"
            )

    run()


def test_fuzz_every_operation(server: Forked) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = bearer(login(server.url, "mara"))
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    known: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path in LEFT_OUT:
            continue
        operations += 1

        _fuzz(op, server, headers, statuses, failures, known)
    cases = sum(statuses.values())
    print(
        f"\n[fuzz] schemathesis {getattr(schemathesis, '__version__', '?')}"
        f" operations={operations} cases={cases} statuses={dict(sorted(statuses.items()))}"
        f" failures={len(failures)} known (422 body shape)={len(known)}"
    )
    assert not failures, "\n".join(sorted(set(failures))[:40])


def test_validation_errors_match_their_schema(server: Forked) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    item = spec["components"]["schemas"]["ValidationError"]
    r = httpx.post(
        f"{server.url}/api/v1/productions/dry-gulch/commands/take-out-of-storage",
        json={"weapon": 5},
        headers=bearer(login(server.url, "mara")),
    )
    assert r.status_code == 422
    for error in r.json()["detail"]:
        assert set(item["required"]) <= set(error), error
