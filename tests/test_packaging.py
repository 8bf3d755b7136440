"""The wheel ships every package under one namespace, with the programs and data (issue 3).

The wheel is built from a copy of the project in a temporary folder: a build writes
``build/`` and ``*.egg-info`` beside its sources, and a test writes nothing into the checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The design card's folders that install as ``cmr_reason.<folder>``.
SOURCES = ("facts", "reasoner", "cli", "programs")
# setup.py's compiled modules and their record (facts/compiled.py) are built, not shipped as such
_BUILT = ("*.so", "*.pyd", "compiled_sources.json")
_LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", *_BUILT)


def _shipped_files() -> set[str]:
    """Every file of the installed folders, as the wheel must name it (not git's dot-files)."""
    return {
        f"cmr_reason/{path.relative_to(ROOT).as_posix()}"
        for top in SOURCES
        for path in (ROOT / top).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not path.name.startswith(".")
        and not any(path.match(pattern) for pattern in _BUILT)
    }


def test_wheel_ships_every_module_program_and_data_file_under_one_namespace(tmp_path: Path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for top in SOURCES:
        shutil.copytree(ROOT / top, source / top, ignore=_LEFT_OUT)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
         str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    wheel = next(wheels.glob("cmr_reason-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"cmr_reason", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    expected = _shipped_files()
    assert expected - names == set()  # a subpackage or data folder missing from pyproject.toml
    for needed in (
        "cmr_reason/facts/data/demo_doj.csv",
        "cmr_reason/cli/app.py",
        "cmr_reason/reasoner/engine/solver.py",
        "cmr_reason/reasoner/report/templates/report.html.j2",
        "cmr_reason/reasoner/filing/templates/generic/template.toml",
        "cmr_reason/cli/workbench/templates/queue.html",
        "cmr_reason/cli/workbench/static/workbench.css",
        "cmr_reason/programs/policies/examples/bear_defaults.toml",
        # the court PDFs' fonts and their licence (SIL OFL 1.1)
        "cmr_reason/reasoner/fonts/LiberationSerif-Regular.ttf",
        "cmr_reason/reasoner/fonts/LiberationSerif-Bold.ttf",
        "cmr_reason/reasoner/fonts/LiberationSans-Regular.ttf",
        "cmr_reason/reasoner/fonts/LiberationSans-Bold.ttf",
        "cmr_reason/reasoner/fonts/LICENSE",
    ):
        assert needed in names, needed
