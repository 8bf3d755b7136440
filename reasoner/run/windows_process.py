"""Whether a process runs, and waiting for it to end, on Windows.

On Windows, signal 0 is ``CTRL_C_EVENT``: ``os.kill(pid, 0)``, the POSIX way to ask whether a
process runs, sends Ctrl+C to a process group there, or fails with an error no caller
expects. :mod:`cmr_reason.reasoner.run.owner_mark` and
:mod:`cmr_reason.reasoner.run.worker_watch` ask the process API here instead, through
ctypes. Whatever cannot be told counts as "still runs": a directory is never taken for
abandoned, nor a worker ended, on a guess.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

_SYNCHRONIZE = 0x00100000
_QUERY = 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION
_STILL_ACTIVE = 259
_NO_SUCH_PROCESS = 87  # ERROR_INVALID_PARAMETER: OpenProcess of an id no process has
_INFINITE = 0xFFFFFFFF
_CTYPES: Any = ctypes  # WinDLL and get_last_error: names the type stubs have on Windows only


def _kernel32() -> Any:
    """kernel32, its calls typed (raises where there is no Windows API)."""
    kernel32 = _CTYPES.WinDLL("kernel32", use_last_error=True)
    handle, dword = ctypes.c_void_p, ctypes.c_ulong
    kernel32.OpenProcess.restype = handle
    kernel32.OpenProcess.argtypes = [dword, ctypes.c_int, dword]
    kernel32.GetExitCodeProcess.argtypes = [handle, ctypes.POINTER(dword)]
    kernel32.WaitForSingleObject.argtypes = [handle, dword]
    kernel32.CloseHandle.argtypes = [handle]
    return kernel32


def _last_error() -> int:
    return int(_CTYPES.get_last_error())


def alive(pid: int) -> bool:
    """True unless process ``pid`` is known to have ended (or never to have been)."""
    try:
        kernel32 = _kernel32()
        handle = kernel32.OpenProcess(_QUERY, False, pid)
        if not handle:
            return _last_error() != _NO_SUCH_PROCESS  # e.g. access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == _STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    except Exception:  # no call could be made: assume it runs
        return True


def wait_for_exit(pid: int) -> None:
    """Return when process ``pid`` has ended; never, when it cannot be watched."""
    try:
        kernel32 = _kernel32()
        handle = kernel32.OpenProcess(_SYNCHRONIZE, False, pid)
        if not handle:
            if _last_error() == _NO_SUCH_PROCESS:
                return  # already gone
            handle = None
    except Exception:
        handle = None
    if handle is None:
        threading.Event().wait()  # cannot be watched: never end a worker on a guess
    kernel32.WaitForSingleObject(handle, _INFINITE)
