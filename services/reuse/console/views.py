"""The console's pages: sign-in, the unit page and its tabs, explanations and downloads.

Every figure comes from the reader and evidence functions the API uses; this module only
chooses what to ask and renders the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from .. import evidence, tokens
from ..api.params import UNIT_PATTERN
from ..csvreport import indicators_csv
from ..indicators import METRICS, IndicatorReader, UnknownUnit
from ..natural import natural_key
from ..pull import points_lost
from ..vocabulary import POLICIES
from . import labels
from .auth import ConsoleError, role_of
from .chart import Series, line_chart
from .periods import PRESETS, BadPeriod, Span, chosen, last_months, preset
from .session import CSRF_COOKIE, SESSION_COOKIE, Signer
from .workbook import indicators_xlsx

TEMPLATES = Path(__file__).parent / "templates"
PAGE_ROWS = 50
MAX_FORM_BYTES = 4096
CODES = [spec.code for spec in METRICS]
SAFE_NEXT = re.compile(r"^/console/[A-Za-z0-9._/?=&%-]*$")


def environment() -> Environment:
    """Jinja2 with autoescape on for every template: every value is escaped unless marked."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    env.filters["number"] = labels.number
    env.filters["count"] = labels.count
    env.filters["percent"] = labels.percent
    env.filters["day"] = labels.day
    env.filters["instant"] = labels.instant
    return env


@dataclass(frozen=True)
class Query:
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


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "vi")
    return lang if lang in labels.LANGS else "vi"


def _safe_next(value: str | None) -> str:
    if value and SAFE_NEXT.fullmatch(value) and "//" not in value:
        return value
    return "/console/"


def _sort_key(column: str, names: dict[str, str], dossiers: int) -> Callable[[dict[str, Any]], Any]:
    if column == "lost":
        return lambda u: (points_lost(u, dossiers), natural_key(u["unit"]))
    if column == "name":
        return lambda u: (names.get(u["unit"], ""), natural_key(u["unit"]))
    if column == "total":
        return lambda u: (u["total_score"], natural_key(u["unit"]))
    if column in CODES:
        index = CODES.index(column)

        def by_metric(u: dict[str, Any]) -> Any:
            m = u["metrics"][index]
            return (m["score"] is not None, m["score"] or 0, m["ratio"] or 0)

        return by_metric
    return lambda u: natural_key(u["unit"])


def console_router(
    engine: AsyncEngine,
    reader: IndicatorReader,
    signer: Signer,
    *,
    default_policy: str = "received",
    today: Callable[[], date],
) -> APIRouter:
    """The /console pages, reading through `reader` and `evidence` like the API."""
    env = environment()
    router = APIRouter(prefix="/console", include_in_schema=False)

    def query_of(request: Request) -> Query:
        lang = _lang(request)
        qp = request.query_params
        try:
            span = chosen(qp.get("from"), qp.get("to"), today())
        except BadPeriod as exc:
            raise ConsoleError(422, str(exc)) from None
        policy = qp.get("denominator") or default_policy
        if policy not in POLICIES:
            raise ConsoleError(422, f"denominator must be one of {', '.join(POLICIES)}")
        return Query(lang, span, policy, bool(qp.get("denominator")))

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = context.pop("lang", None) or _lang(request)
        nonce = request.cookies.get(CSRF_COOKIE)
        fresh = nonce is None
        nonce = nonce or signer.nonce()
        query: Query | None = context.get("q")
        keep: dict[str, str | None] = context.pop("keep", {})
        if query is not None:
            # Links to this page in another period or language keep what it shows.
            context["here"] = lambda **changes: query.url(request.url.path, **{**keep, **changes})
            context["kept"] = {k: v for k, v in keep.items() if v is not None}
        page = env.get_template(template).render(
            lang=lang,
            t=lambda key, **kw: labels.word(key, lang).format(**kw),
            indicator_name=lambda code: labels.indicator_name(code, lang),
            csrf=signer.csrf(nonce),
            path=request.url.path,
            **context,
        )
        response = HTMLResponse(page, status_code=status)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE, nonce, httponly=True, samesite="strict", path="/console"
            )
        return response

    async def unit_context(request: Request, code: str) -> dict[str, Any]:
        """Role check, period and the parts every unit page shows (breadcrumbs, tabs)."""
        role, via_cookie = await role_of(request, engine, signer)
        q = query_of(request)
        if not UNIT_PATTERN.fullmatch(code):
            raise ConsoleError(404, labels.word("not_found", q.lang).format(unit=code))
        if not role.can_read(code):
            raise ConsoleError(
                403, labels.word("forbidden", q.lang).format(root=role.root, unit=code)
            )
        root = code.split(".", 1)[0]
        tree = await reader.tree(root)
        if not tree.contains(code):
            raise ConsoleError(404, labels.word("not_found", q.lang).format(unit=code))
        names = await reader.unit_names(root)
        crumbs: list[str] = []
        node: str | None = code
        while node is not None and node not in crumbs:
            crumbs.append(node)
            node = tree.parent.get(node)
        base = f"/console/units/{code}"
        return {
            "lang": q.lang,
            "q": q,
            "role": role,
            "signed_in": via_cookie,
            "unit": code,
            "names": names,
            "crumbs": crumbs[::-1],
            "base": base,
            "presets": [(name, preset(name, today())) for name in PRESETS],
            "policies": POLICIES,
        }

    @router.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        role, via_cookie = await role_of(request, engine, signer)
        lang = _lang(request)
        suffix = "?lang=en" if lang == "en" else ""
        if role.root is not None:
            return RedirectResponse(f"/console/units/{role.root}{suffix}", status_code=303)
        roots = await reader.roots()
        return render(
            request, "roots.html", roots=roots, signed_in=via_cookie, suffix=suffix, lang=lang
        )

    @router.get("/sign-in", response_class=HTMLResponse)
    async def sign_in_form(request: Request) -> Response:
        return render(
            request,
            "sign_in.html",
            next=_safe_next(request.query_params.get("next")),
            error=None,
        )

    async def form_of(request: Request) -> dict[str, str]:
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_FORM_BYTES:
            raise ConsoleError(413, "the form is too large")
        body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
        fields = parse_qs(body, max_num_fields=8)
        form = {k: v[0] for k, v in fields.items() if v}
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        if (origin and origin != own) or not signer.csrf_ok(
            request.cookies.get(CSRF_COOKIE), form.get("csrf")
        ):
            raise ConsoleError(403, labels.word("bad_form", _lang(request)))
        return form

    @router.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> Response:
        form = await form_of(request)
        token = form.get("token", "").strip()
        target = _safe_next(form.get("next"))
        role = await tokens.authenticate(engine, token) if token else None
        if role is None:
            return render(
                request,
                "sign_in.html",
                status=401,
                next=target,
                error=labels.word("bad_token", _lang(request)),
            )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            signer.session(token),
            max_age=signer.max_age,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        await form_of(request)
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @router.get("/units/{code}", response_class=HTMLResponse)
    async def unit_page(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        result = await _indicators(code, q, breakdown=True)
        sort = request.query_params.get("sort", "unit")
        sort = sort if sort in ("unit", "name", "total", "lost", *CODES) else "unit"
        descending = request.query_params.get("dir") == "desc"
        dossiers = result["metrics"][0]["denominator"]
        children = sorted(
            result.get("units", []),
            key=_sort_key(sort, ctx["names"], dossiers),
            reverse=descending,
        )
        lost = {u["unit"]: points_lost(u, dossiers) for u in children}
        return render(
            request,
            "unit.html",
            tab="indicators",
            result=result,
            children=children,
            lost=lost,
            keep={"sort": None if sort == "unit" else sort, "dir": "desc" if descending else None},
            sort=sort,
            descending=descending,
            codes=CODES,
            **ctx,
        )

    async def _indicators(code: str, q: Query, *, breakdown: bool) -> dict[str, Any]:
        try:
            return await reader.indicators(
                code, q.span.start, q.span.end, breakdown=breakdown, policy=q.policy
            )
        except UnknownUnit:
            raise ConsoleError(404, labels.word("not_found", q.lang).format(unit=code)) from None

    def _page(request: Request) -> int:
        raw = request.query_params.get("page", "1")
        if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
            raise ConsoleError(422, "page must be a whole number from 1")
        return int(raw)

    @router.get("/units/{code}/explain", response_class=HTMLResponse)
    async def explain(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        indicator = request.query_params.get("indicator", "")
        if indicator not in CODES:
            raise ConsoleError(422, f"indicator must be one of {', '.join(CODES)}")
        counted_raw = request.query_params.get("counted", "")
        if counted_raw not in ("", "true", "false"):
            raise ConsoleError(422, "counted must be true, false or empty")
        counted = None if not counted_raw else counted_raw == "true"
        page = _page(request)
        tree = await reader.tree(code.split(".", 1)[0])
        found = await evidence.explain(
            engine,
            tree,
            evidence.Scope.of(tree, code, q.span.start, q.span.end),
            indicator,
            policy=q.policy,
            counted=counted,
            limit=PAGE_ROWS,
            offset=(page - 1) * PAGE_ROWS,
        )
        return render(
            request,
            "explain.html",
            tab="indicators",
            indicator=indicator,
            counted=counted_raw,
            keep={"indicator": indicator, "counted": counted_raw or None},
            found=found,
            page=page,
            pages=max(1, -(-found.total // PAGE_ROWS)),
            **ctx,
        )

    @router.get("/units/{code}/reuse", response_class=HTMLResponse)
    async def reuse(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        page = _page(request)
        tree = await reader.tree(code.split(".", 1)[0])
        rows = await evidence.reuse_rows(
            engine,
            evidence.Scope.of(tree, code, q.span.start, q.span.end),
            PAGE_ROWS,
            (page - 1) * PAGE_ROWS,
        )
        return render(
            request,
            "reuse.html",
            tab="reuse",
            rows=rows,
            page=page,
            pages=max(1, -(-rows.total // PAGE_ROWS)),
            **ctx,
        )

    @router.get("/units/{code}/missed", response_class=HTMLResponse)
    async def missed(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        page = _page(request)
        try:
            summary = await reader.missed_summary(
                code, q.span.start, q.span.end, breakdown=True, policy=q.policy
            )
        except UnknownUnit:
            raise ConsoleError(404, labels.word("not_found", q.lang).format(unit=code)) from None
        tree = await reader.tree(code.split(".", 1)[0])
        rows = await evidence.missed_rows(
            engine,
            evidence.Scope.of(tree, code, q.span.start, q.span.end),
            PAGE_ROWS,
            (page - 1) * PAGE_ROWS,
            policy=q.policy,
        )
        return render(
            request,
            "missed.html",
            tab="missed",
            summary=summary,
            rows=rows,
            page=page,
            pages=max(1, -(-rows.total // PAGE_ROWS)),
            **ctx,
        )

    @router.get("/units/{code}/trend", response_class=HTMLResponse)
    async def trend(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        months = last_months(q.span.end)
        results = []
        for span in months:
            results.append(await reader.indicators(code, span.start, span.end, policy=q.policy))
        month_labels = [f"{m.start.month:02d}/{m.start.year % 100:02d}" for m in months]
        total_chart = line_chart(
            labels.word("trend_total", q.lang),
            month_labels,
            [Series("total", labels.word("total", q.lang), [r["total_score"] for r in results])],
            22,
        )
        each_chart = line_chart(
            labels.word("trend_each", q.lang),
            month_labels,
            [
                Series(
                    f"m{i}",
                    labels.indicator_name(c, q.lang),
                    [
                        None if r["metrics"][i]["score"] is None else r["metrics"][i]["score"]
                        for r in results
                    ],
                )
                for i, c in enumerate(CODES)
            ],
            6,
        )
        return render(
            request,
            "trend.html",
            tab="trend",
            months=list(zip(months, results, strict=True)),
            total_chart=total_chart,
            each_chart=each_chart,
            codes=CODES,
            **ctx,
        )

    @router.get("/units/{code}/indicators.csv")
    async def download_csv(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        result = await _indicators(code, q, breakdown=True)
        name = f"indicators-{code}-{q.span.start}-{q.span.end}.csv"
        return Response(
            indicators_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/units/{code}/indicators.xlsx")
    async def download_xlsx(request: Request, code: str) -> Response:
        ctx = await unit_context(request, code)
        q: Query = ctx["q"]
        result = await _indicators(code, q, breakdown=True)
        name = f"indicators-{code}-{q.span.start}-{q.span.end}.xlsx"
        return Response(
            indicators_xlsx(result),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    router.add_api_route("", lambda: RedirectResponse("/console/", 307), methods=["GET"])
    return router


def error_page(env: Environment, request: Request, exc: ConsoleError) -> Response:
    """The page (or redirect) for a ConsoleError."""
    lang = _lang(request)
    if exc.sign_in:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"/console/sign-in?{urlencode({'next': _safe_next(target)})}", status_code=303
        )
    headers = {"WWW-Authenticate": 'Bearer realm="reuse-tracker"'} if exc.status == 401 else None
    page = env.get_template("error.html").render(
        lang=lang,
        t=lambda key, **kw: labels.word(key, lang).format(**kw),
        status=exc.status,
        message=exc.message,
    )
    return HTMLResponse(page, status_code=exc.status, headers=headers)
