"""records.py: an unchanged lesson is not run again; any change to its code or data is."""

from __future__ import annotations

from site_src.records import RecordStore, lesson_key
from site_src.run import run_lesson

LESSON = """
Prose.

```python
print("hello")
```
"""


def test_an_unchanged_lesson_reuses_its_record(lessons):
    store = RecordStore(lessons.root / "build" / "records")
    lesson = lessons.markdown("01-demo", LESSON)
    first = run_lesson(lesson, store)
    second = run_lesson(lesson, store)
    assert (first.cached, second.cached) == (False, True)
    assert second.record == first.record


def test_a_prose_edit_keeps_the_key_but_a_code_edit_changes_it(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    lessons.markdown("01-demo", LESSON.replace("Prose.", "Better prose."))
    assert lesson_key(lesson) == key
    lessons.markdown("01-demo", LESSON.replace("hello", "hello again"))
    assert lesson_key(lesson) != key


def test_a_data_file_change_changes_the_key(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    (lesson.folder / "data.csv").write_text("1,2\n")
    key = lesson_key(lesson)
    (lesson.folder / "data.csv").write_text("1,3\n")
    assert lesson_key(lesson) != key


def test_a_changed_lesson_runs_again_and_shows_the_new_output(lessons):
    store = RecordStore(lessons.root / "build" / "records")
    lesson = lessons.markdown("01-demo", LESSON)
    run_lesson(lesson, store)
    lessons.markdown("01-demo", LESSON.replace("hello", "changed"))
    assert store.fresh_record(lesson) is None
    outcome = run_lesson(lesson, store)
    assert not outcome.cached
    assert outcome.record["blocks"][0]["stdout"] == "changed\n"


def test_every_block_option_but_alt_is_part_of_the_key(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    for option in ("#| raises: ValueError", "#| gpu: true", "#| run: false", "#| timeout: 5",
                   "#| solution: true", "#| glue: x = 1"):
        lessons.markdown("01-demo", LESSON.replace('print("hello")', f'{option}\nprint("hello")'))
        assert lesson_key(lesson) != key, option
    lessons.markdown("01-demo", LESSON.replace('print("hello")', '#| alt: 一张图\nprint("hello")'))
    assert lesson_key(lesson) == key  # alt text differs between languages and changes no output


def test_the_seeded_data_sets_are_part_of_the_key(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    text = lesson.zh.path.read_text(encoding="utf-8").replace("time: 5", "time: 5\ndatasets: [mnist]")
    lesson.zh.path.write_text(text, encoding="utf-8")
    assert lesson_key(lesson) != key


def test_a_change_to_the_runner_changes_every_key(lessons, monkeypatch):
    from site_src import records

    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    assert set(records.runner_sources()) == set(records.RUNNER_FILES)
    changed = {**records.runner_sources(), "runner.py": b"# a different runner\n"}
    monkeypatch.setattr(records, "runner_sources", lambda: changed)
    assert lesson_key(lesson) != key


def test_a_pinned_version_change_changes_the_key(lessons, monkeypatch):
    from site_src import records

    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    monkeypatch.setattr(records, "_version", lambda package: "9.9.9" if package == "torch" else "1.0")
    other = lesson_key(lesson)
    monkeypatch.setattr(records, "_version", lambda package: "9.9.8" if package == "torch" else "1.0")
    assert len({key, other, lesson_key(lesson)}) == 3
