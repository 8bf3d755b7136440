"""Write an output directory beside its target and put it in place without losing anything.

The protocol (docs/outputs.md "Replacing a run"; docs/reliability.md):

1. *Check.* An existing target is replaced only with ``--force`` and only when it is an output
   of the same kind (:class:`Contents`: a run, a filing), holding nothing else; otherwise the
   command stops with one line saying what is there, before any work.
2. *Build.* Every new file is written into ``.NAME.new-PID`` beside the target (mode 700,
   with an owner marker, :mod:`owner_mark`), flushed to disk.
3. *Commit.* Under a lock on the parent directory (and an exclusive lock on the review
   database, so no reviewer's decision is half-written), the target is checked again and a
   journal ``.NAME.replacing`` is written: from then on the new directory wins.
4. *Carry.* The files that outlive a run (the review database, its secret, the workbench's
   caches) are hard-linked into the new directory: never copied, never absent from the
   target (renamed where the file system has no hard links).
5. *Swap.* The two directories are exchanged in one ``renameat2(RENAME_EXCHANGE)``, so the
   target path always holds a complete run; where the system lacks it, the old one is
   renamed to ``.NAME.old-PID`` and the new one renamed in.
6. *Retire.* The old directory's links to the carried files are removed (still under the
   database lock), then the old directory, then the journal.

A crash before step 3 leaves the old target untouched and a marked build directory, removed
at the next start. A crash after it leaves a journal: the next start (any ``run`` into the
target, or opening it with ``serve``, ``report``, ``file``) finishes the replacement from
wherever it stopped. Every step is idempotent, so an interrupted recovery is finished too.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import open_private_binary, written_whole
from cmr_reason.reasoner.run import owner_mark
from cmr_reason.reasoner.run.fault_points import checkpoint
from cmr_reason.reasoner.run.write_errors import WriteFailed, reason, write_failed

JOURNAL_VERSION = 1
DB_LOCK_SECONDS = 30.0  # how long to wait for a reviewer's decision being saved
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# Errors that mean "this file system cannot do that", not "something is wrong".
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP}


@dataclass(frozen=True)
class Contents:
    """What a kind of output directory holds, and what of it outlives a replacement."""

    what: str  # "run", "filing": in messages
    problem: Callable[[Path], str | None]  # why a directory is not one (None: it is)
    kept: Callable[[Path], list[Path]] = lambda _: []  # files carried to the replacement
    database: str | None = None  # an SQLite file among them, locked while the swap runs
    files: frozenset[str] = frozenset()  # the files a build writes (for older leftovers)
    # Temporary files the project writes inside such a directory, with the writer's pid.
    temporary: re.Pattern[str] | None = field(default=None)


#: Names of what the protocol leaves beside a target while (or if killed while) it works.
LEFTOVER = re.compile(r"^\..+\.(?:(?:new|old|tmp|review)-\d+/?|replacing(?:\.tmp-\d+)?)$")


def journal_path(out: Path) -> Path:
    """Where a replacement of ``out`` in progress is recorded."""
    return out.parent / f".{out.name}.replacing"


def _build_name(out: Path) -> str:
    return f".{out.name}.new-{os.getpid()}"


def _absolute(out: Path) -> Path:
    """``out`` as an absolute path; the last part is not resolved (a link is refused)."""
    return Path(os.path.abspath(out))


def describe(names: list[str]) -> str:
    """``3 entries: a, b/, c`` (at most five names)."""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(names)} entr{'y' if len(names) == 1 else 'ies'}: {shown}"


def entries(directory: Path) -> list[str]:
    """A directory's entries, sorted, sub-directories marked with a slash."""
    found = []
    for entry in os.scandir(directory):
        found.append(entry.name + ("/" if entry.is_dir(follow_symlinks=False) else ""))
    return sorted(found)


def refusal(out: Path, contents: Contents) -> str | None:
    """Why ``out`` may not be replaced, or None when it is a previous output (or empty)."""
    if out.is_symlink():
        return f"refusing to replace {out}: it is a symbolic link"
    if not out.is_dir():
        return f"refusing to replace {out}: it is a file, not a {contents.what} directory"
    if not entries(out):
        return None
    problem = contents.problem(out)
    return f"refusing to replace {out}: {problem}" if problem else None


# --- building ----------------------------------------------------------------------------


def prepare(out: Path, force: bool, contents: Contents, notes: list[str] | None = None) -> Path:
    """Finish or clean up what an earlier start left, check ``out``, make the build dir.

    ``notes`` receives what was finished or left.
    """
    out = _absolute(out)
    parent = out.parent
    found = notes if notes is not None else []
    try:
        parent.mkdir(parents=True, exist_ok=True)
        found += recover(out, contents)
        found += sweep(out, contents)
    except OSError as exc:
        raise write_failed(exc, f"beside {out}") from None
    if os.path.lexists(out):
        if not force:
            raise UserError(f"output directory {out} exists; use --force to replace it")
        problem = refusal(out, contents)
        if problem:
            raise UserError(problem)
    build = parent / _build_name(out)
    try:
        if os.path.lexists(build):
            shutil.rmtree(build)  # this process's own, from an earlier call
        build.mkdir(mode=0o700)
        build.chmod(0o700)
        owner_mark.mark(build)
    except OSError as exc:
        shutil.rmtree(build, ignore_errors=True)
        raise write_failed(exc, f"the new {contents.what} beside {out}", _kept(out)) from None
    return build


def _kept(out: Path) -> str:
    return f"{out} is unchanged" if os.path.lexists(out) else ""


def discard(build: Path) -> None:
    """Remove a build directory that will not be put in place."""
    shutil.rmtree(build, ignore_errors=True)


def fsync_tree(directory: Path) -> None:
    """Flush a directory's files and the directory itself to disk."""
    for entry in os.scandir(directory):
        if entry.is_file(follow_symlinks=False):
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- committing --------------------------------------------------------------------------


def commit(build: Path, out: Path, contents: Contents, force: bool = True) -> list[str]:
    """Put the finished ``build`` in place of ``out`` (the steps in the module docstring).

    Raises :class:`UserError` (and keeps ``out`` as it was) when ``out`` changed into
    something that may not be replaced while the build ran; the caller discards the build.
    Returns notes on what an earlier interrupted replacement left and this one finished.
    """
    out = _absolute(out)
    parent = out.parent
    try:
        fsync_tree(build)
    except OSError as exc:
        raise write_failed(exc, f"the new {contents.what} {build}", _kept(out)) from None
    checkpoint("built")
    with _signals_held(), _dir_lock(parent):
        try:
            notes = _recover_locked(out, contents)
        except OSError as exc:
            raise write_failed(exc, f"beside {out}", _kept(out)) from None
        if os.path.lexists(out):
            if not force:  # made while the build ran
                raise UserError(f"output directory {out} exists; use --force to replace it")
            problem = refusal(out, contents)
            if problem:
                raise UserError(problem)
            if os.lstat(out).st_dev != os.stat(parent).st_dev:
                raise UserError(f"cannot replace {out}: it is a mount point; give a folder in it")
        entry: dict[str, object] = {
            "version": JOURNAL_VERSION,
            "build": build.name,
            "aside": f".{out.name}.old-{os.getpid()}",
            "ino": os.stat(build).st_ino,
        }
        with _database_locked([out], contents):
            try:
                _write_journal(out, entry)
            except OSError as exc:
                raise write_failed(exc, f"beside {out}", _kept(out)) from None
            (build / owner_mark.MARKER).unlink()  # committed: no longer a build to sweep
            checkpoint("committed")
            try:
                olds = _finish(out, entry, contents)
                differ = _unlink_carried(olds, out, contents)
            except OSError as exc:
                raise WriteFailed(
                    f"the replacement of {out} stopped: {reason(exc)}; the next run into it, "
                    f"or opening it, finishes it ({journal_path(out).name} records it)"
                ) from None
        try:
            notes += _retire(out, olds, differ)
        except OSError as exc:
            raise WriteFailed(
                f"{out} is the new {contents.what}, but the old one could not be removed: "
                f"{reason(exc)}; the next run into it, or opening it, removes it"
            ) from None
    return notes


def _write_journal(out: Path, entry: dict[str, object]) -> None:
    data = (json.dumps(entry, indent=2) + "\n").encode("utf-8")
    with written_whole(journal_path(out)) as temp, open_private_binary(temp) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(out.parent)


def _read_journal(path: Path) -> dict[str, object]:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("version") != JOURNAL_VERSION:
            raise ValueError("unknown version")
        for key in ("build", "aside"):
            if "/" in entry[key] or not entry[key].startswith("."):
                raise ValueError(f"bad {key}")
        int(entry["ino"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(
            f"cannot read {path} ({exc}): an interrupted replacement cannot be finished; "
            "check the folders beside it and remove the file by hand"
        ) from None
    return dict(entry)


def _is_build(path: Path, ino: int) -> bool:
    try:
        return os.lstat(path).st_ino == ino and path.is_dir()
    except OSError:
        return False


def _finish(out: Path, entry: dict[str, object], contents: Contents) -> list[Path]:
    """Carry the kept files and swap; return the old directory (if any) to retire."""
    parent = out.parent
    ino = int(str(entry["ino"]))
    build, aside = parent / str(entry["build"]), parent / str(entry["aside"])
    if not _is_build(out, ino):
        if not _is_build(build, ino):
            # Nothing complete to put in place (removed by hand): the old output stays.
            if not os.path.lexists(out) and aside.is_dir():
                os.rename(aside, out)
            return []
        old = out if os.path.lexists(out) else aside
        if old.is_dir():
            _carry(old, build, contents)
        checkpoint("carried")
        _swap(build, out, aside)
        checkpoint("swapped")
        _fsync_dir(parent)
    (out / owner_mark.MARKER).unlink(missing_ok=True)
    return [path for path in (build, aside) if path.is_dir() and not _is_build(path, ino)]


def _carry(old: Path, new: Path, contents: Contents) -> None:
    """Link (or, without hard links, move) the files that outlive a run into ``new``."""
    for path in contents.kept(old):
        target = new / path.name
        if os.path.lexists(target):
            continue
        try:
            os.link(path, target, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
            os.rename(path, target)


def _unlink_carried(olds: list[Path], out: Path, contents: Contents) -> dict[Path, list[str]]:
    """Remove the old directories' links to carried files; move any the new one lacks.

    Returns, by old directory, the carried files that differ from those in place (the
    protocol never makes such a pair): they are left where they are, and so is their folder.
    """
    differ: dict[Path, list[str]] = {}
    for old in olds:
        for path in contents.kept(old):
            target = out / path.name
            if not os.path.lexists(target):
                os.rename(path, target)
            elif os.path.samestat(os.lstat(path), os.lstat(target)):
                path.unlink()
            else:
                differ.setdefault(old, []).append(path.name)
    return differ


def _retire(out: Path, olds: list[Path], differ: dict[Path, list[str]]) -> list[str]:
    """Remove the old directories (none holds a carried file any more), then the journal."""
    notes = []
    for old in olds:
        if old in differ:
            names = ", ".join(differ[old])
            notes.append(f"kept {old}: its {names} differ from those in {out}; compare them")
            continue
        checkpoint("retiring")
        shutil.rmtree(old)
    journal_path(out).unlink(missing_ok=True)
    checkpoint("retired")
    with contextlib.suppress(OSError):
        _fsync_dir(out.parent)
    return notes


def _swap(build: Path, out: Path, aside: Path) -> None:
    """Put ``build`` at ``out``; the old ``out`` ends at ``build`` (exchange) or ``aside``."""
    if not os.path.lexists(out):
        os.rename(build, out)
        return
    if _exchange(build, out):
        return
    os.rename(out, aside)
    checkpoint("aside")
    os.rename(build, out)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]  # fmt: skip
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED or code == errno.ENOTSUP:
        return False
    raise OSError(code, os.strerror(code), str(b))


# --- locks -------------------------------------------------------------------------------


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """An exclusive ``flock`` on a directory: one replacement at a time beside a target."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _database_locked(places: list[Path], contents: Contents) -> Iterator[None]:
    """Hold the review database's exclusive lock: no decision is being written meanwhile."""
    path = None
    if contents.database:
        path = next((p / contents.database for p in places if (p / contents.database).is_file()),
                    None)  # fmt: skip
    if path is None:
        yield
        return
    try:
        db = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=DB_LOCK_SECONDS,
            isolation_level=None,
        )  # fmt: skip
    except sqlite3.Error:
        yield  # not openable as a database: nobody can be writing it either
        return
    try:
        try:
            db.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise UserError(
                    f"the review database {path} stayed busy for {DB_LOCK_SECONDS:.0f} s "
                    "(a decision being saved?); nothing was replaced, try again"
                ) from None
        except sqlite3.DatabaseError:
            pass  # not a database: nothing to wait for
        yield
    finally:
        db.close()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP until the swap is done (they arrive after it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --- recovery and clean-up ---------------------------------------------------------------


def recover(out: Path, contents: Contents) -> list[str]:
    """Finish a replacement of ``out`` that a crash interrupted; notes on what was done."""
    out = _absolute(out)
    if not journal_path(out).exists():
        return []
    with _signals_held(), _dir_lock(out.parent):
        return _recover_locked(out, contents)


def _recover_locked(out: Path, contents: Contents) -> list[str]:
    path = journal_path(out)
    if not path.exists():
        return []
    entry = _read_journal(path)
    parent = out.parent
    places = [out, parent / str(entry["build"]), parent / str(entry["aside"])]
    with _database_locked(places, contents):
        olds = _finish(out, entry, contents)
        differ = _unlink_carried(olds, out, contents)
    return [f"finished an interrupted replacement of {out}", *_retire(out, olds, differ)]


_PID_SUFFIX = r"-(\d+)$"


def sweep(out: Path, contents: Contents) -> list[str]:
    """Remove what interrupted writes of ``out`` left, when their process is gone.

    Only what the project writes, known by name and marker: build directories
    (``.NAME.new-PID``, marked), journal temporaries, the temporary files of
    ``contents.temporary`` inside ``out``, and the leftovers of earlier versions
    (``.NAME.tmp-PID`` holding only output files; ``.NAME.review-PID``, whose files are
    moved back into ``out``). A journal still present means a replacement to finish first.
    """
    out = _absolute(out)
    parent = out.parent
    if journal_path(out).exists():
        return []
    notes: list[str] = []
    prefix = re.escape(f".{out.name}.")
    pattern = re.compile(prefix + r"(new|tmp|review|replacing\.tmp)" + _PID_SUFFIX)
    for entry in os.scandir(parent):
        found = pattern.match(entry.name)
        if not found:
            continue
        kind, pid = found.group(1), int(found.group(2))
        if owner_mark.process_alive(pid) and kind != "new":
            continue
        path = Path(entry.path)
        if kind == "new":
            notes += _sweep_build(path, pid, contents)
        elif kind == "replacing.tmp":
            path.unlink(missing_ok=True)
        elif kind == "tmp":
            notes += _sweep_legacy_build(path, contents)
        else:
            notes += _sweep_legacy_keep(path, out, contents)
    if contents.temporary is not None and out.is_dir() and not out.is_symlink():
        for entry in os.scandir(out):
            found = contents.temporary.match(entry.name)
            if found and not owner_mark.process_alive(int(found.group(1))):
                Path(entry.path).unlink(missing_ok=True)
    return notes


def _sweep_build(path: Path, pid: int, contents: Contents) -> list[str]:
    if owner_mark.owner(path) is None:
        if not owner_mark.process_alive(pid) and path.is_dir() and not entries(path):
            path.rmdir()  # made, killed before its marker was written
        return []
    if not owner_mark.abandoned(path):
        return []  # another run building now
    if contents.kept(path):
        return [f"left {path}: an interrupted build that holds review files"]
    shutil.rmtree(path)
    return []


def _sweep_legacy_build(path: Path, contents: Contents) -> list[str]:
    if path.is_dir() and not path.is_symlink():
        names = {name.rstrip("/") for name in entries(path)}
        if names <= contents.files:
            shutil.rmtree(path)
    return []


def _sweep_legacy_keep(path: Path, out: Path, contents: Contents) -> list[str]:
    """Put back the review files an earlier version set aside and never restored."""
    if not path.is_dir() or path.is_symlink() or not out.is_dir():
        return []
    for kept in contents.kept(path):
        if not os.path.lexists(out / kept.name):
            os.rename(kept, out / kept.name)
    left = entries(path)
    if left:
        return [f"left {path}: it holds {describe(left)} that {out} already has"]
    path.rmdir()
    return [f"restored the review files an interrupted run had left in {path.name}"]


# --- the whole --------------------------------------------------------------------------


@contextlib.contextmanager
def replacing(
    out: Path, force: bool, contents: Contents, notes: list[str] | None = None
) -> Iterator[Path]:
    """Build into a fresh directory beside ``out``; put it in place when the block succeeds.

    On any failure (or interruption) inside the block the build directory is removed and
    ``out`` is left as it was. Notes on an earlier interrupted replacement finished on the
    way are appended to ``notes``.
    """
    build = prepare(out, force, contents, notes)
    try:
        yield build
        found = commit(build, out, contents, force)
    except BaseException:
        if build.is_dir() and owner_mark.owner(build) is not None:
            discard(build)  # not committed: a committed build is finished by recovery
        raise
    if notes is not None:
        notes += found
