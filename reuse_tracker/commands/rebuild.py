"""`reuse-tracker rebuild --root H44`: the reuse projection of a root, rebuilt from the archive."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from schemas.internal import Fact
from services.common import migrations
from services.common.db import make_engine

console = Console(width=None if Console().is_terminal else 140)
err = Console(stderr=True)


def rebuild(
    root: Annotated[str, typer.Option(help="The root (province or ministry) to rebuild.")],
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Rebuild into this database (migrated first; should be empty) instead of "
            "wiping the root in the configured one."
        ),
    ] = None,
    var_dir: Annotated[
        Path | None, typer.Option(help="Data folder of the configured SQLite files.")
    ] = None,
    batch: Annotated[int, typer.Option(min=1, help="Facts per projection transaction.")] = 1000,
    yes: Annotated[
        bool, typer.Option("--yes", help="Wipe the root's rows without asking.")
    ] = False,
) -> None:
    """Rebuild a root's projection (and so its indicators) from the event archive in S3.

    In place, the root's rows are deleted first: stop the reuse service (or scale it to 0)
    while this runs. With --database-url the live database is not touched."""
    from services.reuse.archiver import EventArchive
    from services.reuse.replay import Replayer, projection_tables, wipe_root
    from services.reuse.settings import ReuseSettings

    settings = ReuseSettings() if var_dir is None else ReuseSettings(var_dir=var_dir)
    in_place = database_url is None
    url = database_url or settings.database_url_for("reuse")
    if not in_place:
        migrations.upgrade("reuse", url)
    archive = EventArchive.from_settings(settings)
    keys = archive.keys(root)
    if not keys:
        err.print(f"[red]no archived facts for {root}[/red] in s3://{archive.bucket}/events/")
        raise typer.Exit(2)
    if in_place and not yes:
        typer.confirm(
            f"Delete {root}'s rows from {', '.join(projection_tables())} and rebuild them "
            f"from {len(keys)} archived objects?",
            abort=True,
        )

    async def go() -> Replayer:
        engine = make_engine(url)
        try:
            await migrations.ensure_schema_current(engine, "reuse")
            if in_place:
                await wipe_root(engine, root)
            replayer = Replayer(engine, unclaim=in_place)
            pending: list[Fact] = []
            with Progress(
                TextColumn(f"rebuilding {root}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("objects · {task.fields[facts]:,} facts"),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("rebuild", total=len(keys), facts=0)
                for key in keys:
                    records = await asyncio.to_thread(archive.read, key)
                    pending.extend(r.fact for r in records)
                    if len(pending) >= batch:
                        await replayer.apply(pending)
                        pending = []
                    bar.update(task, advance=1, facts=replayer.read + len(pending))
                if pending:
                    await replayer.apply(pending)
            return replayer
        finally:
            await engine.dispose()

    done = asyncio.run(go())
    console.print(
        f"{root}: {len(keys)} objects, {done.read:,} facts read, {done.applied:,} applied, "
        f"{done.duplicates:,} archived more than once (ignored)"
    )
