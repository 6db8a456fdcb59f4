"""Extract a lesson's code blocks and write them as one runnable Python module.

Markdown lessons are parsed with markdown-it-py (the fenced ``python`` blocks), notebook
lessons with jupytext (the ``# %%`` code cells). Each block keeps the file and line it came
from, so every later stage can point a contributor at the line they edit. Block options
are ``#| key: value`` lines at the top of a block (see docs/lesson-format.md).
"""

from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from .lessons import Lesson, LessonSource
from .problems import LessonError, Problem, raise_if_any

DEFAULT_BLOCK_TIMEOUT = 60.0
OPTION_PREFIX = "#|"
PYTHON_FENCE_LANGUAGES = {"python", "py", "python3"}
NOTEBOOK_FORMAT = {"extension": ".py", "format_name": "percent"}
# The block structure of a Markdown text (fences, headings, front matter): what extract, glue
# and translations read. Inline parsing, which none of them needs, would be most of each parse's time.
BLOCK_PARSER = MarkdownIt("commonmark").use(front_matter_plugin).disable(["inline", "text_join"])


@dataclass(frozen=True)
class GlueBinding:
    """``#| glue: name = expression``: a value the runner records after the block, for the prose."""

    name: str
    expression: str  # the name itself for ``#| glue: name``
    line: int  # the file line of the option, for reports


@dataclass(frozen=True)
class Check:
    """``#| check: expression``: a claim of the prose that must hold in the run, evaluated after the block."""

    expression: str
    line: int  # the file line of the option, where a false claim is reported


@dataclass(frozen=True)
class BlockOptions:
    """What a block's ``#|`` lines ask for."""

    raises: str | None = None
    run: bool = True
    gpu: bool = False
    solution: bool = False
    timeout: float = DEFAULT_BLOCK_TIMEOUT
    alt: str | None = None
    glue: tuple[GlueBinding, ...] = ()
    checks: tuple[Check, ...] = ()


# option name -> (type, converter); alt is per-language and so left out of parity checks
OPTION_TYPES = {"raises": str, "run": bool, "gpu": bool, "solution": bool, "timeout": float, "alt": str,
                "glue": str, "check": str}


@dataclass(frozen=True)
class LessonBlock:
    """One code block of a lesson, with where it came from."""

    index: int
    path: str  # repository-relative lesson file
    line: int  # 1-based file line of the block's first line (its first `#|` line, if any)
    code_line: int  # 1-based file line of the first line of `code`
    code: str  # the code without its option lines
    options: BlockOptions = field(default_factory=BlockOptions)
    option_lines: tuple[str, ...] = ()
    end_line: int = 0  # Markdown: 1-based line of the closing fence; notebooks: 0

    @property
    def source(self) -> str:
        """The block as written in the lesson, options included."""
        return "\n".join((*self.option_lines, self.code))


# ---------------------------------------------------------------------------- blocks


def extract_blocks(source: LessonSource) -> list[LessonBlock]:
    """The code blocks of one lesson file, in order; LessonError listing every malformed one."""
    return list(_blocks_of_text(source.rel, source.format, source.read_text()))


@functools.lru_cache(maxsize=1024)
def _blocks_of_text(rel: str, file_format: str, text: str) -> tuple[LessonBlock, ...]:
    # Cached by the file's text: a site build asks for the same file's blocks many times
    # (page, downloads, parity, links), and blocks are immutable. The cache holds more files
    # than a course three times today's has: a build that cycles through more than it holds
    # would find none of them there.
    source = _TextSource(rel, file_format, text)
    if file_format == "markdown":
        raw, problems = _markdown_blocks(source)
    else:
        raw, problems = _notebook_blocks(source)
    blocks = []
    for index, (line, block_text, end_line) in enumerate(raw):
        block, found = _block_with_options(index, rel, line, block_text, end_line)
        problems += found
        blocks.append(block)
    raise_if_any(problems)
    return tuple(blocks)


@dataclass(frozen=True)
class _TextSource:
    """A lesson file's text, read once, in the shape the block readers need."""

    rel: str
    format: str
    text: str

    def read_text(self) -> str:
        return self.text


def _markdown_blocks(source: LessonSource) -> tuple[list[tuple[int, str, int]], list[Problem]]:
    text = source.read_text()
    lines = text.splitlines()
    tokens = block_tokens(text)
    blocks, problems, fence_lines = [], [], set()
    for token in tokens:
        if token.type != "fence" or not token.map:
            continue
        start, end = token.map
        fence_lines.update(range(start, end))
        language = token.info.split()[0] if token.info.strip() else ""
        if language not in PYTHON_FENCE_LANGUAGES:
            continue
        if not _fence_is_closed(lines, end, token.markup):
            problems.append(Problem(source.rel, start + 1, "this ```python fence is never closed",
                                    f"add a closing {token.markup} line after the block's code"))
            continue
        if lines[start][:1].isspace():
            problems.append(Problem(source.rel, start + 1, "a ```python block is indented (inside a list or box)",
                                    "start the fence at column 0; put box text before the block"))
            continue
        blocks.append((start + 2, token.content.rstrip("\n"), end))
    problems += _hidden_fences(source.rel, lines, fence_lines)
    return blocks, problems


def block_tokens(text: str) -> tuple[Token, ...]:
    """The block-level tokens of a Markdown text (their ``map``: 0-based lines; paragraphs' inline
    content not parsed), parsed once per text for extract, glue, translations and links alike
    (read them, never change them)."""
    return _block_structure("\n".join(text.splitlines()))[0]


def link_references(text: str) -> dict:
    """The parser's environment after the block parse: the text's ``[name]: url`` definitions,
    which inline parsing of its paragraphs needs."""
    return dict(_block_structure("\n".join(text.splitlines()))[1])


@functools.lru_cache(maxsize=1024)
def _block_structure(text: str) -> tuple[tuple[Token, ...], dict]:
    env: dict = {}
    return tuple(BLOCK_PARSER.parse(text, env)), env


def _fence_is_closed(lines: list[str], end: int, markup: str) -> bool:
    """Whether the fence's last line closes it. A fence left open runs to the end of the file,
    so its last line is code or text; a one-line fence's last line is its opening line, which
    names the language, so it is not a closing line either."""
    last = lines[end - 1].strip()
    return last.startswith(markup) and set(last) <= set(markup[0])


def _hidden_fences(rel: str, lines: list[str], fence_lines: set[int]) -> list[Problem]:
    """Python fences the parser did not see as code: indented inside an admonition or paragraph."""
    return [
        Problem(rel, number + 1, "this ```python fence sits inside an indented block, so it is not run or tested",
                "unindent the block to column 0 and put the admonition text before it")
        for number, line in enumerate(lines)
        if number not in fence_lines and re.match(r"^\s+(```|~~~)\s*(python|py|python3)\b", line)
    ]


def _notebook_blocks(source: LessonSource) -> tuple[list[tuple[int, str, int]], list[Problem]]:
    """Code cells with their file lines, read with jupytext's own percent-format reader."""
    # Imported here: jupytext (and nbformat under it) costs 0.3 s per lesson process,
    # which Markdown lessons need not pay.
    import jupytext
    from jupytext.formats import get_format_implementation
    from jupytext.header import header_to_metadata_and_cell

    text = source.read_text()
    try:
        jupytext.reads(text, fmt="py:percent")
    except Exception as error:  # jupytext raises several types; all mean "not valid jupytext"
        raise LessonError([Problem(source.rel, None, f"not a valid jupytext py:percent notebook ({error})",
                                   "check the `# ---` header and the `# %%` cell markers")]) from None
    implementation = get_format_implementation(".py", "percent")
    lines = text.splitlines()
    _, _, _, offset = header_to_metadata_and_cell(
        lines, implementation.header_prefix, implementation.header_suffix, implementation.extension)
    if not any(line.startswith("# %%") for line in lines[offset:]):
        raise LessonError([Problem(source.rel, offset + 1, "no `# %%` cell markers found",
                                   "split the notebook into cells with `# %%` and `# %% [markdown]` lines")])
    blocks = []
    while offset < len(lines):
        reader = implementation.cell_reader_class(NOTEBOOK_FORMAT, "python")
        cell, consumed = reader.read(lines[offset:])
        if cell.cell_type == "code" and cell.source.strip():
            # The source starts on the line after the cell's marker (jupytext keeps leading
            # blank lines), or on the cell's first line when it has none (code before any marker).
            first_line = offset + 1 + lines[offset].startswith("# %%")
            blocks.append((first_line, cell.source, 0))
        offset += max(consumed, 1)
    return blocks, []


# --------------------------------------------------------------------------- options


def _block_with_options(index: int, rel: str, line: int, text: str, end_line: int) -> tuple[LessonBlock, list[Problem]]:
    body = text.splitlines()
    option_lines = []
    while body and body[0].startswith(OPTION_PREFIX):
        option_lines.append(body.pop(0))
    options, problems = parse_options(option_lines, rel, line)
    block = LessonBlock(index=index, path=rel, line=line, code_line=line + len(option_lines),
                        code="\n".join(body), options=options, option_lines=tuple(option_lines), end_line=end_line)
    return block, problems


def parse_options(option_lines: list[str], rel: str, first_line: int) -> tuple[BlockOptions, list[Problem]]:
    values, problems, glue, checks = {}, [], [], []
    for number, option in enumerate(option_lines, start=first_line):
        key, sep, raw = option[len(OPTION_PREFIX):].partition(":")
        key, raw = key.strip(), raw.strip()
        if key not in OPTION_TYPES:
            problems.append(Problem(rel, number, f"unknown block option `{key}`",
                                    f"use one of {', '.join(OPTION_TYPES)} (docs/lesson-format.md)"))
            continue
        value = _convert(OPTION_TYPES[key], raw) if sep else None
        if value is None:
            kind = OPTION_TYPES[key].__name__
            problems.append(Problem(rel, number, f"block option `{key}` has no valid {kind} value ({raw!r})",
                                    f"write it as `#| {key}: {_example(key)}`"))
            continue
        if key == "glue":
            binding, problem = _glue_binding(value, rel, number)
            glue += [binding] if binding else []
            problems += [problem] if problem else []
            continue
        if key == "check":
            check, problem = _check(value, rel, number)
            checks += [check] if check else []
            problems += [problem] if problem else []
            continue
        if key in values:
            problems.append(Problem(rel, number, f"block option `{key}` is given twice",
                                    "keep one of the two lines"))
        values[key] = value
    if values.get("raises") and not re.fullmatch(r"[A-Za-z_][\w.]*", values["raises"]):
        problems.append(Problem(rel, first_line, f"`raises: {values['raises']}` is not an exception name",
                                "write the exception class name, e.g. `#| raises: RuntimeError`"))
    names = [binding.name for binding in glue]
    for name in sorted({name for name in names if names.count(name) > 1}):
        problems.append(Problem(rel, first_line, f"`glue: {name}` is bound twice in this block",
                                "bind each name once"))
    return BlockOptions(**values, glue=tuple(glue), checks=tuple(checks)), problems


def _glue_binding(raw: str, rel: str, line: int) -> tuple[GlueBinding | None, Problem | None]:
    """``name`` or ``name = expression``, the expression checked to be valid Python."""
    name, sep, expression = raw.partition("=")
    name, expression = name.strip(), expression.strip() if sep else name.strip()
    if not name.isidentifier():
        return None, Problem(rel, line, f"`glue: {raw}` does not start with a name",
                             "write `#| glue: final_loss` or `#| glue: final_loss = losses[-1]`")
    try:
        compile(expression, f"{rel}:{line}", "eval")
    except SyntaxError as error:
        return None, Problem(rel, line, f"the glue expression `{expression}` is not valid Python ({error.msg})",
                             "write a Python expression after `=`, e.g. `#| glue: acc = correct / total`")
    return GlueBinding(name, expression, line), None


def _check(expression: str, rel: str, line: int) -> tuple[Check | None, Problem | None]:
    """A claim, checked to be one valid Python expression."""
    try:
        compile(expression, f"{rel}:{line}", "eval")
    except SyntaxError as error:
        return None, Problem(rel, line, f"the check `{expression}` is not a valid Python expression ({error.msg})",
                             "write one expression that is true when the prose is, e.g. "
                             "`#| check: test_loss[-1] < test_loss[0]`")
    return Check(expression, line), None


def _convert(kind: type, raw: str):
    if kind is bool:
        return {"true": True, "false": False}.get(raw.lower())
    if kind is float:
        try:
            return float(raw) if float(raw) > 0 else None
        except ValueError:
            return None
    return raw or None


def _example(key: str) -> str:
    return {"raises": "RuntimeError", "timeout": "120", "alt": "a loss curve",
            "glue": "final_loss = losses[-1]", "check": "losses[-1] < losses[0]"}.get(key, "true")


# ---------------------------------------------------------------------------- module


def module_text(lesson: Lesson, blocks: list[LessonBlock]) -> str:
    """The lesson as one script that plain ``python`` runs: GPU blocks are guarded,
    must-raise blocks catch their exception, not-run blocks are commented out."""
    parts = [
        f"# Hands-on PyTorch / PyTorch 实战课 — lesson {lesson.slug}",
        f"# Extracted from {lesson.zh.rel}; edit the lesson, not this file.",
        "# Run it with: python " + f"{lesson.slug}.py",
    ]
    for block in blocks:
        parts.append(f"\n# %% {block.path}:{block.line}")
        parts.append(module_cell(block))
    return "\n".join(parts) + "\n"


def module_cell(block: LessonBlock) -> str:
    """One block as plain ``python`` runs it: the same code, guarded or commented as its options say.
    Also used for the site's "copy up to here" scripts and the downloadable ``.py`` files."""
    options, code = block.options, block.code
    if not options.run:
        return "# (shown in the lesson, not run)\n" + textwrap.indent(code, "# ", lambda _: True)
    if options.raises:
        code = (f"try:\n{textwrap.indent(code, '    ')}\n"
                f"except {options.raises} as error:  # a common mistake, shown on purpose\n"
                f"    print(f\"{options.raises}: {{error}}\")\n"
                "else:\n"
                f"    raise AssertionError(\"this block should have raised {options.raises}\")")
    if options.gpu:
        code = f"import torch\n\nif torch.cuda.is_available():  # this block needs a GPU\n{textwrap.indent(code, '    ')}"
    return code


def write_module(lesson: Lesson, modules_dir: Path) -> Path:
    """Write ``<modules_dir>/<slug>.py`` from the lesson's zh file and return its path."""
    modules_dir.mkdir(parents=True, exist_ok=True)
    path = modules_dir / f"{lesson.slug}.py"
    path.write_text(module_text(lesson, extract_blocks(lesson.zh)), encoding="utf-8")
    return path
