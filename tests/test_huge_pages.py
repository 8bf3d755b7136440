"""The bulk run's workers start with glibc's malloc on transparent huge pages.

The fork server that forks the workers is started with ``glibc.malloc.hugetlb=1`` in its
environment (fewer page faults a batch, tests/bench/analysis.md); the run's own environment
stays as it was, and a user's own tunables are kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from cmr_reason.reasoner.run.pool import HUGE_PAGES_TUNABLE, tunables_with_huge_pages


def test_tunables_added_kept_or_left() -> None:
    assert tunables_with_huge_pages(None) == HUGE_PAGES_TUNABLE
    assert tunables_with_huge_pages("") == HUGE_PAGES_TUNABLE
    assert (
        tunables_with_huge_pages("glibc.malloc.arena_max=2")
        == f"glibc.malloc.arena_max=2:{HUGE_PAGES_TUNABLE}"
    )
    # the user's own choice of hugetlb stands
    assert tunables_with_huge_pages("glibc.malloc.hugetlb=0") == "glibc.malloc.hugetlb=0"


_SCRIPT = textwrap.dedent(
    """
    import os
    from cmr_reason.reasoner.run.pool import pool_context

    def tunables(conn):
        conn.send(os.environ.get("GLIBC_TUNABLES"))

    if __name__ == "__main__":
        context, _ = pool_context()
        mine, theirs = context.Pipe()
        process = context.Process(target=tunables, args=(theirs,))
        process.start()
        print(repr(mine.recv()))
        process.join()
        print(repr(os.environ.get("GLIBC_TUNABLES")))
    """
)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the fork server is POSIX's")
@pytest.mark.parametrize("own", [None, "glibc.malloc.arena_max=2"])
def test_fork_server_workers_have_the_tunable(tmp_path, own: str | None) -> None:
    script = tmp_path / "start.py"
    script.write_text(_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    if own is not None:
        env["GLIBC_TUNABLES"] = own
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    worker, parent = done.stdout.splitlines()
    assert worker == repr(tunables_with_huge_pages(own))
    assert parent == repr(own)  # the run's own environment is as it was
