"""Usage errors (an unknown option, a missing argument): a message and exit 2, no traceback."""

from __future__ import annotations

import pytest

from tests.cli.runner import Cli


@pytest.mark.parametrize(
    "args, expected",
    [
        (("verify", "archive", "--nope"), "No such option: --nope"),
        (("init",), "Missing argument"),
        (("list", "unicorns", "archive"), "unicorns"),
    ],
)
def test_a_usage_error_is_a_message_not_a_traceback(
    cli: Cli, args: tuple[str, ...], expected: str
) -> None:
    done = cli(*args, ok=False)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
