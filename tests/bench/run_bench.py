"""Benchmark the bulk run on synthetic DOJ files and write docs/performance.md.

    .venv/bin/python tests/bench/run_bench.py [--sizes 10000,100000,1000000] [--workers 2]

For each size it generates (once, cached by size and seed) a synthetic file with
``cmr-reason synth``, measures the read-and-group floor alone, then runs the full
``cmr-reason run`` (with explanations) for each bundled policy of interest, recording wall
time, CPU time, peak memory (VmHWM of the parent and of the workers), people/s, rows/s and
the time by stage from the run's manifest. It checks that cost grows linearly and times the
grounding of one person with many convictions. At the ``--filing-sizes`` it also files the
``los-angeles-2020`` run for Los Angeles County (``cmr-reason file``), sampling the memory
and CPU of the command's whole process tree. With ``--remedy`` (at ``--remedy-sizes``) it
also runs the statute with remedies beside Prop 64 (``run --remedy prop64,pc1203.425``) and
sets its cost beside the Prop 64 run's. Not a unit test: timings depend on the machine and
on what else runs on it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AS_OF = "2020-07-01"
POLICIES = ("statute", "los-angeles-2020")
TARGETS = {
    "people_1m_wall_s": 300,
    "peak_1m_gib": 4.0,
    "people_per_s_100k": 6600,
    "peak_100k_gib": 1.1,
    "growth_10x": 11.0,
}
BIG_CONVICTIONS = (500, 2000)
FILING_POLICY = "los-angeles-2020"  # its example settings file for Los Angeles County
FILING_TARGETS = {"wall_s": 120, "peak_gib": 1.0}  # issue 19: 100,000 people
# Issue 18: at least gogen's people/s at 100,000 people (goal 1.5x); 1M people in 300 s
# (goal 150 s) and 1 GiB.
SPEED_TARGETS = {"ratio": 1.0, "ratio_goal": 1.5, "wall_1m_s": 300, "wall_1m_goal_s": 150,
                 "peak_1m_gib": 1.0}  # fmt: skip
# Code for America's gogen, run side by side when GOGEN names its binary: the county and
# the eligibility options it is given (its baseline: dismiss or reduce each Prop 64 section;
# no additional relief, so it decides by the sections alone, as the statute policy starts).
GOGEN_COUNTY = "LOS ANGELES"
GOGEN_OPTIONS = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {
        "subjectUnder21AtConviction": False,
        "subjectAgeThreshold": 0,
        "yearsSinceConvictionThreshold": 0,
        "subjectIsDeceased": False,
        "subjectHasOnlyProp64Charges": False,
    },
}
SAMPLE_S = 0.1  # how often the filing's process tree is sampled
REMEDY_POLICY = "statute"  # the policy of the runs with and without --remedy
# Their as-of date: PC 1203.425 in force with both clauses (at AS_OF, 2020, it reaches no
# conviction of a synthetic file: every one is before its floor date).
REMEDY_AS_OF = "2026-01-01"


# --- measuring ---------------------------------------------------------------------------


def _run_cpu(manifest: dict, workers: int, waited: float) -> float:
    """CPU seconds of a run: its parent and every batch, as its manifest records them.

    Workers forked from a fork server are not children the run waits for, so the CPU of the
    processes waited for misses them; older manifests without ``cpu_seconds`` fall back to it.
    """
    cpu = manifest.get("cpu_seconds")
    if not cpu:
        return waited
    return cpu["main"] + cpu.get("readers", 0.0) + (cpu["batches"] if workers > 1 else 0.0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], **kwargs: Any) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (the command and every process it waited for) of a command."""
    cpu0, wall0 = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    wall, cpu = time.perf_counter() - wall0, _children_cpu() - cpu0
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}")
    return wall, cpu, done


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, str]:
    """A short description of this machine."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / (1 << 20):.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import clingo

    return {
        "cpu": f"{os.cpu_count()} cores, {model or platform.processor() or 'unknown'}",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "clingo": clingo.__version__,
    }


# --- inputs ------------------------------------------------------------------------------


def synth_file(data: Path, people: int, seed: int, mix: str = "prop64") -> tuple[Path, int]:
    """The cached synthetic file of ``people`` people and its number of data rows.

    ``mix``: ``synth --mix`` (``petitions``: a file for the petition remedies, issue #21).
    """
    name = f"synth-{people}-s{seed}" + ("" if mix == "prop64" else f"-{mix}")
    path = data / f"{name}.csv"
    rows_file = path.with_suffix(".rows")
    if not (path.exists() and rows_file.exists()):
        print(f"  generating {path.name} ...", flush=True)
        _timed(
            [
                str(BIN / "cmr-reason"),
                "synth",
                "--people",
                str(people),
                "--seed",
                str(seed),
                "--out",
                str(path),
                "--force",
                *(["--mix", mix] if mix != "prop64" else []),
            ]
        )
        with path.open(encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
        rows_file.write_text(str(rows))
    return path, int(rows_file.read_text())


def big_person_file(data: Path, convictions: int) -> Path:
    """One person with ``convictions`` convictions: cannabis felonies (whose priors the
    statute must compare) mixed with other offences, one arrest and court step per cycle."""
    from cmr_reason.facts.doj.columns import COLUMNS, INDEX

    path = data / f"big-person-{convictions}.csv"
    if path.exists():
        return path
    charges = (
        "11359 HS-POSSESS MARIJ FOR SALE",
        "11360(A) HS-TRANSPORT MARIJ",
        "11358 HS-CULTIVATE MARIJ",
        "459 PC-BURGLARY",
        "11350(A) HS-POSS NARC",
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(COLUMNS)
        start = dt.date(1977, 1, 1)
        for n in range(convictions):
            day = start + dt.timedelta(days=n * 13000 // convictions)
            date = day.strftime("%Y%m%d")
            for step, kind in ((1, "ARREST/DETAINED/CITED"), (2, "COURT ACTION")):
                fields = [""] * len(COLUMNS)
                values = {
                    "SUBJECT_ID": "99000001",
                    "PRI_NAME": "BENCH,BIG P",
                    "GENDER": "M",
                    "PRI_DOB": "19580101",
                    "RACE_DESCR": "OTHER",
                    "CII_NUMBER": "A99000001",
                    "CYC_DATE": date,
                    "STP_EVENT_DATE": date,
                    "STP_TYPE_DESCR": kind,
                    "STP_ORI_CODE": "CA0190000",
                    "STP_ORI_DESCR": "CASC LOS ANGELES",
                    "STP_ORI_CNTY_NAME": "LOS ANGELES",
                    "CNT_ORDER": f"{n + 1:03d}{step:03d}001000"
                    if n < 999
                    else f"{(n + 1) % 1000:03d}{step + 2 * ((n + 1) // 1000):03d}001000",
                    "OFFENSE_DESCR": charges[n % len(charges)],
                }
                if kind == "COURT ACTION":
                    values |= {
                        "DISP_DESCR": "CONVICTED",
                        "CONV_STAT_DESCR": "FELONY",
                        "DISP_DATE": date,
                        "SENT_LOC_DESCR": "PROBATION",
                        "SENT_LENGTH": "36",
                        "SENT_TIME_CODE": "M",
                    }
                for name, value in values.items():
                    fields[INDEX[name]] = value
                out.writerow(fields)
    return path


_FLOOR = """
import json, sys, time
from cmr_reason.facts.doj.stream import stream_doj
t = time.perf_counter()
with stream_doj([sys.argv[1]], budget_bytes=int(sys.argv[2]) << 20) as s:
    routed = time.perf_counter() - t
    people = sum(1 for _ in s.items())
    runs = s.spilled_runs
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({"wall": wall, "route": routed, "groups": people, "runs": runs, "hwm": hwm}))
"""

_BIG = """
import json, sys, time, datetime as dt
from cmr_reason.facts.doj.reader import read_doj
from cmr_reason.reasoner.engine.program_set import load_program_set
from cmr_reason.reasoner.engine.solver import decide
histories = list(read_doj([sys.argv[1]]))
before = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS'))
t = time.perf_counter()
r = decide(histories, load_program_set(sys.argv[2]), dt.date(2020, 7, 1), lean=True)
wall = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({"convictions": len(histories[0].convictions), "wall": wall,
                  "ground": r.seconds["ground"], "solve": r.seconds["solve"],
                  "rss_before": before, "hwm": hwm, "errors": len(r.internal_errors)}))
"""


# --- runs --------------------------------------------------------------------------------


def floor(path: Path, budget_mib: int) -> dict[str, Any]:
    """Read and group alone (route every row, spill, merge subjects in order)."""
    _, cpu, done = _timed([sys.executable, "-c", _FLOOR, str(path), str(budget_mib)])
    return {**json.loads(done.stdout), "cpu": cpu}


def full_run(
    path: Path,
    policy: str,
    workers: int,
    batch: int | None,
    budget_mib: int,
    engine: str = "local",
    keep: bool = False,
    remedy: str = "",
    as_of: str = AS_OF,
) -> dict[str, Any]:
    """One full ``cmr-reason run`` with explanations; figures from its manifest.

    With ``keep`` the run's directory is left in place (``out_dir``) for the caller to
    file and remove. ``remedy`` (``prop64,pc1203.425``) is passed as ``--remedy``; the
    result then counts each remedy file's rows and has the remedies' figures.
    """
    out = Path(tempfile.mkdtemp(prefix="cmr-bench-")) / "out"
    cmd = [
        str(BIN / "cmr-reason"),
        "run",
        str(path),
        "--as-of",
        as_of,
        "--policy",
        policy,
        "--workers",
        str(workers),
        "--out",
        str(out),
        "--force",
        "-q",
        "--memory-budget",
        str(budget_mib),
        "--engine",
        engine,
    ]
    if batch:
        cmd += ["--batch-size", str(batch)]
    if remedy:
        cmd += ["--remedy", remedy]
    load = _load()
    wall, cpu, _ = _timed(cmd)
    manifest = json.loads((out / "manifest.json").read_text())
    cpu = _run_cpu(manifest, workers, cpu)
    decided = _remedy_rows(out) if remedy else {}
    figures = json.loads((out / "summary.json").read_text()).get("remedies") if remedy else None
    if not keep:
        shutil.rmtree(out.parent, ignore_errors=True)
    peaks = manifest["peak_rss_kib"]
    return {
        **({"out_dir": str(out)} if keep else {}),
        "wall": wall,
        "cpu": cpu,
        "load_before": load,
        "people": manifest["counts"]["people"],
        "convictions": manifest["counts"]["convictions"],
        "rows": manifest["counts"]["rows_in"],
        "stages": manifest["timings_seconds"],
        "main_kib": peaks["main"],
        "worker_max_kib": peaks["worker_max"],
        "worker_sum_kib": peaks.get("worker_sum", peaks["worker_max"]),
        # Range readers run before the batch workers start: the larger of the two sums.
        "total_kib": peaks["main"]
        + max(peaks.get("worker_sum", peaks["worker_max"]), peaks.get("readers_sum", 0)),
        "batch_size": manifest["batch_size"],
        **({"remedy": remedy, "remedy_rows": decided, "remedies": figures} if remedy else {}),
    }


def _remedy_rows(out: Path) -> dict[str, int]:
    """The rows of each ``remedies/<remedy>.csv`` of a run (one per conviction)."""
    found = {}
    for path in sorted((out / "remedies").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            found[path.stem] = sum(1 for _ in csv.reader(handle)) - 1
    return found


def measure_remedy(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """The statute run of one size without and with ``--remedy``, back to back."""
    path, _ = synth_file(args.data_dir, size, args.seed, args.mix)
    both, day = f"prop64,{args.remedy}", args.remedy_as_of
    print(f"{size:,} people: run {REMEDY_POLICY} as of {day} ...", flush=True)
    plain = full_run(
        path, REMEDY_POLICY, args.workers, args.batch_size, args.memory_budget, as_of=day
    )
    print(f"  {plain['wall']:.1f} s; with --remedy {both} ...", flush=True)
    found = full_run(
        path,
        REMEDY_POLICY,
        args.workers,
        args.batch_size,
        args.memory_budget,
        remedy=both,
        as_of=day,
    )
    print(f"  {found['wall']:.1f} s, {found['total_kib'] / 1024:,.0f} MiB", flush=True)
    return {
        "people": size,
        "measured": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "workers": args.workers,
        "as_of": day,
        "prop64": plain,
        "with_remedy": found,
        "mix": args.mix,
    }


def gogen_info(binary: Path) -> dict[str, str]:
    """gogen's version (``gogen version``) and the commit it was built from, if recorded.

    The commit is read from ``<binary>.commit`` beside it (as a build script may leave it),
    else from the environment variable ``GOGEN_COMMIT``.
    """
    done = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=False)
    commit_file = binary.with_name(binary.name + ".commit")
    commit = os.environ.get("GOGEN_COMMIT", "")
    if commit_file.is_file():
        commit = commit_file.read_text(encoding="utf-8").strip()
    return {"binary": str(binary), "version": done.stdout.strip(), "commit": commit or "unknown"}


def gogen_run(binary: Path, path: Path, rows: int) -> dict[str, Any]:
    """gogen on the same file, in a process of its own: wall, CPU and peak RSS.

    Its progress bar goes to /dev/null. A file gogen cannot read (a parsing error, a count
    of lines other than the file's rows) stops the benchmark: the comparison would be void.
    """
    work = Path(tempfile.mkdtemp(prefix="gogen-bench-"))
    try:
        options = work / "options.json"
        options.write_text(json.dumps(GOGEN_OPTIONS, indent=2), encoding="utf-8")
        out = work / "out"
        cmd = [
            str(binary), "run", "--input-doj", str(path), "--county", GOGEN_COUNTY,
            "--compute-at", AS_OF, "--eligibility-options", str(options), "--outputs", str(out),
        ]  # fmt: skip
        load = _load()
        started = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors = [e.read_text(encoding="utf-8") for e in out.glob("*.err")]
        if process.returncode != 0 or any(e.strip() for e in errors):
            raise SystemExit(f"gogen failed ({process.returncode}) on {path}: {errors}")
        summary = json.loads((out / "gogen.json").read_text(encoding="utf-8"))
        if summary.get("lineCount") != rows:
            raise SystemExit(
                f"gogen read {summary.get('lineCount')} lines of {path}, which has {rows} rows"
            )
        return {
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "peak_kib": usage.ru_maxrss,
            "lines": summary["lineCount"],
            "load_before": load,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["wall"])[(len(runs) - 1) // 2]


def side_by_side_runs(
    args: argparse.Namespace, gogen: Path, path: Path, rows: int, first: dict[str, Any]
) -> dict[str, Any]:
    """Ours (``first``, already run) and gogen alternately, ``--pairs`` times each.

    Returns our median run with gogen's median run under ``gogen`` and every pair's wall
    times under ``pairs`` (ours, gogen), in the order they ran.
    """
    ours, theirs = [first], []
    for pair in range(max(args.pairs, 1)):
        if pair:
            print("  run statute again ...", flush=True)
            ours.append(full_run(path, "statute", args.workers, args.batch_size,
                                 args.memory_budget))  # fmt: skip
        print("  gogen ...", flush=True)
        theirs.append(gogen_run(gogen, path, rows))
        print(f"  gogen {theirs[-1]['wall']:.1f} s: ours / gogen "
              f"{theirs[-1]['wall'] / ours[-1]['wall']:.2f}", flush=True)  # fmt: skip
    result = dict(_median_run(ours))
    result["gogen"] = _median_run(theirs)
    result["pairs"] = [[o["wall"], g["wall"]] for o, g in zip(ours, theirs, strict=True)]
    return result


def _proc_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _proc_figures(pid: int) -> tuple[int, int, float] | None:
    """RSS and peak RSS (KiB) and CPU seconds of one process, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields.get("VmRSS", "0 kB").split()[0])
    hwm = int(fields.get("VmHWM", "0 kB").split()[0])
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, hwm, (int(stat[11]) + int(stat[12])) / ticks


def _sampled(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` and sample its process tree: wall, CPU, peak of the summed RSS.

    Every ``SAMPLE_S`` seconds the RSS of the command and all its descendants (worker
    processes forked by a fork server included) is added up; the peak is the largest sum.
    CPU is each process's last sampled user + system time, added up (a process's last
    ``SAMPLE_S`` seconds can be missed).
    """
    load = _load()
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_sum = 0
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}
    while process.poll() is None:
        total = 0
        for pid in _proc_tree(process.pid):
            found = _proc_figures(pid)
            if found is None:
                continue
            rss, hwm, seconds = found
            total += rss
            peaks[pid] = max(peaks.get(pid, 0), hwm)
            cpu[pid] = max(cpu.get(pid, 0.0), seconds)
        peak_sum = max(peak_sum, total)
        time.sleep(SAMPLE_S)
    wall = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        sys.stderr.write(out + err)
        raise SystemExit(f"failed ({process.returncode}): {' '.join(cmd)}")
    return {
        "wall": wall,
        "cpu": sum(cpu.values()),
        "peak_sum_kib": peak_sum,
        "process_max_kib": max(peaks.values(), default=0),
        "processes": len(peaks),
        "load_before": load,
    }


def filing(run_dir: Path, workers: int) -> dict[str, Any]:
    """``cmr-reason file`` of a run with the bundled Los Angeles example settings."""
    out = run_dir.parent / "filing"
    cmd = [
        str(BIN / "cmr-reason"),
        "file",
        str(run_dir),
        "--out",
        str(out),
        "--force",
        "--workers",
        str(workers),
        "-q",
    ]
    found = _sampled(cmd)
    record = json.loads((out / "filing.json").read_text())
    counts = record["counts"]
    pages = 0
    exhibit = out / "dismissal_exhibit1.pdf"
    if exhibit.is_file():
        from pypdf import PdfReader  # a dev dependency, like the benchmark

        pages = len(PdfReader(str(exhibit)).pages)
    shutil.rmtree(out, ignore_errors=True)
    return {
        **found,
        "exhibit_rows": counts["dismissal"]["convictions"] + counts["redesignation"]["convictions"],
        "sealing_rows": counts["sealing_cases"],
        "list_rows": counts["challenge"] + counts["review"] + counts["resentence"],
        "exhibit_pages": pages,
        "files": len(record["files"]),
        "workers": workers,
    }


def _file_run(run_dir: Path, people: int, workers: int) -> dict[str, Any]:
    """File a kept run, then remove it."""
    print(f"  file {people:,} people ...", flush=True)
    try:
        found = filing(run_dir, workers)
    finally:
        shutil.rmtree(run_dir.parent, ignore_errors=True)
    print(
        f"  {found['wall']:.1f} s, CPU {found['cpu']:.1f} s, "
        f"{found['peak_sum_kib'] / 1024:,.0f} MiB",
        flush=True,
    )
    return {
        **found,
        "people": people,
        "measured": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def measure_filing(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """The filing of one size alone: its file and run made first (not measured)."""
    path, _ = synth_file(args.data_dir, size, args.seed)
    print(f"{size:,} people: run {FILING_POLICY} (to file) ...", flush=True)
    result = full_run(
        path, FILING_POLICY, args.workers, args.batch_size, args.memory_budget, keep=True
    )
    return _file_run(Path(result["out_dir"]), size, args.workers)


def big_person(data: Path, policy: str) -> list[dict[str, Any]]:
    """Grounding one person with many convictions, in a process of its own."""
    found = []
    for n in BIG_CONVICTIONS:
        path = big_person_file(data, n)
        _, _, done = _timed([sys.executable, "-c", _BIG, str(path), policy])
        found.append(json.loads(done.stdout))
    return found


# --- report ------------------------------------------------------------------------------


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def chart(results: list[dict[str, Any]], path: Path) -> None:
    """An SVG of wall time and peak memory against people (log-log), one line per policy."""
    import math

    width, height, pad = 760, 300, 60
    panels = (
        ("wall", "wall time (s)", lambda r: r["wall"]),
        ("memory", "peak RSS, parent + workers (MiB)", lambda r: r["total_kib"] / 1024),
    )
    colours = ("#1f77b4", "#d62728", "#2ca02c")
    policies = sorted({r["policy"] for r in results})
    people = sorted({r["people"] for r in results})
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    panel_w = (width - pad) // 2
    lo_x, hi_x = math.log10(min(people)), math.log10(max(people))
    hi_x = hi_x if hi_x > lo_x else lo_x + 1
    for p, (_, label, value) in enumerate(panels):
        x0, y0, w, h = pad + p * panel_w, 30, panel_w - pad, height - 80
        values = [value(r) for r in results]
        lo_y, hi_y = math.log10(max(min(values), 1e-3)), math.log10(max(values))
        lo_y, hi_y = math.floor(lo_y), math.ceil(hi_y) if hi_y > lo_y else lo_y + 1

        def sx(v: float, x0: int = x0, w: int = w) -> float:
            return x0 + (math.log10(v) - lo_x) / (hi_x - lo_x) * w

        def sy(v: float, y0: int = y0, h: int = h, lo: float = lo_y, hi: float = hi_y) -> float:
            return y0 + h - (math.log10(max(v, 1e-3)) - lo) / (hi - lo) * h

        svg.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
        svg.append(f'<text x="{x0 + w / 2}" y="{y0 - 10}" text-anchor="middle">{label}</text>')
        for e in range(int(lo_y), int(hi_y) + 1):
            y = sy(10**e)
            svg.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{y}" y2="{y}" stroke="#eee"/>')
            svg.append(f'<text x="{x0 - 4}" y="{y + 4}" text-anchor="end">{10**e:g}</text>')
        for n in people:
            svg.append(f'<text x="{sx(n)}" y="{y0 + h + 14}" text-anchor="middle">{n:,}</text>')
        svg.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 30}" text-anchor="middle">people</text>')
        for c, policy in enumerate(policies):
            mine = sorted((r for r in results if r["policy"] == policy), key=lambda r: r["people"])
            points = " ".join(f"{sx(r['people']):.1f},{sy(value(r)):.1f}" for r in mine)
            colour = colours[c % len(colours)]
            svg.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for r in mine:
                svg.append(
                    f'<circle cx="{sx(r["people"]):.1f}" cy="{sy(value(r)):.1f}" r="3" '
                    f'fill="{colour}"/>'
                )
            if p == 0:
                svg.append(
                    f'<text x="{x0 + 8}" y="{y0 + 16 + 14 * c}" fill="{colour}">{policy}</text>'
                )
    svg.append("</svg>")
    path.write_text("\n".join(svg) + "\n", encoding="utf-8")


def side_by_side(side: list[dict[str, Any]], info: dict[str, str]) -> list[str]:
    """The section comparing our statute runs with gogen on the same files."""
    lines = [
        "## Side by side with gogen",
        "",
        "Code for America's gogen (the engine of its Clear My Record project, archived in",
        "2020) on the same synthetic file, right after our run:",
        f'`gogen run --input-doj FILE --county "{GOGEN_COUNTY}" --compute-at {AS_OF}',
        "--eligibility-options OPTIONS --outputs DIR` (OPTIONS: dismiss HS 11357 and 11358,",
        "reduce HS 11359 and 11360, no additional relief). gogen decides on one core and",
        "explains nothing; ours runs the statute policy with explanations. Peak: gogen's",
        "maximum RSS; ours parent + workers.",
        f"gogen {info.get('version', '?')}, built from commit `{info.get('commit', '?')}`.",
        "",
        "| people | rows | gogen wall s | gogen CPU s | gogen people/s | gogen peak MiB "
        "| ours wall s | ours people/s | ours peak MiB | ours / gogen (people/s) "
        "| load before (gogen) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in side:
        g = r["gogen"]
        lines.append(
            f"| {r['people']:,} | {r['rows']:,} | {g['wall']:,.1f} | {g['cpu']:,.1f} "
            f"| {r['people'] / g['wall']:,.0f} | {_mib(g['peak_kib'])} | {r['wall']:,.1f} "
            f"| {r['people'] / r['wall']:,.0f} | {_mib(r['total_kib'])} "
            f"| {g['wall'] / r['wall']:.2f} | {g['load_before']} |"
        )
    for r in side:
        if len(r.get("pairs", [])) > 1:
            pairs = ", ".join(f"{o:.1f}/{g:.1f}" for o, g in r["pairs"])
            lines += [
                "",
                f"At {r['people']:,} people: the median of {len(r['pairs'])} runs of each, "
                f"alternated (ours/gogen wall s, in the order run: {pairs}).",
            ]
    lines += [
        "",
        "To build gogen: install Go and the two libraries gogen imports (on Debian:",
        "`apt-get install golang-go golang-github-jessevdk-go-flags-dev",
        "golang-github-tealeg-xlsx-dev`), clone `https://github.com/codeforamerica/gogen` into",
        "`$GOPATH/src/gogen`, and in that folder run",
        "`GO111MODULE=off GOPATH=$GOPATH:/usr/share/gocode go build -o gogen .` (gogen predates",
        "Go modules). Run the benchmark with `GOGEN=/path/to/gogen`; a file `gogen.commit`",
        "beside the binary (or `GOGEN_COMMIT`) names the commit it was built from.",
    ]
    return lines


def speed_verdicts(results: list[dict[str, Any]]) -> list[str]:
    """Issue 18's bar: gogen's people/s at 100k people; 1M people in 300 s and 1 GiB."""
    lines = []
    statute = {r["people"]: r for r in results if r["policy"] == "statute"}
    hundred = statute.get(100_000)
    if hundred and hundred.get("gogen"):
        ratio = hundred["gogen"]["wall"] / hundred["wall"]
        ok = ratio >= SPEED_TARGETS["ratio"]
        goal = ratio >= SPEED_TARGETS["ratio_goal"]
        lines.append(
            f"- 100k people, people/s against gogen's on the same file: {ratio:.2f}x (target "
            f"≥ {SPEED_TARGETS['ratio']:g}x, goal {SPEED_TARGETS['ratio_goal']:g}x): "
            f"**{'met' if ok else 'missed'}**{', goal met' if goal else ''}"
        )
    million = statute.get(1_000_000)
    if million:
        lines += _million_verdicts(
            million, SPEED_TARGETS["wall_1m_s"], SPEED_TARGETS["peak_1m_gib"]
        )
        if million["wall"] <= SPEED_TARGETS["wall_1m_goal_s"]:
            lines[-2] += f" (goal ≤ {SPEED_TARGETS['wall_1m_goal_s']:g} s: met)"
    return lines


def _million_verdicts(run: dict[str, Any], wall_s: float, peak_gib: float) -> list[str]:
    """The 1M-person run's wall time and peak memory against their targets."""
    return [
        _verdict("1M people, wall", run["wall"], wall_s, "s"),
        _verdict(
            "1M people, peak RSS parent + workers", run["total_kib"] / (1 << 20), peak_gib, "GiB"
        ),
    ]


def filing_verdicts(filings: list[dict[str, Any]]) -> list[str]:
    """The filing's targets (issue 19) at 100,000 people."""
    lines = []
    for f in filings:
        if f["people"] != 100_000:
            continue
        lines.append(_verdict("filing 100k people, wall", f["wall"], FILING_TARGETS["wall_s"], "s"))
        lines.append(
            _verdict(
                "filing 100k people, peak RSS of the process tree",
                f["peak_sum_kib"] / (1 << 20),
                FILING_TARGETS["peak_gib"],
                "GiB",
            )
        )
    return lines


def verdicts(
    results: list[dict[str, Any]],
    growth: list[tuple[str, int, int, float]],
    big: list[dict[str, Any]],
) -> list[str]:
    """Each target: met or missed, and by how much."""
    lines = []
    statute = {r["people"]: r for r in results if r["policy"] == "statute"}
    if 1_000_000 in statute:
        lines += _million_verdicts(
            statute[1_000_000], TARGETS["people_1m_wall_s"], TARGETS["peak_1m_gib"]
        )
    if 100_000 in statute:
        r = statute[100_000]
        rate = r["people"] / r["wall"]
        ok = rate >= TARGETS["people_per_s_100k"]
        lines.append(
            f"- 100k people, people/s: {rate:,.0f} (target ≥ "
            f"{TARGETS['people_per_s_100k']:,}): **{'met' if ok else 'missed'}**"
            + ("" if ok else f", at {rate / TARGETS['people_per_s_100k']:.0%} of it")
        )
        lines.append(
            _verdict(
                "100k people, peak RSS parent + workers",
                r["total_kib"] / (1 << 20),
                TARGETS["peak_100k_gib"],
                "GiB",
            )
        )
    for policy, small, large, ratio in growth:
        bound = TARGETS["growth_10x"] * large / small / 10
        ok = ratio <= bound
        lines.append(
            f"- growth {small:,} → {large:,} people ({policy}): time x {ratio:.1f} for "
            f"people x {large // small} (target ≤ x {bound:.0f}): "
            f"**{'met' if ok else 'missed'}**"
        )
    if big:
        a = big[0]
        lines.append(
            f"- one person with {a['convictions']} convictions: ground {a['ground']:.2f} s, "
            f"solve {a['solve']:.2f} s, peak {a['hwm'] / 1024:,.0f} MiB: "
            f"**{'met' if a['ground'] < 5 and a['hwm'] < 1 << 20 else 'missed'}** (priors are "
            "joined within one person, never across the batch)"
        )
    if len(big) == 2:
        a, b = big
        ratio = b["ground"] / max(a["ground"], 1e-9)
        times = b["convictions"] // a["convictions"]
        shape = "about linear" if ratio < 2 * times else "quadratic within the person"
        lines.append(
            f"- one person, {a['convictions']} → {b['convictions']} convictions: "
            f"grounding x {ratio:.1f} for convictions x {times} ({shape})"
        )
    return lines


def _verdict(label: str, value: float, target: float, unit: str) -> str:
    ok = value <= target
    extra = "" if ok else f", over by {value - target:,.1f} {unit} ({value / target:.1f}x)"
    return (
        f"- {label}: {value:,.1f} {unit} (target ≤ {target:g} {unit}): "
        f"**{'met' if ok else 'missed'}**{extra}"
    )


def write_report(
    out: Path,
    args: argparse.Namespace,
    info: dict[str, str],
    results: list[dict[str, Any]],
    floors: list[dict[str, Any]],
    big: list[dict[str, Any]],
    skipped: list[str],
    notes: str,
    filings: list[dict[str, Any]] | None = None,
    remedies: list[dict[str, Any]] | None = None,
) -> None:
    """docs/performance.md (and the chart beside it)."""
    filings = filings or []
    svg = out.with_suffix(".svg")
    if results:
        chart(results, svg)
    growth = []
    for policy in sorted({r["policy"] for r in results}):
        mine = sorted((r for r in results if r["policy"] == policy), key=lambda r: r["people"])
        for a, b in itertools.pairwise(mine):
            growth.append((policy, a["people"], b["people"], b["wall"] / a["wall"]))
    stage_names = ("read_and_group", "facts", "ground", "solve", "render", "write")
    lines = [
        "# Performance",
        "",
        "Measured by `tests/bench/run_bench.py` (see `tests/bench/README.md`); regenerate this "
        "page with the",
        "command under *Reproduce*. Do not edit the tables by hand.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in info.items() if k != "run"),
        f"- run: {info.get('run', '')}, `--workers {args.workers}`, "
        f"seed {args.seed}, as-of {AS_OF}, memory budget {args.memory_budget} MiB",
        "",
        "## Full run (`cmr-reason run`, explanations included)",
        "",
        "| policy | people | rows | convictions | wall s | CPU s | people/s | rows/s | parent MiB "
        "| worker max MiB | workers sum MiB | parent + workers MiB | load before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['policy']} | {r['people']:,} | {r['rows']:,} | {r['convictions']:,} "
            f"| {r['wall']:,.1f} | {r['cpu']:,.1f} | {r['people'] / r['wall']:,.0f} "
            f"| {r['rows'] / r['wall']:,.0f} | {_mib(r['main_kib'])} | {_mib(r['worker_max_kib'])} "
            f"| {_mib(r['worker_sum_kib'])} | {_mib(r['total_kib'])} | {r['load_before']} |"
        )
    lines += [
        "",
        "Time by stage (seconds; stages after *read_and_group* run in the workers and are summed",
        "over them, so they add up to more than the wall time when workers run in parallel):",
        "",
        "| policy | people | " + " | ".join(stage_names) + " | total |",
        "|---|---:|" + "---:|" * (len(stage_names) + 1),
    ]
    for r in results:
        s = r["stages"]
        lines.append(
            f"| {r['policy']} | {r['people']:,} | "
            + " | ".join(f"{s.get(k, 0):,.1f}" for k in stage_names)
            + f" | {s.get('total', 0):,.1f} |"
        )
    lines += [
        "",
        "The same, a person's budget in milliseconds (the stage times divided by the people; "
        "CPU: the",
        "run's parent, range readers and batches together):",
        "",
        "| policy | people | " + " | ".join(stage_names) + " | CPU |",
        "|---|---:|" + "---:|" * (len(stage_names) + 1),
    ]
    for r in results:
        s, n = r["stages"], r["people"]
        lines.append(
            f"| {r['policy']} | {n:,} | "
            + " | ".join(f"{1000 * s.get(k, 0) / n:.3f}" for k in stage_names)
            + f" | {1000 * r['cpu'] / n:.3f} |"
        )
    lines += [
        "",
        "## Read-and-group floor",
        "",
        "Routing every row, keeping the needed columns, spilling sorted runs above the memory",
        "budget and merging the subjects back in order, with nothing decided:",
        "",
        "| people | rows | wall s | CPU s | rows/s | spilled runs | peak MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in floors:
        lines.append(
            f"| {f['people']:,} | {f['rows']:,} | {f['wall']:,.1f} | {f['cpu']:,.1f} "
            f"| {f['rows'] / f['wall']:,.0f} | {f['runs']} | {_mib(f['hwm'])} |"
        )
    lines += [
        "",
        "## One person with many convictions",
        "",
        "One person, one process, statute policy: grounding and solving that person alone.",
        "",
        "| convictions | ground s | solve s | peak MiB |",
        "|---:|---:|---:|---:|",
    ]
    for b in big:
        lines.append(
            f"| {b['convictions']:,} | {b['ground']:.2f} | {b['solve']:.2f} | {_mib(b['hwm'])} |"
        )
    if filings:
        lines += [
            "",
            "## Court filing (`cmr-reason file`)",
            "",
            f"The `{FILING_POLICY}` run of each size filed for Los Angeles County with the "
            "bundled example settings",
            "(motions, orders, Exhibit 1, the lists: CSV, XLSX, PDF). Peak: the largest sum "
            "of the RSS of the",
            f"command and all its processes, sampled every {SAMPLE_S} s; CPU: the processes' "
            "user + system time.",
            "",
            "| measured | people | workers | Exhibit 1 rows | pages | sealing rows "
            "| list rows | files | wall s | CPU s | peak MiB | largest process MiB | load before |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for f in filings:
            lines.append(
                f"| {f.get('measured', '')} | {f['people']:,} | {f['workers']} "
                f"| {f['exhibit_rows']:,} | {f['exhibit_pages']:,} | {f['sealing_rows']:,} "
                f"| {f['list_rows']:,} | {f['files']} | {f['wall']:,.1f} | {f['cpu']:,.1f} "
                f"| {_mib(f['peak_sum_kib'])} | {_mib(f['process_max_kib'])} "
                f"| {f['load_before']} |"
            )
    lines += remedy_lines(remedies or [])
    side = [r for r in results if r.get("gogen")]
    if side:
        lines += ["", *side_by_side(side, args.gogen_info or {})]
    lines += ["", "## Targets (issue 9)", "", *verdicts(results, growth, big), ""]
    speed = speed_verdicts(results)
    if speed:
        lines += ["## Targets (issue 18)", "", *speed, ""]
    if filings:
        lines += ["## Targets (issue 19)", "", *filing_verdicts(filings), ""]
    if skipped:
        lines += [*(f"- {s}" for s in skipped), ""]
    if results:
        lines += ["## Chart", "", f"![time and memory against people]({svg.name})", ""]
    if notes:
        lines += [notes.strip(), ""]
    sizes = ",".join(str(s) for s in args.sizes)
    lines += [
        "## Reproduce",
        "",
        "```sh",
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]'",
        ("GOGEN=/path/to/gogen " if args.gogen_info else "")
        + f".venv/bin/python tests/bench/run_bench.py --sizes {sizes} --workers {args.workers}"
        + (f" --others-up-to {args.others_up_to}" if args.others_up_to else "")
        + (f" --pairs {args.pairs}" if args.gogen_info and getattr(args, "pairs", 1) > 1 else ""),
        "# the filing alone, into the saved figures (docs/performance.json):",
        f".venv/bin/python tests/bench/run_bench.py --filing-only --filing-sizes 100000 "
        f"--workers {args.workers}",
        "# the runs with and without a remedy beside Prop 64, likewise:",
        f".venv/bin/python tests/bench/run_bench.py --remedy-only --remedy pc1203.425 "
        f"--remedy-sizes 100000 --remedy-as-of {REMEDY_AS_OF} --workers {args.workers}",
        "```",
        "",
        "Generated files are cached in `--data-dir` (default a folder in the system's temporary",
        "directory; a 1M-person file is about 2.7 GB); remove it when done.",
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")


def remedy_lines(remedies: list[dict[str, Any]]) -> list[str]:
    """The section on runs with remedies beside Prop 64 (none measured: no section)."""
    if not remedies:
        return []
    lines = [
        "",
        "## Remedies beside Prop 64 (`cmr-reason run --remedy`)",
        "",
        f"The `{REMEDY_POLICY}` run of each size without and with `--remedy` (every remedy "
        "decided for every",
        "conviction, explanations included: `remedies/<remedy>.csv`), one after the other on "
        "the same file,",
        "as of the date in the table (the remedy in force).",
        "Extra: the run with the remedy against the run without it.",
        "",
        "| measured | people | file | as-of | convictions | remedy | rows per remedy "
        "| wall s Prop 64 "
        "| wall s with remedy | extra wall | CPU s Prop 64 | CPU s with remedy "
        "| parent + workers MiB Prop 64 | with remedy | load before |",
        "|---|---:|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in remedies:
        a, b = m["prop64"], m["with_remedy"]
        rows = ", ".join(f"{k} {v:,}" for k, v in b.get("remedy_rows", {}).items())
        lines.append(
            f"| {m['measured']} | {m['people']:,} | synth --mix {m.get('mix', 'prop64')} "
            f"| {m.get('as_of', AS_OF)} "
            f"| {b['convictions']:,} | {b['remedy']} "
            f"| {rows} | {a['wall']:,.1f} | {b['wall']:,.1f} "
            f"| {100 * (b['wall'] / a['wall'] - 1):+.0f} % | {a['cpu']:,.1f} | {b['cpu']:,.1f} "
            f"| {_mib(a['total_kib'])} | {_mib(b['total_kib'])} | {b['load_before']} |"
        )
    for m in remedies:
        for name, figures in sorted((m["with_remedy"].get("remedies") or {}).items()):
            if not isinstance(figures, dict) or "by_outcome" not in figures:
                continue
            outcomes = ", ".join(f"{k} {v:,}" for k, v in figures["by_outcome"].items())
            lines += ["", f"{name} at {m['people']:,} people: {outcomes}."]
    return lines


def _save(
    args: argparse.Namespace,
    info: dict[str, str],
    results: list[dict[str, Any]],
    floors: list[dict[str, Any]],
    big: list[dict[str, Any]],
    skipped: list[str],
    filings: list[dict[str, Any]],
    remedies: list[dict[str, Any]] | None = None,
) -> None:
    """The measured figures, as ``--report-only`` reads them (``--out`` with ``.json``)."""
    settings = {
        "gogen_info": args.gogen_info,
        "workers": args.workers,
        "seed": args.seed,
        "memory_budget": args.memory_budget,
        "others_up_to": args.others_up_to,
        "pairs": args.pairs,
    }
    saved = {"machine": info, "settings": settings, "results": results, "floors": floors,
             "big": big, "skipped": skipped, "filings": filings,
             "remedies": remedies or []}  # fmt: skip
    args.out.with_suffix(".json").write_text(json.dumps(saved, indent=2) + "\n")


def _policies(wanted: str) -> tuple[list[str], list[str]]:
    """The wanted policies that are bundled, and a note for each one that is not."""
    from cmr_reason.reasoner.engine.program_set import policy_names

    known = policy_names()
    policies, skipped = [], []
    for policy in wanted.split(","):
        if policy in known:
            policies.append(policy)
        else:
            skipped.append(
                f"policy `{policy}` skipped: not among the bundled policies "
                f"({', '.join(known)}) on this branch"
            )
    return policies, skipped


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        type=lambda s: [int(x) for x in s.split(",") if x],
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--memory-budget", type=int, default=192, help="MiB (the run's default)")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "cmr-reason-bench"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument(
        "--notes",
        type=Path,
        default=ROOT / "tests" / "bench" / "analysis.md",
        help="Markdown added to the report (default tests/bench/analysis.md; '' for none)",
    )
    parser.add_argument("--no-big-person", action="store_true")
    parser.add_argument(
        "--filing-sizes",
        default="100000",
        type=lambda s: [int(x) for x in s.split(",") if x],
        help=f"Sizes whose {FILING_POLICY} run is also filed ('' for none)",
    )
    parser.add_argument(
        "--filing-only",
        action="store_true",
        help="Measure only the filing at --filing-sizes (making the runs it needs) and add it "
        "to the saved figures of --out's .json, then rewrite the report from them",
    )
    parser.add_argument(
        "--remedy",
        default="",
        help="Remedies beside Prop 64 (e.g. pc1203.425): at --remedy-sizes, also run "
        f"{REMEDY_POLICY} with --remedy prop64,REMEDY and set its cost beside the plain run's",
    )
    parser.add_argument(
        "--mix",
        default="prop64",
        choices=("prop64", "petitions"),
        help="The synthetic file of the --remedy runs (synth --mix): petitions for a file made "
        "for the petition remedies",
    )
    parser.add_argument(
        "--remedy-sizes",
        default="100000",
        type=lambda s: [int(x) for x in s.split(",") if x],
        help="Sizes measured with --remedy",
    )
    parser.add_argument(
        "--remedy-as-of",
        default=REMEDY_AS_OF,
        help="The as-of date of the runs with and without --remedy (the remedy in force)",
    )
    parser.add_argument(
        "--remedy-only",
        action="store_true",
        help="Measure only the runs with and without --remedy at --remedy-sizes and add them "
        "to the saved figures of --out's .json, then rewrite the report from them",
    )
    parser.add_argument(
        "--gogen-up-to",
        type=int,
        default=100_000,
        help="With GOGEN set, run gogen side by side up to this many people (it holds the "
        "whole file in memory: 4.4 GiB at 100k)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="With GOGEN set, run ours and gogen this many times each, alternately, on each "
        "side-by-side file; the report takes each side's median run (the host's speed moves "
        "from minute to minute: gogen took 18.6-25.2 s on the same file within ten minutes)",
    )
    parser.add_argument(
        "--others-up-to",
        type=int,
        default=0,
        help="Run policies after the first only up to this many people (0: every size)",
    )
    parser.add_argument(
        "--report-only",
        type=Path,
        default=None,
        help="Rewrite the report from a saved performance.json, without running anything",
    )
    args = parser.parse_args()
    gogen = Path(os.environ["GOGEN"]) if os.environ.get("GOGEN") else None
    args.gogen_info = gogen_info(gogen) if gogen else None
    notes = ""
    if args.notes and str(args.notes) and args.notes.is_file():
        notes = args.notes.read_text(encoding="utf-8")
    policies, skipped = _policies(args.policies)
    if args.filing_only:
        saved_path = args.out.with_suffix(".json")
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        args.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = [measure_filing(args, size) for size in args.filing_sizes]
        kept = [f for f in saved.get("filings", []) if f["people"] not in args.filing_sizes]
        saved["filings"] = sorted(kept + fresh, key=lambda f: f["people"])
        saved_path.write_text(json.dumps(saved, indent=2) + "\n")
        args.report_only = saved_path
    if args.remedy_only:
        if not args.remedy:
            parser.error("--remedy-only needs --remedy")
        saved_path = args.out.with_suffix(".json")
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        args.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = [measure_remedy(args, size) for size in args.remedy_sizes]
        # A new measurement replaces the saved one of the same size, remedies and file.
        same = (f"prop64,{args.remedy}", args.mix)
        kept = [
            m
            for m in saved.get("remedies", [])
            if m["people"] not in args.remedy_sizes
            or (m["with_remedy"].get("remedy"), m.get("mix", "prop64")) != same
        ]
        saved["remedies"] = sorted(kept + fresh, key=lambda m: (m["people"], m.get("mix", "")))
        saved_path.write_text(json.dumps(saved, indent=2) + "\n")
        args.report_only = saved_path
    if args.report_only:
        saved = json.loads(args.report_only.read_text(encoding="utf-8"))
        args.sizes = sorted({r["people"] for r in saved["results"]})
        for key, value in saved.get("settings", {}).items():
            setattr(args, key, value)
        write_report(
            args.out,
            args,
            saved["machine"],
            saved["results"],
            saved["floors"],
            saved["big"],
            saved.get("skipped", skipped),
            notes,
            saved.get("filings", []),
            saved.get("remedies", []),
        )
        print(f"wrote {args.out}")
        return
    args.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    info = machine()
    results, floors, filings = [], [], []
    for size in args.sizes:
        path, rows = synth_file(args.data_dir, size, args.seed)
        print(f"{size:,} people ({rows:,} rows): floor ...", flush=True)
        found = floor(path, args.memory_budget)
        floors.append({**found, "people": size, "rows": rows})
        for number, policy in enumerate(policies):
            if number and args.others_up_to and size > args.others_up_to:
                continue
            print(f"  run {policy} ...", flush=True)
            to_file = policy == FILING_POLICY and size in args.filing_sizes
            result = full_run(
                path, policy, args.workers, args.batch_size, args.memory_budget, keep=to_file
            )
            if to_file:
                filings.append(_file_run(Path(result.pop("out_dir")), size, args.workers))
            if gogen and policy == "statute" and size <= args.gogen_up_to:
                result = side_by_side_runs(args, gogen, path, rows, result)
            results.append({**result, "policy": policy})
            print(
                f"  {result['wall']:.1f} s, {result['people'] / result['wall']:,.0f} people/s, "
                f"{result['total_kib'] / 1024:,.0f} MiB",
                flush=True,
            )
        # Kept as each size ends: a run stopped later can still be reported (--report-only).
        info["run"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        _save(args, info, results, floors, [], skipped, filings)
    remedies = []
    if args.remedy:
        remedies = [measure_remedy(args, size) for size in args.remedy_sizes]
        info["run"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        _save(args, info, results, floors, [], skipped, filings, remedies)
    big = [] if args.no_big_person else big_person(args.data_dir, "statute")
    info["run"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    _save(args, info, results, floors, big, skipped, filings, remedies)
    write_report(args.out, args, info, results, floors, big, skipped, notes, filings, remedies)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
