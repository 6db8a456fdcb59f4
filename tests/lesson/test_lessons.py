"""lessons.py: folders in both languages, front matter validated field by field."""

from __future__ import annotations

import pytest
from lesson_fixtures import line_of

from site_src.lesson.lessons import check_front_matter, discover_lessons, read_front_matter
from site_src.lesson.problems import LessonError


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
    from site_src.lesson.lessons import SEEDABLE_DATASETS
    from site_src.run.datasets import SEEDERS

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


def _needs(lesson, value: str, languages=("zh", "en")) -> None:
    for lang in languages:
        path = lesson.sources[lang].path
        path.write_text(path.read_text(encoding="utf-8").replace("time: 5", f"time: 5\nmin_torch: {value}"), encoding="utf-8")


PYPROJECT = """[project]
dependencies = ["torch==2.14.1", "torchvision==0.29.1"]

[tool.course]
oldest_torch = "2.4.0"
oldest_torchvision = "0.19.0"
"""


def test_min_torch_is_read_and_must_be_a_quoted_version(lessons):
    lesson = lessons.markdown("01-demo", "text\n")
    _needs(lesson, '"2.6"')
    assert read_front_matter(lesson.zh).min_torch == "2.6" and check_front_matter([lesson]) == []
    _needs(lessons.markdown("01-demo", "text\n"), "2.10")  # YAML reads 2.10 as the number 2.1
    assert "front matter `min_torch` is float 2.1, not str" in str(check_front_matter([lesson])[0])
    _needs(lessons.markdown("01-demo", "text\n"), '"newest"')
    assert "front matter `min_torch` is 'newest', not a torch version" in check_front_matter([lesson])[0].message
    _needs(lessons.markdown("01-demo", "text\n"), '"2.6"', languages=("zh",))
    assert "front matter `min_torch` differs" in check_front_matter([lesson])[0].message


def test_min_torch_must_lie_between_the_oldest_supported_torch_and_the_pinned_one(lessons):
    (lessons.root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    lesson = lessons.markdown("01-demo", "text\n")
    _needs(lesson, '"2.6"')
    assert check_front_matter([lesson]) == []
    _needs(lessons.markdown("01-demo", "text\n"), '"2.4"')
    (problem,) = check_front_matter([lesson])
    assert problem.message.startswith("`min_torch: 2.4` is not newer than the oldest torch the course supports (2.4.0")
    _needs(lessons.markdown("01-demo", "text\n"), '"2.20"')
    (problem,) = check_front_matter([lesson])
    assert problem.message.startswith("`min_torch: 2.20` is newer than the pinned torch 2.14.1")


def test_a_lesson_needing_a_newer_torch_says_which(lessons):
    from site_src.lesson.lessons import needs_newer_torch

    lesson = lessons.markdown("01-demo", "text\n")
    assert needs_newer_torch(lesson, "2.4.0+cpu") is None  # no min_torch: runs everywhere
    _needs(lesson, '"2.6"')
    assert needs_newer_torch(lesson, "2.4.0+cpu") == ("lessons/01-demo/index.md: needs torch ≥ 2.6 "
                                                      "(`min_torch` in its front matter); this run has torch 2.4.0+cpu")
    assert needs_newer_torch(lesson, "2.6.0") is None and needs_newer_torch(lesson, "2.14.1+cpu") is None


def test_the_course_declares_its_oldest_torch_below_its_pin_in_pyproject_and_readme():
    from site_src.lesson.pins import oldest_torch, pinned_version, release, torch_requirements

    oldest = oldest_torch()
    assert oldest and release(oldest) < release(pinned_version("torch"))
    assert torch_requirements("oldest") == [f"torch=={oldest}", "torchvision==0.19.0"]
    assert torch_requirements("newest") == ["torch", "torchvision"]
    readme = (lessons_root() / "README.md").read_text(encoding="utf-8")
    assert f"The course supports torch {oldest} and newer" in readme


def lessons_root():
    from lesson_fixtures import REPO

    return REPO
