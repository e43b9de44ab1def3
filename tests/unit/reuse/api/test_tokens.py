"""Tokens: `reuse-tracker token create|list|revoke` on a real SQLite file, roles, and the
token string never stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from reuse_tracker.cli import app as cli
from services.common.db import make_engine, make_read_engine
from services.reuse.token_usage import TokenUsage
from services.reuse.tokens import (
    TOKEN_PATTERN,
    InvalidRole,
    Role,
    authenticate,
    token_hash,
    tokens,
)


def run(var_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["token", *args, "--var-dir", str(var_dir)], env={})


def create(var_dir: Path, *args: str) -> str:
    result = run(var_dir, "create", *args)
    assert result.exit_code == 0, result.output
    token = result.stdout.splitlines()[-1]
    assert TOKEN_PATTERN.fullmatch(token), result.stdout
    return token


def check(var_dir: Path, token: str) -> Role | None:
    """Check a token as the service does (a read-only engine), then write its last use."""

    async def go() -> Role | None:
        url = f"sqlite+aiosqlite:///{var_dir / 'reuse.db'}"
        engine, read_engine = make_engine(url), make_read_engine(url)
        usage = TokenUsage(engine, interval=3600)
        try:
            role = await authenticate(read_engine, token, usage.seen)
            await usage.stop()  # writes the noted last use
            return role
        finally:
            await read_engine.dispose()
            await engine.dispose()

    return asyncio.run(go())


def test_create_prints_the_token_alone_on_its_last_line(tmp_path: Path) -> None:
    result = run(tmp_path, "create", "--role", "auditor", "--name", "state audit office")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) >= 2
    token = lines[-1]
    assert token.startswith("rtk_")
    assert len(token) == 4 + 43
    assert "state audit office" in result.stdout
    assert check(tmp_path, token) == Role(None)
    assert (tmp_path / "reuse.db").exists()  # the reuse service's default database


@pytest.mark.slow
def test_every_token_is_new(tmp_path: Path) -> None:
    made = {create(tmp_path, "--role", "auditor") for _ in range(5)}
    assert len(made) == 5


def test_province_tokens_read_their_own_tree(tmp_path: Path) -> None:
    token = create(tmp_path, "--role", "province:H44")
    role = check(tmp_path, token)
    assert role == Role("H44")
    assert role.can_read("H44")
    assert role.can_read("H44.07.01")
    assert not role.can_read("H10")
    assert not role.can_read("H440")
    assert Role(None).can_read("H10")


@pytest.mark.parametrize("role", ["admin", "province:", "province:h44", "province:H44.01", ""])
def test_a_bad_role_is_refused(tmp_path: Path, role: str) -> None:
    result = run(tmp_path, "create", "--role", role)
    assert result.exit_code == 2
    assert "auditor" in result.output
    assert "province:<ROOT>" in result.output
    with pytest.raises(InvalidRole):
        Role.parse(role)


@pytest.mark.slow
def test_list_never_shows_tokens(tmp_path: Path) -> None:
    first = create(tmp_path, "--role", "auditor", "--name", "auditor-one")
    second = create(tmp_path, "--role", "province:H44", "--name", "h44-office")
    result = run(tmp_path, "list")
    assert result.exit_code == 0, result.output
    assert "auditor-one" in result.stdout
    assert "h44-office" in result.stdout
    assert "province:H44" in result.stdout
    for token in (first, second):
        assert token not in result.stdout
        assert token_hash(token) not in result.stdout
        assert token[4:12] not in result.stdout


@pytest.mark.slow
def test_revoke(tmp_path: Path) -> None:
    keep = create(tmp_path, "--role", "auditor", "--name", "keep")
    drop = create(tmp_path, "--role", "auditor", "--name", "drop")
    result = run(tmp_path, "revoke", "2")
    assert result.exit_code == 0, result.output
    assert "revoked" in result.stdout
    assert check(tmp_path, drop) is None
    assert check(tmp_path, keep) == Role(None)
    again = run(tmp_path, "revoke", "2")  # idempotent
    assert again.exit_code == 0
    listed = run(tmp_path, "list").stdout
    assert listed.count("20") >= 3  # two creation dates and one revocation date
    missing = run(tmp_path, "revoke", "99")
    assert missing.exit_code == 1
    assert "no token with id 99" in missing.output


def test_tokens_are_stored_hashed(tmp_path: Path) -> None:
    token = create(tmp_path, "--role", "auditor")
    assert check(tmp_path, token) == Role(None)  # also writes last_used_at
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("reuse.db*"))
    assert token.encode() not in stored
    assert token[4:].encode() not in stored
    assert token_hash(token).encode() in stored

    async def row() -> tuple[str, str | None]:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'reuse.db'}")
        async with engine.connect() as conn:
            found = (await conn.execute(select(tokens.c.token_sha256, tokens.c.last_used_at))).one()
        await engine.dispose()
        return found[0], found[1]

    digest, last_used = asyncio.run(row())
    assert digest == token_hash(token)
    assert last_used is not None


@pytest.mark.parametrize("text", ["", "rtk_", "rtk_" + "A" * 42, "Bearer rtk_" + "A" * 43])
def test_malformed_tokens_are_refused(tmp_path: Path, text: str) -> None:
    create(tmp_path, "--role", "auditor")
    assert check(tmp_path, text) is None


def test_help_texts() -> None:
    runner = CliRunner()
    top = runner.invoke(cli, ["token", "--help"])
    assert top.exit_code == 0
    for command in ("create", "list", "revoke"):
        assert command in top.stdout
    made = runner.invoke(cli, ["token", "create", "--help"])
    assert "province:<ROOT>" in made.stdout
    assert "last line" in made.stdout
    assert "TRACKER_DATABASE_URL" in runner.invoke(cli, ["token", "list", "--help"]).stdout
