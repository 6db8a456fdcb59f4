"""Judge a lesson run in the parent: from each block's raw facts to its record and verdict.

The child (``runner.py``) only reports what happened — what a block printed, which
exception it raised (the names of its classes), where. Whether that is what the lesson
promised (``#| raises: …``), and whether every block that should have run did, is decided
here, outside the sandbox, against the blocks the parent extracted itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lesson.extract import LessonBlock
from ..lesson.glue import GLUE_TYPES, too_long

TIMEOUT_TYPE = "BlockTimeout"  # the runner's own exception for a block over its limit (see runner.py)
MEMORY_WORDS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "out of memory")


@dataclass
class BlockRecord:
    """What one block did when it ran, as the record and the page show it."""

    index: int
    line: int
    status: str  # "ok", "raised" (as asked), "gpu-skipped", "not-run", "failed"
    stdout: str = ""
    stderr: str = ""
    error: str = ""  # "TypeError: …" for must-raise blocks
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    glue: dict = field(default_factory=dict)  # name -> value, for the prose (see glue.py)
    outputs: list[str] = field(default_factory=list)  # files the block wrote into outputs/, offered for download


@dataclass
class Failure:
    """Why a lesson stopped: where, what kind, and the report a person reads."""

    path: str
    line: int
    kind: str  # "error", "timeout", "did-not-raise", "wrong-exception", "glue", "check", "no-result", "limit", "figure", "output"
    summary: str
    report: str


def skipped_record(block: LessonBlock, device: str) -> BlockRecord | None:
    """The record of a block that is not run here, or None if it must run."""
    if not block.options.run:
        return BlockRecord(block.index, block.line, "not-run")
    if block.options.gpu and device != "cuda":
        return BlockRecord(block.index, block.line, "gpu-skipped")
    return None


def judge(block: LessonBlock, facts: dict, *, output_chars: int, memory_text: str,
          figures: list[str]) -> tuple[BlockRecord, Failure | None]:
    """The block's record from what the child reported, and the failure if it broke its promise."""
    record = BlockRecord(block.index, block.line, "ok",
                         stdout=capped(facts.get("stdout"), facts.get("stdout_cut"), output_chars),
                         stderr=capped(facts.get("stderr"), facts.get("stderr_cut"), output_chars),
                         figures=figures, seconds=_number(facts.get("seconds")))
    error = facts.get("error")
    expected = block.options.raises
    if error is None and expected is None:
        return record, _glued(block, facts, record) or _checked(block, facts, record)
    if error is not None and not isinstance(error, dict):
        error = {"types": ["?"], "text": str(error)}
    types = [str(name) for name in (error or {}).get("types") or []]
    if error is not None and expected in types and types[0] != TIMEOUT_TYPE:
        record.status, record.error = "raised", _text(error.get("text"))
        return record, _glued(block, facts, record) or _checked(block, facts, record)
    record.status = "failed"
    if error is None:
        return record, failure(block, block.line, "did-not-raise", f"this block must raise {expected} but raised nothing",
                               f"fix the block so that it shows the mistake, or remove `#| raises: {expected}`")
    line = _line(error.get("line"), block)
    if types and types[0] == TIMEOUT_TYPE:
        return record, failure(
            block, line, "timeout",
            f"block exceeded its time limit of {block.options.timeout:g} s (it was running line {line})",
            "make the block faster (smaller data, fewer steps) or raise `#| timeout: SECONDS`")
    text, stack = _text(error.get("text")), _text(error.get("stack"))
    kind, summary = "error", text
    if expected is not None:
        kind, summary = "wrong-exception", f"this block must raise {expected} but raised {text}"
    fix = "fix the lesson code at this line"
    if any(word in text for word in MEMORY_WORDS):
        fix = (f"this lesson may use {memory_text} of memory; use less (smaller tensors or batches), "
               "or raise it with the front matter field `memory_gb:`")
    return record, failure(block, line, kind, summary, fix, stack)


def _glued(block: LessonBlock, facts: dict, record: BlockRecord) -> Failure | None:
    """Record the values of the block's ``#| glue:`` bindings; the failure if one has none."""
    values = facts.get("glue") if isinstance(facts.get("glue"), dict) else {}
    record.glue = {binding.name: values[binding.name] for binding in block.options.glue
                   if type(values.get(binding.name)) in GLUE_TYPES
                   and not (isinstance(values[binding.name], str) and too_long(values[binding.name]))}
    missing = next((binding for binding in block.options.glue if binding.name not in record.glue), None)
    if missing is None:
        return None
    record.status = "failed"
    error = facts.get("glue_error")
    why = _text(error.get("text")) if isinstance(error, dict) and error.get("name") == missing.name else ""
    if isinstance(values.get(missing.name), str):
        why = too_long(values[missing.name]) or why  # the parent's own measure, whatever the child said
    return failure(block, missing.line, "glue", f"`#| glue: {missing.name}` could not be recorded: "
                   f"{why or 'the run reported no value for it'}",
                   "bind a name the block defines, whose value is a number or text")


def _checked(block: LessonBlock, facts: dict, record: BlockRecord) -> Failure | None:
    """The failure of the first ``#| check:`` claim the child did not report as holding.

    The parent counts from its own extraction: a child that reports fewer passed claims than
    the block has (or none at all) fails the block at the first one it left out."""
    passed = facts.get("checks")
    passed = passed if type(passed) is int and passed >= 0 else 0
    if passed >= len(block.options.checks):
        return None
    check = block.options.checks[passed]
    reported = facts.get("check_failure")
    why = _text(reported.get("text")) if isinstance(reported, dict) and reported.get("line") == check.line else ""
    record.status = "failed"
    return failure(block, check.line, "check",
                   f"the prose relies on `{check.expression}`, which is {why or 'not reported as true'} in this run",
                   "make the sentence that relies on it true for this run: bind the number with `#| glue:`, "
                   "write it in general terms, or fix the code (docs/lesson-format.md, \"Claims checked by the run\")")


def capped(text, cut, limit: int) -> str:
    """At most `limit` characters of a stream, with a visible note where the rest was cut."""
    text = _text(text)
    dropped = max(int(cut or 0), 0) if isinstance(cut, int) else 0
    if len(text) > limit:
        dropped += len(text) - limit
        text = text[:limit]
    if dropped:
        text += (f"\n[… {dropped:,} more characters cut: a block keeps at most {limit:,} characters "
                 "of each output stream]\n")
    return text


def failure(block: LessonBlock, line: int, kind: str, summary: str, fix: str, stack: str = "") -> Failure:
    report = [f"{block.path}:{line}: {summary}", f"  what to do: {fix}", "", show_block(block, line)]
    if stack:
        report += ["", "Traceback (lesson frames and below):", stack.rstrip()]
    return Failure(block.path, line, kind, summary, "\n".join(report))


def show_block(block: LessonBlock, marked_line: int) -> str:
    """The block as it stands in the lesson, with its file lines and the failing one marked."""
    shown = []
    for number, text in enumerate(block.source.splitlines(), start=block.line):
        marker = ">" if number == marked_line else " "
        shown.append(f"{marker} {number:4d} | {text}")
    return "\n".join(shown)


def _line(value, block: LessonBlock) -> int:
    """The lesson line the child named (it may lie in an earlier block: a function defined
    there raised), else the block's first code line."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else block.code_line


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _number(value) -> float:
    return round(float(value), 3) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
