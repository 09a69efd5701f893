"""The authorisation matrix's parts that slices share: a request example per endpoint.

Each slice keeps its examples in `tests/support/matrix_<slice>.py` and calls `register`,
keyed by operation id (or "METHOD /path" for a route without one, e.g. "GET /work");
the matrix test imports every such module. An example builds one request to its endpoint
for a caller and a place ("in": inside the roles' subtree A, "out": in B). When `reaches`
is true the request must succeed (2xx), so the example first brings whatever it acts on
into a state where the step is allowed.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from tests.support.access import World


@dataclass
class Ctx:
    world: World
    where: str  # "in" | "out"
    auth: dict[str, str]  # the caller's headers ({} when signed out)
    reaches: bool  # the caller may do this here: the request must succeed
    pool: asyncpg.Pool

    @property
    def unit(self) -> str:
        """A unit inside the roles' subtree, or outside it."""
        return self.world.units["A1" if self.where == "in" else "B1"]


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    fresh_session: bool = False  # the request ends the session (sign-out): use a new one
    form: dict[str, str] | None = None  # a page's form post (sent form-encoded instead of JSON)


Example = Callable[[Ctx], Awaitable[Req]]
EXAMPLES: dict[str, Example] = {}
UNSCOPED: set[str] = set()  # endpoints about the caller, not about a unit: no "outside"
PUBLIC: set[tuple[str, str]] = {("GET", "/health"), ("GET", "/ready")}
PUBLIC_PREFIXES: tuple[str, ...] = ("/api/schema",)  # the OpenAPI documents


def register(
    examples: dict[str, Example],
    *,
    unscoped: set[str] = frozenset(),  # type: ignore[assignment]
    public: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> None:
    for op in examples:
        assert op not in EXAMPLES, f"two examples for {op}"
    EXAMPLES.update(examples)
    UNSCOPED.update(unscoped)
    PUBLIC.update(public)


def simple(method: str, path: Callable[[Ctx], str], body: Callable[[Ctx], Any] | None = None) -> Example:
    async def example(c: Ctx) -> Req:
        return Req(method, path(c), None if body is None else body(c))

    return example


def discover() -> None:
    """Import every `tests/support/matrix_*.py`: each registers its slice's examples."""
    import tests.support as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("matrix_"):
            importlib.import_module(f"tests.support.{module.name}")
