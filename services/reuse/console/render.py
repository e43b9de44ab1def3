"""Rendering the console's pages: the templates, the view a page keeps in its links, the
page itself (with its CSRF cookie) and the error page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader

from ..vocabulary import POLICIES
from . import labels
from .auth import ConsoleError
from .periods import BadPeriod, Span, chosen
from .session import CSRF_COOKIE
from .state import Console, ConsoleState

TEMPLATES = Path(__file__).parent / "templates"
SAFE_NEXT = re.compile(r"^/console/[A-Za-z0-9._/?=&%-]*$")


def environment() -> Environment:
    """Jinja2 with autoescape on for every template: every value is escaped unless marked."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters.update(labels.FILTERS)
    return env


@dataclass(frozen=True)
class View:
    """What the page shows: language, period and denominator policy."""

    lang: str
    span: Span
    policy: str
    policy_given: bool

    def params(self, **overrides: Any) -> dict[str, str]:
        """The query string that keeps this view, with overrides (None drops a key)."""
        out: dict[str, Any] = {"from": self.span.start.isoformat(), "to": self.span.end.isoformat()}
        if self.policy_given:
            out["denominator"] = self.policy
        if self.lang != "vi":
            out["lang"] = self.lang
        out.update(overrides)
        return {k: str(v) for k, v in out.items() if v is not None}

    def url(self, path: str, **overrides: Any) -> str:
        """`path` with this view's query string."""
        return f"{path}?{urlencode(self.params(**overrides))}"


def lang_of(request: Request) -> str:
    """The page's language: `lang` when it is one of labels.LANGS, else Vietnamese."""
    lang = request.query_params.get("lang", "vi")
    return lang if lang in labels.LANGS else "vi"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path, never another site."""
    if value and SAFE_NEXT.fullmatch(value) and "//" not in value:
        return value
    return "/console/"


def view_of(request: Request, console: Console) -> View:
    """The language, period and policy the query asks for (422 when they are unusable)."""
    lang = lang_of(request)
    qp = request.query_params
    try:
        span = chosen(qp.get("from"), qp.get("to"), console.today())
    except BadPeriod as exc:
        raise ConsoleError(422, str(exc)) from None
    policy = qp.get("denominator") or console.default_policy
    if policy not in POLICIES:
        raise ConsoleError(422, f"denominator must be one of {', '.join(POLICIES)}")
    return View(lang, span, policy, bool(qp.get("denominator")))


def render(
    request: Request, console: ConsoleState, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """`template` with `context`, the words of the page's language and a CSRF field.

    A `q` (View) in the context gives the page `here` (links to itself in another period or
    language that keep what it shows, plus `keep`) and `kept`; a browser without a CSRF
    nonce cookie gets one.
    """
    lang = context.pop("lang", None) or lang_of(request)
    signer = console.signer
    nonce = request.cookies.get(CSRF_COOKIE)
    fresh = nonce is None
    nonce = nonce or signer.nonce()
    query: View | None = context.get("q")
    keep: dict[str, str | None] = context.pop("keep", {})
    if query is not None:
        context["here"] = lambda **changes: query.url(request.url.path, **{**keep, **changes})
        context["kept"] = {k: v for k, v in keep.items() if v is not None}
    page = console.env.get_template(template).render(
        lang=lang,
        t=labels.translator(lang),
        indicator_name=lambda code: labels.indicator_name(code, lang),
        csrf=signer.csrf(nonce),
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    if fresh:
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict", path="/console")
    return response


def error_page(env: Environment, request: Request, exc: ConsoleError) -> Response:
    """The page (or redirect) for a ConsoleError."""
    lang = lang_of(request)
    if exc.sign_in:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"/console/sign-in?{urlencode({'next': safe_next(target)})}", status_code=303
        )
    headers = {"WWW-Authenticate": 'Bearer realm="reuse-tracker"'} if exc.status == 401 else None
    page = env.get_template("error.html").render(
        lang=lang,
        t=labels.translator(lang),
        status=exc.status,
        message=exc.message,
    )
    return HTMLResponse(page, status_code=exc.status, headers=headers)
