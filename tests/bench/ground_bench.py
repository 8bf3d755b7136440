"""Clingo's share of a bulk batch, alone: reading the facts, grounding, solving and reading back.

    .venv/bin/python tests/bench/ground_bench.py [--people 1000] [--repeat 5]
        [--policies statute,los-angeles-2020] [--input FILE] [--tuple-codes]
        [--compare OTHER_CHECKOUT/.venv/bin/python] [--atoms N] [--callgrind]

Writes a synthetic DOJ file of ``--people`` people (``cmr-reason synth``, seed 7, 2 % damaged
rows) unless ``--input`` names one, builds the packed facts of all its people as the bulk run
does (one batch), then for each policy measures, in ``--repeat`` fresh processes (a batch runs
in a fresh process in the bulk run, and clingo's symbol table only grows), the CPU time of:
adding the program text, adding the facts, grounding, solving and reading the shown atoms back
as text. Prints the best and the median of each, in ms, and the counts of ground atoms and
shown atoms. ``--tuple-codes`` writes each packed charge the writer packs flat,
``code(Body, Section, Sub1, ...)``, as ``charge(Body, Section, (Sub1, ...))`` instead
(``programs/core/packed_facts.lp`` reads both; the writer's tuple form before issue 18).
``--compare`` measures the same batch with another checkout's interpreter too (its programs,
as that checkout grounds them), alternating with this one. ``--atoms N`` also lists, for each
policy, the N predicates with the most ground atoms (a person, a conviction): where the
grounder's atoms go. ``--callgrind`` counts instead, once a policy (and checkout), the
instructions clingo spends grounding the batch (``clingo_control_ground``) and adding the
program and the facts (``clingo_control_add``), with valgrind's callgrind: deterministic, so
a change of 1 % shows, where CPU times on a shared machine vary by 10 %. The program is the
one a bulk run without a county scope or reviewers' decisions grounds
(``bulk_program_without``). Not a test: timings depend on the machine and its load (printed
with the table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

STAGES = ("program", "facts", "ground", "solve")
_STRING = r'"(?:[^"\\]|\\.)*"'
_FLAT_CHARGE = re.compile(rf"code\((\w+|{_STRING}), ({_STRING})((?:, {_STRING})*)\)")


def _tuple(match: re.Match[str]) -> str:
    subs = match.group(3).removeprefix(", ")
    inner = f"({subs},)" if subs and '", "' not in subs else f"({subs})"
    return f"charge({match.group(1)}, {match.group(2)}, {inner})"


def tuple_codes(facts: str) -> str:
    """The packed charges of ``facts`` written with a tuple of subsections (``charge/3``)."""
    return "\n".join(
        _FLAT_CHARGE.sub(_tuple, line) if line.startswith("packed_conviction(") else line
        for line in facts.split("\n")
    )


def batch_facts_of(path: Path) -> str:
    """The packed facts of every person of a DOJ file, and the settings, as one batch."""
    from cmr_reason.facts.history_reader import read_histories
    from cmr_reason.reasoner.engine.solver import batch_facts, settings_facts

    histories = list(read_histories([path]))
    return batch_facts(histories) + settings_facts(dt.date(2020, 7, 1))


def bulk_program(policy: str) -> str:
    """The bulk program a run of ``policy`` without a scope or reviews' decisions grounds."""
    from cmr_reason.reasoner.engine import solver
    from cmr_reason.reasoner.engine.program_set import load_program_set

    programs = load_program_set(policy)
    if hasattr(programs, "bulk_program_without") and hasattr(solver, "absent_settings"):
        return str(programs.bulk_program_without(solver.absent_settings(None, "")))
    return str(getattr(programs, "bulk_program", None) or programs.bulk_text)  # older checkouts


def measure_once(policy: str, facts_file: Path) -> dict[str, float | int]:
    """One batch in this (fresh) process: CPU ms of each stage and the atom counts."""
    import clingo

    from cmr_reason.reasoner.engine.solver import shown_texts

    program = bulk_program(policy)
    facts = facts_file.read_text(encoding="utf-8")
    clock = time.process_time
    start = clock()
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    added = clock()
    ctl.add("base", [], facts)
    parsed = clock()
    ctl.ground([("base", [])])
    grounded = clock()
    texts: list[str] = []
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            texts = shown_texts(model)
    solved = clock()
    return {
        "program": (added - start) * 1000,
        "facts": (parsed - added) * 1000,
        "ground": (grounded - parsed) * 1000,
        "solve": (solved - grounded) * 1000,
        "atoms": sum(1 for _ in ctl.symbolic_atoms),
        "shown": len(texts),
    }


def ground_only(policy: str, facts_file: Path) -> None:
    """Add the program and the facts and ground them, nothing else (what callgrind counts)."""
    import clingo

    program = bulk_program(policy)
    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], program)
    ctl.add("base", [], facts_file.read_text(encoding="utf-8"))
    ctl.ground([("base", [])])


def _instructions(out: Path) -> int:
    for line in out.read_text(encoding="utf-8").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise ValueError(f"no instruction count in {out}")


def count_instructions(python: Path, policy: str, facts_file: Path, tmp: Path) -> dict[str, int]:
    """Instructions clingo spends adding (program and facts) and grounding, by callgrind."""
    counts = {}
    for name, function in (("add", "clingo_control_add"), ("ground", "clingo_control_ground")):
        out = tmp / f"callgrind.{policy}.{name}.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             "--collect-atstart=no", f"--toggle-collect={function}",
             str(python), __file__, "--worker-ground", policy, str(facts_file)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        counts[name] = _instructions(out)
    return counts


def atoms_by_predicate(policy: str, facts_file: Path) -> Counter[str]:
    """How many ground atoms of each predicate (``name/arity``) the batch grounds to."""
    import clingo

    ctl = clingo.Control(["--warn=none"])
    ctl.add("base", [], bulk_program(policy))
    ctl.add("base", [], facts_file.read_text(encoding="utf-8"))
    ctl.ground([("base", [])])
    return Counter(f"{a.symbol.name}/{len(a.symbol.arguments)}" for a in ctl.symbolic_atoms)


def _atoms_table(policy: str, facts_file: Path, people: int, convictions: int, top: int) -> str:
    counts = atoms_by_predicate(policy, facts_file)
    rows = [f"\n{policy}: {sum(counts.values()):,} ground atoms\n"]
    rows += ["| predicate | atoms | a person | a conviction |", "|---|---:|---:|---:|"]
    rows += [
        f"| `{name}` | {n:,} | {n / people:.2f} | {n / max(convictions, 1):.2f} |"
        for name, n in counts.most_common(top)
    ]
    return "\n".join(rows)


def _row(label: str, runs: list[dict[str, float | int]], people: int) -> str:
    cells = []
    for stage in STAGES:
        values = [float(r[stage]) for r in runs]
        cells.append(f"{min(values):.0f} / {statistics.median(values):.0f}")
    total = min(sum(float(r[s]) for s in STAGES[1:]) for r in runs)
    return (
        f"| {label} | {' | '.join(cells)} | {total / people:.3f} | "
        f"{runs[0]['atoms']:,} | {runs[0]['shown']:,} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--policies", default="statute,los-angeles-2020")
    parser.add_argument("--input", type=Path)
    parser.add_argument("--tuple-codes", action="store_true")
    parser.add_argument("--compare", type=Path, help="another checkout's Python interpreter")
    parser.add_argument("--atoms", type=int, default=0, help="list the N largest predicates")
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    parser.add_argument("--worker", nargs=2, metavar=("POLICY", "FACTS"), help=argparse.SUPPRESS)
    parser.add_argument("--worker-ground", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure_once(args.worker[0], Path(args.worker[1]))))
        return
    if args.worker_ground:
        ground_only(args.worker_ground[0], Path(args.worker_ground[1]))
        return
    with tempfile.TemporaryDirectory(prefix="ground-bench-") as tmp:
        source = args.input
        if source is None:
            from cmr_reason.facts.synth.generator import write_file

            source = Path(tmp) / "synth.csv"
            write_file(source, args.people, seed=7, malformed_rate=0.02)
        facts = batch_facts_of(source)
        if args.tuple_codes:
            facts = tuple_codes(facts)
        facts_file = Path(tmp) / "batch.lp"
        facts_file.write_text(facts, encoding="utf-8")
        people = facts.count("packed_person(")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{people:,} people, load {load}")
        pythons = {"": Path(sys.executable)}
        if args.compare:
            pythons = {" (compared)": args.compare, " (this checkout)": Path(sys.executable)}
        if args.callgrind:
            print("\nInstructions (callgrind), millions:\n")
            print("| policy | add (program and facts) | ground |")
            print("|---|---:|---:|")
            for policy in args.policies.split(","):
                for label, python in pythons.items():
                    n = count_instructions(python, policy, facts_file, Path(tmp))
                    print(f"| {policy}{label} | {n['add'] / 1e6:,.1f} | {n['ground'] / 1e6:,.1f} |")
            return
        print("\nCPU ms, best / median of", args.repeat, "fresh processes:\n")
        print("| policy | program | facts | ground | solve | ms a person | atoms | shown |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for policy in args.policies.split(","):
            runs: dict[str, list[dict[str, float | int]]] = {label: [] for label in pythons}
            for _ in range(args.repeat):
                for label, python in pythons.items():
                    done = subprocess.run(
                        [str(python), __file__, "--worker", policy, str(facts_file)],
                        capture_output=True, text=True, check=True,
                    )  # fmt: skip
                    runs[label].append(json.loads(done.stdout))
            for label, measured in runs.items():
                print(_row(policy + label, measured, people))
        if args.atoms:
            convictions = facts.count("packed_conviction(")
            for policy in args.policies.split(","):
                print(_atoms_table(policy, facts_file, people, convictions, args.atoms))


if __name__ == "__main__":
    main()
