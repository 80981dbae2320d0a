"""The linkage data tables, read once from the TOML files shipped in the package."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_table(name: str) -> dict[str, Any]:
    """The parsed contents of ``bearwitness/linkage/data/<name>.toml``.

    Cached because the tables are read-only package data, not state.
    """
    text = resources.files("bearwitness.linkage.data").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)
