"""A county's filing template: a folder of Jinja2 files rendered to pleading markup.

A template is a bundled name (``reasoner/filing/templates/<name>/``) or a path to a folder.
It holds ``template.toml`` (``description``, ``fallback``) and the documents
``dismissal_motion.j2``, ``dismissal_order.j2``, ``redesignation_motion.j2`` and
``redesignation_order.j2``; a file it lacks is taken from its fallback template's folder
(``generic`` by default), so a county overrides only what differs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from cmr_reason.facts.errors import UserError
from cmr_reason.reasoner.filing.pleading_markup import Pleading, parse
from cmr_reason.reasoner.filing.settings import TEMPLATES_DIR

DOCUMENTS = ("dismissal_motion", "dismissal_order", "redesignation_motion", "redesignation_order")


def template_names() -> list[str]:
    """Names of the bundled templates."""
    return sorted(p.parent.name for p in TEMPLATES_DIR.glob("*/template.toml"))


def _folder(name_or_path: str) -> Path:
    as_path = Path(name_or_path)
    if as_path.is_dir():
        return as_path
    bundled = TEMPLATES_DIR / name_or_path.replace("-", "_")
    if bundled.is_dir():
        return bundled
    raise UserError(
        f"unknown filing template {name_or_path!r} (bundled: {', '.join(template_names())}; "
        "or give a folder)"
    )


def _meta(folder: Path) -> dict[str, Any]:
    path = folder / "template.toml"
    if not path.is_file():
        raise UserError(f"{folder} is not a filing template (no template.toml)")
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    unknown = sorted(set(meta) - {"description", "fallback"})
    if unknown:
        raise UserError(f"{path}: unknown key(s) {', '.join(unknown)}")
    return meta


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 conviction``, ``2,345 convictions`` (``plural_form`` for irregular words)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def join_and(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b, and c``."""
    items = [str(i) for i in items if str(i)]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def sentence(text: str) -> str:
    """``text`` with its first letter in upper case (the rest unchanged)."""
    return text[:1].upper() + text[1:]


@dataclass
class FilingTemplate:
    """A loaded template folder and its Jinja environment."""

    name: str
    folder: Path
    description: str
    env: jinja2.Environment

    def render(self, document: str, context: dict[str, Any]) -> Pleading:
        """Render one document to a :class:`Pleading`; template errors are one line."""
        file_name = f"{document}.j2"
        try:
            text = self.env.get_template(file_name).render(context)
        except jinja2.TemplateNotFound as exc:
            raise UserError(f"template {self.name}: no {exc.name}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise UserError(
                f"template {self.name}: {exc.name or file_name} line {exc.lineno}: {exc.message}"
            ) from None
        except jinja2.UndefinedError as exc:
            raise UserError(f"template {self.name}: {file_name}: {exc.message}") from None
        try:
            return parse(text, f"template {self.name}: {file_name}")
        except ValueError as exc:
            raise UserError(str(exc)) from None


def load_template(name_or_path: str) -> FilingTemplate:
    """Load a template folder with its fallback chain (cycles are refused)."""
    folder = _folder(name_or_path)
    meta = _meta(folder)
    folders = [folder]
    fallback = meta.get("fallback", "generic")
    while fallback:
        parent = _folder(fallback)
        if parent in folders:
            break
        folders.append(parent)
        fallback = _meta(parent).get("fallback", "generic")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # the output is plain pleading markup, never HTML
    )
    env.filters.update(number=lambda n: f"{n:,}", plural=plural, join_and=join_and,
                       sentence=sentence)  # fmt: skip
    return FilingTemplate(folder.name, folder, str(meta.get("description", "")), env)
