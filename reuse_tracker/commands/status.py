"""`reuse-tracker status`: the running stack's processes and consumer lag, checked live."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..stack.status import StackStatus, collect

console = Console(width=None if Console().is_terminal else 120)


def _uptime(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s // 60 % 60:02d}m"


def _health(p_up: bool, alive: bool, state: str) -> str:
    if p_up:
        return "[green]up[/green]"
    if state == "failed":
        return "[red bold]GAVE UP[/red bold]"
    if state == "held":
        return "[yellow]stopped on purpose[/yellow]"
    if state == "restarting":
        return "[red]down, restarting[/red]"
    return "[red]down[/red]" if not alive else "[red]unhealthy[/red]"


def render(status: StackStatus) -> Table:
    """The processes table."""
    table = Table(title="processes", title_justify="left")
    for column in ("process", "kind", "pid", "uptime", "restarts", "health", "last exit"):
        table.add_column(column, justify="right" if column in ("pid", "restarts") else "left")
    for p in status.processes:
        table.add_row(
            p.name,
            p.kind,
            str(p.pid or "-"),
            _uptime(p.uptime),
            str(p.restarts),
            _health(p.up and status.supervisor_alive, p.alive, p.state),
            p.last_exit or "",
        )
    return table


def render_lag(status: StackStatus) -> Table:
    """The consumer groups table."""
    table = Table(title="consumer groups", title_justify="left")
    table.add_column("group")
    table.add_column("lag (records)", justify="right")
    table.add_column("partitions", justify="right")
    for g in status.groups:
        table.add_row(g.group, str(g.lag), str(g.partitions))
    return table


def status(
    var_dir: Annotated[Path, typer.Option(help="The data folder of the running `up`.")] = Path(
        "var"
    ),
) -> None:
    """Each process of the running stack (pid, uptime, restarts, health) and each consumer
    group's lag; exit status 1 when anything is down, 2 when no stack runs there."""
    found = collect(var_dir)
    if found is None:
        console.print(f"[red]no stack is running[/red] with data in {var_dir}/ (no state file)")
        raise typer.Exit(2)
    if not found.supervisor_alive:
        console.print(
            f"[red]the supervisor (pid {found.supervisor_pid}) is gone[/red]: the stack was "
            "not stopped cleanly; what is left of it is shown below"
        )
    console.print(render(found))
    if found.lag_error is not None:
        console.print(f"[red]consumer lag unavailable:[/red] {found.lag_error}")
    else:
        console.print(render_lag(found))
    if not found.ok:
        console.print(f"[red]down:[/red] {', '.join(found.down)}")
        raise typer.Exit(1)
    console.print("[green]everything is up[/green]")
