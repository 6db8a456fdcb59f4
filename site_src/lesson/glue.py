"""Bind numbers in a lesson's prose to the values its run produced.

A block names values with ``#| glue: name`` (the lesson variable ``name`` after the block)
or ``#| glue: name = expression``; the runner records them with the block. The prose of
both languages writes ``{{ name }}`` or ``{{ name:.2f }}`` (a Python format spec), and the
page and the downloads show the recorded value. So when a new torch changes a loss, the
text changes with it instead of contradicting the output under the block.

This module finds the placeholders in prose (never in code), checks them before the run
(a name no block binds, a name used in one language only, a spec that formats nothing)
and after it (a spec that does not fit the value), and substitutes them.

A text value comes from the run, not from the reviewed source, so it is shown as text and
never as markup: at most ``MAX_GLUE_CHARS`` characters (longer fails the block at its
``#| glue:`` line), and where it is put into prose (``markup_safe``) its control characters
become spaces and its ASCII punctuation numeric character references, which HTML, MkDocs'
Markdown and Jupyter's all show as the character itself, never as a tag, emphasis, link,
code, math or heading. Numbers and booleans are shown as formatted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .extract import LessonBlock, block_tokens, extract_blocks
from .lessons import Lesson, LessonSource
from .problems import LessonError, Problem

PLACEHOLDER = re.compile(r"\{\{\s*(?P<name>[A-Za-z_]\w*)\s*(?::(?P<spec>[^{}]*?))?\s*\}\}")
# Values a placeholder may show; anything else is turned into one of these or refused.
GLUE_TYPES = (bool, int, float, str)
SPEC_SAMPLES = (0.5, 1, "text")  # a spec that formats none of these is malformed whatever the value
MAX_GLUE_CHARS = 500  # a text value's length: a phrase in a sentence, not a page
# What stays as it is in a text value; every other ASCII punctuation character becomes &#NN;.
PLAIN_PUNCTUATION = frozenset(",%:;/@")


@dataclass(frozen=True)
class Placeholder:
    """One ``{{ name:spec }}`` in a lesson's prose."""

    path: str
    line: int
    name: str
    spec: str


# --------------------------------------------------------------------- finding them


def prose_placeholders(source: LessonSource) -> list[Placeholder]:
    """Every placeholder in the file's prose, with its line; code blocks and front matter are skipped."""
    lines = source.read_text().splitlines()
    skipped = _markdown_code_lines(lines) if source.format == "markdown" else _notebook_code_lines(source, lines)
    found = []
    for number, text in enumerate(lines, start=1):
        if number in skipped:
            continue
        for match in PLACEHOLDER.finditer(text):
            found.append(Placeholder(source.rel, number, match["name"], (match["spec"] or "").strip()))
    return found


def _markdown_code_lines(lines: list[str]) -> set[int]:
    """1-based numbers of front matter and fenced-block lines (of any language)."""
    tokens = block_tokens("\n".join(lines))
    skipped = set()
    for token in tokens:
        if token.type in {"fence", "code_block", "front_matter"} and token.map:
            skipped.update(range(token.map[0] + 1, token.map[1] + 1))
    return skipped


def _notebook_code_lines(source: LessonSource, lines: list[str]) -> set[int]:
    """1-based numbers of the header and of code cells' lines (markers included): all but markdown cells."""
    skipped = set()
    in_code = True  # the header, before the first marker, is not prose either
    for number, text in enumerate(lines, start=1):
        if text.startswith("# %%"):
            in_code = not re.match(r"# %%.*\[(markdown|md)\]", text)
        if in_code:
            skipped.add(number)
    return skipped


def bound_names(blocks: list[LessonBlock]) -> dict[str, LessonBlock]:
    """The names the blocks bind, each with the block that binds it."""
    return {binding.name: block for block in blocks for binding in block.options.glue}


# -------------------------------------------------------------------------- checks


def check_placeholders(lesson: Lesson) -> list[Problem]:
    """Before the run: every name is bound by a block, used in both languages, with a usable spec."""
    try:
        bound = bound_names(extract_blocks(lesson.zh))
    except LessonError as error:
        return error.problems
    used = {lang: prose_placeholders(source) for lang, source in lesson.sources.items()}
    problems = []
    for lang, placeholders in used.items():
        other = "en" if lang == "zh" else "zh"
        other_names = {placeholder.name for placeholder in used.get(other, [])}
        for placeholder in placeholders:
            problems += _static_problems(placeholder, bound, other_names, lesson.sources.get(other))
    return problems


def _static_problems(placeholder: Placeholder, bound: dict, other_names: set[str],
                     other: LessonSource | None) -> list[Problem]:
    where = (placeholder.path, placeholder.line)
    problems = []
    if placeholder.name not in bound:
        known = ", ".join(sorted(bound)) or "none"
        problems.append(Problem(*where, f"`{{{{ {placeholder.name} }}}}` names a value no block binds "
                                        f"(bound in this lesson: {known})",
                                f"add `#| glue: {placeholder.name}` (or `#| glue: {placeholder.name} = expression`) "
                                "to the block that computes it, in both languages"))
    if other is not None and placeholder.name not in other_names:
        problems.append(Problem(*where, f"`{placeholder.name}` is used in this language's prose but not in {other.rel}",
                                "state the same result in both languages, or in neither"))
    if placeholder.spec and not any(_formats(sample, placeholder.spec) for sample in SPEC_SAMPLES):
        problems.append(Problem(*where, f"`:{placeholder.spec}` is not a Python format spec",
                                "write e.g. `{{ loss:.3f }}`, `{{ accuracy:.1% }}` or `{{ count:, }}`"))
    return problems


class NotRunOnGpu(str):
    """What the page shows for a value only a ``gpu: true`` block binds, while no GPU run of this
    version exists: the sentence stays, its number says it has not been measured."""


NOT_RUN_ON_GPU = {"zh": "（尚未在 GPU 上运行）", "en": "(not yet run on a GPU)"}


def gpu_bound_names(lesson: Lesson) -> set[str]:
    """The glue names that only ``#| gpu: true`` blocks bind: the CPU run never records them."""
    blocks = extract_blocks(lesson.zh)
    on_cpu = {binding.name for block in blocks if not block.options.gpu for binding in block.options.glue}
    return {binding.name for block in blocks if block.options.gpu for binding in block.options.glue} - on_cpu


def check_values(lesson: Lesson, record: dict) -> list[Problem]:
    """After the run: every placeholder has a recorded value and its spec formats that value.
    On the CPU run, a value bound by a GPU-only block may be missing: the page says it has not run."""
    values = recorded_values(record)
    excused = gpu_bound_names(lesson) if record.get("device", "cpu") != "cuda" else set()
    problems = []
    for source in lesson.sources.values():
        for placeholder in prose_placeholders(source):
            where = (placeholder.path, placeholder.line)
            if placeholder.name not in values and placeholder.name in excused:
                continue
            if placeholder.name not in values:
                problems.append(Problem(*where, f"the run recorded no value for `{placeholder.name}` "
                                                "(its block did not run: shown-only, GPU-only, or failed)",
                                        "bind it in a block that runs on the CPU"))
            elif not _formats(values[placeholder.name], placeholder.spec):
                value = values[placeholder.name]
                problems.append(Problem(*where, f"`:{placeholder.spec}` cannot format `{placeholder.name}` = "
                                                f"{value!r} ({type(value).__name__})",
                                        "change the format spec to one that fits the value"))
    return problems


def _formats(value, spec: str) -> bool:
    try:
        format(value, spec)
    except (ValueError, TypeError):
        return False
    return True


# ------------------------------------------------------------------ values and text


def glue_value(value):
    """A value as the record stores it: a bool, int, float or str; one-element tensors and
    NumPy scalars become numbers. ValueError for anything else (it could not be shown in prose)."""
    if isinstance(value, str):
        if len(value) > MAX_GLUE_CHARS:
            raise ValueError(too_long(value))
        return value
    if isinstance(value, GLUE_TYPES):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        try:
            converted = item()
        except (ValueError, RuntimeError):
            converted = None
        if isinstance(converted, GLUE_TYPES):
            return converted
    raise ValueError(f"a glued value must be a number or text (or a one-element tensor or array), "
                     f"not {type(value).__name__}")


def too_long(text: str) -> str | None:
    """Why a text value cannot be glued: over MAX_GLUE_CHARS (None if it can)."""
    if len(text) <= MAX_GLUE_CHARS:
        return None
    return f"a glued text may be at most {MAX_GLUE_CHARS} characters, this one has {len(text):,}"


def markup_safe(text: str) -> str:
    """A text value as prose shows it: control characters (newlines included) as spaces, ASCII
    punctuation but ``PLAIN_PUNCTUATION`` as numeric character references."""
    return "".join(" " if ord(char) < 32 or 0x7f <= ord(char) <= 0x9f
                   else f"&#{ord(char)};" if char.isascii() and not char.isalnum() and char != " "
                   and char not in PLAIN_PUNCTUATION else char
                   for char in text)


def recorded_values(record: dict) -> dict:
    """Every glued value of a lesson's run, by name."""
    values = {}
    for block in record.get("blocks", []):
        values.update(block.get("glue") or {})
    return values


def bind_markdown_lines(lines: list[str], values: dict) -> list[str]:
    """A Markdown file's lines with the prose bound; fenced blocks and front matter as they are."""
    skipped = _markdown_code_lines(lines)
    return [text if number in skipped else bind_prose(text, values) for number, text in enumerate(lines, start=1)]


def bind_prose(text: str, values: dict) -> str:
    """Prose with each placeholder replaced by its formatted value.

    Only called once the checks passed; a name without a value is left as it is, so a
    broken binding shows on the page rather than vanishing. A text value is shown as text
    (``markup_safe``), whatever it holds.
    """
    def replace(match: re.Match) -> str:
        name, spec = match["name"], (match["spec"] or "").strip()
        if isinstance(values.get(name), NotRunOnGpu):
            return str(values[name])
        if name not in values or not _formats(values[name], spec):
            return match[0]
        shown = format(values[name], spec)
        return markup_safe(shown) if isinstance(values[name], str) else shown

    return PLACEHOLDER.sub(replace, text)
