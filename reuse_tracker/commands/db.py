"""`reuse-tracker db ...`: the services' schema migrations (one Alembic history per service)."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from rich.console import Console

from services.common import migrations
from services.common.secret_files import SettingsWithSecretFiles
from services.common.settings import service_database_url

app = typer.Typer(help="Database schema migrations of the three services.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


class Target(StrEnum):
    """Which service's history a command works on."""

    all = "all"
    ingest = "ingest"
    digitizer = "digitizer"
    reuse = "reuse"


class DatabaseSettings(SettingsWithSecretFiles):
    """Only where the databases are (so a migration job needs no broker or S3 secrets)."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str | None = Field(default=None)
    var_dir: Path = Path("var")

    def url_for(self, service: str) -> str:
        """The service's URL: the shared one, or `var/<service>.db` as the services use it."""
        return service_database_url(service, self.database_url, self.var_dir)


def database_urls(
    target: Target, database_url: str | None = None, var_dir: Path | None = None
) -> dict[str, str]:
    """Each chosen service's database URL, from the options or the TRACKER_* environment."""
    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if var_dir is not None:
        overrides["var_dir"] = var_dir
    settings = DatabaseSettings(**overrides)  # type: ignore[arg-type]
    chosen = migrations.SERVICES if target is Target.all else (target.value,)
    return {service: settings.url_for(service) for service in chosen}


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


ServiceOption = Annotated[
    Target, typer.Option("--service", help="One service's history, or all three.")
]
UrlOption = Annotated[
    str | None,
    typer.Option(help="SQLAlchemy async URL (default: TRACKER_DATABASE_URL, else var/*.db)."),
]
VarDirOption = Annotated[
    Path | None, typer.Option(help="Data folder of the SQLite files (default TRACKER_VAR_DIR).")
]


@app.command()
def upgrade(
    service: ServiceOption = Target.all,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    database_url: UrlOption = None,
    var_dir: VarDirOption = None,
) -> None:
    """Apply the missing migrations (safe to run again: nothing to do at the head)."""
    for name, url in database_urls(service, database_url, var_dir).items():
        before = migrations.current(name, url)
        migrations.upgrade(name, url, revision)
        after = migrations.current(name, url)
        was = ", ".join(sorted(before)) or "empty"
        now = ", ".join(sorted(after)) or "empty"
        console.print(f"{name:<10} {was} -> {now}  ({_redact(url)})")


@app.command()
def current(
    service: ServiceOption = Target.all,
    database_url: UrlOption = None,
    var_dir: VarDirOption = None,
) -> None:
    """Show each service's revision in the database and whether it is the code's head."""
    outdated = False
    for name, url in database_urls(service, database_url, var_dir).items():
        found, wanted = migrations.current(name, url), migrations.expected_heads(name)
        state = "up to date" if found == wanted else f"needs {', '.join(sorted(wanted))}"
        outdated |= found != wanted
        console.print(f"{name:<10} {', '.join(sorted(found)) or 'empty':<16} {state}")
    if outdated:
        raise typer.Exit(1)


@app.command()
def downgrade(
    service: Annotated[Target, typer.Option("--service", help="One service (not all).")],
    revision: Annotated[str, typer.Option(help="Target revision, e.g. reuse_0001 or base.")],
    database_url: UrlOption = None,
    var_dir: VarDirOption = None,
) -> None:
    """Undo migrations of one service down to `--revision` (`base` drops its tables)."""
    if service is Target.all:
        raise typer.BadParameter("downgrade one service at a time", param_hint="--service")
    for name, url in database_urls(service, database_url, var_dir).items():
        migrations.downgrade(name, url, revision)
        now = ", ".join(sorted(migrations.current(name, url))) or "base (no tables)"
        console.print(f"{name:<10} now at {now}")


@app.command()
def check(
    service: ServiceOption = Target.all,
    database_url: UrlOption = None,
    var_dir: VarDirOption = None,
) -> None:
    """Fail if a service's tables.py differs from what its migrations create (needs a new
    revision). By default on a scratch SQLite database brought to the head; with
    --database-url on that database as it is (it must be at the head; nothing is changed)."""
    from alembic.util.exc import AutogenerateDiffsDetected

    with tempfile.TemporaryDirectory() as scratch:
        failed = False
        scratch_dir = var_dir or Path(scratch)
        for name, url in database_urls(service, database_url, scratch_dir).items():
            if database_url is None:
                migrations.upgrade(name, url)
            try:
                migrations.check(name, url)
            except AutogenerateDiffsDetected as exc:
                failed = True
                err.print(f"[red]{name}: tables.py and migrations differ[/red]\n{exc}")
                err.print(f"generate: reuse-tracker db revision --service {name} -m '<what>'")
            else:
                console.print(f"{name:<10} no drift")
    if failed:
        raise typer.Exit(1)


def next_revision_id(service: str) -> str:
    """`<service>_<NNNN>`, one more than the highest revision of the service's history."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config(service))
    numbers = [
        int(rev.revision.rsplit("_", 1)[1])
        for rev in script.walk_revisions()
        if re.fullmatch(rf"{service}_\d{{4}}", rev.revision)
    ]
    return f"{service}_{max(numbers, default=0) + 1:04d}"


@app.command()
def revision(
    service: Annotated[Target, typer.Option("--service", help="The service whose tables changed.")],
    message: Annotated[str, typer.Option("-m", "--message", help="What changes, in words.")],
) -> None:
    """Write the next revision of a service from the difference between its tables.py and its
    migrations (autogenerate against a scratch SQLite database), formatted with ruff. Read it,
    adjust it, then run `reuse-tracker db check` and the tests."""
    from alembic import command

    if service is Target.all:
        raise typer.BadParameter("one service at a time", param_hint="--service")
    name = service.value
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / f'{name}.db'}"
        migrations.upgrade(name, url)
        cfg = migrations.alembic_config(name, url)
        rev_id = next_revision_id(name)
        script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    scripts = script if isinstance(script, list) else [script]
    for item in scripts:
        if item is None:
            continue
        path = Path(item.path)
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(line.rstrip() for line in lines) + "\n", encoding="utf-8")
        for args in (["format", "--quiet"], ["check", "--fix", "--quiet"], ["format", "--quiet"]):
            subprocess.run([sys.executable, "-m", "ruff", *args, str(path)], check=False)
        console.print(f"wrote {path}")
