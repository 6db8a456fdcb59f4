"""compare.py: a GPU run must print the CPU run's numbers; device names and versions may differ."""

from __future__ import annotations

import json

from lesson_fixtures import line_of

from site_src.compare import compare_runs, numbers_in
from site_src.records import RecordStore

LESSON = "```python\nprint('loss', 0.25)\n```\n\n```python\nprint('device', 'cpu')\n```\n"


def _store(root, name, outputs):
    store = RecordStore(root / "build" / name)
    store.folder("01-demo").mkdir(parents=True, exist_ok=True)
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


def _compare_one(lessons, cpu_text: str, gpu_text: str):
    lesson = lessons.markdown("01-demo", LESSON)
    cpu = _store(lessons.root, "records", [cpu_text, "device cpu\n"])
    gpu = _store(lessons.root, "records-cuda", [gpu_text, "device cuda\n"])
    return compare_runs(lesson, cpu, gpu)


def test_a_relative_difference_just_inside_the_tolerance_agrees_and_just_outside_does_not(lessons):
    assert _compare_one(lessons, "loss 100.0\n", "loss 100.09\n") == []  # 0.09 % < 0.1 %
    assert len(_compare_one(lessons, "loss 100.0\n", "loss 100.2\n")) == 1  # 0.2 % > 0.1 %


def test_an_absolute_difference_near_zero_is_judged_by_the_absolute_tolerance(lessons):
    assert _compare_one(lessons, "grad 0.0\n", "grad 0.000008\n") == []  # 8e-6 < 1e-5
    assert len(_compare_one(lessons, "grad 0.0\n", "grad 0.00003\n")) == 1  # 3e-5 > 1e-5


def test_a_different_count_of_numbers_is_a_difference(lessons):
    (problem,) = _compare_one(lessons, "loss 0.25\n", "loss 0.25 0.5\n")
    assert "1 numbers on the CPU, 2 on the GPU" in problem.message


def test_the_compare_command_exits_non_zero_on_a_difference_and_zero_without(lessons, monkeypatch, capsys):
    from site_src import cli

    lessons.markdown("01-demo", LESSON)
    _store(lessons.root, "records", ["loss 0.25\n", "device cpu\n"])
    gpu = _store(lessons.root, "records-cuda", ["loss 0.31\n", "device cuda\n"])
    (lessons.root / "mkdocs.yml").write_text("site_name: test\n")
    monkeypatch.chdir(lessons.root)
    assert cli.main(["compare"]) == 1
    assert "1 difference(s)" in capsys.readouterr().out
    gpu.record_path("01-demo").write_text(json.dumps({"blocks": [
        {"index": 0, "status": "ok", "stdout": "loss 0.25\n"}, {"index": 1, "status": "ok", "stdout": "x\n"}]}))
    assert cli.main(["compare"]) == 0


def test_a_difference_is_named_by_its_place_among_the_numbers(lessons):
    (problem,) = _compare_one(lessons, "loss 0.25 then 0.5 then 0.75\n", "loss 0.25 then 0.5 then 0.9\n")
    assert "number 3 is 0.75 on the CPU and 0.9 on the GPU" in problem.message


def test_fewer_numbers_on_the_gpu_is_a_difference_too(lessons):
    (problem,) = _compare_one(lessons, "loss 0.25 0.5\n", "loss 0.25\n")
    assert "2 numbers on the CPU, 1 on the GPU" in problem.message


def test_blocks_that_did_not_run_on_both_devices_are_not_compared_but_later_ones_are(lessons):
    lesson = lessons.markdown("01-demo", LESSON + "\n```python\nprint(3)\n```\n\n```python\nprint(4)\n```\n")
    statuses = ["gpu-skipped", "raised", "not-run", "ok"]
    cpu = RecordStore(lessons.root / "build" / "records")
    gpu = RecordStore(lessons.root / "build" / "records-cuda")
    for store, value in ((cpu, "1.0"), (gpu, "2.0")):
        store.folder("01-demo").mkdir(parents=True, exist_ok=True)
        blocks = [{"index": i, "status": status, "stdout": f"x {value}\n"} for i, status in enumerate(statuses)]
        store.record_path("01-demo").write_text(json.dumps({"blocks": blocks}))
    (problem,) = compare_runs(lesson, cpu, gpu)  # only the last block, the one that ran on both
    assert problem.line == line_of(lesson.zh.path, "print(4)")
    gpu_record = json.loads(gpu.record_path("01-demo").read_text())
    gpu_record["blocks"][3]["status"] = "failed"
    gpu.record_path("01-demo").write_text(json.dumps(gpu_record))
    assert compare_runs(lesson, cpu, gpu) == []  # a block that failed on the GPU is the run's failure, not a difference


def test_a_block_is_compared_only_when_it_ran_plainly_on_both_devices(lessons):
    pairs = [("raised", "ok"), ("ok", "raised"), ("gpu-skipped", "ok"), ("ok", "not-run"), ("not-run", "ok")]
    lesson = lessons.markdown("01-demo", "".join(f"```python\nprint({i})\n```\n\n" for i in range(len(pairs))))
    for name, side, value in (("records", 0, "1.0"), ("records-cuda", 1, "2.0")):
        store = RecordStore(lessons.root / "build" / name)
        store.folder("01-demo").mkdir(parents=True, exist_ok=True)
        blocks = [{"index": i, "status": pair[side], "stdout": f"x {value}\n"} for i, pair in enumerate(pairs)]
        store.record_path("01-demo").write_text(json.dumps({"blocks": blocks}))
    assert compare_runs(lesson, RecordStore(lessons.root / "build" / "records"),
                        RecordStore(lessons.root / "build" / "records-cuda")) == []


def test_the_second_number_is_called_number_2(lessons):
    (problem,) = _compare_one(lessons, "a 1.0 b 2.0\n", "a 1.0 b 3.0\n")
    assert "number 2 is 2 on the CPU and 3 on the GPU" in problem.message
