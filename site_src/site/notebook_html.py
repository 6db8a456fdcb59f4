"""Make mkdocs-jupyter's HTML of a notebook lesson look and work like a Markdown lesson page.

mkdocs-jupyter renders a notebook with JupyterLab's whole stylesheet inlined (about
590 KB per page), its own copy buttons, prompts and a MathJax 2 loader from a CDN. This
keeps the rendered cells (``jp-Cell``) and drops all of that: code cells get the markup
that Material gives code blocks (so Material's copy button and the site's "copy up to
here" button work the same on both kinds of page), solutions fold like on Markdown
pages, and ``$…$`` math becomes the ``arithmatex`` markup that site_src/site/mathjax.py
typesets. The outputs already carry Markdown-page markup (see render.render_notebook).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString
from markdown.extensions.toc import unique

from ..lesson.extract import LessonBlock
from ..lesson.links import SLUGIFY

# What mkdocs-jupyter adds that the site does its own way (or not at all).
DROPPED = ("style", "script", ".zeroclipboard-container", ".clipboard-copy-txt", ".jp-InputPrompt",
           ".jp-OutputPrompt", ".jp-Collapser", ".celltoolbar")
# JupyterLab's layout wrappers, laid out by its stylesheet, which the site does not load: here
# they do nothing but add elements (seven per code cell) that a phone restyles at every style
# pass of the page (docs/benchmarks.md, Lighthouse). Their content stays; the wrapper goes.
UNWRAPPED = (".jp-Cell-inputWrapper", ".jp-InputArea", ".jp-CodeMirrorEditor", ".CodeMirror",
             ".jp-Cell-outputWrapper", ".jp-OutputArea", ".jp-OutputArea-child")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
HEADING_ID = re.compile(r'<h([1-6])\b[^>]*?\sid="([^"]*)"')
CELL_ID = re.compile(r"^cell-id=lesson-block-(\d+)$")
# $$…$$ first, then $…$ (not empty, not starting or ending with a space: MathJax's own rule)
DOLLAR_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?!\d)", re.S)


def tidy_notebook_html(content: str, blocks: list[LessonBlock], labels: dict) -> str:
    """The notebook page's content, as Markdown lesson pages mark code, solutions and math up."""
    soup = BeautifulSoup(content, "html.parser")
    for selector in DROPPED:
        for element in soup.select(selector):
            element.decompose()
    for element in soup.select(", ".join(UNWRAPPED)):
        element.unwrap()
    by_index = {block.index: block for block in blocks}
    for cell in soup.find_all("div", id=CELL_ID):
        block = by_index.get(int(CELL_ID.match(cell["id"])[1]))
        if block is not None:
            _material_code(soup, cell, block, labels)
    for cell in soup.select(".jp-Cell[id]"):
        # Material names each code block after its nearest ancestor with an id, and an id
        # like "cell-id=text-3" makes that name an invalid CSS selector (the copy button breaks).
        del cell["id"]
    for anchor in soup.select("a.anchor-link"):
        anchor["class"] = "headerlink"
    _name_headings(soup)
    for markdown in soup.select(".jp-RenderedMarkdown"):
        _mark_math(soup, markdown)
    return str(soup)


def _name_headings(soup: BeautifulSoup) -> None:
    """Give each heading the id that a Markdown page gives it: the site's slugify (mkdocs.yml's
    toc.slugify, which the links check uses too), made unique as Python-Markdown does.
    mkdocs-jupyter's own slugify keeps only ASCII, so a Chinese heading got ``id=""``: its table
    of contents entry, its ¶ link and every link to it went nowhere (``toc_ids`` fixes the toc)."""
    used: set[str] = set()
    for heading in soup.find_all(HEADINGS):
        link = heading.find("a", class_="headerlink")
        text = "".join(piece for piece in heading.strings if piece.parent is not link)
        heading["id"] = unique(SLUGIFY(text.strip(), "-"), used)
        if link is not None:
            link["href"] = f"#{heading['id']}"


def toc_ids(html: str, toc, depth: int) -> str | None:
    """Point the page's table of contents (mkdocs-jupyter's, built from the notebook's Markdown
    with other ids) at the headings' ids, in page order; a problem if the two disagree."""
    headings = [(int(level), heading_id) for level, heading_id in HEADING_ID.findall(html) if int(level) <= depth]
    links = list(_walk(toc))
    if len(links) != len(headings):
        return (f"the table of contents has {len(links)} entries for {len(headings)} headings of levels "
                f"1–{depth} on the page")
    for link, (_, heading_id) in zip(links, headings):
        link.id = heading_id
    return None


def _walk(links):
    for link in links:
        yield link
        yield from _walk(link.children)


def _material_code(soup: BeautifulSoup, cell, block: LessonBlock, labels: dict) -> None:
    """Replace the cell's highlighted code with Material's code block markup; fold solutions."""
    highlighted = cell.select_one("div.highlight-ipynb")
    if highlighted is not None and highlighted.pre is not None:
        code_block = soup.new_tag("div", attrs={"class": "highlight", "data-lesson-block": str(block.index)})
        if block.options.raises:
            title = soup.new_tag("span", attrs={"class": "filename"})
            title.string = labels["raises"].format(name=block.options.raises)
            code_block.append(title)
        pre, code = soup.new_tag("pre"), soup.new_tag("code")
        contents = list(highlighted.pre.contents)
        if contents and getattr(contents[0], "name", None) == "span" and not contents[0].contents:
            contents = contents[1:]  # Pygments' empty opening span goes before <code>, as in Material's blocks
        code.extend(contents)
        pre.append(soup.new_tag("span"))
        pre.append(code)
        code_block.append(pre)
        highlighted.replace_with(code_block)
    if block.options.solution:
        details = soup.new_tag("details", attrs={"class": "success"})
        summary = soup.new_tag("summary")
        summary.string = labels["solution"]
        cell.wrap(details)
        details.insert(0, summary)


def _mark_math(soup: BeautifulSoup, markdown) -> None:
    """Wrap ``$…$`` and ``$$…$$`` in prose (not in code) in arithmatex spans, as Markdown pages have them."""
    for text in list(markdown.find_all(string=DOLLAR_MATH)):
        if text.find_parent(["code", "pre"]) is not None:
            continue
        pieces, cursor = [], 0
        for match in DOLLAR_MATH.finditer(text):
            pieces.append(NavigableString(text[cursor:match.start()]))
            span = soup.new_tag("span", attrs={"class": "arithmatex"})
            span.string = (rf"\[{match['display']}\]" if match["display"] is not None
                           else rf"\({match['inline']}\)")
            pieces.append(span)
            cursor = match.end()
        pieces.append(NavigableString(text[cursor:]))
        for piece in reversed(pieces):
            text.insert_after(piece)
        text.extract()
