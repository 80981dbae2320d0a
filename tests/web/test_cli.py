"""`bearwitness users` and the serve commands' refusals, through the real command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.runner import Cli
from tests.web.conftest import PASSPHRASE, PASSWORD, Team


@pytest.fixture
def unlocked(team: Team, tmp_path: Path) -> Iterator[Cli]:
    """The command line with the team's archive unlocked (accounts change only so)."""
    cli = Cli(tmp_path / "cli")
    cli("unlock", team.folder, "--stdin", stdin=PASSPHRASE + "\n")
    yield cli
    cli("lock", team.folder)


def test_users_add_and_list(team: Team, unlocked: Cli) -> None:
    cli = unlocked
    added = cli(
        "users",
        "add",
        team.folder,
        "newcomer",
        "--role",
        "analyst",
        "--role",
        "auditor",
        "--stdin",
        stdin=PASSWORD + "\n",
    )
    assert "Added newcomer" in added.stdout and "otpauth://" in added.stdout
    assert "newcomer: analyst, auditor" in cli("users", "list", team.folder).stdout


def test_bad_accounts_are_refused_with_a_reason(team: Team, unlocked: Cli) -> None:
    cli = unlocked
    cases = [
        (("newcomer", "--role", "wizard"), PASSWORD, "unknown or missing roles"),
        (("newcomer", "--role", "analyst"), "short", "fewer than 12"),
        (("Bad Name!", "--role", "analyst"), PASSWORD, "not a usable username"),
        (("analyst", "--role", "analyst"), PASSWORD, "already a user"),
    ]
    for args, password, words in cases:
        done = cli("users", "add", team.folder, *args, "--stdin", stdin=password + "\n", ok=False)
        assert done.returncode == 2, done.stderr
        assert words in done.stderr


def test_serving_a_folder_that_is_no_archive_says_so(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "cli")
    for command in ("serve", "serve-intake"):
        done = cli(command, tmp_path / "nothing", "--port", "1", ok=False)
        assert done.returncode == 3 and "not a BearWitness archive" in done.stderr
    demo = cli("serve-intake", tmp_path, "--rate", "0", ok=False)
    assert demo.returncode in (2, 3)
