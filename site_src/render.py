"""Put a lesson's recorded outputs on its page.

Markdown lessons become Markdown with each block's output and figures right under it
(solutions folded into a collapsible box). Notebook lessons become ``.ipynb`` notebooks
whose cells carry the recorded outputs, for mkdocs-jupyter to render without running
anything again. Nothing here runs lesson code: it only reads records.
"""

from __future__ import annotations

import base64
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from .extract import LessonBlock
from .lessons import Lesson, LessonSource

LABELS = {
    "zh": {
        "raises": "常见错误：这段代码会抛出 {name}（有意为之）",
        "solution": "参考答案",
        "gpu_skipped": "这段代码只在 GPU 上运行。本页的输出来自 CPU 上的测试运行，所以这里没有输出。",
        "not_run": "这段代码只展示，不运行。",
    },
    "en": {
        "raises": "Common mistake: this code raises {name} (on purpose)",
        "solution": "Solution",
        "gpu_skipped": "This block runs only on a GPU. The outputs on this page come from the tested CPU run, "
                       "so it has none here.",
        "not_run": "This block is shown, not run.",
    },
}
FIGURES_FOLDER = "figures"
LESSON_LINK = re.compile(
    r"(?P<path>(?:\.\./|\./|lessons/)*(?P<slug>\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)/index(?:\.en)?\.(?:md|py))"
    r"(?=[#)\s\"'])")


@dataclass(frozen=True)
class RecordedLesson:
    """A lesson with its record and the folder that holds the record's figures."""

    lesson: Lesson
    record: dict
    figures_dir: Path

    def block_record(self, block: LessonBlock) -> dict:
        return self.record["blocks"][block.index] if block.index < len(self.record["blocks"]) else {}


def page_name(lesson: Lesson) -> str:
    """The file name a lesson's page has in the site's docs: index.md or index.ipynb."""
    return "index.md" if lesson.format == "markdown" else "index.ipynb"


def point_lesson_links(text: str, lessons: list[Lesson], *, directory_urls: bool = False) -> str:
    """Rewrite links to a lesson's source file (zh or en) to that lesson's page in this build."""
    by_slug = {lesson.slug: lesson for lesson in lessons}

    def replace(match: re.Match) -> str:
        lesson = by_slug.get(match["slug"])
        if lesson is None:
            return match[0]  # MkDocs reports it as a dead link
        folder = match["path"].rsplit("/", 1)[0]
        return folder + "/" if directory_urls else f"{folder}/{page_name(lesson)}"

    return LESSON_LINK.sub(replace, text)


# -------------------------------------------------------------------------- Markdown


def render_markdown_lesson(source: LessonSource, blocks: list[LessonBlock], recorded: RecordedLesson) -> str:
    """The lesson's Markdown with every block's recorded output under it."""
    labels = LABELS[source.lang]
    lines = source.read_text().splitlines()
    out, cursor = [], 0
    for block in blocks:
        fence_start, fence_end = block.line - 2, block.end_line - 1
        out += lines[cursor:fence_start]
        rendered = _markdown_block(lines[fence_start], lines[fence_end], block, recorded, labels)
        if block.options.solution:
            rendered = [f'??? success "{labels["solution"]}"', ""] + [
                textwrap.indent(line, "    ") if line else "" for line in rendered]
        out += rendered
        cursor = fence_end + 1
    out += lines[cursor:]
    return "\n".join(out) + "\n"


def _markdown_block(opening: str, closing: str, block: LessonBlock, recorded: RecordedLesson,
                    labels: dict) -> list[str]:
    fence = opening[: len(opening) - len(opening.lstrip("`~"))]
    title = f' title="{labels["raises"].format(name=block.options.raises)}"' if block.options.raises else ""
    shown = [f"{fence}python{title}", *block.code.splitlines(), closing, ""]
    record = recorded.block_record(block)
    status = record.get("status")
    if status == "gpu-skipped":
        return shown + ['!!! info ""', "", f"    {labels['gpu_skipped']}", ""]
    if status == "not-run":
        return shown
    shown += _text_output(record.get("stdout", ""), "lesson-output")
    shown += _text_output(record.get("stderr", ""), "lesson-stderr")
    shown += _text_output(record.get("error", ""), "lesson-error")
    for name in record.get("figures", []):
        alt = (block.options.alt or "figure").replace("]", ")").replace("[", "(")
        shown += [f"![{alt}]({FIGURES_FOLDER}/{name}){{ .lesson-figure loading=lazy }}", ""]
    return shown


def _text_output(text: str, css_class: str) -> list[str]:
    if not text.strip():
        return []
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence} {{ .text .{css_class} }}", *text.rstrip("\n").splitlines(), fence, ""]


# -------------------------------------------------------------------------- notebooks


def render_notebook(source: LessonSource, blocks: list[LessonBlock], recorded: RecordedLesson,
                    lessons: list[Lesson]) -> nbformat.NotebookNode:
    """The notebook lesson with the recorded outputs in its cells (nothing is executed)."""
    labels = LABELS[source.lang]
    notebook = jupytext.reads(source.read_text(), fmt="py:percent")
    notebook.cells = [cell for cell in notebook.cells if not _is_front_matter(cell)]
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]
    for cell, block in zip(code_cells, blocks):
        cell.source = block.code
        cell.execution_count = block.index + 1
        cell.outputs = _notebook_outputs(recorded.block_record(block), block, recorded, labels)
        cell.metadata = {"tags": _cell_tags(block)} if _cell_tags(block) else {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = point_lesson_links(cell.source, lessons, directory_urls=True)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return notebook


def _is_front_matter(cell) -> bool:
    return cell.cell_type == "raw" and cell.source.startswith("---")


def _cell_tags(block: LessonBlock) -> list[str]:
    options = block.options
    return [tag for tag, on in (("raises-exception", options.raises), ("solution", options.solution),
                                ("gpu", options.gpu)) if on]


def _notebook_outputs(record: dict, block: LessonBlock, recorded: RecordedLesson, labels: dict) -> list:
    status = record.get("status")
    if status == "gpu-skipped":
        return [nbformat.v4.new_output("display_data", data={"text/markdown": f"*{labels['gpu_skipped']}*",
                                                             "text/plain": labels["gpu_skipped"]})]
    outputs = []
    for name in ("stdout", "stderr"):
        if record.get(name):
            outputs.append(nbformat.v4.new_output("stream", name=name, text=record[name]))
    if record.get("error"):
        ename, _, evalue = record["error"].partition(": ")
        outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[record["error"]]))
    for figure in record.get("figures", []):
        png = base64.b64encode((recorded.figures_dir / figure).read_bytes()).decode("ascii")
        outputs.append(nbformat.v4.new_output("display_data", data={"image/png": png,
                                                                    "text/plain": block.options.alt or "figure"}))
    return outputs
