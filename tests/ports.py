"""Port sets for test stacks, movable as a whole so two suites can run side by side."""

from __future__ import annotations

import functools
import os

from reuse_tracker.stack import StackPorts
from reuse_tracker.stack.ports import port_is_free

SHIFT_VARIABLE = "TRACKER_TEST_PORT_SHIFT"

# Offsets of the test stacks (checked disjoint from each other and from the defaults, for
# every shift below): 20000 system on SQLite, 24000 system on PostgreSQL, 30000 local stack,
# 34000 Prometheus and dashboards, 36000 production settings, 38000 digitizer,
# 40000 reliability, 44000 scale-out.
OFFSETS = (20000, 24000, 30000, 34000, 36000, 38000, 40000, 44000)


def port_shift() -> int:
    """The shift every test stack's ports move by (0 unless TRACKER_TEST_PORT_SHIFT is set).

    Multiples of 3 below 30 keep the test port sets of two runs disjoint.
    """
    return int(os.environ.get(SHIFT_VARIABLE, "0"))


SHIFTS = tuple(range(0, 30, 3))


@functools.cache
def shifted_ports(offset: int) -> StackPorts:
    """`StackPorts.for_tests(offset)` moved by the run's port shift, chosen once per offset.

    Test ports lie in Linux's ephemeral range, so a client connection of an earlier test
    can hold one of them for a while; the set then moves to the next shift whose ports are
    all free, rather than failing the stack's start.
    """
    first = port_shift()
    for shift in (first, *(s for s in SHIFTS if s > first), *(s for s in SHIFTS if s < first)):
        ports = StackPorts.for_tests(offset=offset + shift)
        if all(port_is_free(port) for port in ports.as_dict().values()):
            return ports
    return StackPorts.for_tests(offset=offset + first)  # the start then names the taken port
