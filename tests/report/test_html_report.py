"""The report as a static site: its pages, links and sizes, every figure present, plugin strings escaped."""

import re

from harness.report.palette import Palette
from harness.report.plots import pareto_front
from harness.report.site import page_name
from tests.report.conftest import FIGURE_CAPTIONS, HOSTILE_NAME, HOSTILE_REASON, RULES
from tests.test_cli import creditbench

MAX_PAGE_BYTES = 2 * 1024 * 1024


def _pages(report):
    return sorted(report.glob("*.html"))


def test_the_site_has_a_summary_a_page_per_task_and_per_rule_and_shared_scripts(report):
    expected = {"index.html", page_name("task", "quick", "blobs"), *(page_name("rule", rule) for rule in RULES)}
    assert {p.name for p in _pages(report)} == expected
    assert {p.name for p in (report / "static").iterdir()} >= {"sort.js", "site.css", "LICENSE-bokeh.txt"}
    [bokeh_js] = (report / "static").glob("bokeh-*.min.js")
    for page in _pages(report):
        assert f'<script src="static/{bokeh_js.name}"></script>' in page.read_text()


def test_every_page_is_under_2_mb_with_the_shared_scripts_counted_once(report):
    shared = sum(p.stat().st_size for p in (report / "static").iterdir())
    for page in _pages(report):
        assert page.stat().st_size + shared < MAX_PAGE_BYTES, page.name


def test_every_link_resolves_inside_the_site_and_the_asv_dashboard_is_linked(report):
    for page in _pages(report):
        for href in re.findall(r'(?:href|src)="([^"#:]+)"', page.read_text()):
            assert (report / href).resolve().is_file(), f"{page.name} links to {href}"
        assert '<a href="../.asv/html/index.html">asv dashboard</a>' in page.read_text()
    summary = (report / "index.html").read_text()
    assert f'href="{page_name("task", "quick", "blobs")}"' in summary
    for rule in RULES:
        assert f'href="{page_name("rule", rule)}"' in summary


def test_the_task_page_has_every_figure_and_the_failed_run(report):
    page = (report / page_name("task", "quick", "blobs")).read_text()
    for caption in FIGURE_CAPTIONS:
        assert f"<figcaption>{caption}</figcaption>" in page
    assert "not drawn" not in page
    assert "blobs · hostile-fails · seed 0: " in page


def test_the_summary_has_the_view_across_tasks_and_the_plausibility_map(report):
    summary = (report / "index.html").read_text()
    assert "<h3>Across tasks</h3>" in summary and "IQM normalised score [95% CI]" in summary
    assert "<figcaption>rules by plausibility profile against their gap to bp-sgd</figcaption>" in summary


def test_a_rule_page_shows_what_the_rule_declares_and_its_scores(report):
    page = (report / page_name("rule", "bp-sgd")).read_text()
    assert "<dt>family</dt><dd>backprop</dd>" in page and "<dt>citation</dt>" in page
    assert "weight transport: yes" in page and "<h2>Claims</h2>" in page
    assert f'href="{page_name("task", "quick", "blobs")}"' in page
    assert "<figcaption>test score on each task, with bp-sgd&#39;s</figcaption>" in page


def test_a_rule_page_shows_its_recorded_paper_claims_beside_the_derived_ones(report):
    page = (report / page_name("rule", "bp-sgd")).read_text()
    claims = page[page.index("<h2>Claims</h2>") : page.index("<h2>Scores on every task</h2>")]
    rows = re.findall(
        r"<tr><td title=\"([^\"]+)\">([^<]+)</td><td>([^<]+)</td><td>(.*?)</td><td>([^<]+)</td></tr>", claims
    )
    shown = {test: (claim, paper, re.sub("<[^>]+>", "", outcome), when) for test, claim, paper, outcome, when in rows}
    when = "2026-12-01 10:00 UTC creditbench 0.1.0 (commit abcdef123456)"
    assert shown == {
        "t.py::test_holds": ("bp-sgd learns blobs", "Someone 2020", "passed", when),
        "t.py::test_breaks[blobs]": ("bp-sgd beats good [blobs]", "Someone 2020", "failed", when),
        "t.py::test_never_run": ("bp-sgd never checked", "Someone 2020", "not run (pytest --benchmark)", "–"),
    }  # fa's claim is on no page here: fa has no runs in the store
    assert '<span class="not-held">failed</span>' in claims and "Derived from what it declares" in claims
    good = (report / page_name("rule", "good")).read_text()
    assert "bp-sgd beats good [blobs]" in good and "&lt;img src=x onerror=alert(2)&gt;" in good


def test_a_rule_has_one_colour_on_every_page(report):
    colour = re.search(
        r'<span class="swatch" style="background: (#[0-9a-f]{6})"></span><a href="rule-good.html">',
        (report / "index.html").read_text(),
    )[1]
    assert colour != Palette.of({}).colour("good")  # its own colour, not the fallback grey
    for name in (page_name("task", "quick", "blobs"), page_name("rule", "good")):
        assert colour in (report / name).read_text()


def test_plugin_supplied_strings_are_escaped(report):
    for page in _pages(report):
        text = page.read_text()
        assert HOSTILE_NAME not in text and HOSTILE_REASON not in text, page.name
    task = (report / page_name("task", "quick", "blobs")).read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in task and "&lt;img src=x onerror=alert(2)&gt;" in task


def test_a_figure_without_data_says_why(faulty_plugins, tmp_path):
    assert (
        creditbench(
            "run", "--task", "conformance", "--algorithm", "good", "--db", "r.sqlite", "--no-report", cwd=tmp_path
        ).returncode
        == 0
    )
    creditbench("report", "--db", "r.sqlite", "--format", "html", "--out", "html", cwd=tmp_path)
    page = (tmp_path / "html" / page_name("task", "quick", "conformance")).read_text()
    assert "score against cost: not drawn" in page  # 160 presentations end before any step is probed
    assert "asv dashboard" not in page  # none was published here


def test_report_html_needs_an_output_directory(report):
    result = creditbench(
        "report", "--db", str(report.parent / "r.sqlite"), "--format", "html", cwd=report.parent, check=False
    )
    assert (
        result.returncode == 2 and result.stderr.splitlines()[-1] == "creditbench: error: --format html needs --out DIR"
    )


def test_page_names_keep_to_a_safe_alphabet_and_do_not_collide():
    assert page_name("rule", "bp-sgd") == "rule-bp-sgd.html"
    hostile = page_name("rule", HOSTILE_NAME)
    assert re.fullmatch(r"rule-[A-Za-z0-9_.-]+\.html", hostile)
    assert page_name("rule", "a/b") != page_name("rule", "a_b")


def test_pareto_front_keeps_exactly_the_points_nothing_beats():
    points = [
        (1.0, 0.5, "cheap"),
        (2.0, 0.4, "dominated"),
        (2.0, 0.9, "mid"),
        (5.0, 0.9, "tie-but-dearer"),
        (9.0, 0.95, "best"),
    ]
    assert [name for _, _, name in pareto_front(points)] == ["cheap", "mid", "best"]


def _every_rule_on_one_task(report):
    """The fixture's bp-sgd runs cloned under every installed rule's name, three seeds each, scores spread: a
    task page as full as the quick suite's (real curve lengths, cost probes, robustness)."""
    from harness.registry import registry
    from harness.results.store import Store

    with Store(report.parent / "r.sqlite", create=False) as store:
        template = next(r for r in store.runs() if r["algorithm"] == "bp-sgd" and r["status"] == "finished")
    rules = sorted(registry().algorithms)
    rows = []
    for index, rule in enumerate(rules):
        for seed in range(3):
            score = 0.5 + 0.4 * index / len(rules) + 0.01 * seed
            curve = [
                {**point, "test_score": score * (i + 1) / len(template["curve"])}
                for i, point in enumerate(template["curve"])
            ]
            metrics = {**template["metrics"], "test_score": score}
            rows.append(
                {
                    **template,
                    "algorithm": rule,
                    "seed": seed,
                    "run_key": f"{rule}-{seed}",
                    "metrics": metrics,
                    "curve": curve,
                }
            )
    return rows, registry()


def test_a_task_page_with_every_installed_rule_stays_under_2_mb_with_at_most_8_rules_a_panel(report):
    from harness.report import plots
    from harness.report.aggregate import grouped
    from harness.report.palette import MAX_SERIES
    from harness.report.site import Site

    rows, registry = _every_rule_on_one_task(report)
    site = Site(rows, registry)
    assert len(site.algorithms) > 2 * MAX_SERIES  # enough rules that one panel could not hold them
    [(_, group)] = grouped(site.entries)
    html = site.task_page("quick", "blobs", group)
    shared = sum(p.stat().st_size for p in (report / "static").iterdir())
    print(f"a task page of {len(site.algorithms)} rules: {len(html.encode()):,} bytes + {shared:,} shared")
    assert len(html.encode()) + shared < MAX_PAGE_BYTES
    view = site.task_view("blobs", rows)
    grid = plots.learning_curves(rows, view, site.palette)
    panels = [plot for plot, _, _ in grid.children]
    assert len(panels) >= 3
    for plot in panels:
        names = [item.label.value for item in plot.legend[0].items]
        assert len(names) <= MAX_SERIES and names[0] == "bp-sgd"
    shown = [item.label.value for plot in panels for item in plot.legend[0].items[1:]]
    assert sorted(shown) == sorted(set(site.algorithms) - {"bp-sgd"})
