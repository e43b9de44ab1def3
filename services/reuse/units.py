"""The unit tree of a root: registered parents, else the code prefix (`H44.07.01` -> `H44.07`)."""

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
        for code, parent, certified in registered:
            tree.parent[code] = parent if code != root else None
            tree.registered[code] = certified
        seen = list(seen_codes)
        if tree.parent or seen:
            # A root known only by its units' prefixes still heads their tree.
            tree.parent.setdefault(root, None)
        for code in seen:
            tree._attach(code)
        return tree

    def _attach(self, code: str) -> None:
        if code in self.parent:
            return
        # An unregistered unit hangs below its longest known prefix, or the root.
        head = code
        while "." in head:
            head = head.rsplit(".", 1)[0]
            if head in self.parent:
                self.parent[code] = head
                return
        self.parent[code] = self.root

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
