"""Every error class leaves the command line with its own exit code, never the default 1."""

from __future__ import annotations

import bearwitness.errors
from bearwitness.cli.main import EXIT_CODES
from bearwitness.errors import BearWitnessError
from tests.web.test_routes import entry_for, every_error_class


def test_every_error_class_has_an_exit_code() -> None:
    defined = [
        k
        for k in vars(bearwitness.errors).values()
        if isinstance(k, type) and issubclass(k, BearWitnessError) and k is not BearWitnessError
    ]
    assert len(defined) >= 10
    assert not [k.__name__ for k in every_error_class() if entry_for(EXIT_CODES, k) is None]
    assert len(set(EXIT_CODES.values())) >= 9 and 1 not in EXIT_CODES.values()
