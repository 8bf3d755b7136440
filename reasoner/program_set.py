"""Which clingo programs a run loads: the core, the tables, the statute and one policy.

A policy is named (``statute``, ``los-angeles-2020``), or given as a path to an ``.lp``
file, or as a ``.toml`` file of parameters for ``policies/configurable.lp``. The set is
read once per process; its text and SHA-256 go into the run's manifest.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import quote
from cmr_reason.reasoner.programs_dir import PROGRAMS_DIR

BASE_DIRS = ("core", "tables", "statutes")


def policy_names() -> list[str]:
    """Names of the bundled policies, e.g. ``statute``, ``los-angeles-2020``."""
    return sorted(p.stem.replace("_", "-") for p in (PROGRAMS_DIR / "policies").glob("*.lp"))


def _param_value(value: object, where: str) -> str:
    """A TOML value as a clingo term: integers, booleans (yes/no), strings, lists."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    raise UserError(f"{where}: unsupported value {value!r} (use integers, true/false or text)")


def toml_params(path: Path) -> str:
    """``policy_param/2`` facts from a TOML parameter file (``[params]`` table or top level).

    A list value gives one fact per element; a table of tables (e.g. per-section
    settings) gives ``policy_param(Name, (Key, Value))`` facts.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read policy file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"policy file {path} is not valid TOML: {exc}") from None
    params = data.get("params", data)
    lines: list[str] = []
    for name in sorted(params):
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise UserError(f"{path}: bad parameter name {name!r}")
        value = params[name]
        where = f"{path}: parameter {name}"
        if isinstance(value, list):
            lines += [f"policy_param({name.lower()}, {_param_value(v, where)})." for v in value]
        elif isinstance(value, dict):
            for key in sorted(value):
                term = f"({quote(str(key))}, {_param_value(value[key], where)})"
                lines.append(f"policy_param({name.lower()}, {term}).")
        else:
            lines.append(f"policy_param({name.lower()}, {_param_value(value, where)}).")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ProgramSet:
    """The rule programs of one run: base files, one policy file and its parameter facts."""

    policy_name: str
    policy_file: Path
    param_facts: str = ""
    param_source: Path | None = None
    argument: str = ""  # the policy as the user gave it (a name or a path)

    @property
    def files(self) -> list[Path]:
        """Every program file, in a fixed order."""
        base = [p for d in BASE_DIRS for p in sorted((PROGRAMS_DIR / d).glob("*.lp"))]
        return [*base, self.policy_file]

    @cached_property
    def text(self) -> str:
        """The concatenated program text (and parameter facts)."""
        parts = [f"% file: {p.name}\n{p.read_text(encoding='utf-8')}" for p in self.files]
        if self.param_facts:
            parts.append(f"% parameters: {self.param_source}\n{self.param_facts}")
        return "\n".join(parts)

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the program text: what the manifest records."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load_program_set(policy: str = "statute") -> ProgramSet:
    """Resolve a policy name or path into the programs to load.

    Raises :class:`UserError` listing the valid names for an unknown policy.
    """
    path = Path(policy)
    if path.suffix == ".lp":
        if not path.is_file():
            raise UserError(f"policy file not found: {policy}")
        return ProgramSet(policy_name=path.stem, policy_file=path.resolve(), argument=policy)
    if path.suffix == ".toml":
        if not path.is_file():
            raise UserError(f"policy file not found: {policy}")
        configurable = PROGRAMS_DIR / "policies" / "configurable.lp"
        return ProgramSet(
            policy_name=path.stem,
            policy_file=configurable,
            param_facts=toml_params(path),
            param_source=path.resolve(),
            argument=policy,
        )
    name = policy.strip().lower().replace("_", "-")
    file = PROGRAMS_DIR / "policies" / f"{name.replace('-', '_')}.lp"
    if not file.is_file():
        valid = ", ".join(policy_names())
        raise UserError(f"unknown policy {policy!r}; valid policies: {valid} (or a .lp/.toml path)")
    return ProgramSet(policy_name=name, policy_file=file, argument=name)
