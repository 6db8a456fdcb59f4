"""The course as a PDF per language: the print view (site_src/site/print_view.py) printed by Chromium.

``python -m site_src pdf`` serves the built ``site/`` on 127.0.0.1 the way GitHub Pages does
(over HTTP the MathJax fonts load, which Chromium refuses to a ``file://`` page), opens each
language's print view in headless Chromium through Playwright, the browser the tests drive,
makes every figure load now rather than when scrolled to, opens the folded solutions, waits
for the fonts, and saves ``page.pdf()`` as ``site/downloads/course-<lang>.pdf``: A4, each page
numbered in its footer.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .build import LANGUAGES, served_site
from .offline import DOWNLOADS, pdf_name

# $CHROMIUM, as the Makefile and the browser tests read it; the flags keep it from calling home,
# which stalls on a closed network.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
PRINT_PATHS = {"zh": "print/", "en": "en/print/"}
FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
# Every figure loaded (they load lazily on the site), every solution unfolded, every font ready.
READY_FOR_PRINT = """async () => {
    document.querySelectorAll('details').forEach(details => { details.open = true; });
    const images = [...document.querySelectorAll('img')];
    await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
    await document.fonts.ready;
    return images.filter(img => img.naturalWidth === 0).map(img => img.getAttribute('src'));
}"""


class PdfError(Exception):
    """No PDF could be made; the message says why and what to do."""


@dataclass(frozen=True)
class Printed:
    """One language's PDF: where it is, its pages and bytes."""

    lang: str
    path: Path
    pages: int
    size: int


def print_course(site: Path, prefix: str) -> list[Printed]:
    """Print each language's print view in ``site`` (built, served under ``prefix``) to a PDF in
    ``site/downloads/``."""
    missing = [path for path in PRINT_PATHS.values() if not (site / path / "index.html").is_file()]
    if missing:
        raise PdfError(f"no print view in {site} ({', '.join(missing)} missing): build the site first "
                       "(`python -m site_src build`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("Playwright is not installed: `pip install -e '.[dev]'` (`make setup` does this)") from None
    with served_site(site, prefix) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(playwright), args=CHROMIUM_ARGS)
        try:
            return [print_page(browser, base + PRINT_PATHS[lang], site / DOWNLOADS / pdf_name(lang), lang)
                    for lang in LANGUAGES]
        finally:
            browser.close()


def print_page(browser, url: str, target: Path, lang: str) -> Printed:
    """One page printed to ``target``; PdfError naming a figure that did not load."""
    page = browser.new_page(color_scheme="light")
    try:
        response = page.goto(url, wait_until="load", timeout=120_000)
        if response is None or not response.ok:
            raise PdfError(f"{url}: HTTP {response.status if response else 'no response'}")
        broken = page.evaluate(READY_FOR_PRINT)
        if broken:
            raise PdfError(f"{url}: figures that did not load: {', '.join(broken)}: rebuild the site")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = page.pdf(format="A4", print_background=True, display_header_footer=True, header_template="<div></div>",
                        footer_template=FOOTER, margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
    finally:
        page.close()
    target.write_bytes(data)
    return Printed(lang, target, pdf_pages(data), len(data))


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF holds: its page objects (Chromium writes their dictionaries uncompressed)."""
    return len(PAGE_OBJECT.findall(data))


def chromium_executable(playwright) -> str:
    """$CHROMIUM (default /usr/bin/chromium); else the Chromium Playwright's installer put in its cache."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if "CHROMIUM" not in os.environ and Path(playwright.chromium.executable_path).exists():
        return playwright.chromium.executable_path
    raise PdfError(f"no Chromium to print with: {CHROMIUM} is missing: run `make browser`, or set CHROMIUM=/path/to/chromium")
