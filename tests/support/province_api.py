"""A small province published to H10 on the running system, and the auditor API over it
with tokens made by the command line (the province API and console tests share it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import httpx

from reuse_tracker.simulator import Rates, generate
from reuse_tracker.system import progress, wait_until_processed
from tests.support.system import RunningSystem, cli, publish_scenario

ROOT = "H10"  # H44's figures belong to test_province.py, which checks them exactly
PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
QUERY = {"unit": ROOT, "from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}


def province_api(system: RunningSystem) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A client of the running reuse service, after a small province was processed, and
    tokens made by the command line ("auditor", "h44", and "gone", revoked)."""
    before = progress(system.ports)
    scenario = generate(ROOT, 150, 23, Rates(), PERIOD)
    publish_scenario(system.ports, scenario)
    wait_until_processed(system.ports, before.handled + len(scenario.events), timeout=300)
    tokens: dict[str, str] = {}
    last_id = ""
    for who, role in (("auditor", "auditor"), ("h44", "province:H44"), ("gone", "auditor")):
        out = cli(system.config, "token", "create", "--role", role, "--name", who)
        tokens[who] = out.splitlines()[-1]
        made = re.match(r"created token (\d+) ", out)
        assert made is not None, out
        last_id = made.group(1)
    cli(system.config, "token", "revoke", last_id)  # the last one, "gone"
    listed = cli(system.config, "token", "list")
    assert all(token not in listed for token in tokens.values())
    base = f"http://127.0.0.1:{system.ports.api}"
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as client:
        yield client, tokens
