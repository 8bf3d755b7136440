"""Build the bulk run's hot modules with mypyc when possible; otherwise the package is Python.

Everything else is in ``pyproject.toml``. The modules compiled are ``MODULES`` of
``facts/compiled.py`` (read here without importing the package); each extension is optional, so
an install without a C compiler, or a failed compile, leaves the Python sources to run. Set
``CMR_REASON_PURE_PYTHON=1`` to compile nothing. The build records each source's SHA-256
beside the extensions (``facts/compiled_sources.json``); ``facts/compiled.py`` checks it when
the package is imported and runs the sources when one was edited since (docs/scale.md).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
STAGE = Path("build") / "mypyc-src"  # the package as it is imported (cmr_reason/...), for mypy
TOP_FOLDERS = ("facts", "reasoner", "cli")


def _constants() -> dict[str, Any]:
    """The plain assignments of ``facts/compiled.py`` (its import would run its guard)."""
    tree = ast.parse((ROOT / "facts" / "compiled.py").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant | ast.Tuple):
                found[target.id] = ast.literal_eval(node.value)
    return found


SETTINGS = _constants()
MODULES: tuple[str, ...] = SETTINGS["MODULES"]
GROUP: str = SETTINGS["GROUP"]
RECORD: str = SETTINGS["RECORD"]


def _note(text: str) -> None:
    print(f"cmr-reason setup: {text}", file=sys.stderr)


def _source(module: str, root: Path) -> Path:
    return root.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _stage() -> Path:
    """A copy of the package's Python files under ``cmr_reason/``, the name mypy must see."""
    package = STAGE / "cmr_reason"
    shutil.rmtree(STAGE, ignore_errors=True)
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for folder in TOP_FOLDERS:
        shutil.copytree(
            ROOT / folder, package / folder, ignore=shutil.ignore_patterns("__pycache__", "*.so*")
        )
    return package.parent


def _extensions() -> list[Any]:
    """The extensions mypyc makes of :data:`MODULES`, all optional; none if it cannot."""
    if os.environ.get(SETTINGS["PURE_PYTHON"], "") not in ("", "0"):
        _note(f"{SETTINGS['PURE_PYTHON']} is set: nothing compiled")
        return []
    if sys.implementation.name != "cpython":
        return []
    try:
        from mypyc.build import mypycify

        staged = _stage()
        extensions = mypycify(
            [
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--cache-dir",
                str(Path("build") / "mypyc-cache"),
                *(str(_source(module, staged / "cmr_reason")) for module in MODULES),
            ],
            group_name=GROUP,
            target_dir=str(Path("build") / "mypyc"),
        )
    except (Exception, SystemExit) as error:  # mypy's errors end by SystemExit
        _note(f"mypyc could not compile the modules ({error!r}); the package stays Python")
        return []
    for extension in extensions:
        extension.optional = True  # no compiler, a failed compile: the sources run
    return extensions


class BuildExt(build_ext):
    """build_ext, then the record of the sources compiled, only when every extension built."""

    def run(self) -> None:
        """Build the extensions; record their sources, or remove a partial build."""
        if not self.extensions:
            return
        record = Path(self.get_ext_fullpath(GROUP + "__mypyc")).parent / RECORD
        record.unlink(missing_ok=True)
        super().run()
        outputs = [Path(self.get_ext_fullpath(ext.name)) for ext in self.extensions]
        if not all(path.is_file() for path in outputs):
            _note("some modules did not compile; the package stays Python")
            for path in outputs:
                path.unlink(missing_ok=True)
            return
        sources = {
            module: hashlib.sha256(_source(module, STAGE / "cmr_reason").read_bytes()).hexdigest()
            for module in MODULES
        }
        record.write_text(json.dumps(sources, indent=1, sort_keys=True) + "\n", encoding="utf-8")


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
