"""Port sets for the stacks the test suites and the benchmark start: one slot per stack,
movable as a whole so two runs can go side by side, and all below Linux's ephemeral range
(see reuse_tracker.stack.ports.TEST_BASE)."""

from __future__ import annotations

import functools
import os

from .ports import TEST_SLOTS, StackPorts, port_is_free

SHIFT_VARIABLE = "TRACKER_TEST_PORT_SHIFT"

# The stacks the suites and the benchmark start, in slot order within a shift. A run with
# shift s uses slots s * SLOTS_PER_SHIFT + index, so runs with different shifts never share
# a port.
STACKS = (
    "system-sqlite",
    "system-postgresql",
    "local",
    "dashboards",
    "production",
    "digitizer",
    "reliability",
    "scale-out",
    "bench",
    "readers",
    "supervision",
)
SLOTS_PER_SHIFT = 11
SHIFTS = tuple(range(TEST_SLOTS // SLOTS_PER_SHIFT))


def port_shift() -> int:
    """The run's port shift (0 unless TRACKER_TEST_PORT_SHIFT is set, 0..6)."""
    shift = int(os.environ.get(SHIFT_VARIABLE, "0"))
    if shift not in SHIFTS:
        raise ValueError(f"{SHIFT_VARIABLE}={shift} is outside {SHIFTS[0]}..{SHIFTS[-1]}")
    return shift


def _slot(stack: str, shift: int) -> int:
    return shift * SLOTS_PER_SHIFT + STACKS.index(stack)


@functools.cache
def stack_slot(stack: str) -> int:
    """The slot of `stack` for this run, chosen once: the run's shift, or the next shift
    whose ports are all free (a server left by a killed earlier run may still hold one)."""
    if stack not in STACKS:
        raise ValueError(
            f"unknown test stack {stack!r}; add it to reuse_tracker.stack.slots.STACKS"
        )
    first = port_shift()
    for shift in (first, *(s for s in SHIFTS if s > first), *(s for s in SHIFTS if s < first)):
        slot = _slot(stack, shift)
        ports = StackPorts.for_tests(slot)
        spares = [StackPorts.spare_for_tests(slot, i) for i in range(2)]
        if all(port_is_free(port) for port in (*ports.as_dict().values(), *spares)):
            return slot
    return _slot(stack, first)  # the start then names the taken port


def stack_ports(stack: str) -> StackPorts:
    """The port set of the named test stack (one of STACKS) for this run."""
    return StackPorts.for_tests(stack_slot(stack))


def spare_port(stack: str, index: int = 0) -> int:
    """A port of the named stack's slot that the stack itself never uses."""
    return StackPorts.spare_for_tests(stack_slot(stack), index)
