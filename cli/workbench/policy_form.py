"""The policy options of the "New run" form, built from the policies' own programs.

Every field comes from :mod:`cmr_reason.reasoner.engine.policy_catalogue` (``default_param``,
``param_doc``, ``param_choice`` and ``policy_info``'s source): nothing about a policy is
restated here. A submitted form becomes the ``[params]`` of a parameter file, holding only
the values that differ from the policy's defaults, checked by the same code as a TOML file
given to ``run --policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from cmr_reason.facts.private_files import write_private
from cmr_reason.reasoner.engine.policy_catalogue import (
    ParamSpec,
    PolicySpec,
    bundled_policy_specs,
    param_facts,
)


@dataclass(frozen=True)
class Field:
    """One input of the form: a parameter, or one key of a table parameter."""

    key: str  # the form field's name
    param: str
    table_key: str  # "" unless a table parameter
    kind: str  # integer | text | yes/no | choice
    default: str
    choices: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class PolicyForm:
    """A policy and the fields of its options."""

    spec: PolicySpec
    fields: tuple[Field, ...]

    @property
    def county(self) -> str:
        """The county the policy's own ``county`` parameter names by default ("" if none)."""
        field = next((f for f in self.fields if f.param == "county" and not f.table_key), None)
        return field.default if field else ""


def field_name(policy: str, param: str, table_key: str = "") -> str:
    """The form field of a parameter (``p.POLICY.PARAM`` or ``p.POLICY.PARAM.KEY``)."""
    return ".".join(filter(None, ("p", policy, param, table_key)))


def _plain(term: str, kind: str) -> str:
    """A default as written in the program, as a person types it ('' is the empty text)."""
    return "" if kind == "text" and term == "''" else term


def _fields(spec: PolicySpec, param: ParamSpec) -> list[Field]:
    if param.kind != "table":
        default = _plain(" ".join(param.defaults), param.kind)
        return [Field(field_name(spec.name, param.name), param.name, "", param.kind, default,
                      param.choices, param.doc)]  # fmt: skip
    out = []
    for key, text in zip(param.keys, param.defaults, strict=True):
        value = _plain(text.split(" = ", 1)[1], param.value_kind)
        out.append(Field(field_name(spec.name, param.name, key), param.name, key,
                         param.value_kind, value, param.choices, param.doc))  # fmt: skip
    return out


def policy_forms() -> list[PolicyForm]:
    """Every bundled policy with its option fields (``statute`` first)."""
    return [
        PolicyForm(spec, tuple(f for p in spec.params.values() for f in _fields(spec, p)))
        for spec in bundled_policy_specs()
    ]


def _typed(text: str, kind: str) -> object:
    """A submitted value as TOML would hold it (an integer when it reads as one)."""
    if kind == "integer":
        stripped = text.strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        return int(stripped) if digits.isdigit() else text
    return text


def changed_params(form: PolicyForm, submitted: Mapping[str, str]) -> dict[str, object]:
    """The ``[params]`` that differ from the policy's defaults, checked like a TOML file.

    A field left out keeps its default. Raises :class:`UserError` listing every problem.
    """
    params: dict[str, object] = {}
    for field in form.fields:
        text = submitted.get(field.key)
        if text is None or text.strip() == field.default:
            continue
        value = _typed(text.strip() if field.kind != "text" else text, field.kind)
        if field.table_key:
            table = params.setdefault(field.param, {})
            assert isinstance(table, dict)
            table[field.table_key] = value
        else:
            params[field.param] = value
    param_facts(form.spec, params, "policy options")  # every problem at once
    return params


def write_params(path: Path, policy: str, params: Mapping[str, object]) -> Path:
    """Write a parameter file for ``run --policy FILE`` (owner-only) and return its path."""
    path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    text = (
        "# Policy options chosen in the workbench's New run form: only those that differ\n"
        "# from the policy's defaults (`cmr-reason policies`).\n"
        + tomli_w.dumps({"policy": policy, "params": dict(params)})
    )
    write_private(path, text.encode("utf-8"))
    return path
