"""Which root each unit belongs to: the registered tree, else the code prefix `ROOT.`.

A root may register units outside its prefix (below a parent of its own tree), but never a
code that names another known root: the root itself or a code under `<OTHER>.`. Otherwise a
root could register `H45.01` below its own tree before H45 does, and lock H45 out of its own
unit (every later H45 event for it would be `foreign_agency`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UnitDirectory:
    """In-memory view of registered units (code -> root); ingest's table is its source."""

    roots: dict[str, str] = field(default_factory=dict)
    topic_roots: set[str] = field(default_factory=set)  # roots with a publisher topic

    def known_roots(self) -> set[str]:
        """Roots with a publisher topic or with a registered unit."""
        return self.topic_roots | set(self.roots.values())

    def root_of(self, code: str) -> str | None:
        """The root a registered unit belongs to, if it is registered."""
        return self.roots.get(code)

    def belongs(self, root: str, code: str) -> bool:
        """Whether `code` is `root` itself or below it."""
        registered = self.roots.get(code)
        if registered is not None:
            return registered == root
        return code == root or code.startswith(root + ".")

    def may_register(self, root: str, code: str, parent_code: str | None) -> bool:
        """A unit may be registered in `root` if it is the root, or hangs below it."""
        registered = self.roots.get(code)
        if registered is not None and registered != root:
            return False
        if code == root:
            return parent_code is None
        if parent_code is None:
            return False
        named = named_root(code)
        if registered is None and named != root and named in self.known_roots():
            return False
        return self.belongs(root, code) or self.belongs(root, parent_code)

    def add(self, root: str, code: str) -> None:
        """Record a registration accepted for `root`."""
        self.roots[code] = root


def named_root(code: str) -> str:
    """The root a code names by its form: `H45` for `H45` and for `H45.07.01`."""
    return code.split(".", 1)[0]
