"""`pip install bearwitness` without the analysis extra: the core commands and both servers
run, and an analysis command says what to install instead of a traceback.

Each command runs in a child process in which importing any package that only the
extras install fails, as it does on an installation without them.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bearwitness.errors import MissingExtra
from tests.cli.runner import Cli

PASS = "a long and careful passphrase"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _requirement_name(requirement: str) -> str:
    name = requirement.split(";")[0]
    for mark in "[<>=!~ ":
        name = name.split(mark)[0]
    return name.strip().lower().replace("-", "_")


def _extras() -> dict[str, list[str]]:
    with PYPROJECT.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return {"": project["dependencies"], **extras}


def _extra_only() -> set[str]:
    """The packages the analysis, claims, spark and dp extras add to the core."""
    extras = _extras()
    core = {_requirement_name(r) for r in extras[""]}
    added = {
        _requirement_name(r) for name in ("analysis", "claims", "spark", "dp") for r in extras[name]
    }
    return {name for name in added if name != "bearwitness"} - core


BLOCKER = f"""
import importlib.abc, runpy, sys
BLOCKED = {sorted(_extra_only() | {"llvmlite"})!r}
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Missing())
sys.argv[0] = "bearwitness"
runpy.run_module("bearwitness.cli.main", run_name="__main__", alter_sys=True)
"""


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(tmp_path / "session", python=("-c", BLOCKER))
    yield runner
    for archive in tmp_path.rglob("bearwitness.toml"):
        runner("lock", archive.parent, ok=False)  # never leave an agent behind


def test_the_extras_hold_the_analysis_stack_and_the_error_knows_them() -> None:
    extras = _extras()
    core = {_requirement_name(r) for r in extras[""]}
    assert not core & {"splink", "duckdb", "numba", "scipy", "pandas", "pyspark", "arviz"}
    # the lock and the tests cover it all
    assert any(r.startswith("bearwitness[") and "analysis" in r for r in extras["dev"])
    assert any(r.startswith("bearwitness[") and "claims" in r for r in extras["dev"])
    assert _extra_only() <= set(MissingExtra.PACKAGES)


def test_the_core_commands_run_without_the_analysis_extra(core: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    core("init", folder, "--passphrase-stdin", stdin=f"{PASS}\n")
    core("add", "event", folder, "--set", "title=FICTIONAL raid", "--set", "date=2019-03")
    rows = tmp_path / "rows.csv"
    rows.write_text("type,title,date\nevent,FICTIONAL detention,2018\n", encoding="utf-8")
    assert "Taken in 1 record(s)" in core("import", folder, rows).stdout
    assert "Folded 2 inbox batch(es)" in core("unlock", folder, "--stdin", stdin=f"{PASS}\n").stdout
    assert "Events (2 shown)" in core("list", "events", folder).stdout
    core("log", "checkpoint", folder, "--no-timestamp")
    assert "Everything verifies" in core("verify", folder).stdout
    assert "unlocked" in core("status", folder).stdout


def test_an_analysis_command_says_what_to_install(core: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    core("init", folder, "--passphrase-stdin", stdin=f"{PASS}\n")
    core("unlock", folder, "--stdin", stdin=f"{PASS}\n")
    refused = core("link", "archive", folder, ok=False)
    assert refused.returncode == 14, refused.stderr
    assert "pip install 'bearwitness[analysis]'" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_claim_extraction_says_what_to_install(core: Cli, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("FICTIONAL: police detained 40 people.", encoding="utf-8")
    refused = core("claims", "extract", article, ok=False)
    assert refused.returncode == 14, refused.stderr
    assert "pip install 'bearwitness[claims]'" in refused.stderr
    assert "Traceback" not in refused.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(core: Cli, *command: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, *core.python, *command, "--port", str(port)],
        env=core.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            if process.poll() is not None:
                errors = process.stderr.read() if process.stderr else b""
                raise AssertionError(f"{command[0]} stopped: {errors.decode()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_both_servers_start_without_the_analysis_extra(core: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    core("init", folder, "--passphrase-stdin", stdin=f"{PASS}\n")
    with (
        _serving(core, "serve-intake", str(folder), "--fictional") as intake,
        urllib.request.urlopen(f"{intake}/") as page,
    ):
        assert page.status == 200
    with (
        _serving(core, "serve", str(folder), "--http-cookies") as workbench,
        urllib.request.urlopen(f"{workbench}/login") as page,
    ):
        assert page.status == 200
