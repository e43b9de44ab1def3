"""The console's entry pages: the list of roots (or the province's own page), signing in with
a token and signing out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import tokens
from . import labels
from .auth import ConsoleError, role_of
from .render import lang_of, render, safe_next
from .session import CSRF_COOKIE, SESSION_COOKIE
from .state import Console

MAX_FORM_BYTES = 4096

router = APIRouter(prefix="/console", include_in_schema=False)


async def form_of(request: Request, console: Console) -> dict[str, str]:
    """The posted form, once small enough (413) and sent from this site's page (403)."""
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        raise ConsoleError(413, "the form is too large")
    body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
    fields = parse_qs(body, max_num_fields=8)
    form = {k: v[0] for k, v in fields.items() if v}
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (origin and origin != own) or not console.signer.csrf_ok(
        request.cookies.get(CSRF_COOKIE), form.get("csrf")
    ):
        raise ConsoleError(403, labels.word("bad_form", lang_of(request)))
    return form


Form = Annotated[dict[str, str], Depends(form_of)]


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, console: Console) -> Response:
    """The roots an auditor may open; a province token goes straight to its own page."""
    role, via_cookie = await role_of(request, console.engine, console.signer)
    lang = lang_of(request)
    suffix = "?lang=en" if lang == "en" else ""
    if role.root is not None:
        return RedirectResponse(f"/console/units/{role.root}{suffix}", status_code=303)
    roots = await console.reader.roots()
    return render(
        request,
        console,
        "roots.html",
        roots=roots,
        signed_in=via_cookie,
        suffix=suffix,
        lang=lang,
    )


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, console: Console) -> Response:
    """The sign-in form."""
    next_page = safe_next(request.query_params.get("next"))
    return render(request, console, "sign_in.html", next=next_page, error=None)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, console: Console, form: Form) -> Response:
    """Check the token; a good one gets the signed session cookie and goes on to `next`."""
    token = form.get("token", "").strip()
    target = safe_next(form.get("next"))
    role = await tokens.authenticate(console.engine, token) if token else None
    if role is None:
        error = labels.word("bad_token", lang_of(request))
        return render(request, console, "sign_in.html", status=401, next=target, error=error)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        console.signer.session(token),
        max_age=console.signer.max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/sign-out")
async def sign_out(_form: Form) -> Response:
    """End the session (the form's CSRF check first: no other site can sign anyone out)."""
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("")
async def console_root() -> Response:
    """/console without its slash."""
    return RedirectResponse("/console/", 307)
