"""Byte-identity check of a speed change: a checkout's reference runs, and two sets compared.

    .venv/bin/python tests/bench/same_outputs.py make CHECKOUT OUT [--data DIR] [--ranged]
    .venv/bin/python tests/bench/same_outputs.py compare REF NEW [--roots OLD_ROOT NEW_ROOT]

``make`` runs CHECKOUT's own ``cmr-reason`` (``CHECKOUT/.venv/bin/cmr-reason``) on: the bundled
demo under every bundled policy (``policy_names``); a synthetic 20,000-person file with 2 %
damaged rows under ``statute`` and ``los-angeles-2020`` with ``--workers 2``; the demo and a
5,000-person ``--mix petitions`` file with ``--remedy all``; and with ``--ranged`` a
100,000-person file (over the 64 MiB at which ``--workers 2`` routes a file in byte ranges)
under ``statute``. The synthetic files are made once in ``--data``. ``compare`` compares every
file of two such sets byte for byte, ``manifest.json`` without what differs by design (timings,
CPU, peaks, the programs' hash, the input's path relative to the run folder); ``--roots``
replaces the first checkout's path by the second's first (the demo's ``source_file`` is
absolute). Prints ``identical`` or each difference, and exits 1 on a difference. Not a test:
minutes of runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cmr_reason.reasoner.engine.program_set import policy_names

AS_OF, REMEDY_AS_OF = "2020-07-01", "2026-01-01"
# manifest.json keys that differ from run to run, or between checkouts by design
VOLATILE = {"timings_seconds", "cpu_seconds", "peak_rss_kib", "rules_sha256", "relative"}


def _synth(tool: Path, path: Path, *args: str) -> Path:
    if not path.exists():
        subprocess.run([str(tool), "synth", *args, "--out", str(path), "--force"], check=True,
                       capture_output=True)  # fmt: skip
    return path


def make(checkout: Path, out: Path, data: Path, ranged: bool) -> None:
    """The reference runs of ``checkout`` in ``out`` (one folder a run)."""
    tool = checkout / ".venv" / "bin" / "cmr-reason"
    data.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    damaged = _synth(tool, data / "syn20k-d2.csv", "--people", "20000", "--seed", "7",
                     "--malformed-rate", "0.02")  # fmt: skip
    petitions = _synth(tool, data / "pet5k.csv", "--people", "5000", "--seed", "3",
                       "--mix", "petitions")  # fmt: skip
    runs: dict[str, list[str]] = {
        f"demo-{policy}": ["--as-of", AS_OF, "--policy", policy] for policy in policy_names()
    }
    for policy in ("statute", "los-angeles-2020"):
        runs[f"syn20k-{policy}"] = [str(damaged), "--as-of", AS_OF, "--policy", policy,
                                    "--workers", "2"]  # fmt: skip
    runs["demo-remedy"] = ["--as-of", REMEDY_AS_OF, "--remedy", "all"]
    runs["pet5k-remedy"] = [str(petitions), "--as-of", REMEDY_AS_OF, "--remedy", "all",
                            "--workers", "2"]  # fmt: skip
    if ranged:
        big = _synth(tool, data / "syn100k.csv", "--people", "100000", "--seed", "1")
        runs["syn100k-statute"] = [str(big), "--as-of", AS_OF, "--workers", "2"]
    for name, args in runs.items():
        done = subprocess.run([str(tool), "run", *args, "--out", str(out / name), "--force",
                               "-q"], capture_output=True, text=True)  # fmt: skip
        (out / f"{name}.err").write_text(done.stderr + f"exit {done.returncode}\n")
    print(f"made {len(runs)} runs in {out}")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def compare(ref: Path, new: Path, roots: tuple[bytes, bytes] | None) -> list[str]:
    """The differences between two sets of runs (none: identical)."""

    def fixed(data: bytes) -> bytes:
        return data.replace(roots[0], roots[1]) if roots else data

    found = []
    for a in sorted(p for p in ref.rglob("*") if p.is_file()):
        b = new / a.relative_to(ref)
        if not b.exists():
            found.append(f"missing {a.relative_to(ref)}")
        elif a.name == "manifest.json":
            if _clean(json.loads(fixed(a.read_bytes()))) != _clean(json.loads(b.read_bytes())):
                found.append(f"manifest differs {a.relative_to(ref)}")
        elif fixed(a.read_bytes()) != b.read_bytes():
            found.append(f"differs {a.relative_to(ref)}")
    found += [f"extra {b.relative_to(new)}" for b in sorted(new.rglob("*"))
              if b.is_file() and not (ref / b.relative_to(new)).exists()]  # fmt: skip
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("make")
    made.add_argument("checkout", type=Path)
    made.add_argument("out", type=Path)
    made.add_argument("--data", type=Path, default=Path("/tmp/cmr-same-outputs"))
    made.add_argument("--ranged", action="store_true")
    compared = sub.add_parser("compare")
    compared.add_argument("ref", type=Path)
    compared.add_argument("new", type=Path)
    compared.add_argument("--roots", nargs=2, metavar=("OLD_ROOT", "NEW_ROOT"))
    args = parser.parse_args()
    if args.command == "make":
        make(args.checkout.resolve(), args.out.resolve(), args.data, args.ranged)
        return
    roots = (args.roots[0].encode(), args.roots[1].encode()) if args.roots else None
    differences = compare(args.ref, args.new, roots)
    print("\n".join(differences) if differences else "identical")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
