"""What guards each route, stated on the route: a permission, or a reason to be public.

Both apps declare it as a FastAPI dependency of the route. :func:`unguarded`
walks an app's routes and names any that states neither; the tests fail on it.
Routes the framework adds (static files, the API's description) get their
reasons from the app, in ``app.state.public_routes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute


class Public:
    """A dependency marking a route that anyone may open, and why. It checks nothing."""

    def __init__(self, reason: str) -> None:
        if not reason.strip():
            raise ValueError("a public route needs a reason")
        self.reason = reason

    async def __call__(self, request: Request) -> Any:
        return None


def guards(dependant: Dependant) -> list[object]:
    """Every dependency callable under ``dependant``, depth first."""
    found: list[object] = []
    for sub in dependant.dependencies:
        found.append(sub.call)
        found += guards(sub)
    return found


@dataclass(frozen=True)
class RouteGuard:
    """One route of an app as it answers: its path, methods and every dependency."""

    path: str
    methods: frozenset[str]
    calls: tuple[object, ...]  # empty for a route that is not FastAPI's (static files)
    api: bool


def routes_of(app: FastAPI) -> list[RouteGuard]:
    """Every route of ``app``, with the dependencies of its routers included.

    FastAPI from 0.16x keeps an included router whole in ``app.routes``, and
    flattens it with ``iter_route_contexts``; older ones list every route.
    """
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    found = []
    routes: list[Any] = list(flatten(app.routes) if flatten else app.routes)
    for route in routes:
        original = getattr(route, "original_route", route)
        path = str(getattr(route, "path", "") or repr(original))
        if isinstance(original, APIRoute):
            found.append(
                RouteGuard(
                    path, frozenset(route.methods or ()), tuple(guards(route.dependant)), True
                )
            )
        else:
            found.append(
                RouteGuard(path, frozenset(getattr(route, "methods", None) or ()), (), False)
            )
    return found


def unguarded(app: FastAPI, permission: tuple[type, ...] = ()) -> list[str]:
    """The routes of ``app`` with neither a dependency of a ``permission`` class nor a
    public reason."""
    kinds = (Public, *permission)
    stated: dict[str, str] = getattr(app.state, "public_routes", {})
    missing = []
    for route in routes_of(app):
        if route.api:
            if not any(isinstance(call, kinds) for call in route.calls):
                missing.append(f"{sorted(route.methods)} {route.path}")
        elif not stated.get(route.path, "").strip():
            missing.append(route.path)
    return missing
