"""`reuse-tracker`: run the system, simulate a province, and read the indicators."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
import threading
import time
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.reuse.vocabulary import Policy

from .commands import db as db_commands
from .commands import token
from .commands.rebuild import rebuild
from .commands.status import status
from .report import (
    WIDTH,
    detail,
    missed,
    pulling_down,
    pulling_table,
    rows_of,
    table,
    to_csv,
    to_json,
    write_units_csv,
)
from .stack import LocalStack, PortTaken, StackError, StackPorts
from .stack.prometheus import maybe_start_prometheus
from .system import (
    MAX_INSTANCES,
    SystemConfig,
    instance_ports,
    start_system,
    wait_until_processed,
)

if TYPE_CHECKING:  # the simulator is imported only by the commands that use it
    from .simulator import Scenario

app = typer.Typer(
    help="Tracks digitization, electronic results and reuse of digitized data, and computes "
    "the national portal's digitization indicators (22 points) exactly.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(token.app, name="token")
console = Console(width=None if Console().is_terminal else WIDTH)
err = Console(stderr=True)

PERIOD_FROM = date(2026, 1, 1)
PERIOD_TO = date(2026, 9, 30)


class Format(StrEnum):
    """Output formats of `indicators`."""

    table = "table"
    json = "json"
    csv = "csv"


class Breakdown(StrEnum):
    """Breakdowns of `indicators`."""

    none = "none"
    children = "children"


def _ports() -> StackPorts:
    import os

    return StackPorts.from_env(os.environ)


def _describe(ports: StackPorts, var_dir: Path, instances: int = 1) -> None:
    def at(name: str) -> str:
        return ", ".join(f"http://127.0.0.1:{p}" for p in instance_ports(ports, name, instances))

    console.print("[bold]reuse-tracker is up[/bold] (everything on 127.0.0.1)")
    console.print(f"  Kafka API        {ports.kafka_bootstrap}")
    console.print(f"  S3 API           {ports.s3_endpoint}  (tracker / tracker-secret)")
    console.print(f"  auditor API      {at('reuse')}   metrics: /metrics")
    console.print(f"  ingest           {at('ingest')}   /metrics")
    console.print(f"  digitizer        {at('digitizer')}   /metrics")
    console.print(f"  data and logs    {var_dir}/ (logs in {var_dir}/log/)")


@app.command()
def up(
    var_dir: Annotated[Path, typer.Option(help="Where data and logs go.")] = Path("var"),
    roots: Annotated[
        str, typer.Option(help="Roots whose topics to create (comma-separated).")
    ] = "H44",
    instances: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_INSTANCES,
            help="Instances of each service, in one consumer group; instance i (from 0) "
            "listens on its service's port + 100 * i.",
        ),
    ] = 1,
) -> None:
    """Start the local stack and the three services; stop everything on Ctrl-C or SIGTERM."""
    ports = _ports()
    cfg = SystemConfig(
        var_dir=var_dir, ports=ports, roots=tuple(roots.split(",")), instances=instances
    )
    try:
        stack = start_system(cfg)
    except (PortTaken, StackError) as exc:
        err.print(f"[red]cannot start:[/red] {exc}")
        raise typer.Exit(1) from None
    prometheus_url, why_not = maybe_start_prometheus(stack, var_dir)
    _describe(ports, var_dir, instances)
    console.print(f"  Prometheus       {prometheus_url or 'not started: ' + str(why_not)}")
    where = "" if var_dir == Path("var") else f" --var-dir {var_dir}"
    console.print(
        f"Every process is restarted if it exits; `reuse-tracker status{where}` shows them."
    )
    _run_until_signal(stack)


class _Forced(Exception):
    """A second Ctrl-C or SIGTERM while stopping."""


def _run_until_signal(stack: LocalStack) -> None:
    """Wait for Ctrl-C or SIGTERM, then stop the stack; a second one kills it at once (exit
    status 130). Exit status 1 if the supervisor gave up on a process meanwhile."""
    stop = threading.Event()
    signals = 0

    def on_signal(signum: int, frame: object) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            stop.set()
        elif signals == 2:
            raise _Forced
        # Later ones: the forced stop is already under way.

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # Said only once the handlers are in place: a signal from now on stops cleanly.
    console.print("Press Ctrl-C to stop.")
    while not stop.wait(0.5):
        pass
    try:
        console.print("stopping… (Ctrl-C again to kill everything at once)")
        stack.stop()
    except _Forced:
        stack.kill_all()
        err.print("[red]killed every process[/red] (second signal)")
        raise typer.Exit(130) from None
    failed = stack.supervisor.failed if stack.supervisor is not None else []
    if failed:
        logs = stack.config.log_dir / "supervisor.log"
        err.print(f"[red]gave up on {', '.join(failed)}[/red] (see {logs})")
        raise typer.Exit(1)


def _period(start: str, end: str) -> tuple[date, date]:
    try:
        period = (date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD: {exc}") from None
    if period[0] > period[1]:
        raise typer.BadParameter("--from is after --to")
    return period


@app.command()
def simulate(
    root: Annotated[str, typer.Option(help="The province or ministry code.")] = "H44",
    dossiers: Annotated[int, typer.Option(min=1, help="How many dossiers.")] = 3000,
    seed: Annotated[int, typer.Option(help="Same seed, same province.")] = 1,
    rates: Annotated[str, typer.Option(help="Overrides, e.g. 'reused_component=0.2'.")] = "",
    start: Annotated[str, typer.Option("--from", help="First day received.")] = "2026-01-01",
    end: Annotated[str, typer.Option("--to", help="Last day received.")] = "2026-09-30",
    out: Annotated[Path | None, typer.Option(help="Where truth.json goes.")] = None,
) -> None:
    """Publish a realistic simulated province to the running system, with its ground truth."""
    from .simulator import generate, parse_rates, publish, write_outputs

    period = _period(start, end)
    try:
        parsed = parse_rates(rates) if rates else parse_rates("")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--rates") from None
    with console.status("generating the province…"):
        scenario = generate(root, dossiers, seed, parsed, period)
    ports = _ports()
    out_dir = out or Path("var") / "sim" / f"{root}-{seed}"
    write_outputs(scenario, out_dir)
    publish(
        scenario,
        ports.kafka_bootstrap,
        ports.s3_endpoint,
        "tracker",
        "tracker-secret",
        progress=True,
    )
    console.print(f"published {len(scenario.events)} messages; ground truth in {out_dir}/")


def _read(
    unit: str,
    period: tuple[date, date],
    breakdown: bool,
    var_dir: Path | None,
    policy: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The indicator object and the missed-reuse summary, read from the reuse database."""
    from services.common.db import make_engine
    from services.reuse.indicators import IndicatorReader
    from services.reuse.settings import ReuseSettings

    settings = ReuseSettings() if var_dir is None else ReuseSettings(var_dir=var_dir)
    chosen = policy or settings.denominator_policy

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        engine = make_engine(settings.database_url_for("reuse"))
        try:
            reader = IndicatorReader(engine)
            found = await reader.indicators(
                unit, period[0], period[1], breakdown=breakdown, policy=chosen
            )
            summary = await reader.missed_summary(
                unit, period[0], period[1], breakdown=breakdown, policy=chosen
            )
            return found, summary
        finally:
            await engine.dispose()

    return asyncio.run(go())


@app.command()
def indicators(
    unit: Annotated[str, typer.Option(help="Unit code; its whole subtree counts.")],
    start: Annotated[str, typer.Option("--from", help="First day received (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day received (YYYY-MM-DD).")],
    breakdown: Annotated[Breakdown, typer.Option(help="Also each direct child.")] = Breakdown.none,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    var_dir: Annotated[Path | None, typer.Option(help="Data folder (default var/).")] = None,
    denominator: Annotated[
        Policy | None,
        typer.Option(
            help="Dossiers counted in the denominators: all received (the portal's practice; "
            "default, or TRACKER_DENOMINATOR_POLICY), completed only, or only those whose "
            "procedure requires a result document."
        ),
    ] = None,
) -> None:
    """The seven digitization indicators of a unit over dossiers received in a period.

    The table format also shows missed reuse: components scanned again although the same
    paper was already digitized for the applicant, and the reuse score without them.
    """
    from services.reuse.indicators import UnknownUnit
    from services.reuse.settings import ReuseSettings

    period = _period(start, end)
    try:
        result, summary = _read(unit, period, breakdown is Breakdown.children, var_dir, denominator)
    except UnknownUnit:
        err.print(f"[red]unknown unit {unit!r}[/red]: not registered and seen in no event")
        raise typer.Exit(2) from None
    if fmt is Format.json:
        print(to_json(result))
    elif fmt is Format.csv:
        print(to_csv(result), end="")
    else:
        _report(result, summary, f"{unit} · dossiers received {start} to {end}")
        units = result.get("units", [])
        if len(units) > TOP_UNITS:
            folder = (var_dir or ReuseSettings().var_dir) / "reports"
            path = write_units_csv(
                {u["unit"]: u for u in rows_of(result)},
                folder / f"indicators-{unit}-{start}-{end}.csv",
            )
            console.print(f"{unit} and all {len(units)} direct units, one row each: {path}")
        elif units:
            console.print(table(units, "direct units (scores)"))


TOP_UNITS = 10


def _report(result: dict[str, Any], summary: dict[str, Any], title: str) -> None:
    """The unit's indicators; with a breakdown, the direct units that cost it most points
    and their missed reuse (every table fits 100 columns)."""
    console.print(detail(result, title))
    unit = result["unit"]
    if "units" not in result:
        console.print(missed(rows_of(summary), "missed reuse (once-only principle broken)"))
        return
    worst = pulling_down(result, TOP_UNITS)
    console.print(
        pulling_table(result, f"the {len(worst)} units of {unit} that cost it most points")
    )
    shown = {unit, *(u["unit"] for u, _ in worst)}
    console.print(
        missed(
            [s for s in rows_of(summary) if s["unit"] in shown],
            f"{unit} and those units: missed reuse (once-only principle broken)",
        )
    )


@app.command()
def demo(
    dossiers: Annotated[int, typer.Option(min=1, help="Dossiers to simulate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 7,
    root: Annotated[str, typer.Option(help="Province code.")] = "H44",
    var_dir: Annotated[Path, typer.Option(help="Scratch folder, wiped first.")] = Path("var/demo"),
    keep: Annotated[bool, typer.Option(help="Keep the system running afterwards.")] = False,
    screenshots: Annotated[
        Path | None,
        typer.Option(help="Save screenshots of the console's province and unit pages here."),
    ] = None,
) -> None:
    """Start everything, feed a simulated province, print the indicator report, stop.

    The report leads with the province and the ten units that cost it most points; the full
    per-unit table goes to a CSV in the data folder. The console's address and a token follow;
    in a terminal the system stays up until Enter or Ctrl-C.
    """
    started = time.monotonic()
    if var_dir.exists():
        shutil.rmtree(var_dir)
    ports = _ports()
    period = (PERIOD_FROM, PERIOD_TO)
    scenario = _demo_province(root, dossiers, seed, period, var_dir)
    stack = _demo_start(root, var_dir, ports)
    try:
        _demo_feed(scenario, ports)
        worst_unit = _demo_report(root, period, var_dir)
        console.print(f"done in {time.monotonic() - started:.0f} s; data and logs in {var_dir}/")
        _demo_console(root, period, var_dir, ports, worst_unit, screenshots)
        _demo_stay_up(keep, ports, var_dir)
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at the Enter prompt
        pass
    finally:
        stack.stop()


def _demo_province(
    root: str, dossiers: int, seed: int, period: tuple[date, date], var_dir: Path
) -> Scenario:
    """Generate the province and write its ground truth under `var_dir/sim`."""
    from .simulator import Rates, generate, write_outputs

    with console.status(f"generating province {root}: {dossiers} dossiers…"):
        scenario = generate(root, dossiers, seed, Rates(), period)
        write_outputs(scenario, var_dir / "sim")
    return scenario


def _demo_start(root: str, var_dir: Path, ports: StackPorts) -> LocalStack:
    """Start the stack and the services for `root`, or exit saying why not."""
    with console.status("starting the stack and the services…"):
        try:
            return start_system(SystemConfig(var_dir=var_dir, ports=ports, roots=(root,)))
        except (PortTaken, StackError) as exc:
            err.print(f"[red]cannot start:[/red] {exc}")
            raise typer.Exit(1) from None


def _demo_feed(scenario: Scenario, ports: StackPorts) -> None:
    """Publish the province's events and files, then wait until every event is processed."""
    from .simulator import publish

    publish(
        scenario,
        ports.kafka_bootstrap,
        ports.s3_endpoint,
        "tracker",
        "tracker-secret",
        progress=True,
    )
    total = len(scenario.events)
    with Progress(
        TextColumn("processing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("processing", total=total)

        def show(p: Any) -> None:
            bar.update(task, completed=min(p.handled, total))

        wait_until_processed(ports, total, on_progress=show)


def _demo_report(root: str, period: tuple[date, date], var_dir: Path) -> str:
    """Print the report and its check against the truth, write the per-unit CSV.

    Returns the unit that costs the province most points (the root when none does)."""
    result, summary = _read(root, period, True, var_dir)
    _report(result, summary, _title(root))
    worst = pulling_down(result, TOP_UNITS)
    _compare(result, summary, var_dir)
    every = _read_tree(root, period, var_dir)
    csv_path = write_units_csv(every, var_dir / f"indicators-{root}-{period[0]}-{period[1]}.csv")
    console.print(f"all {len(every)} units, one row each: {csv_path}")
    return str(worst[0][0]["unit"]) if worst else root


def _demo_console(
    root: str,
    period: tuple[date, date],
    var_dir: Path,
    ports: StackPorts,
    worst_unit: str,
    screenshots: Path | None,
) -> None:
    """Print the auditor console's address and a token; take screenshots when asked."""
    token = _console_token(var_dir)
    address = f"http://127.0.0.1:{ports.api}/console/units/{root}?from={period[0]}&to={period[1]}"
    if screenshots is not None:
        from .screenshots import take

        for saved in take(address, token, worst_unit, screenshots):
            console.print(f"screenshot: {saved}")
    console.print(f"[bold]auditor console[/bold]  {address}", highlight=False, soft_wrap=True)
    console.print(f"  token (paste it to sign in): {token}", highlight=False, soft_wrap=True)


def _demo_stay_up(keep: bool, ports: StackPorts, var_dir: Path) -> None:
    """Keep the system up: until Ctrl-C with --keep, or until Enter in a terminal."""
    if keep:
        _describe(ports, var_dir)
        console.print("Press Ctrl-C to stop.")
        while True:
            time.sleep(1)
    elif sys.stdin.isatty():
        console.print("The console stays up: press Enter or Ctrl-C to stop.")
        input()


def _read_tree(root: str, period: tuple[date, date], var_dir: Path) -> dict[str, dict[str, Any]]:
    """Every unit of the root's tree (each over its subtree), from the reuse database."""
    from services.common.db import make_engine
    from services.reuse.indicators import IndicatorReader
    from services.reuse.settings import ReuseSettings

    settings = ReuseSettings(var_dir=var_dir)

    async def go() -> dict[str, dict[str, Any]]:
        engine = make_engine(settings.database_url_for("reuse"))
        try:
            return await IndicatorReader(engine).indicators_for_tree(
                root, period[0], period[1], policy=settings.denominator_policy
            )
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _console_token(var_dir: Path) -> str:
    """A fresh auditor token on the demo's database, for the person to paste."""
    from services.common.db import make_engine
    from services.reuse.settings import ReuseSettings
    from services.reuse.tokens import create_token, ensure_table

    settings = ReuseSettings(var_dir=var_dir)

    async def go() -> str:
        engine = make_engine(settings.database_url_for("reuse"))
        try:
            await ensure_table(engine)
            return (await create_token(engine, "auditor", "console (make run)"))[1]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _title(root: str) -> str:
    return f"Digitization indicators · {root} · received {PERIOD_FROM} to {PERIOD_TO}"


def _compare(result: dict[str, Any], summary: dict[str, Any], var_dir: Path) -> None:
    truth = json.loads((var_dir / "sim" / "truth.json").read_text())
    mismatches = [
        r["unit"]
        for r in rows_of(result)
        if {k: v for k, v in r.items() if k != "units"} != truth["units"].get(r["unit"])
    ]
    mismatches += [
        f"{s['unit']} (missed reuse)"
        for s in rows_of(summary)
        if s["missed_components"] != truth["missed_reuse"].get(s["unit"])
    ]
    if mismatches:
        err.print(
            f"[red]differs from the simulator's ground truth for {len(mismatches)} "
            f"unit(s):[/red] {', '.join(mismatches[:10])}"
        )
        raise typer.Exit(3)
    console.print(
        f"[green]equal to the simulator's ground truth[/green] for all {len(rows_of(result))} "
        "units, missed reuse included"
    )


app.add_typer(db_commands.app, name="db")
app.command()(rebuild)
app.command()(status)


def main() -> None:
    """Entry point of the `reuse-tracker` command."""
    app()
