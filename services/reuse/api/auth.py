"""Bearer-token authentication and the role check of the auditor API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .. import tokens
from ..tokens import Role
from .state import Api

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token printed by `reuse-tracker token create --role auditor` "
    "(or `--role province:<ROOT>`), sent as `Authorization: Bearer <token>`.",
)


def _unauthorized(message: str, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="reuse-tracker"' + (f', error="{error}"' if error else "")
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": challenge}
    )


async def authenticate(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api: Api,
) -> Role:
    """The dependency that turns the request's bearer token into its role, or answers 401.

    It only reads (the state's engine should be a read-only one); each accepted token's id
    goes to the state's `on_token_use`, which records the last use without the request
    writing (token_usage.py).
    """
    if credentials is None:
        raise _unauthorized("a bearer token is required: Authorization: Bearer <token>")
    role = await tokens.authenticate(api.engine, credentials.credentials, api.on_token_use)
    if role is None:
        raise _unauthorized("the token is invalid or revoked", "invalid_token")
    return role


Auth = Annotated[Role, Depends(authenticate)]


def require_read(role: Role, root: str, unit: str) -> None:
    """403 unless the role may read the tree of `root`, which holds `unit`.

    The root comes from the unit's registration when there is one, so a registered unit
    outside its root's code prefix (`X99` under `H44`) is read with that root's token.
    """
    if role.root is not None and role.root != root:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"this token reads only the tree of {role.root}; {unit} is outside it",
        )
