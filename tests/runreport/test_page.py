"""The report page and how it is asked for: ``sd.report(run)`` and ``sdgen report RUN``. The page
must be one self-contained file (nothing fetched, no script) that shows every section, with
everything that comes from the data escaped. Fast: a run saved with ``save_run``, no Docker."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from support.cli import sdgen
from support.report_run import make_shop_run

import codegen as sd
from codegen.runreport.build import Contents, collect
from codegen.runreport.page import render
from codegen.runreport.text import number, percent, value
from codegen.spec.model import load_spec


@pytest.fixture(scope="module")
def shop_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shop_run(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def shop_html(shop_run: Path) -> str:
    """The shop run's report, made once for the tests that only read it."""
    return sd.report(shop_run).read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the ids."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    @property
    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if a.get("id")]


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_sd_report_writes_report_html_in_the_run_and_returns_its_path(shop_run):
    (shop_run / "report.html").write_text("an older report")
    path = sd.report(sd.load_run(shop_run))  # a path or a Run
    assert path == shop_run / "report.html" and path.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in shop_run.iterdir() if p.name.startswith(".")] == []
    assert sd.load_run(shop_run).report["ok"] is False  # Run.report is still the summary


def test_the_page_has_every_section_and_a_card_per_column(shop_html):
    html = shop_html
    tags = parse(html)
    assert tags.ids == [
        "overview",
        "table-customers",
        "table-products",
        "table-orders",
        "relationships",
        "rules",
        "validation",
        "realism",
        "typical",
        "provenance",
    ]
    assert len([t for t, a in tags.tags if t == "article" and a.get("class") == "card"]) == 20
    assert "<title>shop — sdgen report</title>" in html
    for text in (
        "2 of 4 rules hold",
        "realism 1 of 2",
        "orders.customer_id → customers.id",
        "Spearman rho ≥ 0.3",
        "false on 82 of 2,000 rows (4%)",
        "age_spread",
        "all 4 files match the sha256 the manifest recorded",
        "validation failed: 2 failures",
        "Books 15, Toys 40",  # the model's judgement, and what became of it
        "by category (category)",
        "at or outside the column&#x27;s bounds",
        "read as: the price of one &lt;toy&gt; or book",  # what the model took the column for
        "the model said: Books 40, Garden 30, Kitchen 20, Toys 10; most rows: Books",
    ):
        assert text in html, text


def test_the_page_is_self_contained_with_no_script_and_a_policy_that_forbids_any(shop_html):
    html = shop_html
    tags = parse(html)
    assert not [t for t, _ in tags.tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in tags.tags:
        for name in ("src", "href"):
            target = attrs.get(name)
            if target is not None:
                assert target.startswith(("data:image/png;base64,", "#")), (tag, target[:40])
    assert not re.search(r"url\(|@import|https?://", html.split("<body>")[0])
    assert (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'" in html
    )  # the browser refuses anything else
    images = [a for t, a in tags.tags if t == "img"]
    assert len(images) >= 15 and all(a.get("alt") and a.get("width") for a in images)


def test_values_from_the_data_and_the_spec_are_escaped(shop_html):
    html = shop_html
    assert "O&#x27;Neil &lt;b&gt;" in html  # a name in the data, in a sample cell
    assert "A small web shop &lt;with&gt; &quot;markup&quot; &amp; such" in html  # the spec's
    assert "# &lt;not&gt; the real program" in html  # program.py, in its listing
    for raw in ("<with>", "<wrap>", "<not>", "Neil <b>"):
        assert raw not in html


def test_a_hostile_value_stays_text():
    spec = load_spec("name: s\ntables:\n  t:\n    rows: 2\n    columns:\n      x: {type: string}\n")
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    figures = collect(spec, {"t": pd.DataFrame({"x": [evil, "fine"]})})
    html = render(Contents(name="s", description=None, figures=figures))
    assert "<script" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_run_without_realism_figures_says_none_were_measured(tmp_path):
    run = make_shop_run(tmp_path, realism=False)
    html = sd.report(run).read_text(encoding="utf-8")
    assert "No realism figures were measured for this run" in html
    assert "realism not measured" in html


def test_the_manifest_keeps_realism_figures(shop_run):
    manifest = sd.load_run(shop_run).manifest
    assert manifest.realism["age_spread"] == {"passed": False, "value": 13.2, "expected": [15, 25]}
    assert sd.Manifest().realism == {}
    saved = json.loads((shop_run / "manifest.json").read_text())
    assert saved["realism"]["names_not_numbered"]["passed"] is True


def test_a_directory_that_is_no_run_is_a_run_not_found_error(tmp_path):
    with pytest.raises(sd.RunError, match="is not a saved run"):
        sd.report(tmp_path)


@pytest.mark.slow
def test_sdgen_report_prints_the_path_and_fails_with_one_error_line(shop_run, tmp_path):
    done = sdgen("report", str(shop_run), env={})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(shop_run / "report.html")
    missing = sdgen("report", str(tmp_path / "nothing"), env={})
    assert missing.returncode == 1 and missing.stderr.strip().splitlines()[-1].startswith("error: ")


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (245300.57, "245,300.57"),
        (2_000_000, "2,000,000"),
        (12.0, "12"),
        (0.012345, "0.01235"),
        (3.14159, "3.142"),
        (1e-7, "1e-07"),
        (float("nan"), "nan"),
    ],
)
def test_numbers_read_short(given, shown):
    assert number(given) == shown


def test_values_and_percentages():
    assert value(None) == "null" and value(True) == "true" and value(2024, grouped=False) == "2024"
    assert value("x" * 100).endswith("…") and len(value("x" * 100)) == 60
    assert (percent(1, 1000), percent(999, 1000), percent(1, 2), percent(0, 0)) == (
        "0.1%",
        "99.9%",
        "50%",
        "–",
    )
