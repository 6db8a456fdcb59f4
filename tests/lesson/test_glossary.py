"""glossary.py and docs/glossary.yml: every term is where the glossary says it is explained."""

from __future__ import annotations

import pytest
from lesson_fixtures import REPO

from site_src.lesson.glossary import load_glossary
from site_src.lesson.lessons import discover_lessons

TERMS = load_glossary(REPO / "docs" / "glossary.yml")
LESSONS = {lesson.slug: lesson for lesson in discover_lessons(REPO / "lessons")}


def test_every_term_names_an_existing_lesson():
    assert {term.lesson for term in TERMS} <= set(LESSONS)


def test_no_term_is_listed_twice():
    assert len({term.en.lower() for term in TERMS}) == len(TERMS)
    assert len({term.zh for term in TERMS}) == len(TERMS)


@pytest.mark.parametrize("term", TERMS, ids=[term.en for term in TERMS])
def test_each_term_appears_in_its_lesson_in_both_languages(term):
    lesson = LESSONS[term.lesson]
    assert term.zh in lesson.zh.read_text(), f"{term.zh} is not in {lesson.zh.rel}"
    assert term.en.lower() in lesson.en.read_text().lower(), f"{term.en} is not in {lesson.en.rel}"


def test_the_tables_link_each_term_to_its_lesson_in_the_page_language():
    from site_src.lesson.glossary import glossary_table
    from site_src.site.render import page_name

    lessons = list(LESSONS.values())
    names = {slug: page_name(lesson) for slug, lesson in LESSONS.items()}
    zh = glossary_table(TERMS, lessons, "zh", names).splitlines()
    en = glossary_table(TERMS, lessons, "en", names).splitlines()
    assert len(zh) == len(en) == len(TERMS) + 2
    assert "| 张量 | tensor | [01 张量 (tensor)：PyTorch 的基本数据结构](lessons/01-tensors/index.md) |" in zh
    assert any(row.startswith("| autograd | 自动求导 | [02 ") and "lessons/02-autograd/index.ipynb" in row for row in en)
