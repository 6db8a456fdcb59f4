"""compare.py: a GPU run must print the CPU run's numbers; device names and versions may differ."""

from __future__ import annotations

import json

from lesson_fixtures import line_of

from site_src.compare import compare_runs, numbers_in
from site_src.records import RecordStore

LESSON = "```python\nprint('loss', 0.25)\n```\n\n```python\nprint('device', 'cpu')\n```\n"


def _store(root, name, outputs):
    store = RecordStore(root / "build" / name)
    store.folder("01-demo").mkdir(parents=True)
    blocks = [{"index": i, "status": "ok", "stdout": text} for i, text in enumerate(outputs)]
    store.record_path("01-demo").write_text(json.dumps({"blocks": blocks}))
    return store


def test_device_names_and_versions_are_not_differences():
    assert numbers_in("tensor([1.5], device='cuda:0') on cuda:0 with torch 2.11.0+cu130") == [1.5]


def test_the_same_numbers_within_tolerance_agree(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    cpu = _store(lessons.root, "records", ["loss 0.25\n", "device cpu\n"])
    gpu = _store(lessons.root, "records-cuda", ["loss 0.2500001\n", "device cuda\n"])
    assert compare_runs(lesson, cpu, gpu) == []


def test_other_numbers_name_the_block(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    cpu = _store(lessons.root, "records", ["loss 0.25\n", "device cpu\n"])
    gpu = _store(lessons.root, "records-cuda", ["loss 0.31\n", "device cuda\n"])
    (problem,) = compare_runs(lesson, cpu, gpu)
    assert (problem.path, problem.line) == ("lessons/01-demo/index.md", line_of(lesson.zh.path, "0.25"))
    assert "number 1 is 0.25 on the CPU and 0.31 on the GPU" in problem.message


def test_a_missing_run_is_reported(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    cpu = _store(lessons.root, "records", ["loss 0.25\n", "device cpu\n"])
    (problem,) = compare_runs(lesson, cpu, RecordStore(lessons.root / "build" / "records-cuda"))
    assert problem.message == "no GPU record to compare"
