"""scale.py: a course N times the size of this one, coherent enough for `check` and the build."""

from __future__ import annotations

import pytest

from site_src.lesson.checks import static_problems
from site_src.lesson.lessons import FOLDER_PATTERN, discover_lessons, read_front_matter
from site_src.lesson.translations import load_record, mark_synced, write_record
from site_src.run.records import RecordStore, lesson_key
from site_src.upkeep.bench import recorded_run_seconds, require_fresh_records
from site_src.upkeep.scale import LessonCopy, copy_names, copy_records, scale_course
from site_src.upkeep.shards import load_durations, write_durations

FIRST = """
# 第一课

```python
print("一")
```

下一课：[第二课](../01-second/index.py)。
"""

FIRST_EN = """
# First

```python
print("一")
```

Next: [the second](../01-second/index.en.py).
"""

SECOND = """
# %% [markdown]
# # 第二课
#
# 先读[第一课](../00-first/index.md)。

# %%
print("二")
"""

PROJECT = """
# 项目

```python
import matplotlib.pyplot as plt
plt.plot([0, 1])
plt.show()
```
"""


@pytest.fixture
def course(lessons):
    """Three lessons (a Markdown one, a notebook that needs it, a project), with the files
    the course keeps beside them: durations, translations in sync, a glossary."""
    first = lessons.markdown("00-first", FIRST, FIRST_EN)
    second = lessons.notebook("01-second", SECOND, SECOND.replace("第二课", "Second").replace(
        "先读[第一课](../00-first/index.md)", "Read [the first](../00-first/index.en.md) first"),
        front_matter="prerequisites: [00-first]")
    project = lessons.markdown("20-project", PROJECT, front_matter="prerequisites: [00-first, 01-second]")
    record = {}
    for lesson in (first, second, project):
        assert mark_synced(record, lesson) == []
    write_record(lessons.lessons_dir, record)
    write_durations(lessons.lessons_dir, {"00-first": 1.0, "01-second": 2.0, "20-project": 30.0})
    (lessons.root / "docs").mkdir()
    (lessons.root / "docs" / "glossary.yml").write_text(
        "- {zh: 张量, en: tensor, lesson: 00-first}\n- {zh: 项目, en: project, lesson: 20-project}\n", encoding="utf-8")
    return lessons


def test_copies_are_numbered_after_the_highest_lesson_and_lettered_from_b():
    assert copy_names(["00-first", "01-second", "20-project"], 3) == [
        LessonCopy("00-first", "21-first-b"), LessonCopy("01-second", "22-second-b"),
        LessonCopy("20-project", "41-project-b"),
        LessonCopy("00-first", "42-first-c"), LessonCopy("01-second", "43-second-c"),
        LessonCopy("20-project", "62-project-c")]
    assert copy_names(["00-first"], 1) == []


def test_a_factor_the_two_digit_numbers_cannot_hold_is_refused_with_the_largest_that_fits():
    with pytest.raises(ValueError, match="at most 3"):
        copy_names(["30-last"], 4)  # 30, 61, 92 fit; 123 does not


def test_the_scaled_course_has_n_times_the_lessons_under_unique_slugs_and_passes_check(course):
    copies = scale_course(course.root, 3)
    lessons = discover_lessons(course.lessons_dir)
    slugs = [lesson.slug for lesson in lessons]
    assert len(lessons) == 9 and len(set(slugs)) == 9 and len(copies) == 6
    assert all(FOLDER_PATTERN.match(slug) for slug in slugs)
    assert static_problems(lessons) == []


def test_a_copy_points_to_the_lessons_of_its_own_copy_and_is_numbered_as_its_folder(course):
    scale_course(course.root, 3)
    project = {lesson.slug: lesson for lesson in discover_lessons(course.lessons_dir)}["62-project-c"]
    matter = read_front_matter(project.zh)
    assert matter.order == 62 and matter.prerequisites == ("42-first-c", "43-second-c")
    second = course.lessons_dir / "22-second-b"
    assert "(../21-first-b/index.md)" in (second / "index.py").read_text(encoding="utf-8")
    assert "(../21-first-b/index.en.md)" in (second / "index.en.py").read_text(encoding="utf-8")
    assert "order: 22" in (second / "index.en.py").read_text(encoding="utf-8")


def test_durations_translations_and_glossary_gain_the_copies(course):
    scale_course(course.root, 2)
    assert load_durations(course.lessons_dir)["41-project-b"] == 30.0
    assert set(load_record(course.lessons_dir)) == {"00-first", "01-second", "20-project",
                                                      "21-first-b", "22-second-b", "41-project-b"}
    glossary = (course.root / "docs" / "glossary.yml").read_text(encoding="utf-8")
    assert "lesson: 21-first-b}" in glossary and "lesson: 41-project-b}" in glossary
    assert glossary.count("{zh: 张量") == 2


def test_a_copy_has_its_originals_key_so_the_originals_record_is_fresh_for_it(course, tmp_path):
    originals = {lesson.slug: lesson for lesson in discover_lessons(course.lessons_dir)}
    store = RecordStore(course.root / "build" / "records")
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "20-project-b00-1.png").write_bytes(b"\x89PNG figure")
    for index, (slug, seconds) in enumerate([("00-first", 1.5), ("01-second", 2.5), ("20-project", 30.0)]):
        figure = ["20-project-b00-1.png"] if slug == "20-project" else []
        store.save(originals[slug], lesson_key(originals[slug]),
                   {"slug": slug, "source": f"lessons/{slug}/index.md", "seconds": seconds,
                    "blocks": [{"index": 0, "line": 5 + index, "status": "ok", "figures": figure}]},
                   figures if figure else None)
    copies = scale_course(course.root, 3)
    scaled = RecordStore(course.root / "build" / "scaled-records")
    copy_records(store.records_dir, scaled.records_dir, copies)
    lessons = discover_lessons(course.lessons_dir)
    require_fresh_records(lessons, scaled)  # raises, naming them, if any copy's record is stale
    record = scaled.load("62-project-c")
    assert record["slug"] == "62-project-c" and record["source"] == "lessons/62-project-c/index.md"
    assert record["blocks"][0]["figures"] == ["62-project-c-b00-1.png"]
    assert (scaled.folder("62-project-c") / "62-project-c-b00-1.png").read_bytes() == b"\x89PNG figure"
    assert recorded_run_seconds(lessons, scaled) == pytest.approx(3 * 34.0)


def test_the_benchmark_stops_naming_each_lesson_without_a_fresh_record(course):
    lessons = discover_lessons(course.lessons_dir)
    store = RecordStore(course.root / "build" / "records")
    store.save(lessons[0], "0" * 20, {"blocks": []}, None)
    with pytest.raises(RuntimeError, match=r"3 of 3 lessons .*00-first \(stale.*01-second \(missing\)"):
        require_fresh_records(lessons, store)
