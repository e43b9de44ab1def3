"""Bearer tokens of the auditor API: created, listed and revoked by the CLI, checked per request.

Only a SHA-256 of each token is stored. A token carries 256 random bits, so a plain hash is
enough (nothing to brute-force), and it lets the CLI and the service agree without sharing a
key. A token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Integer, Row, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from .tables import metadata

TOKEN_PREFIX = "rtk_"  # noqa: S105 - a public prefix, not a secret
TOKEN_BYTES = 32
# The urlsafe base64 of 32 bytes is 43 characters; anything else cannot be one of ours.
TOKEN_PATTERN = re.compile(r"^rtk_[A-Za-z0-9_-]{43}$")
ROLE_AUDITOR = "auditor"
PROVINCE_PREFIX = "province:"
# A root is the top of a tree, so its code has no dot (CONTRACT.md agency_code, minus ".").
ROOT_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")

tokens = Table(
    "reuse_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
    Column("role", String(48), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("last_used_at", String(40)),
)


class InvalidRole(ValueError):
    """A role that is neither `auditor` nor `province:<ROOT>`."""


@dataclass(frozen=True)
class Role:
    """What a token may read: everything (`auditor`) or one root's tree (`province:<ROOT>`)."""

    root: str | None  # None for auditors

    @classmethod
    def parse(cls, text: str) -> Role:
        """`auditor` or `province:<ROOT>` (e.g. `province:H44`)."""
        if text == ROLE_AUDITOR:
            return cls(None)
        if text.startswith(PROVINCE_PREFIX):
            root = text[len(PROVINCE_PREFIX) :]
            if ROOT_PATTERN.fullmatch(root):
                return cls(root)
        raise InvalidRole(
            f"role {text!r} is not 'auditor' or 'province:<ROOT>' with a root code such as H44"
        )

    def __str__(self) -> str:
        return ROLE_AUDITOR if self.root is None else f"{PROVINCE_PREFIX}{self.root}"

    def can_read(self, unit: str) -> bool:
        """Whether the unit lies in the trees this role may read (a unit's root is its prefix)."""
        return self.root is None or unit.split(".", 1)[0] == self.root


@dataclass(frozen=True)
class TokenRecord:
    """A stored token, without the token itself."""

    id: int
    name: str
    role: str
    created_at: str
    revoked_at: str | None
    last_used_at: str | None


def new_token() -> str:
    """A fresh token: the recognizable prefix and 32 random bytes (urlsafe base64)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _record(row: Row[Any]) -> TokenRecord:
    return TokenRecord(
        id=int(row.id),
        name=row.name,
        role=row.role,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def ensure_table(engine: AsyncEngine) -> None:
    """Create the token table if missing (the CLI may run before the service ever started)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: tokens.create(sync, checkfirst=True))


async def create_token(engine: AsyncEngine, role: str, name: str) -> tuple[TokenRecord, str]:
    """Store a new token for `role`; returns its record and the token (shown once)."""
    parsed = Role.parse(role)
    token = new_token()
    created = _now().isoformat(timespec="seconds")
    async with engine.begin() as conn:
        new_id = (
            await conn.execute(
                tokens.insert()
                .values(
                    name=name,
                    role=str(parsed),
                    token_sha256=token_hash(token),
                    created_at=created,
                )
                .returning(tokens.c.id)
            )
        ).scalar_one()
    record = TokenRecord(int(new_id), name, str(parsed), created, None, None)
    return record, token


async def list_tokens(engine: AsyncEngine) -> list[TokenRecord]:
    """Every token ever created, oldest first (revoked ones included)."""
    cols = [c for c in tokens.c if c.name != "token_sha256"]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(*cols).order_by(tokens.c.id))).all()
    return [_record(r) for r in rows]


async def revoke_token(engine: AsyncEngine, token_id: int) -> TokenRecord | None:
    """Revoke a token (idempotent); None when no token has this id."""
    async with engine.begin() as conn:
        await conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=_now().isoformat(timespec="seconds"))
        )
        cols = [c for c in tokens.c if c.name != "token_sha256"]
        row = (await conn.execute(select(*cols).where(tokens.c.id == token_id))).first()
    return None if row is None else _record(row)


async def authenticate(
    engine: AsyncEngine, token: str, on_use: Callable[[int], None] | None = None
) -> Role | None:
    """The role of a valid, unrevoked token; None for anything else.

    Only reads: `on_use(token id)` is told of each successful use, and records it elsewhere
    (services/reuse/token_usage.py), so checking a token never writes to the database.
    """
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    digest = token_hash(token)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    tokens.c.id,
                    tokens.c.role,
                    tokens.c.token_sha256,
                    tokens.c.revoked_at,
                ).where(tokens.c.token_sha256 == digest)
            )
        ).first()
    # The lookup is by the hash of a 256-bit secret, so its timing reveals nothing usable;
    # the final comparison is constant-time anyway.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    if row.revoked_at is not None:
        return None
    try:
        role = Role.parse(row.role)
    except InvalidRole:
        return None
    if on_use is not None:
        on_use(int(row.id))
    return role
