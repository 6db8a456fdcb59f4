"""The course glossary: terms from docs/glossary.yml as a table for each language's page.

The glossary lives in one YAML file so that both language pages show the same terms,
each linked to the lesson that first explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .lessons import Lesson, read_front_matter


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    lesson: str


def load_glossary(path: Path) -> list[Term]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Term(entry["zh"], entry["en"], entry["lesson"]) for entry in entries]


def glossary_table(terms: list[Term], lessons: list[Lesson], lang: str, page_names: dict[str, str]) -> str:
    """A Markdown table, sorted by the term in the page's language, linking each term's lesson."""
    titles = {lesson.slug: read_front_matter(lesson.sources[lang]).title for lesson in lessons}
    if lang == "zh":
        rows = ["| 中文 | English | 首次讲解 |", "|---|---|---|"]
        ordered = sorted(terms, key=lambda term: (term.lesson, term.zh))
    else:
        rows = ["| English | 中文 | First explained in |", "|---|---|---|"]
        ordered = sorted(terms, key=lambda term: term.en.lower())
    for term in ordered:
        link = f"[{term.lesson[:2]} {titles.get(term.lesson, term.lesson)}](lessons/{term.lesson}/{page_names[term.lesson]})"
        first, second = (term.zh, term.en) if lang == "zh" else (term.en, term.zh)
        rows.append(f"| {first} | {second} | {link} |")
    return "\n".join(rows)
