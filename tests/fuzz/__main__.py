"""``python -m tests.fuzz``: list the kinds, mutate a file, fuzz one file, or the big run.

Run from the repository's root with the project's environment (docs/reliability.md
"Damaged input")::

    .venv/bin/python -m tests.fuzz kinds
    .venv/bin/python -m tests.fuzz mutate CLEAN.csv OUT.csv --seed 1 --rows 500
    .venv/bin/python -m tests.fuzz check CLEAN.csv --seed 1 --rows 500 --work DIR
    nice .venv/bin/python -m tests.fuzz big --rows 1000000 --work DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .big import FIGURES, BigArgs, big_run
from .check import clean_run
from .kinds import BY_NAME, KINDS, Kind, kinds_table
from .mutate import mutate_file
from .session import Settings, fuzz_file


def _kinds(names: str) -> list[Kind]:
    if not names:
        return [kind for kind in KINDS if kind.name != "non_utf8_byte"]
    try:
        return [BY_NAME[name] for name in names.split(",")]
    except KeyError as missing:
        raise SystemExit(f"unknown kind {missing}; see: python -m tests.fuzz kinds") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fuzz", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    kinds = commands.add_parser("kinds", help="list the kinds of damage")
    kinds.add_argument(
        "--markdown", type=Path, metavar="CLEAN", help="a Markdown table of the kinds"
    )

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("clean", type=Path, help="a clean DOJ file with its header")
        sub.add_argument("--seed", type=int, required=True)
        sub.add_argument("--rows", type=int, required=True, help="lines to damage")
        sub.add_argument(
            "--kinds",
            default="",
            help="comma-separated; default: all but "
            "non_utf8_byte (which makes the whole file unreadable as UTF-8)",
        )
        sub.add_argument(
            "--people-share",
            type=float,
            default=0.3,
            help="share of people whose lines may be damaged",
        )

    mutate = commands.add_parser("mutate", help="write a mutated copy and its log (JSON)")
    common(mutate)
    mutate.add_argument("out", type=Path)
    mutate.add_argument("--log", type=Path, help="write the mutation log here (JSON lines)")

    check = commands.add_parser("check", help="mutate, run cmr-reason and check the guarantees")
    common(check)
    check.add_argument("--work", type=Path, required=True, help="folder for files and runs")
    check.add_argument("--workers", type=int, default=2)
    check.add_argument("--policy", default="statute")

    big = commands.add_parser("big", help="the on-demand run over many files")
    big.add_argument("--work", type=Path, required=True)
    big.add_argument("--rows", type=int, default=1_000_000)
    big.add_argument("--people", type=int, default=22_000)
    big.add_argument("--seed", type=int, default=16)
    big.add_argument("--workers", type=int, default=2)
    big.add_argument("--policy", default="statute")
    big.add_argument("--people-share", type=float, default=0.3)
    big.add_argument("--keep", action="store_true", help="keep every mutated file and run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 1 when a guarantee is violated."""
    args = _parser().parse_args(argv)
    if args.command == "kinds":
        if args.markdown:
            print(kinds_table(args.markdown))
            return 0
        for kind in KINDS:
            print(f"{kind.name:30} {kind.group:10} {kind.description}")
        return 0
    if args.command == "mutate":
        log = mutate_file(
            args.clean,
            args.out,
            _kinds(args.kinds),
            seed=args.seed,
            rows=args.rows,
            people_share=args.people_share,
        )
        if args.log:
            with args.log.open("w", encoding="utf-8") as handle:
                for m in log.mutations:
                    record = {
                        "kind": m.kind,
                        "category": m.category,
                        "clean_line": m.clean_line,
                        "lines": [m.first, m.first + len(m.expects) - 1],
                        "owner": m.owner,
                        "expects": m.expects,
                        "reasons": sorted(m.reasons),
                    }
                    handle.write(json.dumps(record) + "\n")
        print(f"{len(log.mutations)} lines damaged: {dict(sorted(log.by_kind().items()))}")
        return 0
    if args.command == "check":
        args.work.mkdir(parents=True, exist_ok=True)
        settings = Settings(args.workers, args.policy, args.people_share)
        clean = clean_run(
            args.clean, args.work / "clean-run", workers=args.workers, policy=args.policy
        )
        verdict, log = fuzz_file(
            clean,
            _kinds(args.kinds),
            seed=args.seed,
            rows=args.rows,
            work=args.work,
            name="mutated",
            settings=settings,
        )
        print(
            f"{len(log.mutations)} lines damaged, {log.data_lines} lines; "
            f"people {dict(verdict.people)}; rows changed {dict(verdict.changed)}"
        )
        print(verdict.report() or "every guarantee held")
        return 0 if verdict.ok else 1
    records = big_run(
        BigArgs(
            args.work,
            args.rows,
            args.people,
            args.seed,
            args.workers,
            args.policy,
            args.people_share,
            args.keep,
        )
    )
    print((args.work / FIGURES).read_text(encoding="utf-8"))
    return 0 if all(not r["violations"] for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
