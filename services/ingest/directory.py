"""Which root each unit belongs to: the registered tree, else the code prefix `ROOT.`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UnitDirectory:
    """In-memory view of registered units (code -> root); ingest's table is its source."""

    roots: dict[str, str] = field(default_factory=dict)

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
        return self.belongs(root, code) or self.belongs(root, parent_code)

    def add(self, root: str, code: str) -> None:
        """Record a registration accepted for `root`."""
        self.roots[code] = root
