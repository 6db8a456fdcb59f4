"""records.py: an unchanged lesson is not run again; any change to its code or data is."""

from __future__ import annotations

import json
import platform
import re
from importlib import metadata

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore, course_key, lesson_key

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


def test_the_course_key_follows_each_lessons_key_not_its_prose(lessons):
    first = lessons.markdown("01-demo", LESSON)
    second = lessons.markdown("02-more", LESSON)
    key = course_key([first, second])
    assert course_key([second, first]) == key  # the order lessons were found in does not matter
    lessons.markdown("02-more", LESSON.replace("Prose.", "Better prose."))
    assert course_key([first, second]) == key
    lessons.markdown("02-more", LESSON.replace("hello", "hello again"))
    assert course_key([first, second]) != key
    assert course_key([first]) != course_key([first, second])


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


def test_a_record_keeps_its_source_key_and_what_it_ran_on(lessons):
    from site_src.run.records import source_key

    lesson = lessons.markdown("01-demo", LESSON)
    record = run_lesson(lesson, RecordStore(lessons.root / "build" / "records")).record
    assert record["source_key"] == source_key(lesson)
    environment = record["environment"]
    assert environment["device"] == "CPU" and re.fullmatch(r"\d{4}-\d\d-\d\d", environment["date"])
    assert environment["python"] == platform.python_version() and environment["torch"] == metadata.version("torch")


def test_the_source_key_ignores_the_environment_that_the_key_holds(lessons, monkeypatch):
    from site_src.run import records

    lesson = lessons.markdown("01-demo", LESSON)
    key, source = records.lesson_key(lesson), records.source_key(lesson)
    monkeypatch.setattr(records, "_version", lambda package: "9.9.9+cu999")
    assert records.lesson_key(lesson) != key and records.source_key(lesson) == source
    lessons.markdown("01-demo", LESSON.replace("hello", "hello again"))
    assert records.source_key(lesson) != source


def _gpu_record(store, lesson, versions, source=None):
    from site_src.lesson.extract import extract_blocks
    from site_src.run.records import source_key

    store.folder(lesson.slug).mkdir(parents=True, exist_ok=True)
    blocks = [{"index": block.index, "line": block.line, "status": "ok"} for block in extract_blocks(lesson.zh)]
    record = {"source_key": source or source_key(lesson), "versions": versions, "blocks": blocks}
    store.record_path(lesson.slug).write_text(json.dumps(record), encoding="utf-8")


def test_a_gpu_record_is_fresh_only_for_the_same_code_and_package_releases(lessons):
    from site_src.run.records import fresh_gpu_record, installed_versions

    lesson = lessons.markdown("01-demo", LESSON)
    store = RecordStore(lessons.root / "build" / "records-cuda")
    assert fresh_gpu_record(lesson, store) is None  # none at all
    here = installed_versions()
    on_the_gpu_runner = {**here, "torch": here["torch"].split("+")[0] + "+cu130"}
    _gpu_record(store, lesson, on_the_gpu_runner)
    assert fresh_gpu_record(lesson, store) is not None  # the CUDA build of the same release
    _gpu_record(store, lesson, {**here, "torch": "2.0.0+cu118"})
    assert fresh_gpu_record(lesson, store) is None  # other pins
    _gpu_record(store, lesson, on_the_gpu_runner)
    failed = {**store.load(lesson.slug), "failure": {"summary": "RuntimeError: boom"}}
    store.record_path(lesson.slug).write_text(json.dumps(failed), encoding="utf-8")
    assert fresh_gpu_record(lesson, store) is None  # its latest run failed
    _gpu_record(store, lesson, on_the_gpu_runner, source="0" * 20)
    assert fresh_gpu_record(lesson, store) is None  # other code


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
    from site_src.run import records

    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    assert set(records.runner_sources()) == set(records.RUNNER_FILES)
    changed = {**records.runner_sources(), "runner.py": b"# a different runner\n"}
    monkeypatch.setattr(records, "runner_sources", lambda: changed)
    assert lesson_key(lesson) != key


def test_a_pinned_version_change_changes_the_key(lessons, monkeypatch):
    from site_src.run import records

    lesson = lessons.markdown("01-demo", LESSON)
    key = lesson_key(lesson)
    monkeypatch.setattr(records, "_version", lambda package: "9.9.9" if package == "torch" else "1.0")
    other = lesson_key(lesson)
    monkeypatch.setattr(records, "_version", lambda package: "9.9.8" if package == "torch" else "1.0")
    assert len({key, other, lesson_key(lesson)}) == 3


def test_a_saved_record_keeps_the_runs_figures_and_replaces_the_old_folder(lessons, tmp_path):
    lesson = lessons.markdown("01-demo", LESSON)
    store = RecordStore(lessons.root / "build" / "records")
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("block-0-1.png", "block-2-1.png"):
        (figures / name).write_bytes(b"\x89PNG " + name.encode())
    (figures / "notes.txt").write_text("not a figure", encoding="utf-8")
    store.folder(lesson.slug).mkdir(parents=True)
    (store.folder(lesson.slug) / "stale.png").write_bytes(b"old")
    record = store.save(lesson, "k" * 20, {"blocks": []}, figures)
    saved = sorted(path.name for path in store.folder(lesson.slug).iterdir())
    assert saved == ["block-0-1.png", "block-2-1.png", "record.json"]
    assert (store.folder(lesson.slug) / "block-2-1.png").read_bytes() == b"\x89PNG block-2-1.png"
    assert store.load(lesson.slug) == record and record["key"] == "k" * 20
    store.save(lesson, "k" * 20, {"blocks": [{"stdout": "张量\n"}]}, figures)  # readable in a diff
    assert '"stdout": "张量\\n"' in store.record_path(lesson.slug).read_text(encoding="utf-8")
    assert store.save(lesson, "k" * 20, {"blocks": []}, tmp_path / "no-figures") == record  # no folder: no figures
    assert sorted(path.name for path in store.folder(lesson.slug).iterdir()) == ["record.json"]


def test_a_record_is_fresh_for_the_lessons_own_key_or_the_one_asked_for(lessons, tmp_path):
    lesson = lessons.markdown("01-demo", LESSON)
    store = RecordStore(lessons.root / "build" / "records")
    key = lesson_key(lesson)
    assert re.fullmatch(r"[0-9a-f]{20}", key)
    ran = {"blocks": [{"index": 0, "line": 5, "status": "ok", "stdout": "hello\n"}]}  # every block, as it promised
    store.save(lesson, key, ran, tmp_path)
    assert store.fresh_record(lesson) is not None and store.fresh_record(lesson, key) is not None
    assert store.fresh_record(lesson, "f" * 20) is None and store.fresh_record(lesson, "0" * 20) is None
    store.save(lesson, "0" * 20, ran, tmp_path)  # keys that sort before and after the lesson's
    assert store.fresh_record(lesson) is None and store.fresh_record(lesson, "0" * 20) is not None
    store.save(lesson, "f" * 20, ran, tmp_path)
    assert store.fresh_record(lesson) is None


def test_a_gpu_record_of_other_code_or_other_releases_is_stale_whichever_way_they_sort(lessons):
    from site_src.run.records import fresh_gpu_record, installed_versions, same_releases

    lesson = lessons.markdown("01-demo", LESSON)
    store = RecordStore(lessons.root / "build" / "records-cuda")
    here = installed_versions()
    for source in ("0" * 20, "f" * 20):
        _gpu_record(store, lesson, here, source=source)
        assert fresh_gpu_record(lesson, store) is None, source
    for torch in ("0.1.0+cu118", "99.0.0+cu130"):
        assert not same_releases({**here, "torch": torch}, here), torch
        assert not same_releases(here, {**here, "torch": torch}), torch
    assert same_releases({**here, "numpy": here["numpy"] + "+local.build"}, here)
