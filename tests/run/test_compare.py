"""compare.py: a GPU run must print the CPU run's numbers; device names and versions may differ.
The newest torch's run is compared with the pinned one: what broke, drifted or changed."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
from lesson_fixtures import REPO, line_of

from site_src.cli import main
from site_src.lesson.extract import extract_blocks
from site_src.run.compare import (
    BROKE,
    MAX_REPORT_CHARS,
    NUMBERS,
    TEXT,
    Drift,
    PinnedRecordMissing,
    common_versions,
    compare_runs,
    drift,
    drift_report,
    numbers_in,
    record_differences,
)
from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore, lesson_key, source_key

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


# ---------------------------------------------- the pieces of compare, without a lesson run


def test_numbers_are_read_in_every_notation_and_build_tags_are_dropped():
    assert numbers_in("-1.5e-3 +2 .5 7. 3E2") == [-0.0015, 2.0, 0.5, 7.0, 300.0]
    assert numbers_in("torch 2.5.1.dev20240101+cpu on cuda:12, loss 0.5") == [0.5]
    assert numbers_in("version 2.5.1 without a build tag") == [2.5, 0.1]  # not a build string: its numbers count


def test_a_missing_cpu_run_is_named_before_a_missing_gpu_run(lessons):
    lesson = lessons.markdown("01-demo", LESSON)
    nowhere = RecordStore(lessons.root / "nowhere")
    (problem,) = compare_runs(lesson, nowhere, nowhere)
    assert (problem.path, problem.line, problem.message) == ("lessons/01-demo/index.md", None, "no CPU record to compare")
    assert problem.fix == "run `pytest lessons` and `pytest lessons --device cuda` first"


def _pinned_and_newest(lessons, before: list[dict], after: list[dict] | None, body: str = DRIFTING):
    """Records of the current code as the pinned and the newest runs would leave them, without running."""
    lesson = lessons.markdown("01-demo", body)
    stores = []
    for name, blocks, torch in (("records", before, "2.14.1"), ("records-newest", after, "2.15.0")):
        store = RecordStore(lessons.root / "build" / name)
        stores.append(store)
        if blocks is None:
            continue
        store.folder(lesson.slug).mkdir(parents=True, exist_ok=True)
        record = {"source_key": source_key(lesson), "versions": {"torch": torch}, "blocks": blocks}
        store.record_path(lesson.slug).write_text(json.dumps(record), encoding="utf-8")
    return lesson, *stores


def _ok(stdout: str, **more) -> dict:
    return {"status": "ok", "stdout": stdout, **more}


SAME = [_ok("loss 0.25\n"), _ok("shape [2, 3]\n"), _ok("unchanged 1\n")]


def test_a_block_whose_status_changed_broke_and_shows_all_it_printed(lessons):
    after = [{"status": "failed", "stdout": "", "stderr": "a warning", "error": "ValueError: x",
              "glue": {"b": 2, "a": 0.5}}, *SAME[1:]]
    lesson, pinned, newest = _pinned_and_newest(lessons, SAME, after)
    assert drift(lesson, pinned, newest) == [Drift(
        "lessons/01-demo/index.md", line_of(lesson.zh.path, "'loss'"), BROKE, "the block was ok and is now failed",
        "loss 0.25\n", "[stderr]\na warning\n[error] ValueError: x\n[glue] a = 0.5\n[glue] b = 2\n")]
    lesson, pinned, newest = _pinned_and_newest(lessons, after, SAME)  # a change of status either way
    assert [d.summary for d in drift(lesson, pinned, newest)] == ["the block was failed and is now ok"]


def test_other_figures_or_other_words_are_a_change_of_text(lessons):
    before = [_ok("loss 0.25\n", figures=["f1.png"]), _ok("shape [2, 3]\n", figures=["f1.png", "f2.png"]),
              _ok("built with 2.14.1+cpu\n")]
    after = [_ok("loss 0.25\n", figures=["f1.png", "f2.png"]), _ok("shape [2, 3]\n", figures=["f1.png"]),
             _ok("built with 2.15.0+cpu\n")]
    lesson, pinned, newest = _pinned_and_newest(lessons, before, after)
    assert [(d.line, d.kind, d.summary) for d in drift(lesson, pinned, newest)] == [
        (line_of(lesson.zh.path, "'loss'"), TEXT, "1 figure(s) before, 2 now"),
        (line_of(lesson.zh.path, "'shape'"), TEXT, "2 figure(s) before, 1 now")]
    after[1] = _ok("size [2, 3]\n", figures=["f1.png", "f2.png"])
    for old_run, new_run in ((before, after), (after, before)):  # words that sort after or before the old ones
        lesson, pinned, newest = _pinned_and_newest(lessons, old_run, new_run)
        assert [(d.line, d.kind, d.summary) for d in drift(lesson, pinned, newest)][1:] == [
            (line_of(lesson.zh.path, "'shape'"), TEXT, "the output's text changed (its numbers agree within the tolerance)")]


def test_no_newest_record_of_this_code_is_a_break_of_the_whole_lesson(lessons):
    lesson, pinned, newest = _pinned_and_newest(lessons, SAME, None)
    gone = [Drift("lessons/01-demo/index.md", None, BROKE, "the newest run left no record of this code", "", "")]
    assert drift(lesson, pinned, newest) == gone
    newest.folder(lesson.slug).mkdir(parents=True)
    for other_code in ("0" * 20, "g" * 20):  # a key of other code, sorting before or after this code's
        newest.record_path(lesson.slug).write_text(json.dumps({"source_key": other_code, "blocks": SAME}))
        assert drift(lesson, pinned, newest) == gone


@pytest.mark.parametrize("other_code", ["0" * 20, "g" * 20])
def test_a_pinned_record_of_other_code_is_no_baseline_whichever_way_its_key_sorts(lessons, other_code):
    lesson, pinned, _ = _pinned_and_newest(lessons, SAME, None)
    record = json.loads(pinned.record_path(lesson.slug).read_text(encoding="utf-8"))
    pinned.record_path(lesson.slug).write_text(json.dumps({**record, "source_key": other_code}), encoding="utf-8")
    with pytest.raises(PinnedRecordMissing):
        drift(lesson, pinned, pinned)


@pytest.mark.parametrize(("failure", "summary"), [("Killed\nmore", "Killed"), ("  \n", "the newest run failed")])
def test_a_failure_that_names_no_line_is_the_lessons(lessons, failure, summary):
    lesson, pinned, _ = _pinned_and_newest(lessons, SAME, None)
    assert drift(lesson, pinned, pinned, failure) == [Drift("lessons/01-demo/index.md", None, BROKE, summary, "", failure)]


def test_a_failure_inside_a_block_of_this_file_belongs_to_that_block(lessons):
    body = "```python\nx = 1\ny = 2\nprint('xy', x + y)\n```\n"
    lesson, pinned, _ = _pinned_and_newest(lessons, [_ok("xy 3\n")], None, body=body)
    middle = line_of(lesson.zh.path, "y = 2")
    for path, old in (("lessons/01-demo/index.md", "xy 3\n"), ("lessons/01-demo/index.en.md", ""),
                      ("lessons/02-other/index.md", "")):  # this file, and files sorting before and after it
        (broke,) = drift(lesson, pinned, pinned, f"{path}:{middle}: RuntimeError: no")
        assert (broke.path, broke.line, broke.old) == (path, middle, old)


def test_a_failure_in_a_notebook_lesson_belongs_to_the_cell_that_holds_its_line(lessons):
    body = "# %%\nx = 1\ny = 2\nprint('xy', x + y)\n\n# %% [markdown]\n# Prose.\n\n# %%\nprint('z', 4)\n"
    lesson = lessons.notebook("01-demo", body)
    pinned = RecordStore(lessons.root / "build" / "records")
    pinned.folder(lesson.slug).mkdir(parents=True)
    record = {"source_key": source_key(lesson), "blocks": [_ok("xy 3\n"), _ok("z 4\n")]}
    pinned.record_path(lesson.slug).write_text(json.dumps(record), encoding="utf-8")
    for text, old in (("y = 2", "xy 3\n"), ("print('z'", "z 4\n")):
        (broke,) = drift(lesson, pinned, pinned, f"lessons/01-demo/index.py:{line_of(lesson.zh.path, text)}: E: no")
        assert broke.old == old


def test_a_failure_belongs_to_the_block_whose_lines_hold_it(lessons):
    lesson, pinned, _ = _pinned_and_newest(lessons, SAME[:1], None)  # a pinned record of 1 block
    first, second, third = extract_blocks(lesson.zh)

    def old_output(line: int) -> str:
        (broke,) = drift(lesson, pinned, pinned, f"lessons/01-demo/index.md:{line}: RuntimeError: no")
        assert (broke.line, broke.summary) == (line, "RuntimeError: no")
        return broke.old

    assert old_output(first.line) == "loss 0.25\n"  # the block's first line
    assert old_output(first.end_line) == ""  # the closing fence is no block's
    assert old_output(second.line) == old_output(third.line) == ""  # blocks the pinned record does not hold


NO_VERSIONS = ({}, {})


def test_a_report_without_changes_says_how_many_lessons_agree():
    report = drift_report(3, [], {"torch": "2.14.1", "torchvision": "0.29.1"}, {"torch": "2.15.0", "torchvision": "0.30.0"})
    assert report.title == "Newest torch 2.15.0 (torchvision 0.30.0): all 3 lessons print what they print with the pins"
    assert report.markdown == (
        "Every lesson ran on torch 2.15.0 and torchvision 0.30.0 (the newest releases) and was compared with the "
        "pinned run (torch 2.14.1, torchvision 0.29.1): numbers agree within a relative 0.001 (absolute 1e-05); "
        "any other change of text is listed too.\n\nNothing changed in 3 lessons.\n")
    assert report.drifts == ()
    unnamed = drift_report(3, [], *NO_VERSIONS).title
    assert unnamed == "Newest torch ? (torchvision ?): all 3 lessons print what they print with the pins"


def test_a_report_lists_breaks_then_numbers_then_text_and_counts_lessons():
    drifts = [Drift("b.md", 4, TEXT, "t", "x\n", "y\n"), Drift("a.md", 3, NUMBERS, "n", "1\n", "2\n"),
              Drift("a.md", None, BROKE, "gone", "", "")]
    report = drift_report(5, drifts, *NO_VERSIONS)
    assert report.title == "Newest torch ? (torchvision ?): 3 block(s) changed in 2 lesson(s)"
    assert report.drifts == tuple(drifts)
    body = report.markdown.split("\n\n", 1)[1]
    assert body == ("## Broke (1)\n\n### `a.md`\n\ngone\n\nPinned run (torch ?):\n\n```text\n(no output)\n```\n\n"
                    "Newest run (torch ?):\n\n```text\n(no output)\n```\n\n"
                    "## Numbers drifted (1)\n\n### `a.md:3`\n\nn\n\n"
                    "```diff\n--- torch ?\n+++ torch ?\n@@ -1 +1 @@\n-1\n+2\n```\n\n"
                    "## Text changed (numbers within tolerance) (1)\n\n### `b.md:4`\n\nt\n\n"
                    "```diff\n--- torch ?\n+++ torch ?\n@@ -1 +1 @@\n-x\n+y\n```\n")


def test_a_diff_keeps_two_lines_of_context_and_a_fence_longer_than_any_backticks_inside():
    old, new = "a\nb\nc\nd\ne\n", "a\nb\nc\nd\n```x````\n"
    (markdown,) = [drift_report(1, [Drift("a.md", 1, TEXT, "t", old, new)], *NO_VERSIONS).markdown]
    assert markdown.endswith("`````diff\n--- torch ?\n+++ torch ?\n@@ -3,3 +3,3 @@\n c\n d\n-e\n+```x````\n`````\n")
    broke = drift_report(1, [Drift("a.md", 1, BROKE, "s", "`a`\n", "``b``\n")], *NO_VERSIONS).markdown
    assert "```text\n`a`\n```\n" in broke and "```text\n``b``\n```\n" in broke
    fenced = drift_report(1, [Drift("a.md", 1, BROKE, "s", "```py\n", "")], *NO_VERSIONS).markdown
    assert "````text\n```py\n````\n" in fenced


def test_a_report_longer_than_an_issue_holds_is_cut_with_a_note():
    def report(chars: int) -> str:
        return drift_report(1, [Drift("a.md", 1, BROKE, "s", "x" * chars + "\n", "")], *NO_VERSIONS).markdown

    fits = MAX_REPORT_CHARS - len(report(1)) + 1  # the longest output whose report is not cut
    assert len(report(fits)) == MAX_REPORT_CHARS and "is cut here" not in report(fits)
    note = "\n\n(The report is cut here: the run's `drift-report` artifact holds all of it.)\n"
    cut = report(fits + 1)
    assert len(cut) == MAX_REPORT_CHARS + len(note) <= 65_536 and cut.endswith(note)  # it fits a GitHub issue
    one_more = report(fits).replace("```text\nx", "```text\nxx", 1)  # the report before it is cut
    assert cut == one_more[:MAX_REPORT_CHARS] + note


def test_the_versions_most_records_ran_with_are_the_common_ones():
    records = [{"versions": {"torch": "2.1"}}, {"versions": {"torch": "2.2", "numpy": "1.0"}},
               {"versions": {"torch": "2.2"}}, {}]
    assert common_versions(records) == {"torch": "2.2", "numpy": "1.0"}


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


def test_a_long_output_that_differs_at_its_end_is_shown_with_its_end(tmp_path):
    store = RecordStore(tmp_path)
    printed = "".join(f"epoch {n}: mean loss 0.{n}\n" for n in range(200))
    cold = printed + "torch.distributed.elastic: worker 1 failed (exitcode: 1)\n"
    [difference] = record_differences({"slug": "x", "blocks": [block(printed)]}, store,
                                      {"slug": "x", "blocks": [block(cold)]}, store)
    assert difference.startswith("block 1 (line 3), stdout: 'epoch 0: mean loss 0.0") and " … " in difference
    assert "worker 1 failed (exitcode: 1)" in difference and len(difference) < 4000


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


def test_a_field_only_one_run_has_is_a_difference_and_so_is_a_longer_run_either_way(tmp_path):
    store = RecordStore(tmp_path)
    one = {"slug": "x", "blocks": [block("", error="ValueError: x"), block("2\n")]}
    other = {"slug": "x", "blocks": [block("")]}
    assert record_differences(one, store, other, store) == [
        "the number of blocks recorded: 2 / 1", "block 1 (line 3), error: 'ValueError: x' / None"]
    assert record_differences(other, store, one, store) == [
        "the number of blocks recorded: 1 / 2", "block 1 (line 3), error: None / 'ValueError: x'"]


def test_records_as_read_from_their_files_compare_by_value(tmp_path):
    """record.json gives equal values that are not the same objects (nor the same as this module's literals)."""
    store = RecordStore(tmp_path)
    record = {"slug": "x", "failure": {"line": 3, "kind": "error"}, "blocks": [block("1\n", glue={"acc": 0.5})]}
    rerun = {**record, "blocks": [block("1\n", seconds=9.0, glue={"acc": 0.5, "fit_seconds": 2.0})]}
    assert record_differences(json.loads(json.dumps(record)), store, json.loads(json.dumps(rerun)), store) == []


def test_figures_and_files_differ_whichever_way_their_bytes_sort_and_equal_ones_do_not(tmp_path):
    first, second = RecordStore(tmp_path / "first"), RecordStore(tmp_path / "second")
    record = {"slug": "x", "blocks": [block("", index=1, line=7, figures=["x-b01-1.png"], outputs=["song.mid"])]}

    def write(store: RecordStore, content: bytes) -> None:
        store.outputs_folder("x").mkdir(parents=True, exist_ok=True)
        (store.folder("x") / "x-b01-1.png").write_bytes(content)
        (store.outputs_folder("x") / "song.mid").write_bytes(content)

    write(first, b"same")
    write(second, b"same")
    assert record_differences(record, first, record, second) == []
    write(second, b"b")
    expected = ["block 2 (line 7), figure x-b01-1.png: the images differ",
                "block 2 (line 7), file outputs/song.mid: the contents differ"]
    assert record_differences(record, first, record, second) == record_differences(record, second, record, first) == expected


def test_a_duration_padded_to_a_width_is_the_same_output_whatever_its_digits():
    from site_src.run.compare import without_durations

    assert without_durations("median    9.87 ms") == without_durations("median   10.23 ms")
    assert without_durations("took 3 s, 12 samples") != without_durations("took 3 s, 13 samples")


def test_the_time_and_pid_of_torchs_log_lines_are_not_output():
    from site_src.run.compare import without_durations

    warm = "W1207 00:12:09.655000 19 torch/utils/cpp_extension.py:183] No CUDA runtime is found\n"
    cold = "W1207 00:12:56.749000 1 torch/utils/cpp_extension.py:183] No CUDA runtime is found\n"
    assert without_durations(warm) == without_durations(cold)
    assert without_durations(warm) != without_durations(cold.replace("No CUDA", "A CUDA"))
