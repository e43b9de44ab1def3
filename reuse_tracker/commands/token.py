"""`reuse-tracker token create|list|revoke`: bearer tokens of the auditor API.

They work on the reuse service's database: TRACKER_DATABASE_URL when set, else the SQLite
file the reuse service uses under the data folder (`var/reuse.db` by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

T = TypeVar("T")

app = typer.Typer(
    help="Bearer tokens of the auditor API. Only a SHA-256 of each token is stored: a token "
    "is shown once, when it is created.",
    no_args_is_help=True,
)
console = Console(width=None if Console().is_terminal else 140)
err = Console(stderr=True)

VarDir = Annotated[
    Path | None,
    typer.Option(
        help="Data folder of the reuse service (default var/); ignored when "
        "TRACKER_DATABASE_URL is set."
    ),
]


def _run(var_dir: Path | None, action: Callable[..., Awaitable[T]], *args: object) -> T:
    """Run `action(engine, *args)` on the reuse database, creating the token table if needed."""
    from services.common.db import make_engine
    from services.reuse.settings import ReuseSettings
    from services.reuse.tokens import ensure_table

    settings = ReuseSettings() if var_dir is None else ReuseSettings(var_dir=var_dir)

    async def go() -> T:
        engine = make_engine(settings.database_url_for("reuse"))
        try:
            await ensure_table(engine)
            return await action(engine, *args)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@app.command()
def create(
    role: Annotated[
        str,
        typer.Option(
            help="`auditor` (reads every unit) or `province:<ROOT>`, e.g. `province:H44` "
            "(reads only that root's tree)."
        ),
    ],
    name: Annotated[
        str, typer.Option(help="Who or what the token is for (shown by `token list`).")
    ] = "",
    var_dir: VarDir = None,
) -> None:
    """Create a token and print it, alone, on the last line (it is not shown again)."""
    from services.reuse.tokens import InvalidRole, Role, create_token

    try:
        Role.parse(role)
    except InvalidRole as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from None
    record, token = _run(var_dir, create_token, role, name or role)
    console.print(
        f"created token {record.id} ({record.role}, {record.name!r}); store it now, "
        "it cannot be shown again:",
        highlight=False,
    )
    print(token)


@app.command("list")
def list_(var_dir: VarDir = None) -> None:
    """List tokens (id, name, role, dates); never the tokens themselves."""
    from services.reuse.tokens import list_tokens

    records = _run(var_dir, list_tokens)
    out = Table(title="auditor API tokens", title_justify="left")
    for column in ("id", "name", "role", "created", "last used", "revoked"):
        out.add_column(column, no_wrap=column != "name")
    for r in records:
        out.add_row(
            str(r.id), r.name, r.role, r.created_at, r.last_used_at or "", r.revoked_at or ""
        )
    console.print(out)


@app.command()
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (from `token list`).")],
    var_dir: VarDir = None,
) -> None:
    """Revoke a token: requests with it get 401 from then on."""
    from services.reuse.tokens import revoke_token

    record = _run(var_dir, revoke_token, token_id)
    if record is None:
        err.print(f"[red]no token with id {token_id}[/red]")
        raise typer.Exit(1)
    console.print(
        f"token {record.id} ({record.role}, {record.name!r}) revoked at {record.revoked_at}",
        highlight=False,
    )
