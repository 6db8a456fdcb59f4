"""lessons.py: folders in both languages, front matter validated field by field."""

from __future__ import annotations

import pytest
from lesson_fixtures import line_of

from site_src.lessons import check_front_matter, discover_lessons, read_front_matter
from site_src.problems import LessonError


def test_front_matter_is_read(lessons):
    lesson = lessons.markdown("03-demo", "text\n")
    matter = read_front_matter(lesson.zh)
    assert (matter.title, matter.order, matter.time, matter.gpu) == ("测试", 3, 5, False)


def test_a_missing_field_and_a_wrong_type_are_both_reported(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    lesson.zh.path.write_text("---\ntitle: 演示\norder: 1\ntime: half an hour\n---\ntext\n", encoding="utf-8")
    with pytest.raises(LessonError) as error:
        read_front_matter(lesson.zh)
    text = str(error.value)
    assert "lessons/01-demo/index.md:2: front matter has no `summary`" in text
    assert f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'time:')}: front matter `time` is str" in text


def test_an_unknown_field_names_its_line(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    text = lesson.zh.path.read_text(encoding="utf-8").replace("time: 5", "time: 5\nlevel: easy")
    lesson.zh.path.write_text(text, encoding="utf-8")
    (problem,) = check_front_matter([lesson])
    assert (problem.line, problem.message) == (line_of(lesson.zh.path, "level:"), "unknown front matter field `level`")


def test_no_front_matter_is_an_error(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    lesson.zh.path.write_text("# Just a title\n", encoding="utf-8")
    with pytest.raises(LessonError, match="index.md:1: no front matter"):
        read_front_matter(lesson.zh)


def test_order_must_match_the_folder_and_prerequisites_must_exist(lessons):
    lesson = lessons.markdown("02-demo", "text\n")
    for path in (lesson.zh.path, lesson.en.path):
        text = path.read_text(encoding="utf-8").replace("order: 2", "order: 3\nprerequisites: [99-nothing]")
        path.write_text(text, encoding="utf-8")
    messages = [problem.message for problem in check_front_matter([lesson])]
    assert "`order: 3` does not match the folder number 02" in messages
    assert "prerequisite `99-nothing` is not a lesson" in messages


def test_fields_other_than_title_and_summary_must_agree_across_languages(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    lesson.en.path.write_text(lesson.en.path.read_text().replace("time: 5", "time: 50"), encoding="utf-8")
    (problem,) = check_front_matter([lesson])
    assert problem.path == "lessons/01-demo/index.en.md"
    assert "front matter `time` differs" in problem.message


def test_a_lesson_in_one_language_only_is_reported(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    lesson.en.path.unlink()
    with pytest.raises(LessonError, match="index.md: this lesson exists in zh only — add its en version"):
        discover_lessons(lessons.lessons_dir)
    assert lesson.zh.path.exists()


def test_a_data_set_the_runner_cannot_seed_is_reported(lessons):
    from site_src.datasets import SEEDERS
    from site_src.lessons import SEEDABLE_DATASETS

    assert set(SEEDABLE_DATASETS) == set(SEEDERS)
    lesson = lessons.markdown("01-demo", "text\n")
    for path in (lesson.zh.path, lesson.en.path):
        path.write_text(path.read_text(encoding="utf-8").replace("time: 5", "time: 5\ndatasets: [cifar10]"), encoding="utf-8")
    (problem,) = check_front_matter([lesson])
    assert problem.message == "`datasets:` names `cifar10`, which the runner cannot seed"


def test_memory_gb_defaults_to_4_and_must_be_a_whole_number_of_gib_in_range(lessons):
    assert read_front_matter(lessons.markdown("01-demo", "text\n").zh).memory_gb == 4
    assert read_front_matter(lessons.markdown("02-demo", "text\n", front_matter="memory_gb: 8").zh).memory_gb == 8
    for value, message in (("0", "front matter `memory_gb: 0` is outside 1–64"),
                           ("1.5", "front matter `memory_gb` is float 1.5, not int")):
        lesson = lessons.markdown("03-demo", "text\n", front_matter=f"memory_gb: {value}")
        with pytest.raises(LessonError) as error:
            read_front_matter(lesson.zh)
        assert f"lessons/03-demo/index.md:{line_of(lesson.zh.path, 'memory_gb:')}: {message}" in str(error.value)
