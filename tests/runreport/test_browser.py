"""The report in a real browser: Debian's Chromium, headless, opens ``report.html`` from disk; the
rendered DOM has every section, the console stays silent (no script error, no blocked load), and
the screenshot shows the plots drawn. Chromium is kept off the network: every request goes to a
dead proxy on 127.0.0.1 and no host name resolves."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.report_run import make_shop_run

import codegen as sd
from codegen.runreport.plots import ACCENT

OFFLINE = [
    "--headless",
    "--disable-gpu",
    "--no-sandbox",  # as root, and in containers: Chromium's own sandbox needs namespaces
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-background-networking",
    "--disable-component-update",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--hide-scrollbars",
]


def browse(chromium: str, profile: Path, page: Path, *action: str) -> tuple[str, str]:
    """(stdout, stderr) of Chromium doing ``action`` on the page, its console on stderr."""
    done = subprocess.run(
        [chromium, *OFFLINE, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         *action, page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def console(stderr: str) -> list[str]:
    """What the page wrote to the console (errors, CSP refusals): Chromium logs it as CONSOLE."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


class Outline(HTMLParser):
    """The rendered page's title, section ids and headings."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.title = ""
        self.images = 0
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")
        if tag == "img":
            self.images += 1
        if tag in ("title", "h2"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None if tag == self._in else self._in

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h2":
            self.headings.append(data)


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sd.report(make_shop_run(tmp_path_factory.mktemp("browser")))


def test_the_rendered_page_has_every_section_and_the_console_stays_silent(
    chromium, report_page, tmp_path
):
    dom, stderr = browse(chromium, tmp_path / "profile", report_page, "--dump-dom")
    outline = Outline()
    outline.feed(dom)
    assert outline.title == "shop — sdgen report"
    assert outline.sections == [
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
    assert outline.headings == [
        "Overview",
        "customers",
        "products",
        "orders",
        "Foreign keys",
        "Rules",
        "Validation",
        "Realism",
        "What the model judged",
        "Provenance",
    ]
    assert outline.images >= 15
    assert "amount / items BETWEEN 4 AND 80" in dom and "run 20" in re.sub(r"<[^>]+>", "", dom)
    assert console(stderr) == []


def test_the_screenshot_shows_the_page_with_its_plots_drawn(chromium, report_page, tmp_path):
    shot = tmp_path / "report.png"
    _, stderr = browse(
        chromium, tmp_path / "profile", report_page, f"--screenshot={shot}",
        "--window-size=1280,4000",
    )  # fmt: skip
    assert console(stderr) == []
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    assert len(pixels) == 1280 * 4000
    accent = np.array([int(ACCENT[i : i + 2], 16) for i in (1, 3, 5)])
    bars = (np.abs(pixels - accent).sum(axis=1) < 12).sum()  # the plots' bars, in their colour
    blank = (pixels.sum(axis=1) > 3 * 250).mean()
    assert bars > 20_000, f"only {bars} pixels of the plots' colour: were the PNGs blocked?"
    assert 0.5 < blank < 0.97  # a page with content on it, not a blank or an error page
