"""A run's settings, and a re-run's: what the folder's previous run decided under is kept.

A run into a folder that holds a run (``run --force``, ``run --decisions``) re-decides it:
the input, policy, as-of date and county are the previous run's (its ``manifest.json``)
unless given. A setting given that differs from the run's is refused, in one line naming
both values, unless ``force_settings``: a forgotten ``--policy`` used to re-decide a
county's run under the statute without a word. The inputs and their encoding are carried
when none are given; other inputs (a new extract) are taken without refusal, since deciding
a new extract under the same settings is the point of a re-run.

One table, :data:`SETTINGS`, lists what is carried and compared; a setting added to the
run is carried by adding a field to :class:`GivenSettings`, an entry to the table and the
value to the manifest, as ``--remedy`` is (the remedies beside Prop 64, recorded only by a
run that decides one). The command line and the workbench's "New run" page both call
:func:`resolve_settings`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.engine.program_set import ProgramSet, load_program_set, policy_key
from cmr_reason.reasoner.engine.remedies import manifest_remedies, remedy_codes, remedy_names
from cmr_reason.reasoner.run.bulk import RunConfig
from cmr_reason.reasoner.run.contents import is_manifest
from cmr_reason.reasoner.run.inputs import locate_input, shown_path

DEFAULT_POLICY = "statute"
DEFAULT_ENCODING = "utf-8"


@dataclass(frozen=True)
class GivenSettings:
    """What the command line (or the workbench's form) gave; None or empty: not given.

    ``county`` "" means every county, given explicitly (``--county ""``).
    """

    inputs: tuple[Path, ...] = ()
    policy: str | None = None
    as_of: dt.date | None = None
    county: str | None = None
    encoding: str | None = None
    repair_excel: bool = False  # --repair-excel (never turned off by its absence)
    remedy: str | None = None  # --remedy as given (prop64, pc1203.425, ..., all)


@dataclass
class RunSettings:
    """The settings a run uses, and where they came from."""

    inputs: list[Path]
    programs: ProgramSet
    as_of: dt.date
    county: str | None
    encoding: str
    repair_excel: bool = False
    previous: Path | None = None  # the manifest of the run re-decided, if any
    carried: list[str] = field(default_factory=list)  # settings taken from it
    changed: list[str] = field(default_factory=list)  # settings changed (--force-settings)
    notes: list[str] = field(default_factory=list)  # what to tell the user

    def run_config(self, out_dir: Path, **options: Any) -> RunConfig:
        """The bulk run's configuration with these settings; ``options`` set the rest."""
        return RunConfig(
            inputs=list(self.inputs),
            programs=self.programs,
            as_of=self.as_of,
            out_dir=Path(out_dir),
            county=self.county,
            encoding=self.encoding,
            repair_excel=self.repair_excel,
            **options,
        )


def recorded_policy(manifest: dict[str, Any]) -> str:
    """The previous run's policy: its file's absolute path where recorded, else as given."""
    policy = manifest.get("policy") or {}
    return str(policy.get("path") or policy.get("argument") or policy.get("name") or "")


@dataclass(frozen=True)
class Setting:
    """A setting a re-run keeps: how it is read from the manifest and from what was given.

    Both readers return the value as compared (a string); None means not recorded or not
    given. ``shown`` words a value for a message.
    """

    name: str
    option: str
    recorded: Callable[[dict[str, Any]], str | None]
    given: Callable[[GivenSettings], str | None]
    shown: Callable[[str], str] = str


def _county_shown(value: str) -> str:
    return value or "every county"


def _remedies_shown(value: str) -> str:
    return f"prop64,{value}" if value else "prop64"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "policy",
        "--policy",
        lambda m: policy_key(recorded_policy(m)) if recorded_policy(m) else None,
        lambda g: policy_key(g.policy) if g.policy is not None else None,
    ),
    Setting(
        "as-of date",
        "--as-of",
        lambda m: str(m["as_of"]) if m.get("as_of") else None,
        lambda g: g.as_of.isoformat() if g.as_of is not None else None,
    ),
    Setting(
        "county",
        "--county",
        lambda m: str(m.get("county") or ""),
        lambda g: normal_county(g.county) if g.county is not None else None,
        _county_shown,
    ),
    # Only ever "on": a run that repaired its input keeps repairing it (docs/outputs.md).
    Setting(
        "repair of Excel damage",
        "--repair-excel",
        lambda m: "on" if isinstance(m.get("excel_repair"), dict) else None,
        lambda g: "on" if g.repair_excel else None,
    ),
    # The remedies beside Prop 64 ("" for Prop 64 alone); a run before #20 recorded none.
    Setting(
        "remedies",
        "--remedy",
        lambda m: ",".join(remedy_names(manifest_remedies(m))) if "remedies" in m else None,
        lambda g: ",".join(remedy_names(remedy_codes(g.remedy))) if g.remedy is not None else None,
        _remedies_shown,
    ),
)


def normal_county(county: str | None) -> str:
    """A county as the run compares it: upper case, trimmed ("" for every county)."""
    return (county or "").strip().upper()


def previous_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest of the run in ``out_dir``, or None when it holds none."""
    path = Path(out_dir) / "manifest.json"
    if not is_manifest(path):
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def resolve_settings(
    out_dir: Path,
    given: GivenSettings,
    *,
    force_settings: bool = False,
    default_inputs: Callable[[], Sequence[Path]] | None = None,
) -> RunSettings:
    """The settings of a run into ``out_dir``: given, else the previous run's, else defaults.

    Raises :class:`UserError` on a setting that differs from the previous run's (unless
    ``force_settings``), a missing as-of date, or a recorded input that is gone.
    ``default_inputs`` gives the inputs of a first run without any (the demo file).
    """
    manifest = previous_manifest(out_dir)
    if manifest is None:
        return first_run_settings(given, default_inputs)
    where = Path(out_dir) / "manifest.json"
    values: dict[str, str | None] = {}
    carried: list[str] = []
    changed: list[str] = []
    differ: list[str] = []
    for setting in SETTINGS:
        recorded, wanted = setting.recorded(manifest), setting.given(given)
        if wanted is None:
            values[setting.name] = recorded
            if recorded is not None:
                carried.append(setting.name)
            continue
        values[setting.name] = wanted
        if recorded is not None and wanted != recorded:
            was = setting.shown(recorded)
            pair = f"{setting.option} {setting.shown(wanted)} where the run has {was}"
            (changed if force_settings else differ).append(pair)
    if differ:
        raise UserError(
            f"{out_dir} holds a run with other settings: {'; '.join(differ)}. Leave "
            f"{_options(differ)} out to re-decide it as it was, or add --force-settings to "
            "change the run's settings"
        )
    inputs, encoding, notes = _inputs(out_dir, manifest, given, carried)
    as_of = values["as-of date"]
    if as_of is None:
        raise UserError("give the evaluation date with --as-of YYYY-MM-DD")
    policy = given.policy if given.policy is not None else recorded_policy(manifest)
    settings = RunSettings(
        inputs=inputs,
        programs=_programs(
            policy or DEFAULT_POLICY, given.policy is None, remedy_codes(values["remedies"])
        ),
        as_of=dt.date.fromisoformat(as_of),
        county=values["county"] or None,
        encoding=encoding,
        repair_excel=values["repair of Excel damage"] == "on",
        previous=where,
        carried=carried,
        changed=changed,
        notes=notes,
    )
    if carried:
        kept = [_kept(name, values, inputs) for name in carried]
        settings.notes.insert(0, f"re-deciding the run in {out_dir} with its {_words(kept)}")
    if changed:
        settings.notes.append(f"changing the run's settings: {'; '.join(changed)}")
    return settings


def _kept(name: str, values: dict[str, str | None], inputs: list[Path]) -> str:
    """A carried setting and its value, as a note shows it."""
    if name in ("input", "inputs"):
        return f"{name} {', '.join(p.name for p in inputs)}"
    if name == "county" and not values[name]:
        return "scope (every county)"
    setting = next(s for s in SETTINGS if s.name == name)
    return f"{name} {setting.shown(values[name] or '')}"


def _options(pairs: list[str]) -> str:
    return ", ".join(p.split(" ", 1)[0] for p in pairs)


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def first_run_settings(
    given: GivenSettings, default_inputs: Callable[[], Sequence[Path]] | None
) -> RunSettings:
    """A run into a folder without a run: what was given, else the defaults."""
    if given.as_of is None:
        raise UserError("give the evaluation date with --as-of YYYY-MM-DD")
    inputs = list(given.inputs)
    notes = []
    if not inputs and default_inputs is not None:
        inputs = list(default_inputs())
        notes.append(f"No input given: running the bundled synthetic demo file {inputs[0]}")
    return RunSettings(
        inputs=inputs,
        programs=load_program_set(given.policy or DEFAULT_POLICY, remedy_codes(given.remedy)),
        as_of=given.as_of,
        county=normal_county(given.county) or None,
        encoding=given.encoding or DEFAULT_ENCODING,
        repair_excel=given.repair_excel,
        notes=notes,
    )


def _programs(policy: str, recorded: bool, remedies: tuple[str, ...] = ()) -> ProgramSet:
    """The rule programs of a policy (and remedies); a recorded policy file gone says so."""
    try:
        return load_program_set(policy, remedies)
    except UserError as exc:
        if not recorded:
            raise
        raise UserError(
            f"the run's policy cannot be loaded ({exc}); give --policy to choose one"
        ) from None


def _inputs(
    out_dir: Path, manifest: dict[str, Any], given: GivenSettings, carried: list[str]
) -> tuple[list[Path], str, list[str]]:
    """The inputs of a re-run and their encoding: given, else the previous run's."""
    encoding = given.encoding or str(manifest.get("encoding") or DEFAULT_ENCODING)
    if given.inputs:
        before = sorted(os.path.abspath(shown_path(e)) for e in manifest.get("inputs") or [])
        now = sorted(os.path.abspath(p) for p in given.inputs)
        notes = (
            []
            if before == now
            else [
                f"the run in {out_dir} was of {', '.join(Path(p).name for p in before)}; this "
                f"run reads {', '.join(Path(p).name for p in now)}"
            ]
        )
        return list(given.inputs), encoding, notes
    paths = []
    for entry in manifest.get("inputs") or []:
        path = locate_input(Path(out_dir), entry)
        if path is None:
            raise UserError(
                f"input file of the run in {out_dir} is missing: {shown_path(entry)}; give "
                "the input files on the command line"
            )
        paths.append(path)
    if not paths:
        raise UserError(f"the run in {out_dir} records no input files; give them")
    carried.insert(0, "input" if len(paths) == 1 else "inputs")
    return paths, encoding, []
