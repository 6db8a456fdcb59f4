"""Check the links and images of lessons before the site is built, naming file and line.

MkDocs' strict build also rejects dead links, but names only the page; this check names
the line. It resolves relative links against the lesson's folder: links to other
lessons (and their anchors), to files in the lesson folder, and images.
"""

from __future__ import annotations

import functools
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
from jupytext.formats import get_format_implementation
from jupytext.header import header_to_metadata_and_cell
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin
from pymdownx.slugs import slugify

from .extract import NOTEBOOK_FORMAT, block_tokens, link_references
from .lessons import Lesson, LessonSource
from .problems import Problem

# The same anchors as the site: mkdocs.yml sets toc.slugify to pymdownx's slugify(case=lower).
SLUGIFY = slugify(case="lower")
PARSER = MarkdownIt("commonmark").use(front_matter_plugin)  # built once: building one costs a parse's worth


def check_links(lesson: Lesson) -> list[Problem]:
    problems = []
    for source in lesson.sources.values():
        for line, target in _links(source):
            problem = _dead(source, lesson.folder, line, target)
            if problem:
                problems.append(problem)
    return problems


def _links(source: LessonSource) -> list[tuple[int, str]]:
    """(file line, target) of every link and image in the lesson's text."""
    text = source.read_text()
    if source.format == "notebook":
        return _notebook_links(source, text)
    return _markdown_links(text, line_offset=0)


def _markdown_links(text: str, line_offset: int) -> list[tuple[int, str]]:
    found, references = [], None
    for token in block_tokens(text):
        # Only `[` opens a link or an image, only `<` an autolink (commonmark has no linkify):
        # the rest of the prose need not be parsed inline, which is most of the parsing time.
        if token.type != "inline" or not token.map or ("[" not in token.content and "<" not in token.content):
            continue
        children = []
        references = link_references(text) if references is None else references
        PARSER.inline.parse(token.content, PARSER, references, children)
        for child in children:
            target = child.attrs.get("href") or child.attrs.get("src")
            if child.type in ("link_open", "image") and target:
                found.append((line_offset + token.map[0] + 1 + _line_within(token.content, child), str(target)))
    return found


def _line_within(content: str, child) -> int:
    """Which line of a multi-line paragraph holds the link (0 for the first, and for a
    reference-style link, whose target is written elsewhere)."""
    target = str(child.attrs.get("href") or child.attrs.get("src"))
    for number, line in enumerate(content.splitlines()):
        # markdown-it percent-encodes what is not ASCII (`#形状` becomes `#%E5%BD%A2…`)
        if target in line or unquote(target) in line:
            return number
    return 0


def _notebook_links(source: LessonSource, text: str) -> list[tuple[int, str]]:
    """The links of the markdown cells, read cell by cell with jupytext's percent-format reader
    (as extract.py reads the code cells): a cell's source starts on the line after its marker."""
    implementation = get_format_implementation(".py", "percent")
    lines = text.splitlines()
    _, _, _, offset = header_to_metadata_and_cell(
        lines, implementation.header_prefix, implementation.header_suffix, implementation.extension)
    found = []
    while offset < len(lines):
        cell, consumed = implementation.cell_reader_class(NOTEBOOK_FORMAT, "python").read(lines[offset:])
        if cell.cell_type == "markdown":
            found += _markdown_links(cell.source, line_offset=offset + lines[offset].startswith("# %%"))
        offset += max(consumed, 1)
    return found


def _dead(source: LessonSource, folder: Path, line: int, target: str) -> Problem | None:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("mailto:", "/")):
        return None  # external links are not followed: the tests run offline
    path, anchor = unquote(parts.path), unquote(parts.fragment)
    if not path:
        return _missing_anchor(source, line, source.path, anchor)
    resolved = (folder / path).resolve()
    if not resolved.exists():
        return Problem(source.rel, line, f"link target `{target}` does not exist",
                       "fix the path: lessons link to `../NN-slug/index.md` (zh) or `index.en.md` (en)")
    if anchor and resolved.suffix in (".md", ".py"):
        return _missing_anchor(source, line, resolved, anchor)
    return None


def _missing_anchor(source: LessonSource, line: int, page: Path, anchor: str) -> Problem | None:
    if not anchor or anchor in _anchors(page):
        return None
    return Problem(source.rel, line, f"anchor `#{anchor}` is not a heading of {posixpath.basename(str(page))}",
                   "link to an existing heading; anchors are the heading text in lower case, spaces as `-`")


def _anchors(page: Path) -> frozenset[str]:
    return _anchors_of_text(page.suffix, page.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1024)
def _anchors_of_text(suffix: str, text: str) -> frozenset[str]:
    # Cached by the page's text: every lesson that links to a heading of it asks again.
    if suffix == ".py":
        text = "\n".join(cell.source for cell in jupytext.reads(text, fmt="py:percent").cells
                         if cell.cell_type == "markdown")
    tokens = PARSER.parse(text)
    return frozenset(SLUGIFY(tokens[i + 1].content, "-") for i, token in enumerate(tokens)
                     if token.type == "heading_open")


def check_alt_text(lesson: Lesson, record: dict) -> list[Problem]:
    """Blocks whose recorded run drew a figure but that give it no ``#| alt:`` text, per language."""
    from .extract import extract_blocks

    drew = {block["index"] for block in record.get("blocks", []) if block.get("figures")}
    return [
        Problem(source.rel, block.line, "this block shows a figure but has no alt text",
                "add a first line `#| alt: what the figure shows` (in this file's language)")
        for source in lesson.sources.values()
        for block in extract_blocks(source)
        if block.index in drew and not block.options.alt
    ]
