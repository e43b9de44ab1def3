"""Who is asking: a bearer token (scripts, tests) or the signed session cookie (browsers).

Both end in `tokens.authenticate`, the check the API makes, so revocation and roles are the
same everywhere.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from .. import tokens
from ..tokens import Role
from .session import SESSION_COOKIE, Signer


class ConsoleError(Exception):
    """A request the console answers with an error page (or a redirect to sign in)."""

    def __init__(self, status: int, message: str, *, sign_in: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.sign_in = sign_in


async def role_of(request: Request, engine: AsyncEngine, signer: Signer) -> tuple[Role, bool]:
    """The role of the request and whether it came from the session cookie.

    A bearer header wins over a cookie; a bad bearer token is a 401 (a script should learn
    its token is wrong), a missing or stale cookie sends the browser to sign in.
    """
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if header:
        if scheme.lower() != "bearer" or not credentials.strip():
            raise ConsoleError(401, "Authorization must be: Bearer <token>")
        role = await tokens.authenticate(engine, credentials.strip())
        if role is None:
            raise ConsoleError(401, "the token is invalid or revoked")
        return role, False
    cookie = request.cookies.get(SESSION_COOKIE)
    token = signer.token_of(cookie) if cookie else None
    role = await tokens.authenticate(engine, token) if token else None
    if role is None:
        raise ConsoleError(401, "sign in first", sign_in=True)
    return role, True
