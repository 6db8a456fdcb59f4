"""Build a lesson's downloads, per language: a ``.py`` script and an ``.ipynb`` notebook.

Both hold the lesson's prose and its code blocks in order; the notebook also holds the
recorded outputs (the same run the page shows). The script is what plain ``python`` runs:
each block as ``extract.module_cell`` writes it (must-raise blocks caught, GPU blocks
guarded, shown-only blocks commented), the prose as comments, in jupytext's ``py:percent``
form so that editors open it as a notebook too. Links in the prose point at the site,
since a downloaded file has no site around it. Colab opens the notebook from the branch
that the deploy workflow publishes them to (see README, "Downloads and Colab").

Both say, under the title, the ``pip install`` line of what the lesson needs (lesson/requirements.py);
the notebook's first code cell installs, at those versions, only what the kernel cannot import yet,
so that Colab keeps its own torch, numpy and pandas and a fresh Jupyter gets what it lacks.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

import jupytext
import nbformat

from ..lesson.extract import LessonBlock, module_cell
from ..lesson.lessons import Lesson, LessonSource
from ..lesson.requirements import LessonNeeds, lesson_needs
from .render import (
    LABELS,
    LESSON_LINK,
    Cell,
    RecordedLesson,
    download_names,
    lesson_cells,
    lesson_notebook,
    verified_on,
)

ADMONITION = re.compile(r'^(?:!!!|\?\?\?\+?) +[\w-]+(?: +"(?P<title>[^"]*)")? *$')
RELATIVE_LINK = re.compile(r"(\]\()(?!https?:|mailto:|#|/)([^)\s]+)")
COLAB = "https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path}"


def page_url(site_url: str, lesson: Lesson) -> str:
    """The absolute URL of a lesson's page in the build whose ``site_url`` is given."""
    return urljoin(site_url if site_url.endswith("/") else site_url + "/", f"lessons/{lesson.slug}/")


def download_notebook(source: LessonSource, blocks: list[LessonBlock], recorded: RecordedLesson,
                      lessons: list[Lesson], site_url: str) -> str:
    """The lesson as an ``.ipynb`` file (JSON text) with the recorded outputs and PNG figures inside."""
    cells = _download_cells(source, blocks, recorded.lesson, site_url, recorded.values(source.lang),
                            verified_on(recorded, source.lang))
    url = page_url(site_url, recorded.lesson)
    notebook = lesson_notebook(cells, recorded, source.lang, prose=lambda text: _portable(text, lessons, url),
                               for_page=False)
    note_at = next((number for number, cell in enumerate(notebook.cells)
                    if cell.cell_type == "markdown" and cell.source.startswith("> ")), 0)
    notebook.cells[note_at + 1:note_at + 1] = install_cells(lesson_needs(recorded.lesson), source.lang)
    nbformat.validate(notebook)
    return json.dumps(notebook, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def download_script(source: LessonSource, blocks: list[LessonBlock], recorded: RecordedLesson,
                    lessons: list[Lesson], site_url: str) -> str:
    """The lesson as a ``.py`` file that ``python`` runs: prose as comments (showing the run's
    values), code as the tests ran it; its header note says what the run was verified on."""
    lesson = recorded.lesson
    url = page_url(site_url, lesson)
    notebook = nbformat.v4.new_notebook()
    values, stamp = recorded.values(source.lang), verified_on(recorded, source.lang)
    for cell in _download_cells(source, blocks, lesson, site_url, values, stamp):
        if cell.kind == "markdown":
            notebook.cells.append(nbformat.v4.new_markdown_cell(_portable(cell.text, lessons, url)))
        else:
            notebook.cells.append(nbformat.v4.new_code_cell(module_cell(cell.block)))
    # Only the cells: no jupytext header, so the file starts with the lesson, not metadata.
    notebook.metadata["jupytext"] = {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"}
    return jupytext.writes(notebook, fmt="py:percent")


def install_cells(needs: LessonNeeds, lang: str) -> list:
    """A line of prose saying why, and the code cell that pip-installs (at the pinned versions) only
    the lesson's packages that the kernel cannot import: ``importlib.util.find_spec``, then pip run by
    the kernel's own Python (``%pip`` would tie the cell to IPython; this also runs under plain python)."""
    missing = {requirement.module: requirement.spec for requirement in needs.requirements}
    if not missing:
        return []
    code = "\n".join([
        "import importlib.util, subprocess, sys",
        "",
        f"needed = {json.dumps(missing, indent=4)}",
        "missing = [spec for module, spec in needed.items() if importlib.util.find_spec(module) is None]",
        "if missing:",
        '    subprocess.check_call([sys.executable, "-m", "pip", "install", *missing])',
    ])
    return [nbformat.v4.new_markdown_cell(LABELS[lang]["install_cell"], id="install-why"),
            nbformat.v4.new_code_cell(code, id="install")]


def colab_url(repo_url: str, branch: str, notebook_path: str) -> str:
    """Colab's address for a notebook file on a branch of the GitHub repository ``repo_url``."""
    parts = urlsplit(repo_url)
    owner_repo = parts.path.strip("/").removesuffix(".git").split("/")
    if parts.netloc != "github.com" or len(owner_repo) != 2:
        raise ValueError(f"repo_url {repo_url!r} is not https://github.com/OWNER/REPO, "
                         "which Colab needs to open the notebooks: fix repo_url in mkdocs.yml")
    owner, repo = owner_repo
    return COLAB.format(owner=owner, repo=repo, branch=branch, path=notebook_path)


def notebook_path(lang: str, lesson: Lesson) -> str:
    """Where a lesson's notebook lies in the published site (and on the notebooks branch)."""
    prefix = "" if lang == "zh" else f"{lang}/"
    return f"{prefix}lessons/{lesson.slug}/{download_names(lesson)['ipynb']}"


def _download_cells(source: LessonSource, blocks: list[LessonBlock], lesson: Lesson, site_url: str,
                    values: dict, verified: str) -> list[Cell]:
    """The lesson's cells with a note under the title: where they come from, what they were verified
    on, which data files they need."""
    labels = LABELS[source.lang]
    note = labels["download_note"].format(url=page_url(site_url, lesson))
    if verified:
        note += "\n\n" + verified
    data_files = [path.relative_to(lesson.folder).as_posix() for path in lesson.data_files()]
    install_line = lesson_needs(lesson).install_line
    if install_line:
        note += "\n\n" + labels["install_note"] + f"\n\n`{install_line}`"
    if data_files:
        note += "\n\n" + labels["download_files"].format(files=", ".join(f"`{name}`" for name in data_files))
    note = "\n".join(f"> {line}" if line else ">" for line in note.splitlines())
    cells = lesson_cells(source, blocks, values)
    if not cells or cells[0].kind != "markdown" or not cells[0].text.startswith("# "):
        return [Cell("markdown", note), *cells]
    title, _, rest = cells[0].text.partition("\n")  # the note goes right under the lesson's title
    return [Cell("markdown", title), Cell("markdown", note),
            *([Cell("markdown", rest.strip("\n"))] if rest.strip() else []), *cells[1:]]


def _portable(text: str, lessons: list[Lesson], url: str) -> str:
    """Prose that reads well outside the site: Material's boxes as quotes, links absolute."""
    slugs = {lesson.slug for lesson in lessons}
    text = LESSON_LINK.sub(lambda match: f"../{match['slug']}/" if match["slug"] in slugs else match[0], text)
    text = RELATIVE_LINK.sub(lambda match: match[1] + urljoin(url, match[2]), text)
    return _admonitions_as_quotes(text)


def _admonitions_as_quotes(text: str) -> str:
    """``!!! warning "Title"`` and its indented body become a ``> **Title**`` quote (plain Markdown)."""
    lines = text.splitlines()
    out, in_box = [], False
    for number, line in enumerate(lines):
        match = ADMONITION.match(line)
        if match:
            out.append(f"> **{match['title']}**" if match["title"] else ">")
            in_box = True
        elif in_box and line.startswith("    "):
            out.append(f"> {line[4:]}")
        elif in_box and not line.strip() and _box_goes_on(lines[number + 1:]):
            out.append(">")
        else:
            in_box = False
            out.append(line)
    return "\n".join(out)


def _box_goes_on(rest: list[str]) -> bool:
    """Whether an admonition's body continues after a blank line (its next text is indented)."""
    following = next((line for line in rest if line.strip()), "")
    return following.startswith("    ")
