"""What a process has used: its peak memory (for the run's manifest and the benchmark)."""

from __future__ import annotations


def peak_rss_kib() -> int:
    """Peak resident memory of this process (``VmHWM``), in KiB; 0 where unavailable."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0
