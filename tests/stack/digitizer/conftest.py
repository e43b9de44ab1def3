"""One stack for the digitizer tests of this package, started once and stopped after them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reuse_tracker.stack import LocalStack, StackConfig
from reuse_tracker.stack.slots import stack_ports
from reuse_tracker.system import SystemConfig

from .harness import GRACE_SECONDS, ROOT, DigitizerStack, start_digitizer_stack


@pytest.fixture(scope="package")
def dstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DigitizerStack]:
    """SeaweedFS, Tansu (memory storage), ingest and digitizer on the digitizer's test ports."""
    var_dir = tmp_path_factory.mktemp("digitizer-stack")
    ports = stack_ports("digitizer")
    config = SystemConfig(
        var_dir=var_dir,
        ports=ports,
        roots=(ROOT,),
        extra_env={"TRACKER_DIGITIZER_GRACE_SECONDS": str(GRACE_SECONDS)},
    )
    stack = LocalStack(
        StackConfig(var_dir=var_dir, ports=ports, roots=(ROOT,), broker_storage="memory")
    )
    running = start_digitizer_stack(config, stack)
    try:
        yield running
    finally:
        stack.stop()
