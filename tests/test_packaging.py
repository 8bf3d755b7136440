"""The wheel ships every package under one namespace, with the programs and data (issue 3)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_programs_data_and_no_generic_top_level(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("cmr_reason-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"cmr_reason", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    programs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "programs").rglob("*.lp")}
    shipped = {n.removeprefix("cmr_reason/") for n in names if n.endswith(".lp")}
    assert programs <= shipped, programs - shipped
    for needed in (
        "cmr_reason/facts/data/demo_doj.csv",
        "cmr_reason/cli/app.py",
        "cmr_reason/reasoner/solver.py",
        "cmr_reason/programs/policies/examples/bear_defaults.toml",
        # the court PDFs' fonts and their licence (SIL OFL 1.1)
        "cmr_reason/reasoner/fonts/LiberationSerif-Regular.ttf",
        "cmr_reason/reasoner/fonts/LiberationSerif-Bold.ttf",
        "cmr_reason/reasoner/fonts/LiberationSans-Regular.ttf",
        "cmr_reason/reasoner/fonts/LiberationSans-Bold.ttf",
        "cmr_reason/reasoner/fonts/LICENSE",
    ):
        assert needed in names, needed
    assert any(n.startswith("cmr_reason/reasoner/report_templates/") for n in names)
    assert any(n.startswith("cmr_reason/reasoner/filing_templates/") for n in names)
    assert any(n.startswith("cmr_reason/cli/review_web/") for n in names)
