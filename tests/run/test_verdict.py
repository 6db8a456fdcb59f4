"""verdict.py: from what the child reported to a block's record and the lesson's failure.

These call the judgement directly with the facts a child could report (well formed or
not), so every rule is checked in milliseconds; tests/run/test_parent.py checks the same rules
end to end through a real run.
"""

from __future__ import annotations

import pytest

from site_src.lesson.extract import BlockOptions, Check, GlueBinding, LessonBlock
from site_src.run.verdict import TIMEOUT_TYPE, capped, failure, judge, show_block, skipped_record

PATH = "lessons/01-demo/index.md"


def block(code: str = "x = 1\nprint(x)", *, option_lines: tuple[str, ...] = (), **options) -> LessonBlock:
    """A block whose first line (its first option line, if any) is line 10 of the lesson."""
    return LessonBlock(index=3, path=PATH, line=10, code_line=10 + len(option_lines), code=code,
                       options=BlockOptions(**options), option_lines=option_lines, end_line=0)


def judged(the_block: LessonBlock, facts: dict, figures: list[str] | None = None):
    return judge(the_block, facts, output_chars=50, memory_text="4 GB", figures=figures or [])


# ------------------------------------------------------------------ blocks that do not run


def test_a_shown_only_block_and_a_gpu_block_on_the_cpu_are_recorded_without_running():
    assert skipped_record(block(run=False), "cpu").status == "not-run"
    assert skipped_record(block(run=False, gpu=True), "cuda").status == "not-run"
    record = skipped_record(block(gpu=True), "cpu")
    assert (record.index, record.line, record.status) == (3, 10, "gpu-skipped")
    assert skipped_record(block(gpu=True), "cuda") is None and skipped_record(block(), "cpu") is None


# ------------------------------------------------------------------------- blocks that ran


def test_a_block_that_ran_plainly_keeps_its_outputs_figures_and_time():
    record, problem = judged(block(), {"stdout": "1\n", "stderr": "a warning\n", "seconds": 1.23456},
                             figures=["block-3-1.png"])
    assert problem is None
    assert (record.index, record.line, record.status) == (3, 10, "ok")
    assert (record.stdout, record.stderr, record.figures, record.seconds) == ("1\n", "a warning\n", ["block-3-1.png"], 1.235)


@pytest.mark.parametrize(("seconds", "kept"), [(2, 2.0), (0.0004, 0.0), (True, 0.0), ("3", 0.0), (None, 0.0)])
def test_a_time_that_is_not_a_number_is_zero(seconds, kept):
    record, _ = judged(block(), {"seconds": seconds})
    assert record.seconds == kept and type(record.seconds) is float


def test_streams_that_are_not_text_are_empty():
    record, problem = judged(block(), {"stdout": b"bytes", "stderr": ["a list"]})
    assert (record.stdout, record.stderr, problem) == ("", "", None)


@pytest.mark.parametrize(("expected", "types"), [("ValueError", ["ValueError", "Exception"]),
                                                 ("LookupError", ["KeyError", "LookupError", "Exception"])])
def test_a_block_that_raises_what_it_promised_is_recorded_as_raised(expected, types):
    record, problem = judged(block(raises=expected), {"error": {"types": types, "text": f"{types[0]}: bad"}})
    assert problem is None and (record.status, record.error) == ("raised", f"{types[0]}: bad")


def test_a_block_that_promised_to_raise_and_did_not_fails_at_its_first_line():
    record, problem = judged(block(raises="ValueError", option_lines=("#| raises: ValueError",)), {})
    assert record.status == "failed"
    assert (problem.path, problem.line, problem.kind) == (PATH, 10, "did-not-raise")
    assert problem.summary == "this block must raise ValueError but raised nothing"
    assert "remove `#| raises: ValueError`" in problem.report


def test_a_block_that_raised_something_else_fails_at_the_line_that_raised():
    record, problem = judged(block(raises="ValueError"), {"error": {"types": ["KeyError", "LookupError"],
                                                                    "text": "KeyError: 'k'", "line": 11}})
    assert record.status == "failed" and record.error == ""
    assert (problem.line, problem.kind, problem.summary) == (11, "wrong-exception",
                                                            "this block must raise ValueError but raised KeyError: 'k'")


def test_an_error_names_its_line_and_its_stack_and_says_what_to_do():
    facts = {"error": {"types": ["ZeroDivisionError"], "text": "ZeroDivisionError: division by zero", "line": 11,
                       "stack": "  File lessons/01-demo/index.md, line 11\n"}}
    record, problem = judged(block(), facts)
    assert record.status == "failed"
    assert (problem.path, problem.line, problem.kind, problem.summary) == (
        PATH, 11, "error", "ZeroDivisionError: division by zero")
    assert problem.report == (f"{PATH}:11: ZeroDivisionError: division by zero\n"
                              "  what to do: fix the lesson code at this line\n\n"
                              "    10 | x = 1\n>   11 | print(x)\n\n"
                              "Traceback (lesson frames and below):\n  File lessons/01-demo/index.md, line 11")


@pytest.mark.parametrize("words", ["MemoryError", "RuntimeError: can't allocate memory: you tried",
                                   "OSError: Cannot allocate memory", "CUDA out of memory"])
def test_an_error_for_want_of_memory_says_how_much_the_lesson_may_use(words):
    _, problem = judged(block(), {"error": {"types": ["RuntimeError"], "text": words}})
    assert "this lesson may use 4 GB of memory" in problem.report and "`memory_gb:`" in problem.report


def test_an_error_the_child_could_not_describe_is_still_a_failure():
    record, problem = judged(block(), {"error": "Segmentation fault"})
    assert record.status == "failed" and (problem.kind, problem.summary, problem.line) == ("error", "Segmentation fault", 10)
    record, problem = judged(block(raises="ValueError"), {"error": "?"})  # no types: not what was promised
    assert record.status == "failed" and problem.kind == "wrong-exception"


@pytest.mark.parametrize(("line", "named"), [(12, 12), (1, 1), (0, 10), (-3, 10), (True, 10), ("12", 10), (None, 10)])
def test_the_failing_line_is_the_one_the_child_named_if_it_is_a_line(line, named):
    _, problem = judged(block(), {"error": {"types": ["ValueError"], "text": "ValueError", "line": line}})
    assert problem.line == named


@pytest.mark.parametrize("timeout", [60.0, 2.5])
def test_a_block_over_its_time_limit_names_the_line_it_was_running(timeout):
    facts = {"error": {"types": [TIMEOUT_TYPE, "Exception"], "text": "stopped", "line": 11}}
    for the_block in (block(timeout=timeout), block(timeout=timeout, raises="Exception")):  # never "as promised"
        record, problem = judged(the_block, facts)
        assert record.status == "failed" and (problem.kind, problem.line) == ("timeout", 11)
        assert problem.summary == f"block exceeded its time limit of {timeout:g} s (it was running line 11)"


# -------------------------------------------------------------------------- glued values


GLUED = block(glue=(GlueBinding("loss", "loss", 10), GlueBinding("acc", "correct / total", 11)),
              option_lines=("#| glue: loss", "#| glue: acc = correct / total"))


def test_glued_values_of_the_kinds_prose_can_show_are_recorded():
    record, problem = judged(GLUED, {"glue": {"loss": 0.25, "acc": True, "other": 3}})
    assert problem is None and record.status == "ok" and record.glue == {"loss": 0.25, "acc": True}
    record, problem = judged(block(raises="ValueError", glue=GLUED.options.glue),
                             {"error": {"types": ["ValueError"], "text": "ValueError"}, "glue": {"loss": 1, "acc": "x"}})
    assert problem is None and record.status == "raised" and record.glue == {"loss": 1, "acc": "x"}


@pytest.mark.parametrize(("facts", "why"), [
    ({"glue": {"loss": 0.25}}, "the run reported no value for it"),
    ({"glue": {"loss": 0.25, "acc": [0.5]}}, "the run reported no value for it"),
    ({"glue": {"loss": 0.25}, "glue_error": {"name": "acc", "text": "NameError: name 'correct' is not defined"}},
     "NameError: name 'correct' is not defined"),
    ({"glue": {"loss": 0.25}, "glue_error": {"name": "loss", "text": "not about acc"}}, "the run reported no value for it"),
    ({"glue": {"loss": 0.25}, "glue_error": "NameError"}, "the run reported no value for it"),
    ({"glue": {"loss": 0.25, "acc": "x" * 501}}, "a glued text may be at most 500 characters, this one has 501"),
    ({"glue": {"loss": 0.25, "acc": "<" * 600}, "glue_error": {"name": "acc", "text": "child's word"}},
     "a glued text may be at most 500 characters, this one has 600"),  # the parent measures it itself
])
def test_a_glued_name_without_a_value_fails_at_its_option_line(facts, why):
    record, problem = judged(GLUED, facts)
    assert record.status == "failed" and record.glue == {"loss": 0.25}
    assert (problem.line, problem.kind) == (11, "glue")
    assert problem.summary == f"`#| glue: acc` could not be recorded: {why}"


@pytest.mark.parametrize("glue", [{}, "not a dict", None])
def test_the_first_glued_name_without_a_value_is_the_one_reported(glue):
    record, problem = judged(GLUED, {"glue": glue})
    assert record.glue == {} and record.status == "failed"
    assert (problem.line, problem.summary) == (10, "`#| glue: loss` could not be recorded: the run reported no value for it")


# ------------------------------------------------------------------------------ reports


@pytest.mark.parametrize(("text", "cut", "kept"), [
    ("abcd", 0, "abcd"),
    ("abcdefghij", 0, "abcd\n[… 6 more characters cut: a block keeps at most 4 characters of each output stream]\n"),
    ("abc", 1234, "abc\n[… 1,234 more characters cut: a block keeps at most 4 characters of each output stream]\n"),
    ("abcdef", 10, "abcd\n[… 12 more characters cut: a block keeps at most 4 characters of each output stream]\n"),
    ("abc", -5, "abc"), ("abc", "7", "abc"), ("abc", None, "abc"), (None, 0, ""),
])
def test_an_output_stream_is_capped_with_a_note_of_how_much_was_cut(text, cut, kept):
    assert capped(text, cut, 4) == kept


def test_a_report_shows_the_block_with_its_lines_and_marks_the_failing_one():
    the_block = block(option_lines=("#| raises: ValueError",), raises="ValueError")
    assert show_block(the_block, 12) == "    10 | #| raises: ValueError\n    11 | x = 1\n>   12 | print(x)"
    assert show_block(the_block, 99) == "    10 | #| raises: ValueError\n    11 | x = 1\n    12 | print(x)"
    report = failure(the_block, 11, "error", "bad", "do this").report
    assert report == f"{PATH}:11: bad\n  what to do: do this\n\n    10 | #| raises: ValueError\n>   11 | x = 1\n    12 | print(x)"


def built(*parts: str) -> str:
    """A string made at run time, as the child's JSON report and the command line make them:
    equal to a literal but not the same object, so only `==` finds them equal."""
    return "".join(parts)


def test_names_read_from_the_childs_report_or_the_command_line_compare_by_value():
    assert skipped_record(block(gpu=True), built("cu", "da")) is None  # `--device cuda` runs GPU blocks
    facts = {"error": {"types": [built("Block", "Timeout"), "Exception"], "text": "stopped", "line": 11}}
    record, problem = judged(block(raises="Exception"), facts)
    assert record.status == "failed" and problem.kind == "timeout"


@pytest.mark.parametrize("expected", ["AssertionError", "ZeroDivisionError"])  # sorting before and after BlockTimeout
def test_any_exception_name_can_be_promised(expected):
    record, problem = judged(block(raises=expected), {"error": {"types": [expected, "Exception"], "text": expected}})
    assert problem is None and record.status == "raised"


def test_a_report_marks_a_line_past_256():
    far = LessonBlock(index=0, path=PATH, line=300, code_line=300, code="a = 1\nb = 2")
    assert show_block(far, int(built("301"))) == "   300 | a = 1\n>  301 | b = 2"


def test_a_record_of_a_block_that_did_not_run_holds_nothing_but_its_place():
    record = skipped_record(block(gpu=True), "cpu")
    assert (record.stdout, record.stderr, record.error, record.figures) == ("", "", "", [])
    assert (record.seconds, record.glue, record.outputs) == (0.0, {}, []) and type(record.seconds) is float


def test_an_error_reported_without_its_classes_is_an_error_not_a_timeout():
    _, problem = judged(block(), {"error": {"text": "boom", "line": 11}})
    assert (problem.kind, problem.summary, problem.line) == ("error", "boom", 11)
    _, problem = judged(block(raises="ValueError"), {"error": {"types": [], "text": "boom"}})
    assert (problem.kind, problem.summary) == ("wrong-exception", "this block must raise ValueError but raised boom")


def test_why_a_glued_value_is_missing_is_found_by_the_name_the_child_reported():
    facts = {"glue": {"loss": 0.25}, "glue_error": {"name": built("a", "cc"), "text": "NameError: correct"}}
    _, problem = judged(GLUED, facts)
    assert problem.summary == "`#| glue: acc` could not be recorded: NameError: correct"
    for other in ("aaa", "zzz"):  # another name's error, sorting before or after the missing one
        _, problem = judged(GLUED, {"glue": {"loss": 0.25}, "glue_error": {"name": other, "text": "NameError"}})
        assert problem.summary == "`#| glue: acc` could not be recorded: the run reported no value for it"


# --------------------------------------------------------------- claims checked by the run


CHECKED = block(checks=(Check("losses[-1] < losses[0]", 10), Check("best_epoch == 3", 11)),
                option_lines=("#| check: losses[-1] < losses[0]", "#| check: best_epoch == 3"))


def test_a_block_whose_claims_all_hold_passes():
    record, problem = judged(CHECKED, {"checks": 2})
    assert problem is None and record.status == "ok"


@pytest.mark.parametrize(("facts", "line", "why"), [
    ({"checks": 1, "check_failure": {"line": 11, "text": "False"}}, 11, "False"),
    ({"checks": 0, "check_failure": {"line": 10, "text": "raised NameError: name 'losses' is not defined"}}, 10,
     "raised NameError: name 'losses' is not defined"),
    ({}, 10, "not reported as true"),  # a child that says nothing about its claims
    ({"checks": "2"}, 10, "not reported as true"),
    ({"checks": 1, "check_failure": {"line": 10, "text": "about another line"}}, 11, "not reported as true"),
])
def test_a_claim_that_does_not_hold_fails_at_its_option_line(facts, line, why):
    record, problem = judged(CHECKED, facts)
    expression = CHECKED.options.checks[line - 10].expression
    assert record.status == "failed" and (problem.line, problem.kind) == (line, "check")
    assert problem.summary == f"the prose relies on `{expression}`, which is {why} in this run"
    assert problem.report.startswith(f"{PATH}:{line}: the prose relies on")


def test_claims_are_judged_after_a_must_raise_block_too():
    raising = block(raises="ValueError", checks=CHECKED.options.checks)
    error = {"types": ["ValueError"], "text": "ValueError: x"}
    assert judged(raising, {"error": error, "checks": 2})[1] is None
    assert judged(raising, {"error": error, "checks": 1})[1].line == 11
