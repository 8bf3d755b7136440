"""What each policy is and which parameters it takes, read from its own program.

A policy file states ``policy_info(Name, Title, Source)``, its parameters with defaults
(``default_param/2``), a description of each (``param_doc/2``) and the words a parameter
accepts (``param_choice/2``). This module grounds the file alone (it holds plain facts
beside its rules) and reads them back, so the lawyers' file is the one source of what
``cmr-reason policies`` lists and of what a TOML parameter file may set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import clingo

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.fact_writer import quote
from cmr_reason.reasoner.engine.programs_dir import PROGRAMS_DIR

POLICIES_DIR = PROGRAMS_DIR / "policies"

_SHOW = """
#show policy_info/3. #show default_param/2. #show param_doc/2. #show param_choice/2.
#defined policy_info/3. #defined default_param/2. #defined param_doc/2.
#defined param_choice/2.
"""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a policy: its kind, default(s), accepted words and description."""

    name: str
    kind: str  # integer | text | yes/no | choice | table
    defaults: tuple[str, ...]  # clingo terms, as written in the program
    choices: tuple[str, ...] = ()
    doc: str = ""
    keys: tuple[str, ...] = ()  # table parameters: the keys the defaults name
    value_kind: str = ""  # table parameters: the kind of each value

    def default_text(self) -> str:
        """The default as a person would write it in a TOML file."""
        if self.kind == "table":
            return ", ".join(self.defaults)
        return " ".join(self.defaults)

    def expects(self) -> str:
        """What a value must be, in words (for error messages)."""
        kind = self.value_kind if self.kind == "table" else self.kind
        if kind in ("choice", "yes/no"):
            return "one of " + ", ".join(self.choices)
        if kind == "integer":
            return "an integer"
        return "text"


@dataclass(frozen=True)
class PolicySpec:
    """A policy: its name on the command line, file, title, source and parameters."""

    name: str
    file: Path
    title: str
    source: str
    params: dict[str, ParamSpec]


def _kind(sym: clingo.Symbol, choices: tuple[str, ...]) -> str:
    if choices:
        return "yes/no" if set(choices) == {"yes", "no"} else "choice"
    if sym.type is clingo.SymbolType.Number:
        return "integer"
    return "text"


def _term_text(sym: clingo.Symbol) -> str:
    """A default as a reader writes it: text unquoted, words and numbers as they are."""
    if sym.type is clingo.SymbolType.String:
        return repr(sym.string) if sym.string == "" else sym.string
    return str(sym)


@cache
def read_policy_spec(file: Path) -> PolicySpec:
    """Ground one policy file and read its ``policy_info``, parameters and their words."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read policy file {file}: {exc.strerror}") from None
    ctl = clingo.Control(["--warn=none"])
    try:
        ctl.add("base", [], text)
        ctl.add("base", [], _SHOW)
        ctl.ground([("base", [])])
    except RuntimeError:
        raise UserError(f"policy file {file} is not a valid clingo program") from None
    info: list[tuple[str, str, str]] = []
    defaults: dict[str, list[clingo.Symbol]] = {}
    docs: dict[str, str] = {}
    choices: dict[str, list[str]] = {}
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            for sym in model.symbols(shown=True):
                args = sym.arguments
                if sym.name == "policy_info":
                    info.append(tuple(a.string for a in args))
                elif sym.name == "default_param":
                    defaults.setdefault(args[0].name, []).append(args[1])
                elif sym.name == "param_doc":
                    docs[args[0].name] = args[1].string
                elif sym.name == "param_choice":
                    choices.setdefault(args[0].name, []).append(str(args[1]))
    name, title, source = info[0] if info else (file.stem.replace("_", "-"), "", "")
    params: dict[str, ParamSpec] = {}
    for pname in sorted(defaults):
        values = sorted(defaults[pname])
        words = tuple(sorted(choices.get(pname, [])))
        first = values[0]
        if (
            first.type is clingo.SymbolType.Function
            and first.name == ""
            and len(first.arguments) == 2
        ):
            keys = tuple(v.arguments[0].string for v in values)
            params[pname] = ParamSpec(
                name=pname,
                kind="table",
                defaults=tuple(
                    f"{v.arguments[0].string} = {_term_text(v.arguments[1])}" for v in values
                ),
                choices=words,
                doc=docs.get(pname, ""),
                keys=keys,
                value_kind=_kind(first.arguments[1], words),
            )
        else:
            params[pname] = ParamSpec(
                name=pname,
                kind=_kind(first, words),
                defaults=tuple(_term_text(v) for v in values),
                choices=words,
                doc=docs.get(pname, ""),
            )
    return PolicySpec(name=name, file=file, title=title, source=source, params=params)


def bundled_policy_specs() -> list[PolicySpec]:
    """Every bundled policy, ``statute`` first, then by name."""
    specs = [read_policy_spec(p.resolve()) for p in sorted(POLICIES_DIR.glob("*.lp"))]
    return sorted(specs, key=lambda s: (s.name != "statute", s.name))


def _value_term(value: object, kind: str, spec: ParamSpec, where: str) -> str:
    """A TOML value as the clingo term the program expects, or a one-line error."""
    bad = UserError(f"{where}: parameter {spec.name} must be {spec.expects()}, got {value!r}")
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad
        return str(value)
    if kind == "yes/no":
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value in spec.choices:
            return str(value)
        raise bad
    if kind == "choice":
        if isinstance(value, str) and value in spec.choices:
            return value
        raise bad
    if not isinstance(value, str):
        raise bad
    return quote(value)


def param_facts(spec: PolicySpec, values: Mapping[str, object], where: str) -> str:
    """``policy_param/2`` facts for the given parameter values, checked against the policy.

    Every unknown parameter name or value of the wrong kind is reported at once, in one
    :class:`UserError` naming the valid parameters or values.
    """
    lines: list[str] = []
    problems: list[str] = []
    for name in sorted(values):
        try:
            lines.extend(_param_lines(spec, name, values[name], where))
        except UserError as problem:
            problems.append(str(problem))
    if len(problems) == 1:
        raise UserError(problems[0])
    if problems:
        raise UserError(f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems))
    return "".join(line + "\n" for line in lines)


def _param_lines(spec: PolicySpec, name: str, value: object, where: str) -> list[str]:
    """The ``policy_param/2`` facts of one parameter, or a :class:`UserError` saying why not."""
    param = spec.params.get(name)
    if param is None:
        valid = ", ".join(sorted(spec.params)) or "(none: this policy takes no parameters)"
        raise UserError(
            f"{where}: unknown parameter {name!r} for policy {spec.name}; valid parameters: {valid}"
        )
    if param.kind != "table":
        return [f"policy_param({name}, {_value_term(value, param.kind, param, where)})."]
    if not isinstance(value, dict):
        raise UserError(
            f"{where}: parameter {name} is a table of {', '.join(param.keys)} "
            f"(e.g. [params.{name}]), got {value!r}"
        )
    lines = []
    for key in sorted(value):
        if key not in param.keys:
            raise UserError(
                f"{where}: unknown key {key!r} in parameter {name}; "
                f"valid keys: {', '.join(param.keys)}"
            )
        term = _value_term(value[key], param.value_kind, param, where)
        lines.append(f"policy_param({name}, ({quote(key)}, {term})).")
    return lines
