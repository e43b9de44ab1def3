"""The production deployment (infra/compose/) checked without a container engine: the compose
file is valid against the Compose Specification schema, every command it runs in the project's
image exists in the code, every TRACKER_* variable it sets is a field of the settings class of
that service, every secret is declared, mounted and generated, and docs/operations.md documents
every setting."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
import yaml
from pydantic_settings import BaseSettings

from reuse_tracker.cli import app
from reuse_tracker.commands.db import DatabaseSettings
from reuse_tracker.dashboards import DATASOURCE
from services.digitizer.settings import DigitizerSettings
from services.ingest.settings import IngestSettings
from services.reuse.settings import ReuseSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO / "infra" / "compose"
SETTINGS: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "digitizer": DigitizerSettings,
    "reuse": ReuseSettings,
    "migrate": DatabaseSettings,
}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    """The documented compose variables and their example values."""
    values = {}
    for line in (COMPOSE_DIR / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(node: Any, env: dict[str, str], used: set[str]) -> Any:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`; a value that is only a
    variable and comes out as digits becomes a number, as Compose casts it."""
    if isinstance(node, dict):
        return {k: interpolate(v, env, used) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env, used) for v in node]
    if not isinstance(node, str):
        return node

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        used.add(name)
        if env.get(name):
            return env[name]
        if op and op.endswith("?"):
            raise AssertionError(f"${{{name}}} is required: {arg}")
        return arg or ""

    value = _VAR.sub(one, node)
    if _VAR.fullmatch(node) and value.isdigit():
        return int(value)
    return value


def raw_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text())
    return loaded


def compose(used: set[str] | None = None) -> dict[str, Any]:
    """The compose file as Compose reads it with the example .env."""
    result: dict[str, Any] = interpolate(raw_compose(), env_example(), used or set())
    return result


def project_services() -> dict[str, dict[str, Any]]:
    """The services that run the project's own image (built from the Dockerfile)."""
    return {name: svc for name, svc in compose()["services"].items() if "build" in svc}


def test_valid_against_the_compose_specification() -> None:
    schema = json.loads((COMPOSE_DIR / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose()), key=lambda e: list(e.path)
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_variable_is_documented_in_env_example() -> None:
    used: set[str] = set()
    compose(used)
    assert used <= set(env_example()), sorted(used - set(env_example()))


def test_the_project_image_runs_the_three_services_and_the_migration() -> None:
    services = project_services()
    assert set(services) == set(SETTINGS)
    for name, svc in services.items():
        assert svc["build"] == {"context": "../..", "dockerfile": "Dockerfile"}
        assert (COMPOSE_DIR / svc["build"]["context"] / "Dockerfile").is_file()
        if name != "migrate":
            assert svc["deploy"]["replicas"] >= 1, name


def _module_exists(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    if spec is None:
        return False
    if spec.submodule_search_locations is not None:  # a package runs its __main__
        return importlib.util.find_spec(f"{module}.__main__") is not None
    return True


def _cli_command(args: list[str]) -> None:
    """Walk `reuse-tracker ARGS` through the Typer app: each word a (sub)command, each
    option one the command takes."""
    command: Any = typer.main.get_command(app)
    rest = list(args)
    while rest and not rest[0].startswith("-"):
        get = getattr(command, "get_command", None)  # a group (Typer's own click)
        assert get is not None, f"{command.name} has no sub-command {rest[0]}"
        sub = get(command.context_class(command), rest.pop(0))
        assert sub is not None, f"no command {args}"
        command = sub
    known = {"--help"} | {opt for param in command.params for opt in param.opts}
    for word in rest:
        if word.startswith("-"):
            assert word in known, f"{args}: {word} is not an option of {command.name}"


def check_entry_point(argv: list[str]) -> None:
    """An image command must exist in the code."""
    if argv[:2] == ["python", "-m"]:
        assert _module_exists(argv[2]), argv
    elif argv[0] == "reuse-tracker":
        pyproject = (REPO / "pyproject.toml").read_text()
        assert 'reuse-tracker = "reuse_tracker.cli:main"' in pyproject
        _cli_command(argv[1:])
    else:
        raise AssertionError(f"unknown entry point {argv}")


def test_every_entry_point_exists_in_the_code() -> None:
    for svc in project_services().values():
        check_entry_point(svc["command"])
        health = svc.get("healthcheck", {}).get("test")
        if health:
            assert health[0] == "CMD"
            check_entry_point(health[1:])
    dockerfile = (REPO / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd is not None
    check_entry_point(json.loads(cmd.group(1)))
    for source in re.findall(r"^COPY (\S+)", dockerfile, re.MULTILINE):
        assert (REPO / source).exists(), source


def settings_variables(cls: type[BaseSettings]) -> set[str]:
    """TRACKER_<FIELD> for every field, and its TRACKER_<FIELD>_FILE variant."""
    names = {f"TRACKER_{name.upper()}" for name in cls.model_fields}
    return names | {f"{n}_FILE" for n in names}


def test_every_tracker_variable_is_a_setting_of_that_service() -> None:
    for name, svc in project_services().items():
        env = svc["environment"]
        assert isinstance(env, dict)
        unknown = {k for k in env if k.startswith("TRACKER_")} - settings_variables(SETTINGS[name])
        assert not unknown, f"{name}: {sorted(unknown)} are not settings of {SETTINGS[name]}"
        assert all(k.startswith("TRACKER_") for k in env), f"{name}: only TRACKER_* settings"
        if name != "migrate":
            assert env["TRACKER_MODE"] == "production"


def test_secrets_are_files_declared_mounted_and_generated(tmp_path: Path) -> None:
    spec = compose()
    declared = spec["secrets"]
    for name, secret in declared.items():
        assert secret["file"] == f"./secrets/{name}"
    for svc_name, svc in spec["services"].items():
        mounted = set(svc.get("secrets", []))
        assert mounted <= set(declared), svc_name
        for key, value in (svc.get("environment") or {}).items():
            assert not re.search(r"(PASSWORD|SECRET|HASH_KEY)$", key), f"{svc_name}: {key} inline"
            if isinstance(value, str) and value.startswith("/run/secrets/"):
                assert value.removeprefix("/run/secrets/") in mounted, f"{svc_name}: {key}"
    out = tmp_path / "secrets"
    run = subprocess.run(
        ["bash", str(COMPOSE_DIR / "scripts" / "make-secrets.sh"), "H44,H10"],
        env={"SECRETS_DIR": str(out), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "wrote secrets/hash_key" in run.stdout
    contents = {p.name: p.read_text() for p in out.iterdir()}
    assert set(contents) == set(declared)
    assert all(value.strip() for value in contents.values())
    assert len(bytes.fromhex(contents["hash_key"].strip())) == 32
    assert [line.split(":")[0] for line in contents["kafka_publishers"].split()] == ["H44", "H10"]
    subprocess.run(
        ["bash", str(COMPOSE_DIR / "scripts" / "make-secrets.sh"), "H44,H10"],
        env={"SECRETS_DIR": str(out), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
        timeout=30,
    )
    assert {p.name: p.read_text() for p in out.iterdir()} == contents, "kept, not regenerated"


def test_mounted_files_exist_and_scripts_parse() -> None:
    for svc_name, svc in raw_compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith("."):
                continue  # a named volume
            path = (COMPOSE_DIR / source).resolve()
            if path.parent == (REPO / "infra") and path.name in {"prometheus", "grafana"}:
                continue  # the project's rules and dashboards, kept in infra/<name>/
            assert path.exists(), f"{svc_name}: {source}"
    for script in (COMPOSE_DIR / "scripts").glob("*.sh"):
        shell = "sh" if script.read_text().startswith("#!/bin/sh") else "bash"
        subprocess.run([shell, "-n", str(script)], check=True, timeout=10)


@pytest.mark.parametrize(
    "path", ["prometheus.yml", "grafana/provisioning/datasources/prometheus.yml"]
)
def test_monitoring_configuration_is_yaml(path: str) -> None:
    assert yaml.safe_load((COMPOSE_DIR / path).read_text())


def test_compose_grafana_uses_the_uid_the_dashboards_refer_to() -> None:
    provisioned = yaml.safe_load(
        (COMPOSE_DIR / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    assert [d["uid"] for d in provisioned["datasources"]] == [DATASOURCE["uid"]]


def test_the_tracker_may_write_no_publisher_topic() -> None:
    """Every Write grant on a `dossier-events.` topic is literal and ends in `.rejected`,
    except a publisher's grant on its own root's topic."""
    script = (COMPOSE_DIR / "scripts" / "kafka-init.sh").read_text()
    grants = re.findall(r"^\s*allow (\S+) (\S+) --topic (\S+) (.*)$", script, re.M)
    writes = [g for g in grants if "dossier-events." in g[2] and "Write" in g[3].split()]
    assert writes, "no grant on a dossier-events topic was found"
    for principal, pattern, topic, _ops in writes:
        assert pattern == "literal", (principal, topic)
        if principal.startswith('"publisher-'):
            assert topic == '"dossier-events.$root"', (principal, topic)
        else:
            assert topic == '"dossier-events.$root.rejected"', (principal, topic)


def test_operations_page_documents_every_setting() -> None:
    operations = (REPO / "docs" / "operations.md").read_text()
    missing = sorted(
        {
            var
            for cls in SETTINGS.values()
            for var in settings_variables(cls)
            if not var.endswith("_FILE") and f"`{var}`" not in operations
        }
    )
    assert not missing, f"the configuration table of docs/operations.md lacks {missing}"
