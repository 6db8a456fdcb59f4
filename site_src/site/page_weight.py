"""Measure what a built lesson page makes a browser download: its HTML, CSS and JS.

A page's weight is its HTML plus every stylesheet and script it loads (``<link
rel="stylesheet">``, ``<script src>``), read from the built site. Figures, images and
fonts are left out: they load lazily, only where shown. The search index is left out
too: the search worker fetches it once for the whole site, not per page.

Both sizes are reported: as files (``total``) and as sent (``transfer``: gzip-compressed,
as GitHub Pages serves HTML, CSS and JS). The budget applies to the transfer size, the
measure of page weight that browsers' own audits use (Lighthouse's "total byte weight"):
Material's own CSS and JS are about 270 KB as files on every page, so a budget of files
would leave a lesson almost no room for its text and code.
``python -m site_src weight`` prints the table and fails when a page is over the budget.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

BUDGET_BYTES = 300_000


@dataclass(frozen=True)
class PageWeight:
    """The bytes one page loads, by kind, and what it links that is not in the site."""

    page: str  # site-relative path of the HTML file
    kind: str  # "markdown" or "notebook" lesson, or "page"
    html: int
    css: int
    js: int
    transfer: int  # the same files gzip-compressed, as the web server sends them
    missing: tuple[str, ...] = ()  # linked CSS/JS that is not a file of the site (or not local)

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


class _Assets(HTMLParser):
    """Collects the stylesheet and script URLs of an HTML page, with the search worker that
    Material starts on every page (named in its ``__config`` JSON)."""

    def __init__(self):
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split() and attributes.get("href"):
            self.css.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.js.append(attributes["src"])
        self._in_config = tag == "script" and attributes.get("id") == "__config"

    def handle_data(self, data):
        if self._in_config:
            worker = json.loads(data).get("search")
            if worker:
                self.js.append(worker)
            self._in_config = False


def page_weight(site_dir: Path, html_file: Path) -> PageWeight:
    """The weight of one built page of ``site_dir``."""
    html = html_file.read_bytes()
    assets = _Assets()
    assets.feed(html.decode("utf-8"))
    page = html_file.relative_to(site_dir).as_posix()
    sizes, missing, transfer = {"css": 0, "js": 0}, [], len(gzip.compress(html))
    for kind, urls in (("css", assets.css), ("js", assets.js)):
        for url in dict.fromkeys(urls):  # a file linked twice downloads once
            path = _site_file(site_dir, page, url)
            if path is None:
                missing.append(url)
                continue
            data = path.read_bytes()
            sizes[kind] += len(data)
            transfer += len(gzip.compress(data))
    text = html.decode("utf-8")
    kind = "notebook" if "jp-Notebook" in text else "markdown" if "/lessons/" in f"/{page}" else "page"
    return PageWeight(page, kind, len(html), sizes["css"], sizes["js"], transfer, tuple(missing))


def _site_file(site_dir: Path, page: str, url: str) -> Path | None:
    """The file of the site that a URL on ``page`` points at, or None (external or absent)."""
    parts = urlsplit(urljoin(f"http://site/{page}", url))
    if parts.netloc != "site":
        return None
    path = site_dir / PurePosixPath(parts.path.lstrip("/"))
    return path if path.is_file() else None


def lesson_pages(site_dir: Path) -> list[Path]:
    """Every lesson page of both languages (``lessons/*/index.html``, ``en/lessons/*/index.html``)."""
    return sorted([*site_dir.glob("lessons/*/index.html"), *site_dir.glob("en/lessons/*/index.html")])


def weight_report(site_dir: Path, budget: int = BUDGET_BYTES) -> tuple[str, bool]:
    """A table of every lesson page's weight, heaviest first, and whether all are within budget
    (``budget``: bytes sent per page) and load nothing from outside the site."""
    if not site_dir.is_dir():
        return f"{site_dir}: no built site; run `python -m site_src build` first", False
    weights = sorted((page_weight(site_dir, path) for path in lesson_pages(site_dir)),
                     key=lambda weight: weight.transfer, reverse=True)
    rows = [f"{'page':<44} {'kind':<9} {'HTML':>9} {'CSS':>9} {'JS':>9} {'files':>9} {'sent':>9}"]
    for weight in weights:
        flag = "  OVER BUDGET" if weight.transfer > budget else ""
        rows.append(f"{weight.page:<44} {weight.kind:<9} {_kb(weight.html)} {_kb(weight.css)} {_kb(weight.js)} "
                    f"{_kb(weight.total)} {_kb(weight.transfer)}{flag}")
        rows += [f"    {weight.page}: links {url}, which is not a file of the site" for url in weight.missing]
    over = [weight for weight in weights if weight.transfer > budget]
    rows.append(f"{len(weights)} lesson pages; budget {budget / 1000:.0f} KB sent (gzip) per page for HTML + CSS + JS; "
                + (f"{len(over)} over it: make them lighter (see site_src/site/page_weight.py)" if over else "all within it"))
    ok = bool(weights) and not over and not any(weight.missing for weight in weights)
    return "\n".join(rows), ok


def _kb(size: int) -> str:
    return f"{size / 1000:7.1f}KB"
