"""The print view: one page per language holding the whole course in order, for Print → Save as PDF.

The build adds ``print.md``, a page outside the nav (``print/`` on the site, ``print.html`` in the
offline archive). Once MkDocs has rendered every page (``on_env``), the hooks fill it with the
lessons' own rendered content, in nav order, so the book shows exactly what the lesson pages show
(recorded outputs, figures, typeset math). Each lesson becomes a ``<section>`` that starts a new
printed page; its ids get the lesson's slug in front (the lessons share heading names such as
"练习"), its links to other lessons become links inside the book, and its relative addresses
(figures, downloads, the MathJax fonts in its ``<style>``) are rewritten for the print page's own
address. The page's stylesheet hides the site's header, navigation and footer when printed and
wraps long code lines. ``python -m site_src pdf`` (site_src/site/pdf.py) prints it with Chromium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from mkdocs.utils import get_relative_url

PRINT_PAGE = "print.md"
SECTION_CLASS = "print-lesson"
SCREEN_NOTE_CLASS = "print-screen-note"
# An attribute whose value is an address or an id. Content HTML escapes quotes in text
# (code shows `href=&quot;…&quot;`), so `name="` only ever starts a real attribute.
ADDRESS_ATTRIBUTE = re.compile(r'(?P<lead>\s)(?P<name>href|src|id)="(?P<value>[^"]*)"')
STYLE_URL = re.compile(r"url\((?P<quote>['\"]?)(?P<value>[^'\")]+)(?P=quote)\)")
STYLE_ELEMENT = re.compile(r"<style>.*?</style>", re.S)
COPY_DATA = re.compile(r'<script type="application/json" id="lesson-code">.*?</script>', re.S)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

TITLES = {"zh": "全部课程（打印版）", "en": "The whole course (print edition)"}
SCREEN_NOTES = {
    "zh": "这一页按目录顺序收录全部课程，供打印或另存为 PDF：在浏览器菜单中选择“打印”，目标选“另存为 PDF”。"
          "每一课从新的一页开始，打印时不含导航栏和页脚。",
    "en": "This page holds every lesson in the order of the contents, for printing or saving as a PDF: "
          "choose Print in the browser's menu, then Save as PDF. Each lesson starts on a new page; the "
          "navigation and footer are left out of the print.",
}

# The book's own stylesheet (only this page carries it). On paper: no header, navigation,
# footer or buttons; each lesson from a new page; long code lines wrapped, not cut off.
PRINT_CSS = f"""
.{SECTION_CLASS} {{ break-before: page; }}
.{SECTION_CLASS} pre, .{SECTION_CLASS} pre > code {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.{SECTION_CLASS} img {{ max-width: 100%; break-inside: avoid; }}
@media print {{
  .md-header, .md-tabs, .md-sidebar, .md-footer, .md-top, .md-source-file, .md-content__button,
  .md-code__nav, .lesson-copy-upto, .lesson-meta__report, .{SCREEN_NOTE_CLASS} {{ display: none !important; }}
  .md-main__inner, .md-content, .md-content__inner {{ margin: 0 !important; max-width: none !important; }}
  .{SECTION_CLASS} details {{ display: block; }}
  .{SECTION_CLASS} pre {{ break-inside: auto; }}
}}
"""


@dataclass(frozen=True)
class LessonContent:
    """One lesson's rendered page as the print view takes it: where it lives and its content HTML."""

    slug: str
    url: str  # the page's address in the site, as MkDocs gives it (``lessons/01-tensors/``)
    html: str


def print_page_source(lang: str) -> str:
    """The Markdown of ``print.md``: a title, no nav or table of contents, left out of search
    (the lessons are found on their own pages). The book itself is put in by ``book_html``."""
    return (f"---\ntitle: {TITLES[lang]}\nsearch:\n  exclude: true\nhide:\n  - navigation\n  - toc\n---\n\n"
            f"# {TITLES[lang]}\n")


def book_html(lessons: list[LessonContent], print_url: str, lang: str) -> str:
    """The print page's content: its stylesheet, a note for the screen, then each lesson in order."""
    lesson_pages = {_page_path(lesson.url): lesson.slug for lesson in lessons}
    sections = [lesson_section(lesson, print_url, lesson_pages) for lesson in lessons]
    return (f"<style>{PRINT_CSS}</style>\n<h1>{TITLES[lang]}</h1>\n"
            f'<p class="{SCREEN_NOTE_CLASS}">{SCREEN_NOTES[lang]}</p>\n' + "\n".join(sections))


def lesson_section(lesson: LessonContent, print_url: str, lesson_pages: dict[str, str]) -> str:
    """One lesson's content as a section of the book (its addresses and ids rewritten)."""
    html = COPY_DATA.sub("", lesson.html)  # the "copy up to here" data: one per page, not per book

    def attribute(match: re.Match) -> str:
        name, value = match["name"], match["value"]
        new = (f"{lesson.slug}--{value}" if name == "id"
               else _address(value, lesson, print_url, lesson_pages))
        return f'{match["lead"]}{name}="{new}"'

    def style(match: re.Match) -> str:
        return STYLE_URL.sub(lambda url: f'url({url["quote"]}{_moved(url["value"], lesson.url, print_url)}'
                                         f'{url["quote"]})', match[0])

    html = STYLE_ELEMENT.sub(style, html)
    html = ADDRESS_ATTRIBUTE.sub(attribute, html)
    return f'<section class="{SECTION_CLASS}" id="lesson-{lesson.slug}">\n{html}\n</section>'


def _address(value: str, lesson: LessonContent, print_url: str, lesson_pages: dict[str, str]) -> str:
    """An href or src of the lesson's page, pointed at the same target from the print page."""
    if not value or SCHEME.match(value) or value.startswith("/"):
        return value
    if value.startswith("#"):
        return f"#{lesson.slug}--{value[1:]}"
    target = urljoin("http://site/" + lesson.url, value)
    parts = urlsplit(target)
    slug = lesson_pages.get(_page_path(parts.path.removeprefix("/")))
    if slug is not None:  # another lesson (or this one): a place in the book
        return f"#{slug}--{parts.fragment}" if parts.fragment else f"#lesson-{slug}"
    return _moved(value, lesson.url, print_url)


def _moved(value: str, page_url: str, print_url: str) -> str:
    """A relative address of the page at ``page_url``, relative to ``print_url`` instead."""
    if SCHEME.match(value) or value.startswith(("/", "#")):
        return value
    parts = urlsplit(urljoin("http://site/" + page_url, value))
    moved = get_relative_url(parts.path.removeprefix("/"), print_url)
    return moved + (f"#{parts.fragment}" if parts.fragment else "")


def _page_path(url: str) -> str:
    """A page's address without its ``index.html``: both forms of use_directory_urls name one page."""
    return url.removesuffix("index.html")
