"""compare.py: a GPU run must print the CPU run's numbers; device names and versions may differ.
The newest torch's run is compared with the pinned one: what broke, drifted or changed."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
from lesson_fixtures import REPO, line_of

from site_src.cli import main
from site_src.compare import PinnedRecordMissing, compare_runs, drift, numbers_in, record_differences
from site_src.records import RecordStore, lesson_key
from site_src.run import run_lesson

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


# ------------------------------------------------------------------ newest torch: drift

DRIFTING = """
```python
print('loss', 0.25)
```

```python
print('shape', [2, 3])
```

```python
print('unchanged', 1)
```
"""


def _course(lessons):
    """A course root the command line accepts (mkdocs.yml beside lessons/), with one lesson run for real."""
    (lessons.root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    lesson = lessons.markdown("01-demo", DRIFTING)
    pinned = RecordStore(lessons.root / "build" / "records")
    assert run_lesson(lesson, pinned).failure is None
    return lesson, pinned


def _newest_record(lesson, pinned, newest, stdouts, torch="2.15.0"):
    """A record as the newest torch's run would leave it: reused by `newest` as fresh (its key matches)."""
    record = copy.deepcopy(pinned.load(lesson.slug))
    record["key"] = lesson_key(lesson)
    record["versions"] = {**record["versions"], "torch": torch, "torchvision": "0.30.0"}
    for block, stdout in zip(record["blocks"], stdouts):
        block["stdout"] = stdout
    newest.folder(lesson.slug).mkdir(parents=True, exist_ok=True)
    newest.record_path(lesson.slug).write_text(json.dumps(record), encoding="utf-8")


def test_drift_sorts_changed_blocks_into_numbers_and_text(lessons):
    lesson, pinned = _course(lessons)
    newest = RecordStore(lessons.root / "build" / "records-newest")
    _newest_record(lesson, pinned, newest, ["loss 0.2500001\n", "shape torch.Size([2, 3])\n", "unchanged 1\n"])
    assert [(d.line, d.kind) for d in drift(lesson, pinned, newest)] == [(line_of(lesson.zh.path, "'shape'"), "text")]
    _newest_record(lesson, pinned, newest, ["loss 0.31\n", "shape [2, 3]\n", "unchanged 1\n"])
    (numbers,) = drift(lesson, pinned, newest)
    assert (numbers.line, numbers.kind) == (line_of(lesson.zh.path, "0.25"), "numbers")
    assert numbers.summary == "number 1 is 0.25 with torch 2.14.1 and 0.31 with torch 2.15.0".replace(
        "2.14.1", pinned.load(lesson.slug)["versions"]["torch"])
    _newest_record(lesson, pinned, newest, ["loss 0.25\n", "shape [2, 3]\n", "unchanged 1\n"])
    assert drift(lesson, pinned, newest) == []
    # a value bound for the prose (`#| glue:`) drifts like a printed number
    record = json.loads(newest.record_path(lesson.slug).read_text(encoding="utf-8"))
    record["blocks"][2]["glue"] = {"accuracy": 0.93}
    newest.record_path(lesson.slug).write_text(json.dumps(record), encoding="utf-8")
    (glued,) = drift(lesson, pinned, newest)
    assert (glued.kind, glued.new) == ("numbers", "unchanged 1\n[glue] accuracy = 0.93\n")


def test_a_failed_newest_run_is_reported_at_its_line_beside_the_pinned_output(lessons):
    lesson, pinned = _course(lessons)
    line = line_of(lesson.zh.path, "'shape'")
    failure = f"lessons/01-demo/index.md:{line}: AttributeError: module 'torch' has no attribute 'x'\n  what to do: …"
    (broke,) = drift(lesson, pinned, RecordStore(lessons.root / "nowhere"), failure)
    assert (broke.path, broke.line, broke.kind) == ("lessons/01-demo/index.md", line, "broke")
    assert broke.old == "shape [2, 3]\n" and broke.new == failure
    assert broke.summary == "AttributeError: module 'torch' has no attribute 'x'"


def test_no_pinned_record_of_this_code_is_no_baseline(lessons):
    lesson, pinned = _course(lessons)
    lessons.markdown("01-demo", DRIFTING.replace("0.25", "0.5"))
    with pytest.raises(PinnedRecordMissing, match="lessons/01-demo/index.md: no pinned record of this code"):
        drift(lesson, pinned, pinned)


def test_make_newest_prints_the_drift_report_of_a_crafted_newest_record(lessons, monkeypatch, capsys):
    """`make newest` ends with `python -m site_src newest`; here its newest-torch record is crafted,
    so the command reuses it (its key is fresh) instead of needing the network and another torch."""
    # --no-print-directory: under an outer make (`make test`), make would add "Entering directory" lines
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "newest"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout
    assert "--upgrade torch torchvision --index-url https://download.pytorch.org/whl/cpu" in recipe
    assert recipe.strip().splitlines()[-1] == ".venv-newest/bin/python -m site_src newest"
    lesson, pinned = _course(lessons)
    _newest_record(lesson, pinned, RecordStore(lessons.root / "build" / "records-newest"),
                   ["loss 0.31\n", "shape torch.Size([2, 3])\n", "unchanged 1\n"])
    monkeypatch.chdir(lessons.root)
    assert main(["newest", "--report", "out"]) == 1
    printed = capsys.readouterr()
    assert "01-demo: unchanged, record reused" in printed.err
    title = "Newest torch 2.15.0 (torchvision 0.30.0): 2 block(s) changed in 1 lesson(s)"
    assert printed.out.startswith(title + "\n")
    for expected in (f"### `lessons/01-demo/index.md:{line_of(lesson.zh.path, '0.25')}`",
                     "-loss 0.25", "+loss 0.31", "## Numbers drifted (1)", "## Text changed (numbers within tolerance) (1)",
                     f"### `lessons/01-demo/index.md:{line_of(lesson.zh.path, 'shape')}`",
                     "-shape [2, 3]", "+shape torch.Size([2, 3])"):
        assert expected in printed.out
    assert "unchanged 1" not in printed.out
    assert (lessons.root / "out" / "title.txt").read_text(encoding="utf-8") == title + "\n"
    assert (lessons.root / "out" / "report.md").read_text(encoding="utf-8") in printed.out


def test_compare_new_reports_nothing_when_the_newest_run_prints_the_same(lessons, monkeypatch, capsys):
    lesson, pinned = _course(lessons)
    _newest_record(lesson, pinned, RecordStore(lessons.root / "elsewhere"), ["loss 0.25\n", "shape [2, 3]\n", "unchanged 1\n"])
    monkeypatch.chdir(lessons.root)
    assert main(["compare", "--new", "elsewhere"]) == 0
    assert "Newest torch 2.15.0 (torchvision 0.30.0): all 1 lessons print what they print with the pins" in (
        capsys.readouterr().out)


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


# ── warm against cold (record_differences) ──────────────────────────────────────────


def block(stdout: str, **fields) -> dict:
    return {"index": 0, "line": 3, "status": "ok", "stdout": stdout, "seconds": 0.1, **fields}


def test_two_runs_of_a_block_differ_in_any_output_but_their_durations(tmp_path):
    store = RecordStore(tmp_path)

    def differences(first: dict, second: dict) -> list[str]:
        return record_differences({"slug": "x", "blocks": [first]}, store, {"slug": "x", "blocks": [second]}, store)

    assert differences(block("1\n"), block("1\n", seconds=9.0)) == []
    assert differences(block("1\n"), block("2\n")) == ["block 1 (line 3), stdout: '1\\n' / '2\\n'"]
    assert differences(block("took 7.7 s, 3 秒, 250 ms"), block("took 8.1 s, 4 秒, 300 ms")) == []
    assert differences(block("3 steps"), block("4 steps")) != []
    assert differences(block("", glue={"train_seconds": 1.0, "acc": 0.5}),
                       block("", glue={"train_seconds": 2.0, "acc": 0.5})) == []
    assert differences(block("", glue={"acc": 0.5}), block("", glue={"acc": 0.51})) != []
    assert differences(block("", status="failed"), block("")) != []


def test_two_runs_differ_in_their_figures_files_and_failure(tmp_path):
    first, second = RecordStore(tmp_path / "first"), RecordStore(tmp_path / "second")
    for store, pixels in ((first, b"a"), (second, b"b")):
        (store.outputs_folder("x")).mkdir(parents=True)
        (store.folder("x") / "x-b00-1.png").write_bytes(b"same")
        (store.outputs_folder("x") / "song.mid").write_bytes(pixels)
    record = {"slug": "x", "blocks": [block("", figures=["x-b00-1.png"], outputs=["song.mid"])]}
    assert record_differences(record, first, record, second) == [
        "block 1 (line 3), file outputs/song.mid: the contents differ"]
    (second.folder("x") / "x-b00-1.png").write_bytes(b"other")
    assert "block 1 (line 3), figure x-b00-1.png: the images differ" in record_differences(record, first, record, second)
    assert record_differences({**record, "failure": {"line": 3}}, first, record, first)[0].startswith("the failure")
    assert record_differences({**record, "blocks": []}, first, record, first) == [
        "the number of blocks recorded: 0 / 1"]
