"""Process checks on Windows (reasoner/run/windows_process.py), with a stand-in for kernel32.

On Windows ``os.kill(pid, 0)`` is Ctrl+C, so the owner marks and the workers' watch ask the
process API there. This machine has no Windows API: the calls are answered by a fake that
records them, and every case that cannot be told must count as "still runs".
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cmr_reason.reasoner.run import owner_mark, windows_process, worker_watch


class _Kernel32:
    """Answers OpenProcess, GetExitCodeProcess, WaitForSingleObject and CloseHandle."""

    def __init__(self, handle: int = 7, exit_code: int | None = 259, error: int = 0) -> None:
        self.handle, self.exit_code, self.error = handle, exit_code, error
        self.calls: list[str] = []

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        self.calls.append(f"open {access:#x} {pid}")
        return self.handle

    def GetExitCodeProcess(self, handle: int, code: Any) -> int:
        if self.exit_code is None:
            return 0
        code._obj.value = self.exit_code
        return 1

    def WaitForSingleObject(self, handle: int, timeout: int) -> int:
        self.calls.append(f"wait {handle}")
        return 0

    def CloseHandle(self, handle: int) -> int:
        self.calls.append(f"close {handle}")
        return 1


def _use(monkeypatch: pytest.MonkeyPatch, kernel32: _Kernel32) -> None:
    monkeypatch.setattr(windows_process, "_kernel32", lambda: kernel32)
    monkeypatch.setattr(windows_process, "_last_error", lambda: kernel32.error)


@pytest.mark.parametrize(
    ("kernel32", "expected"),
    [
        (_Kernel32(exit_code=259), True),  # STILL_ACTIVE
        (_Kernel32(exit_code=0), False),  # ended
        (_Kernel32(handle=0, error=87), False),  # no process has that id
        (_Kernel32(handle=0, error=5), True),  # access denied: it exists
        (_Kernel32(exit_code=None), True),  # the exit code could not be read
    ],
)
def test_alive_counts_only_a_known_end_as_ended(
    monkeypatch: pytest.MonkeyPatch, kernel32: _Kernel32, expected: bool
) -> None:
    _use(monkeypatch, kernel32)
    assert windows_process.alive(4321) is expected
    if kernel32.handle:
        assert kernel32.calls[-1] == "close 7"


def test_without_the_windows_api_a_process_counts_as_running() -> None:
    assert windows_process.alive(4321) is True  # this machine has no kernel32


def test_wait_for_exit_waits_on_the_process_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel32 = _Kernel32()
    _use(monkeypatch, kernel32)
    windows_process.wait_for_exit(4321)
    assert kernel32.calls == ["open 0x100000 4321", "wait 7"]


def test_wait_for_exit_returns_for_a_process_already_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _use(monkeypatch, _Kernel32(handle=0, error=87))
    windows_process.wait_for_exit(4321)


def test_a_process_that_cannot_be_watched_is_never_taken_for_ended() -> None:
    """No API here: the watch must block for good, not return (which ends the worker)."""
    watcher = threading.Thread(target=windows_process.wait_for_exit, args=(4321,), daemon=True)
    watcher.start()
    watcher.join(0.5)
    assert watcher.is_alive()


def test_owner_marks_and_the_workers_watch_use_it_on_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ended = _Kernel32(exit_code=0)
    _use(monkeypatch, ended)
    monkeypatch.setattr(owner_mark, "_WINDOWS", True)
    monkeypatch.setattr(worker_watch, "_WINDOWS", True)
    monkeypatch.delattr(worker_watch.os, "pidfd_open", raising=False)
    assert owner_mark.process_alive(4321) is False  # os.kill(4321, 0) is never called
    worker_watch._wait_for_exit(4321)  # returns: the fake says the process ended
    assert "wait 7" in ended.calls
