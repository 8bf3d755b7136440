"""The impact report: every figure shown, suppression, comparison, accessibility, browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cmr_reason.cli.app import app
from cmr_reason.reasoner.report.writer import ReportOptions, render_report
from cmr_reason.reasoner.run.directory import open_run

DATA = Path(__file__).parent / "data"
AS_OF = "2020-07-01"


def _run(out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(app, ["run", "--as-of", AS_OF, "--out", str(out), "-q", *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("runs")
    return {
        "statute": _run(base / "statute"),
        "other": _run(base / "other", "--policy", str(DATA / "policy_dismiss_redesignated.lp")),
    }


def _report(run_dir: Path, tmp: Path, *extra: str, name: str = "report.html") -> Path:
    out = tmp / name
    result = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


class _Page(HTMLParser):
    """Visible text, table cells and a few structural facts of the report."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.num_cells: list[str] = []
        self.tables = self.captions = 0
        self.th_without_scope = 0
        self.svgs: list[dict[str, str | None]] = []
        self._skip = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "th" and a.get("scope") not in ("col", "row"):
            self.th_without_scope += 1
        if tag == "svg":
            self.svgs.append(a)
        if tag == "td" and "num" in (a.get("class") or ""):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "td" and self._cell is not None:
            self.num_cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, k))]
    return [(path, node)]


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")


def test_every_summary_figure_appears(runs: dict[str, Path], tmp_path: Path) -> None:
    out = _report(runs["statute"], tmp_path)
    html = out.read_text(encoding="utf-8")
    summary = json.loads((runs["statute"] / "summary.json").read_text(encoding="utf-8"))
    text = " ".join(_page(html).text)
    tokens = set(NUMBER.findall(text))
    missing = []
    for path, value in _leaves(summary):
        if isinstance(value, bool) or path[0] == "run":
            continue
        if isinstance(value, int):
            shown = f"{value:,}"
        elif isinstance(value, float):
            shown = f"{value:.1f}%"
        else:
            continue
        if shown not in tokens:
            missing.append((path, shown))
    assert not missing
    # Keys too: every code section, decade, reject reason; the run's facts.
    for group in ("by_code_section", "by_decade"):
        for key in summary[group]:
            assert key in text or key == "unknown", key
    for key in summary["input"]["rejected_by_reason"]:
        assert key in text
    reasons = open_run(runs["statute"]).catalogue.reasons
    for codes in summary["by_reason"].values():
        for code in codes:
            phrase = reasons[code]
            assert phrase[:1].upper() + phrase[1:] in text, code
    assert AS_OF in text and "statute" in text
    manifest = json.loads((runs["statute"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rules_sha256"] in text
    assert manifest["inputs"][0]["sha256"] in text
    assert manifest["tool_version"] in text


def test_tables_hold_the_right_numbers(runs: dict[str, Path]) -> None:
    html = render_report(open_run(runs["statute"]), ReportOptions())
    summary = open_run(runs["statute"]).summary
    row = re.search(r'<th scope="row">HS 11359</th>(.*?)</tr>', html)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    expected = summary["by_code_section"]["HS 11359"]
    assert cells[-1] == f"{sum(expected.values()):,}"
    black = summary["by_race"]["BLACK"]
    race = re.search(r'<th scope="row">Black</th>(.*?)</tr>', html)
    assert race is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", race.group(1)) == [
        f"{black['people']:,}",
        f"{black['relieved']:,}",
        f"{black['share_of_relieved_people_pct']:.1f}%",
    ]


def test_report_is_deterministic_and_self_contained(runs: dict[str, Path], tmp_path: Path) -> None:
    first = _report(runs["statute"], tmp_path, name="a.html").read_bytes()
    second = _report(runs["statute"], tmp_path, name="b.html").read_bytes()
    assert first == second
    html = first.decode("utf-8")
    assert set(re.findall(r"\d{4}-\d{2}-\d{2}", html)) == {AS_OF}
    assert re.findall(r"https?://[^\"'\s)]+", html) == ["http://www.w3.org/2000/svg"] * len(
        re.findall("<svg", html)
    )
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "@font-face" not in html
    assert not re.search(r"url\((?!#)", html)
    assert (tmp_path / "a.html").stat().st_mode & 0o077 == 0


def test_report_is_accessible(runs: dict[str, Path]) -> None:
    html = render_report(open_run(runs["statute"]), ReportOptions())
    page = _page(html)
    assert '<html lang="en">' in html
    assert page.svgs and all(s.get("role") == "img" for s in page.svgs)
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        ids = re.search(r'aria-labelledby="([^"]+)"', svg)
        assert ids is not None
        title_id, desc_id = ids.group(1).split()
        assert f'<title id="{title_id}">' in svg and f'<desc id="{desc_id}">' in svg
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
        assert desc is not None and len(desc.group(1)) > 20
    assert page.tables and page.tables == page.captions
    assert page.th_without_scope == 0
    assert "@media print" in html and "break-inside: avoid" in html
    for colour in ("#009E73", "#0072B2", "#E69F00", "#D55E00"):  # Okabe-Ito
        assert colour in html
    assert "<pattern" in html


def test_suppression_hides_small_counts_everywhere(runs: dict[str, Path], tmp_path: Path) -> None:
    out = _report(runs["statute"], tmp_path, "--suppress-below", "10")
    html = out.read_text(encoding="utf-8")
    page = _page(html)
    text = " ".join(page.text)
    assert "Small-cell suppression is on" in text
    assert "suppressed infractions" in html  # headline: 6 infractions dismissed
    for cell in page.num_cells:
        if re.fullmatch(r"[\d,]+", cell):
            assert int(cell.replace(",", "")) == 0 or int(cell.replace(",", "")) >= 10, cell
        else:
            assert cell in ("", "suppressed") or cell.endswith("%"), cell
    # Percentages worked out from hidden counts are hidden too (5 Asian people relieved).
    asian = re.search(r'<th scope="row">Asian</th>(.*?)</tr>', html)
    assert asian is not None
    assert re.findall(r"<td[^>]*>([^<]*)</td>", asian.group(1)) == ["suppressed"] * 3
    # Hidden rows come last in name order, so the order does not rank them.
    race_table = html.split("Share of people relieved, by race</caption>")[1].split("</table>")[0]
    labels = re.findall(r'<th scope="row">([^<]+)</th>', race_table)
    assert labels[-4:] == ["Asian", "Chinese", "Other", "Not recorded"]
    # Charts: no small value as text, hidden bars drawn as fixed stubs.
    stubs = 0
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        for label in re.findall(r"<text[^>]*>([^<]*)</text>", svg):
            assert not re.fullmatch(r"[1-9](\.\d)?%?( \(.*\))?", label), label
        for width, title in re.findall(r'<rect [^>]*\swidth="([\d.]+)"[^>]*><title>([^<]*)<', svg):
            if title.endswith("suppressed"):
                assert width == "6.0"
                stubs += 1
    assert stubs > 10
    assert re.search(r"\b[1-9] people\b", text) is None


def test_suppression_off_by_default_shows_small_counts(runs: dict[str, Path]) -> None:
    html = render_report(open_run(runs["statute"]), ReportOptions())
    assert "&lt;" not in re.sub(r"<[^>]+>", "", html.split("</style>")[1])
    assert "Small-cell suppression is on" not in html


def test_compare_two_policies(runs: dict[str, Path], tmp_path: Path) -> None:
    out = _report(runs["statute"], tmp_path, "--compare", str(runs["other"]))
    text = " ".join(_page(out.read_text(encoding="utf-8")).text)
    base = open_run(runs["statute"]).summary["people"]
    other = open_run(runs["other"]).summary["people"]
    more = other["relieved_no_conviction_after"] - base["relieved_no_conviction_after"]
    assert more > 0
    assert (
        f"{more:,} more people left with no conviction under policy_dismiss_redesignated "
        "than under statute" in text
    )
    assert "Comparison: statute and policy_dismiss_redesignated" in text
    same = other["relieved_no_felony_after"] == base["relieved_no_felony_after"]
    assert ("The same number of people left with no felony" in text) == same


def _changed_copy(run_dir: Path, tmp: Path, **changes: Any) -> Path:
    copy = tmp / "changed"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(changes)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"as_of": "2021-01-01"}, "different as-of dates"),
        ({"inputs": [{"path": "x.csv", "sha256": "0" * 64, "rows": 1}]}, "different inputs"),
    ],
)
def test_compare_refuses_different_runs(
    runs: dict[str, Path], tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    other = _changed_copy(runs["other"], tmp_path, **change)
    out = tmp_path / "r.html"
    args = ["report", str(runs["statute"]), "--out", str(out), "--compare", str(other)]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2
    assert message in refused.output and "--force" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert not out.exists()
    forced = CliRunner().invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert f"Warning: the two runs have {message}" in out.read_text(encoding="utf-8")


def test_report_of_a_non_run_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "is not a cmr-reason run (it has no manifest.json)" in result.output


# --- In a real browser ------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _browser(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    chromium = _chromium()
    assert chromium is not None
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(runs: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    out = _report(runs["statute"], tmp_path)
    url = out.as_uri()
    shot = tmp_path / "report.png"
    result = _browser(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", url)
    assert shot.is_file(), result.stderr[-2000:]
    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1280, 4000)
        colours = rgb.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200  # text antialiasing, charts and patterns: far from blank
    counts = {colour: n for n, colour in colours}
    green, blue = counts.get((0, 0x9E, 0x73), 0), counts.get((0, 0x72, 0xB2), 0)
    assert green > 2000 and blue > 2000  # bars of the outcome and people charts painted
    dom = _browser(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for expected in (
        "Cannabis conviction relief",
        "people left with no felony",
        "Convictions by code section",
        "Share of people relieved, by race",
        "Run facts",
    ):
        assert expected in dom.stdout
    assert dom.stdout.count("<svg") >= 9


@pytest.mark.parametrize("below", [0, 10, 50])
def test_chart_labels_stay_inside_the_chart(runs: dict[str, Path], below: int) -> None:
    from cmr_reason.reasoner.report.svg_charts import VALUE_CHAR_W, WIDTH

    options = ReportOptions(suppress_below=below, compare=open_run(runs["other"]))
    html = render_report(open_run(runs["statute"]), options)
    for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="value">([^<]*)<', html):
        assert float(x) + len(label) * VALUE_CHAR_W <= WIDTH, label
    for x, width in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', html):
        assert float(x) + float(width) <= WIDTH
