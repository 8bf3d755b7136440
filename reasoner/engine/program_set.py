"""Which clingo programs a run loads: the core, the tables, the statute and one policy.

A policy is named (``statute``, ``los-angeles-2020``), or given as a path to an ``.lp``
file, or as a ``.toml`` parameter file for a bundled policy (``configurable`` unless the
file names another), checked against the policy's parameters. The set is read once per
process; its text and SHA-256 go into the run's manifest.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.file_hash import sha256_text
from cmr_reason.reasoner.engine.policy_catalogue import param_facts, read_policy_spec
from cmr_reason.reasoner.engine.program_prune import prune
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR
from cmr_reason.reasoner.engine.remedies import remedy_files, remedy_only_files

BASE_DIRS = ("core", "tables", "statutes")


def policy_names() -> list[str]:
    """Names of the bundled policies, e.g. ``statute``, ``los-angeles-2020``."""
    return sorted(p.stem.replace("_", "-") for p in (PROGRAMS_DIR / "policies").glob("*.lp"))


TOML_KEYS = ("policy", "params")


def policy_key(policy: str) -> str:
    """A policy as compared: a file by its absolute path, a bundled policy by its name."""
    if policy.endswith((".lp", ".toml")):
        return os.path.abspath(policy)
    return policy.strip().lower().replace("_", "-")


def _named_policy_file(policy: str) -> Path:
    """The bundled file of a policy name, or a one-line error listing the valid names."""
    name = policy.strip().lower().replace("_", "-")
    file = PROGRAMS_DIR / "policies" / f"{name.replace('-', '_')}.lp"
    if not file.is_file():
        valid = ", ".join(policy_names())
        raise UserError(f"unknown policy {policy!r}; valid policies: {valid} (or a .lp/.toml path)")
    return file


def toml_program_set(path: Path) -> ProgramSet:
    """A policy set by a TOML parameter file.

    The file names the policy it tunes (``policy = "los-angeles-2020"``; default
    ``configurable``, or a path to an ``.lp`` file relative to the TOML file) and sets
    parameters in a ``[params]`` table. Every parameter is checked against the policy's
    ``default_param/2`` facts: an unknown name or a value of the wrong kind is a one-line
    error listing the valid ones.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read policy file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"policy file {path} is not valid TOML: {exc}") from None
    unknown = sorted(k for k in data if k not in TOML_KEYS)
    if unknown:
        raise UserError(
            f"{path}: unknown key(s) {', '.join(unknown)}; a policy file has "
            f"'policy = NAME' and a [params] table"
        )
    base = data.get("policy", "configurable")
    if not isinstance(base, str):
        raise UserError(f"{path}: 'policy' must be a policy name, got {base!r}")
    if base.endswith(".lp"):
        policy_file = (path.parent / base).resolve()
        if not policy_file.is_file():
            raise UserError(f"{path}: policy file not found: {base}")
    else:
        policy_file = _named_policy_file(base)
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise UserError(f"{path}: 'params' must be a table ([params])")
    spec = read_policy_spec(policy_file.resolve())
    return ProgramSet(
        policy_name=path.stem,
        policy_file=policy_file,
        param_facts=param_facts(spec, params, str(path)),
        param_source=path.resolve(),
        argument=str(path),
    )


@dataclass(frozen=True)
class ProgramSet:
    """The rule programs of one run: base files, one policy file and its parameter facts."""

    policy_name: str
    policy_file: Path
    param_facts: str = ""
    param_source: Path | None = None
    argument: str = ""  # the policy as the user gave it (a name or a path)
    # Remedies beside Prop 64 (codes, e.g. pc1203_425): their programs and views are
    # loaded only when named (reasoner/engine/remedies.py); none by default.
    remedies: tuple[str, ...] = ()

    @property
    def given_file(self) -> Path | None:
        """The policy file the user named (a ``.lp`` or ``.toml`` path), absolute; else None."""
        if self.param_source is not None:
            return self.param_source
        if self.argument.endswith(".lp"):
            return self.policy_file
        return None

    @property
    def files(self) -> list[Path]:
        """Every program file, in a fixed order."""
        only = remedy_only_files()
        base = [
            p for d in BASE_DIRS for p in sorted((PROGRAMS_DIR / d).glob("*.lp")) if p not in only
        ]
        return [*base, *remedy_files(self.remedies), self.policy_file]

    @cached_property
    def law_text(self) -> str:
        """The concatenated rule programs (and parameter facts), without a view."""
        parts = [f"% file: {p.name}\n{p.read_text(encoding='utf-8')}" for p in self.files]
        if self.param_facts:
            parts.append(f"% parameters: {self.param_source}\n{self.param_facts}")
        return "\n".join(parts)

    @cached_property
    def text(self) -> str:
        """The programs with the full view (``views/full.lp``): every explanation atom."""
        return self.law_text + _view("full") + self._remedy_views("remedies", "remedies_full")

    @cached_property
    def bulk_text(self) -> str:
        """The programs with the bulk run's packed view (``views/bulk.lp``)."""
        return self.law_text + _view("bulk") + self._remedy_views("remedies")

    def _remedy_views(self, *names: str) -> str:
        """The remedies' views (``views/remedies*.lp``), for a run with a remedy beside Prop 64."""
        return "".join(_view(name) for name in names) if self.remedies else ""

    @cached_property
    def bulk_program(self) -> str:
        """What the bulk run grounds: :attr:`bulk_text` less the rules its view needs none of.

        Blanked out, not removed (``program_prune.py``): the rules no shown atom depends on,
        such as ``absent/3`` or the helpers of other policies.
        """
        return prune(self.bulk_text)

    def bulk_program_without(self, absent: frozenset[tuple[str, int]]) -> str:
        """:attr:`bulk_program` for a run whose settings give no facts of ``absent``.

        Less, too, every rule that needs one of them (``program_prune.py``): without a
        county scope, the scope's rules; without reviewers' decisions, theirs.
        """
        if not absent:
            return self.bulk_program
        found = self._without.get(absent)
        if found is None:
            found = self._without[absent] = prune(self.bulk_text, absent)
        return found

    @cached_property
    def _without(self) -> dict[frozenset[tuple[str, int]], str]:
        return {}

    def __getstate__(self) -> dict[str, object]:
        """The set as pickled for a worker process, the pruned bulk program included.

        It is worked out once here, so that no worker parses the programs to prune them again;
        the unpruned bulk text, which a worker can rebuild, is left out.
        """
        _ = self.bulk_program
        return {k: v for k, v in self.__dict__.items() if k not in ("bulk_text", "_without")}

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the programs and both views: what the manifest records."""
        remedy_views = self._remedy_views("remedies", "remedies_full")
        whole = self.law_text + _view("full") + _view("bulk") + remedy_views
        return sha256_text(whole)


def _view(name: str) -> str:
    path = PROGRAMS_DIR / "views" / f"{name}.lp"
    return f"\n% file: views/{path.name}\n{path.read_text(encoding='utf-8')}"


def load_program_set(policy: str = "statute", remedies: tuple[str, ...] = ()) -> ProgramSet:
    """Resolve a policy name or path into the programs to load.

    ``remedies`` are the codes of the remedies beside Prop 64 to load (``pc1203_425``).
    Raises :class:`UserError` listing the valid names for an unknown policy.
    """
    found = _load_program_set(policy)
    return replace(found, remedies=tuple(remedies)) if remedies else found


def _load_program_set(policy: str) -> ProgramSet:
    path = Path(policy)
    if path.suffix == ".lp":
        if not path.is_file():
            raise UserError(f"policy file not found: {policy}")
        return ProgramSet(policy_name=path.stem, policy_file=path.resolve(), argument=policy)
    if path.suffix == ".toml":
        if not path.is_file():
            raise UserError(f"policy file not found: {policy}")
        return toml_program_set(path)
    name = policy.strip().lower().replace("_", "-")
    return ProgramSet(policy_name=name, policy_file=_named_policy_file(policy), argument=name)
