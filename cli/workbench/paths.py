"""The files on this machine the workbench may read: only inside the folders the operator allows.

``cmr-reason serve --workspace`` takes ``--data FOLDER`` (repeatable; default the current
directory). A path chosen in the browser, whether clicked in the file browser or typed, is
resolved (symbolic links followed, ``..`` removed) and must then lie inside one of those
folders; anything else is refused with one line. Nothing is uploaded: the browser names a
file, the server reads it where it is.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmr_reason.facts.errors import UserError

#: What each chooser lists: DOJ files and hand-written histories, or office settings.
SUFFIXES = {"input": (".csv", ".txt", ".lp"), "settings": (".toml",)}
MAX_ENTRIES = 1000  # a folder lists at most this many entries (the rest are counted)


@dataclass(frozen=True)
class Entry:
    """One line of a folder listing."""

    name: str
    path: Path
    is_dir: bool
    size: int


@dataclass(frozen=True)
class Listing:
    """A folder's sub-folders and the files of the wanted kind, by name."""

    folder: Path
    parent: Path | None  # None at the top of an allowed folder
    folders: list[Entry]
    files: list[Entry]
    left_out: int  # entries beyond MAX_ENTRIES


class AllowedFolders:
    """The folders the workbench may read from, resolved once at start."""

    def __init__(self, roots: Sequence[Path]) -> None:
        resolved: list[Path] = []
        for root in roots:
            try:
                real = Path(root).expanduser().resolve(strict=True)
            except (OSError, RuntimeError):
                raise UserError(f"--data folder not found: {root}") from None
            if not real.is_dir():
                raise UserError(f"--data is not a folder: {root}")
            if real not in resolved:
                resolved.append(real)
        if not resolved:
            raise UserError("give at least one --data folder")
        self.roots = tuple(resolved)

    def inside(self, real: Path) -> bool:
        """True when the resolved path ``real`` is one of the folders or lies below one."""
        return any(real == root or real.is_relative_to(root) for root in self.roots)

    def check(self, text: str, kind: str | None = None, *, folder: bool = False) -> Path:
        """The real path of ``text`` (a file of ``kind``, or a folder), or a one-line error.

        A relative path is read from the first allowed folder.
        """
        text = (text or "").strip()
        if not text:
            raise UserError("choose a file" if not folder else "choose a folder")
        if "\x00" in text or len(text) > 4096:
            raise UserError("that is not a path")
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.roots[0] / path
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise UserError(f"no such file or folder: {text}") from None
        if not self.inside(real):
            raise UserError(
                f"{text} is outside the folders this workbench may read ("
                + ", ".join(str(r) for r in self.roots)
                + "; the operator chooses them with `serve --data`)"
            )
        if folder:
            if not real.is_dir():
                raise UserError(f"not a folder: {text}")
            return real
        if not real.is_file():
            raise UserError(f"not a file: {text}")
        if kind is not None and real.suffix.lower() not in SUFFIXES[kind]:
            raise UserError(f"{real.name}: expected a {' or '.join(SUFFIXES[kind])} file")
        if not os.access(real, os.R_OK):
            raise UserError(f"cannot read {text}: permission denied")
        return real

    def listing(self, text: str, kind: str) -> Listing:
        """The sub-folders and ``kind`` files of the folder ``text`` (checked like a path).

        Hidden entries (a leading dot) and links that lead outside the allowed folders are
        left out.
        """
        folder = self.check(text, folder=True)
        folders: list[Entry] = []
        files: list[Entry] = []
        seen = 0
        try:
            names = sorted(os.listdir(folder), key=str.lower)
        except OSError as exc:
            raise UserError(f"cannot list {folder}: {exc.strerror}") from None
        for name in names:
            if name.startswith("."):
                continue
            path = folder / name
            try:
                real = path.resolve(strict=True)
                info = os.stat(real)
            except (OSError, RuntimeError):
                continue
            if not self.inside(real):
                continue
            is_dir = stat.S_ISDIR(info.st_mode)
            if not is_dir and (
                not stat.S_ISREG(info.st_mode) or real.suffix.lower() not in SUFFIXES[kind]
            ):
                continue
            seen += 1
            if seen > MAX_ENTRIES:
                continue
            entry = Entry(name, path, is_dir, 0 if is_dir else info.st_size)
            (folders if is_dir else files).append(entry)
        parent = folder.parent if folder not in self.roots and self.inside(folder.parent) else None
        return Listing(folder, parent, folders, files, max(0, seen - MAX_ENTRIES))
