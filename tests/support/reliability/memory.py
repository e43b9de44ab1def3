"""Resident memory of a process and its descendants, from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def _status_kib(pid: int, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def rss_kib(pid: int) -> int | None:
    """VmRSS: resident memory now (None if the process is gone)."""
    return _status_kib(pid, "VmRSS")


def peak_kib(pid: int) -> int | None:
    """VmHWM: the highest resident memory the process ever had."""
    return _status_kib(pid, "VmHWM")


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children, their children...)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_peaks_kib(pid: int) -> dict[int, int]:
    """Peak resident memory of the process and of each live descendant, by pid."""
    peaks: dict[int, int] = {}
    for p in [pid, *descendants(pid)]:
        value = peak_kib(p)
        if value is not None:
            peaks[p] = value
    return peaks
