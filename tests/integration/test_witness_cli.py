"""``witness init`` / ``witness serve``: the Typer sub-app alone, under a root CLI, and served."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import httpx
import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from coldcheck.config import Settings
from coldcheck.ledger.cosignature import CosignatureVerifier
from coldcheck.ledger.note import parse_vkey
from coldcheck.ledger.witness_protocol import verified_cosignatures
from coldcheck.witness.cli import witness_cli
from coldcheck.witness.setup import KEY_FILE_NAME, STATE_FILE_NAME, WITNESS_FOLDER
from tests.integration.witness_support import Log, start_witness

NAME = "witness.insurer.example/w1"
LOG = Log()


def run(*args: str) -> Result:
    return CliRunner().invoke(witness_cli, list(args))


def _init(data: Path, name: str = NAME) -> str:
    result = run("--data", str(data), "init", "--name", name)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_init_makes_a_private_key_and_folder_and_prints_the_cosignature_vkey(
    tmp_path: Path,
) -> None:
    vkey = _init(tmp_path / "data")
    parsed = parse_vkey(vkey)
    assert (parsed.name, parsed.sig_type) == (NAME, 0x04)
    folder = tmp_path / "data" / WITNESS_FOLDER
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / KEY_FILE_NAME).stat().st_mode) == 0o600
    assert (folder / STATE_FILE_NAME).exists()


def test_init_again_changes_nothing_and_prints_the_same_vkey(tmp_path: Path) -> None:
    first = _init(tmp_path)
    key = (tmp_path / WITNESS_FOLDER / KEY_FILE_NAME).read_bytes()
    result = run("--data", str(tmp_path), "init", "--name", NAME)
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert result.output.strip().splitlines()[-1] == first
    assert (tmp_path / WITNESS_FOLDER / KEY_FILE_NAME).read_bytes() == key


def test_a_witness_keeps_its_name(tmp_path: Path) -> None:
    _init(tmp_path)
    result = run("--data", str(tmp_path), "init", "--name", "other.example/w2")
    assert result.exit_code == 2
    assert "keeps its name" in result.output


@pytest.mark.parametrize(
    ("name", "reason"), [("my witness", "space"), ("a+b", "'+'"), ("", "non-empty")]
)
def test_an_invalid_name_is_refused_and_nothing_is_made(
    tmp_path: Path, name: str, reason: str
) -> None:
    result = run("--data", str(tmp_path), "init", "--name", name)
    assert result.exit_code == 2
    assert reason in result.output
    assert not (tmp_path / WITNESS_FOLDER).exists()


def test_a_witness_that_lost_its_state_is_not_remade_empty(tmp_path: Path) -> None:
    _init(tmp_path)
    (tmp_path / WITNESS_FOLDER / STATE_FILE_NAME).unlink()
    result = run("--data", str(tmp_path), "init", "--name", NAME)
    assert result.exit_code == 2 and "restore it from a backup" in result.output
    served = run("--data", str(tmp_path), "serve", "--log", LOG.vkey)
    assert served.exit_code == 1 and "restore it from a backup" in served.output


def test_serve_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    _init(tmp_path)
    os.chmod(tmp_path / WITNESS_FOLDER / KEY_FILE_NAME, 0o644)
    result = run("--data", str(tmp_path), "serve", "--log", LOG.vkey)
    assert result.exit_code == 1 and "chmod 600" in result.output


def test_serve_refuses_a_folder_others_can_enter(tmp_path: Path) -> None:
    _init(tmp_path)
    os.chmod(tmp_path / WITNESS_FOLDER, 0o755)
    result = run("--data", str(tmp_path), "serve", "--log", LOG.vkey)
    assert result.exit_code == 1 and "chmod 700" in result.output


def test_serve_before_init_says_to_run_init(tmp_path: Path) -> None:
    result = run("--data", str(tmp_path), "serve", "--log", LOG.vkey)
    assert result.exit_code == 1 and "witness init --name" in result.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ([], "--log"),
        (["--log", "not-a-vkey"], "vkey"),
        (["--log", LOG.vkey.replace("+", "+0", 1)], "key ID"),
        (["--log", LOG.vkey, "--log", LOG.vkey], "twice"),
        (["--log", LOG.vkey, "--port", "0"], "--port"),
    ],
)
def test_serve_refuses_bad_options_with_the_reason(
    tmp_path: Path, args: list[str], reason: str
) -> None:
    _init(tmp_path)
    result = run("--data", str(tmp_path), "serve", *args)
    assert result.exit_code == 2, result.output
    assert reason in result.output


def test_serve_refuses_a_witness_key_given_as_a_log_key(tmp_path: Path) -> None:
    vkey = _init(tmp_path)
    result = run("--data", str(tmp_path), "serve", "--log", vkey)
    assert result.exit_code == 2 and "witness's key" in result.output


def test_under_a_root_cli_the_data_folder_comes_from_the_root_settings(tmp_path: Path) -> None:
    # What the integrator does: cli.add_typer(witness_cli, name="witness") under a root whose
    # callback leaves the Settings (with data_dir) in ctx.obj.
    root = typer.Typer()

    @root.callback()
    def _root(ctx: typer.Context, data: Annotated[Path, typer.Option("--data")]) -> None:
        ctx.obj = Settings(data_dir=data)

    root.add_typer(witness_cli, name="witness")
    result = CliRunner().invoke(root, ["--data", str(tmp_path), "witness", "init", "--name", NAME])
    assert result.exit_code == 0, result.output
    assert (tmp_path / WITNESS_FOLDER / KEY_FILE_NAME).exists()
    # the sub-app's own --data wins over the root's
    other = tmp_path / "other"
    result = CliRunner().invoke(
        root,
        ["--data", str(tmp_path), "witness", "--data", str(other), "init", "--name", NAME],
    )
    assert result.exit_code == 0 and (other / WITNESS_FOLDER / KEY_FILE_NAME).exists()


def test_without_any_data_option_the_environment_names_the_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        witness_cli, ["init", "--name", NAME], env={"COLDCHECK_DATA": str(tmp_path)}
    )
    assert result.exit_code == 0
    assert (tmp_path / WITNESS_FOLDER / KEY_FILE_NAME).exists()


def test_the_served_witness_cosigns_and_its_vkey_is_the_one_init_printed(tmp_path: Path) -> None:
    vkey = _init(tmp_path)
    server = start_witness(tmp_path, LOG.vkey)
    try:
        r = httpx.post(f"{server.url}/add-checkpoint", content=LOG.request(0, 7), timeout=10)
        assert r.status_code == 200, r.text
        cosigs = verified_cosignatures(
            LOG.note(7), r.content, [CosignatureVerifier.from_vkey(vkey)]
        )
        assert len(cosigs) == 1
        r = httpx.post(f"{server.url}/add-checkpoint", content=LOG.request(3, 9), timeout=10)
        assert (r.status_code, r.headers["content-type"], r.content) == (
            409,
            "text/x.tlog.size",
            b"7\n",
        )
    finally:
        server.stop()
    # after a restart the witness still holds size 7
    server = start_witness(tmp_path, LOG.vkey)
    try:
        r = httpx.post(f"{server.url}/add-checkpoint", content=LOG.request(0, 9), timeout=10)
        assert (r.status_code, r.content) == (409, b"7\n")
        r = httpx.post(f"{server.url}/add-checkpoint", content=LOG.request(7, 9), timeout=10)
        assert r.status_code == 200
    finally:
        server.stop()


def test_the_witness_runs_as_a_program_of_its_own() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "coldcheck.witness", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "init" in result.stdout and "serve" in result.stdout
