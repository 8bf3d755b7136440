"""Connected components of keys that appear together (a union-find), for the report audit."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class KeyComponents(Generic[K]):
    """Keys joined into components: the keys of one group always share a component."""

    def __init__(self, groups: Iterable[Iterable[K]]) -> None:
        self.parent: dict[K, K] = {}
        for group in groups:
            first, *rest = group
            root = self.find(first)
            for key in rest:
                self.parent[self.find(key)] = root

    def find(self, key: K) -> K:
        """The representative key of ``key``'s component (a key seen first is its own)."""
        parent = self.parent
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key
