"""What every unit page shares, as dependencies: who asks and whether they may read the
unit, the view, the unit's tree and names, breadcrumbs and tabs; and the page of a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from .. import evidence
from ..api.params import UNIT_PATTERN
from ..indicators import UnknownUnit
from ..units import UnitTree
from ..vocabulary import POLICIES
from . import labels
from .auth import ConsoleError, role_of
from .periods import PRESETS, preset
from .render import View, render, view_of
from .state import Console, ConsoleState

PAGE_ROWS = 50
MAX_PAGE = 1_000_000


def not_found(code: str, lang: str) -> ConsoleError:
    """The 404 of a unit the tracker does not know (or a code that cannot be one)."""
    return ConsoleError(404, labels.word("not_found", lang, unit=code))


@dataclass(frozen=True)
class UnitPage:
    """A request for one of a unit's pages, once the role may read the unit.

    `shared` is the template context every unit page shows (breadcrumbs, tabs, presets).
    """

    request: Request
    console: ConsoleState
    view: View
    code: str
    tree: UnitTree
    shared: dict[str, Any]

    @property
    def scope(self) -> evidence.Scope:
        """The unit's subtree over the view's period, for the evidence functions."""
        return evidence.Scope.of(self.tree, self.code, self.view.span.start, self.view.span.end)

    def not_found(self) -> ConsoleError:
        """The 404 of this unit, in the page's language."""
        return not_found(self.code, self.view.lang)

    async def indicators(self, *, breakdown: bool) -> dict[str, Any]:
        """The unit's indicators over the view (404 when the reader does not know the unit)."""
        span = self.view.span
        try:
            return await self.console.reader.indicators(
                self.code, span.start, span.end, breakdown=breakdown, policy=self.view.policy
            )
        except UnknownUnit:
            raise self.not_found() from None

    def render(self, template: str, **context: Any) -> HTMLResponse:
        """The page `template` with `context` and what every unit page shows."""
        return render(self.request, self.console, template, **context, **self.shared)


async def unit_page(request: Request, code: str, console: Console) -> UnitPage:
    """Role check (401, 403), view (422) and unit (404), in that order, then the shared parts."""
    role, via_cookie = await role_of(request, console.engine, console.signer)
    q = view_of(request, console)
    if not UNIT_PATTERN.fullmatch(code):
        raise not_found(code, q.lang)
    if not role.can_read(code):
        raise ConsoleError(403, labels.word("forbidden", q.lang, root=role.root, unit=code))
    root = code.split(".", 1)[0]
    tree = await console.reader.tree(root)
    if not tree.contains(code):
        raise not_found(code, q.lang)
    names = await console.reader.unit_names(root)
    crumbs: list[str] = []
    node: str | None = code
    while node is not None and node not in crumbs:
        crumbs.append(node)
        node = tree.parent.get(node)
    today = console.today()
    shared = {
        "lang": q.lang,
        "q": q,
        "role": role,
        "signed_in": via_cookie,
        "unit": code,
        "names": names,
        "crumbs": crumbs[::-1],
        "base": f"/console/units/{code}",
        "presets": [(name, preset(name, today)) for name in PRESETS],
        "policies": POLICIES,
    }
    return UnitPage(request, console, q, code, tree, shared)


@dataclass(frozen=True)
class Paging:
    """The page of a table a request asks for (`page`, from 1), PAGE_ROWS rows each."""

    page: int

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * PAGE_ROWS

    def context(self, total: int) -> dict[str, int]:
        """`page` and `pages` (at least one) for the template of a table of `total` rows."""
        return {"page": self.page, "pages": max(1, -(-total // PAGE_ROWS))}


def paging(request: Request) -> Paging:
    """The `page` parameter (422 unless a whole number from 1)."""
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ConsoleError(422, "page must be a whole number from 1")
    return Paging(int(raw))


Unit = Annotated[UnitPage, Depends(unit_page)]
Page = Annotated[Paging, Depends(paging)]
