"""Typeset a page's TeX math at build time with MathJax, so that pages load no MathJax script.

pymdownx.arithmatex (generic mode) leaves math as ``\\(…\\)`` / ``\\[…\\]`` in elements of
class ``arithmatex``; notebook pages get the same markup from site_src/site/notebook_html.py.
One Node call per page (tools/mathjax/typeset.js, MathJax from npm, installed by
``npm ci --prefix tools/mathjax``) turns each formula into MathJax's CHTML markup, with
the stylesheet for exactly the characters the page uses. The MathJax fonts are copied
into the site (``assets/mathjax/woff-v2/``), so math renders offline. Shipping MathJax's
JavaScript instead would add over 1 MB to every page with math.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

MATHJAX_TOOL = Path(__file__).resolve().parents[2] / "tools" / "mathjax"
FONTS_DIR = MATHJAX_TOOL / "node_modules" / "mathjax" / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
FONTS_URI = "assets/mathjax/woff-v2"
MATH = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.S)
DELIMITERS = {r"\(": (r"\)", False), r"\[": (r"\]", True)}
SETUP_HINT = "install it with `npm ci --prefix tools/mathjax` (`make setup` does this), then build again"


class MathError(Exception):
    """MathJax could not typeset a formula, or could not run; the message says where and what to do."""


def has_math(content: str) -> bool:
    return 'class="arithmatex"' in content


def typeset(content: str, font_url: str, where: str, cache_dir: Path) -> str:
    """``content`` with every arithmatex formula typeset, and a ``<style>`` for them in front.

    ``font_url``: the MathJax fonts' folder relative to the page; ``where``: the page's
    source file, for error messages; ``cache_dir``: where typeset pages are kept.
    """
    matches = list(MATH.finditer(content))
    if not matches:
        return content
    math = [_formula(match["tex"]) for match in matches]
    result = _cached_mathjax({"fontURL": font_url, "math": [{"tex": tex, "display": display} for tex, display in math]},
                             cache_dir)
    if result["errors"]:
        raise MathError("\n".join(f"{where}: TeX error in `{math[index][0]}`: {message} — fix the formula"
                                  for index, message in result["errors"]))
    pieces, cursor = [f"<style>{_minified(result['css'])}</style>"], 0
    for match, typeset_html in zip(matches, result["html"]):
        pieces += [content[cursor:match.start()], f'<{match["tag"]} class="arithmatex">{typeset_html}</{match["tag"]}>']
        cursor = match.end()
    pieces.append(content[cursor:])
    return "".join(pieces)


def _formula(marked: str) -> tuple[str, bool]:
    """The TeX and display flag of arithmatex's ``\\(…\\)`` or ``\\[…\\]`` (HTML-escaped) text."""
    text = html.unescape(marked).strip()
    closing, display = DELIMITERS.get(text[:2], (None, False))
    if closing is None or not text.endswith(closing):
        return text, False
    return text[2:-2], display


def _cached_mathjax(request: dict, cache_dir: Path) -> dict:
    text = json.dumps(request, sort_keys=True)
    tool = MATHJAX_TOOL / "typeset.js"
    package = MATHJAX_TOOL / "node_modules" / "mathjax" / "package.json"
    versions = "".join(path.read_text(encoding="utf-8") for path in (tool, package) if path.exists())
    cached = cache_dir / (hashlib.sha256((versions + text).encode()).hexdigest()[:24] + ".json")
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    result = _run_mathjax(text)
    if not result["errors"]:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return result


def _run_mathjax(request: str) -> dict:
    node = shutil.which("node")
    if node is None or not (MATHJAX_TOOL / "node_modules" / "mathjax").is_dir():
        raise MathError(f"this page has math, but {'Node.js' if node is None else 'MathJax'} is not installed: "
                        + (SETUP_HINT if node else "install Node.js (apt-get install nodejs npm), then " + SETUP_HINT))
    done = subprocess.run([node, str(MATHJAX_TOOL / "typeset.js")], input=request, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    if done.returncode != 0:
        raise MathError(f"tools/mathjax/typeset.js failed ({done.stderr.strip()[-2000:]}); {SETUP_HINT}")
    return json.loads(done.stdout)


def _minified(css: str) -> str:
    # Only whitespace around braces and semicolons: elsewhere a space can be a CSS combinator.
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};])\s*", r"\1", css).strip()


def font_files() -> list[Path]:
    """MathJax's web fonts, to copy into the site (empty when MathJax is not installed)."""
    return sorted(FONTS_DIR.glob("*.woff")) if FONTS_DIR.is_dir() else []
