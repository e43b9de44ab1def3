"""The unit tree of a root, a function of the set of known codes alone (never of their order).

Rules (docs/api.md, "Unit tree"):
- A registered unit hangs under its `parent_code`. A parent not known yet, inside the root's
  prefix (`ROOT.`), is a placeholder unit until it registers; any other unknown parent (a typo,
  another root's code) is ignored and the unit hangs by prefix, as an unregistered one does.
- A unit placed by prefix hangs under its longest known dotted prefix, else under the root.
  Every dotted prefix between the root and such a unit is a prefix-only unit
  (`H44.07.01` alone makes `H44.07` a unit), so any prefix can be queried.
- Registrations that loop hang their smallest code under the root, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class UnitTree:
    """Parent links for every known unit code of one root, registered or only seen in events."""

    root: str
    parent: dict[str, str | None] = field(default_factory=dict)
    registered: dict[str, bool] = field(default_factory=dict)  # code -> certified_copy_service

    @classmethod
    def build(
        cls,
        root: str,
        registered: Iterable[tuple[str, str | None, bool]],
        seen_codes: Iterable[str],
    ) -> UnitTree:
        """From registrations (code, parent, certified copies) and codes seen in dossiers."""
        tree = cls(root)
        declared: dict[str, str | None] = {}
        for code, parent, certified in sorted(registered, key=lambda r: r[0]):
            declared[code] = None if code == root or parent == code else parent
            tree.registered[code] = certified
        known = set(declared) | set(seen_codes)
        if not known:
            return tree
        known.add(root)
        known |= {
            p for p in declared.values() if p is not None and p.startswith(root + ".")
        }  # placeholders for parents that have not registered yet
        by_parent = {c: p for c, p in declared.items() if p is not None and p in known}
        by_prefix = sorted(known - set(by_parent) - {root})
        for code in by_prefix:
            known.update(_inner_prefixes(root, code))
        tree.parent[root] = None
        for code in sorted(known - {root}):
            tree.parent[code] = by_parent.get(code) or _longest_prefix(root, code, known)
        tree._break_loops()
        return tree

    def _break_loops(self) -> None:
        """Hang the smallest code of each loop of registrations under the root."""
        reached = self.subtree(self.root)
        for code in sorted(self.parent):
            if code in reached:
                continue
            loop: list[str] = []
            node: str | None = code
            while node is not None and node not in reached and node not in loop:
                loop.append(node)
                node = self.parent.get(node)
            if node is not None and node in loop:
                self.parent[min(loop[loop.index(node) :])] = self.root
            reached = self.subtree(self.root)

    def contains(self, code: str) -> bool:
        """Whether a unit code is known in this tree."""
        return code in self.parent

    def children(self, code: str) -> list[str]:
        """Direct children of a unit, sorted by code."""
        return sorted(c for c, p in self.parent.items() if p == code and c != code)

    def subtree(self, code: str) -> set[str]:
        """The unit and every unit below it."""
        kids: dict[str, list[str]] = {}
        for child, par in self.parent.items():
            if par is not None and child != par:
                kids.setdefault(par, []).append(child)
        out: set[str] = set()
        stack = [code]
        while stack:
            node = stack.pop()
            if node in out:
                continue  # a cycle in registrations must not hang the query
            out.add(node)
            stack.extend(kids.get(node, []))
        return out

    def counted_units(self, code: str) -> dict[str, bool]:
        """ELECTRONIC_CERTIFIED_COPY's units of a subtree: its registered units and the unit
        itself ("itself included"); an unregistered unit declares no certified copies."""
        out = {c: self.registered[c] for c in self.subtree(code) if c in self.registered}
        out.setdefault(code, False)
        return out


def _inner_prefixes(root: str, code: str) -> list[str]:
    """The dotted prefixes strictly between the root and a code inside its prefix."""
    if not code.startswith(root + "."):
        return []
    parts = code.split(".")
    depth = root.count(".") + 1
    return [".".join(parts[:n]) for n in range(depth + 1, len(parts))]


def _longest_prefix(root: str, code: str, known: set[str]) -> str:
    head = code
    while "." in head:
        head = head.rsplit(".", 1)[0]
        if head in known:
            return head
    return root
