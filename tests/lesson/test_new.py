"""new.py: a scaffolded lesson pair passes the checks and runs; nothing is ever overwritten."""

from __future__ import annotations

import pytest

from site_src.lesson.checks import static_problems
from site_src.lesson.lessons import check_front_matter, find_lesson
from site_src.lesson.new import new_lesson
from site_src.lesson.parity import check_parity
from site_src.lesson.problems import LessonError
from site_src.lesson.translations import lesson_report, load_record, mark_synced, write_record
from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore


@pytest.mark.parametrize("notebook", [False, True], ids=["markdown", "notebook"])
def test_a_new_lesson_passes_the_checks_and_runs(lessons, notebook):
    new_lesson(lessons.lessons_dir, "13-new-topic", "新主题", "A new topic", notebook=notebook)
    lesson = find_lesson(lessons.lessons_dir, "13-new-topic")
    assert lesson.format == ("notebook" if notebook else "markdown")
    assert check_front_matter([lesson]) == [] and check_parity(lesson) == []
    assert static_problems([lesson]) == []
    outcome = run_lesson(lesson, RecordStore(lessons.root / "build" / "records"))
    assert outcome.failure is None
    assert [block["status"] for block in outcome.record["blocks"]] == ["ok", "raised", "ok"]


def test_a_new_lesson_is_recorded_in_sync_beside_the_others(lessons):
    other = lessons.markdown("04-old", "# 旧\n", "# Old\n")
    record = {}
    assert mark_synced(record, other) == []
    write_record(lessons.lessons_dir, record)
    written = new_lesson(lessons.lessons_dir, "13-new-topic", "新主题", "A new topic")
    assert written[-1] == lessons.lessons_dir / "translations.json"
    assert sorted(load_record(lessons.lessons_dir)) == ["04-old", "13-new-topic"]
    lesson = find_lesson(lessons.lessons_dir, "13-new-topic")
    assert lesson_report(lesson, load_record(lessons.lessons_dir)).counts["new"] == 0
    assert static_problems([other, lesson]) == []


def test_an_existing_number_is_refused_and_left_untouched(lessons):
    existing = lessons.markdown("04-old", "```python\nprint('mine')\n```\n")
    before = existing.zh.path.read_text(encoding="utf-8")
    with pytest.raises(LessonError, match="lesson number 04 is taken; nothing was written"):
        new_lesson(lessons.lessons_dir, "04-old", "旧", "Old")
    with pytest.raises(LessonError, match="taken"):
        new_lesson(lessons.lessons_dir, "04-other", "别的", "Other")
    assert existing.zh.path.read_text(encoding="utf-8") == before
    assert not (lessons.lessons_dir / "04-other").exists()


def test_a_bad_slug_is_refused(lessons):
    with pytest.raises(LessonError, match="not a lesson folder name"):
        new_lesson(lessons.lessons_dir, "Lesson 13", "题", "Title")
