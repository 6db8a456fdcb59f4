"""pytest_plugin.py + pytest_items.py: what a contributor sees when pytest runs lessons."""

from __future__ import annotations

import pytest
from lesson_fixtures import REPO, LessonFolder, line_of


@pytest.fixture
def course(pytester, monkeypatch) -> LessonFolder:
    # The pytest it starts imports this checkout's site_src (not another one installed in the venv).
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makeconftest('pytest_plugins = ["site_src.run.pytest_plugin"]')
    return LessonFolder(pytester.path)


def test_each_lesson_is_a_check_item_and_a_run_item(pytester, course):
    course.markdown("01-demo", "```python\nprint('hi')\n```\n")
    result = pytester.runpytest_subprocess("--collect-only", "-q", "lessons")
    result.stdout.fnmatch_lines(["lessons/01-demo/index.md::check", "lessons/01-demo/index.md::run"])


def test_a_failing_lesson_reports_its_file_and_line_without_pipeline_frames(pytester, course):
    lesson = course.notebook("02-nb", "# %%\nx = 1\n\n# %%\nprint(y)\n")
    result = pytester.runpytest_subprocess("lessons")
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"lessons/02-nb/index.py:{line_of(lesson.zh.path, 'print(y)')}: "
                                 "NameError: name 'y' is not defined"])
    assert "site_src" not in result.stdout.str()


def test_an_unchanged_lesson_is_reported_as_reused(pytester, course):
    course.markdown("01-demo", "```python\nprint('hi')\n```\n")
    pytester.runpytest_subprocess("lessons").assert_outcomes(passed=2)
    result = pytester.runpytest_subprocess("lessons")
    result.stdout.fnmatch_lines(["lessons: 0 run, 1 unchanged (record reused)"])


def test_a_parity_drift_fails_the_check_item(pytester, course):
    lesson = course.markdown("01-demo", "```python\nprint(1)\n```\n", "```python\nprint(2)\n```\n")
    result = pytester.runpytest_subprocess("lessons")
    result.stdout.fnmatch_lines([f"lessons/01-demo/index.en.md:{line_of(lesson.en.path, 'print(2)')}: "
                                 "code differs from lessons/01-demo/index.md:*"])


def test_device_cuda_fails_at_once_without_cuda(pytester, course):
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the refusal cannot be shown here")
    course.markdown("01-demo", "```python\nprint('hi')\n```\n")
    result = pytester.runpytest_subprocess("--device", "cuda", "lessons")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--device cuda: CUDA is not available on this machine*"])
    assert "passed" not in result.stdout.str()


def test_a_lesson_that_needs_a_newer_torch_is_skipped_saying_so(pytester, course, monkeypatch):
    newer = course.markdown("01-new", "```python\nprint('new api')\n```\n")
    for source in newer.sources.values():
        source.path.write_text(source.read_text().replace("time: 5", 'time: 5\nmin_torch: "2.6"'), encoding="utf-8")
    course.markdown("02-plain", "```python\nprint('any torch')\n```\n")
    monkeypatch.setattr("site_src.run.pytest_items.installed_version", lambda package: "2.4.0+cpu")
    result = pytester.runpytest("lessons", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*lessons/01-new/index.md: needs torch ≥ 2.6*this run has torch 2.4.0+cpu"])


def test_rerun_lessons_runs_a_fresh_lesson_again(pytester, course):
    course.markdown("01-demo", "```python\nprint('hi')\n```\n")
    pytester.runpytest_subprocess("lessons").assert_outcomes(passed=2)
    result = pytester.runpytest_subprocess("lessons", "--rerun-lessons")
    result.stdout.fnmatch_lines(["lessons: 1 run, 0 unchanged (record reused)"])


def test_lesson_timeout_stops_a_lesson_and_names_the_block_it_was_running(pytester, course):
    lesson = course.markdown("01-demo", "```python\nprint('fast')\n```\n\n```python\nimport time\ntime.sleep(120)\n```\n")
    # 20 s: enough for the child to start and reach the sleeping block even on a loaded machine
    result = pytester.runpytest_subprocess("lessons", "--lesson-timeout", "20")
    assert result.ret == 1
    result.stdout.fnmatch_lines([f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'import time')}: "
                                 "the lesson exceeded its time limit of 20 s*"])


def test_each_lesson_runs_with_one_cpu_thread(pytester, course):
    course.markdown("01-demo", "```python\nimport os, torch\n"
                               "print(os.environ['OMP_NUM_THREADS'], torch.get_num_threads())\n```\n")
    pytester.runpytest_subprocess("lessons").assert_outcomes(passed=2)
    record = (pytester.path / "build" / "records" / "01-demo" / "record.json").read_text()
    assert '"stdout": "1 1\\n"' in record


def test_the_run_says_what_isolates_lessons_and_ci_refuses_to_run_them_unsandboxed(pytester, course, monkeypatch):
    import sys
    from pathlib import Path

    from site_src.run.sandbox import choose

    course.markdown("01-demo", "```python\nprint('hi')\n```\n")
    result = pytester.runpytest_subprocess("lessons")
    result.stdout.fnmatch_lines([choose().describe()])
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # no bwrap on it
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess("lessons")
    assert result.ret != 0 and "passed" not in result.stdout.str()
    result.stderr.fnmatch_lines(["*lessons must run sandboxed here (CI=true), but no sandbox can be made: "
                                 "`bwrap` is not installed*"])


SEES_THE_WARM_IMPORTS = "```python\nimport sys\nprint('torch' in sys.modules)\n```\n"


def test_lessons_run_warm_and_cold_start_runs_them_in_a_new_interpreter(pytester, course):
    """The one visible difference of a warm start: modules the server imported are there already."""
    import json

    course.markdown("01-demo", SEES_THE_WARM_IMPORTS)
    record = pytester.path / "build" / "records" / "01-demo" / "record.json"
    pytester.runpytest_subprocess("lessons", "-p", "no:cacheprovider").assert_outcomes(passed=2)
    assert json.loads(record.read_text())["blocks"][0]["stdout"] == "True\n"
    pytester.runpytest_subprocess("lessons", "--cold-start", "--rerun-lessons").assert_outcomes(passed=2)
    assert json.loads(record.read_text())["blocks"][0]["stdout"] == "False\n"


def test_warm_check_fails_a_lesson_that_runs_differently_warm_and_cold(pytester, course):
    course.markdown("01-demo", SEES_THE_WARM_IMPORTS)
    result = pytester.runpytest_subprocess("lessons", "--warm-check")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["lessons/01-demo/index.md: the lesson ran differently forked from the warm "
                                 "interpreter and started cold (warm / cold):",
                                 "  block 1 (line *), stdout: 'True\\n' / 'False\\n'",
                                 "*this is a bug of the warm start (site_src/run/warm.py)*"])


HOSTILE_REPORT = "\\x1b]52;c;c2VjcmV0\\x07\\x1b[2J\\r1 passed\\n::error::pwned\\n  ::add-mask::hidden\\n##[error]legacy"


@pytest.mark.parametrize("start", ["warm", "cold"])
def test_a_failure_report_reaches_pytests_output_inert(pytester, course, start):
    """What a failing lesson says (its error, its process's stderr) reaches the terminal and the
    CI log without escape sequences, carriage returns or workflow commands."""
    course.markdown("01-raises", f"```python\nraise RuntimeError('{HOSTILE_REPORT}')\n```\n")
    course.markdown("02-exits", f"```python\nimport os, sys\nsys.__stderr__.write('{HOSTILE_REPORT}\\n')\n"
                                "sys.__stderr__.flush()\nos._exit(3)\n```\n")
    options = ["--cold-start"] if start == "cold" else []
    result = pytester.runpytest_subprocess("lessons", "-p", "no:cacheprovider", *options)
    assert result.ret == 1
    result.assert_outcomes(passed=2, failed=2)
    output = result.stdout.str() + result.stderr.str()
    assert "\x1b" not in output and "\r" not in output and "\x07" not in output
    assert not [line for line in output.splitlines() if line.lstrip().startswith(("::", "##["))]
    for name in ("01-raises", "02-exits"):
        failure = output[output.index(f" {name}::run "):]
        assert "[lesson text] ::error::pwned" in failure and "  [lesson text] ::add-mask::hidden" in failure
        assert "[lesson text] ##[error]legacy" in failure


def test_with_the_records_of_main_a_changed_lesson_runs_warm_and_cold_and_nothing_else_runs(pytester, course):
    """What CI does on a pull request: main's records are restored, then `--warm-check` runs."""
    course.markdown("01-demo", "```python\nprint('one')\n```\n")
    changed = course.markdown("02-other", "```python\nprint('two')\n```\n")
    pytester.runpytest_subprocess("lessons").assert_outcomes(passed=4)  # main's run: the records CI restores
    for path in (changed.zh.path, changed.en.path):
        path.write_text(path.read_text(encoding="utf-8").replace("'two'", "'three'"), encoding="utf-8")
    summary = pytester.path / "summary.md"
    result = pytester.runpytest_subprocess("lessons", "--warm-check", "--lesson-summary", str(summary))
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["lessons: 1 run, 1 unchanged (record reused)"])
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("### Lessons: 1 run, 1 reused, ")
    assert "| 01-demo | reused (record unchanged) | 0.0 |" in table
    assert "| 02-other | run warm, then cold (records match) |" in table
    record = pytester.path / "build" / "records" / "02-other" / "record.json"
    assert "three" in record.read_text(encoding="utf-8")


def test_the_lesson_summary_names_a_lesson_whose_cold_run_differs(pytester, course):
    course.markdown("01-demo", SEES_THE_WARM_IMPORTS)
    summary = pytester.path / "summary.md"
    pytester.runpytest_subprocess("lessons", "--warm-check", "--lesson-summary", str(summary))
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("### Lessons: 1 run, 0 reused, ")
    assert "| 01-demo | run warm, then cold: failed |" in table
