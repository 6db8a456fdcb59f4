"""MkDocs hooks: one build per language, lesson pages with their recorded outputs.

Loaded by ``hooks:`` in mkdocs.yml. The zh build (mkdocs.yml) writes the site root, the
en build (mkdocs.en.yml, which inherits it) writes ``/en/``. In each build the pages of
the other language are dropped and ``X.en.md`` is served at ``X.md``'s address, so the
same page has the same path in both languages and the language switch keeps the reader
on it. The build fails, naming each lesson, if a lesson's record is missing or stale.

A ``gpu: true`` block shows the GPU run's output where build/records-cuda/ holds a fresh
record of the lesson (same code, same package releases), else a plain "not yet run on a
GPU for this version". Each lesson also gets its downloads (``<slug>.py``, ``<slug>.ipynb``)
beside its page, a header under its title (with the "verified on" stamp of its runs), the
data of its "copy up to here" buttons, and (notebook lessons) HTML tidied to match
Markdown pages. Math on every page is typeset here, at
build time (site_src/site/mathjax.py). Once every page is rendered, the print page
(``print/``) gets the lessons' content in nav order (site_src/site/print_view.py), and the
home page links it with the offline archive and the PDF (site_src/site/offline.py, pdf.py).
"""

from __future__ import annotations

import copy
import functools
import json
import platform
from html import escape as escape_html
from pathlib import Path
from urllib.parse import urljoin

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

from ..lesson.extract import extract_blocks
from ..lesson.glossary import glossary_table, load_glossary
from ..lesson.glue import check_values
from ..lesson.lessons import Lesson, discover_lessons, front_matter_text, read_front_matter
from ..lesson.problems import LessonError, Problem
from ..lesson.requirements import lesson_needs
from ..lesson.translations import load_record
from ..run.publish import ALLOWED_TEXT, OUTPUT_TYPES
from ..run.records import OUTPUTS_FOLDER, RecordStore, fresh_gpu_record, installed_versions, lesson_key
from .code_spans import lazy_code_blocks, slim_code_spans
from .downloads import colab_url, download_notebook, download_script, notebook_path
from .feedback import PageReport, build_commit
from .incremental import BuildMemory, folder_stamp, inputs_key, merge_search_index
from .mathjax import FONTS_URI, MathError, font_files, has_math, typeset
from .notebook_html import tidy_notebook_html, toc_ids
from .offline import download_links
from .print_view import PRINT_PAGE, LessonContent, book_html, print_page_source
from .render import (
    FIGURES_FOLDER,
    LABELS,
    RecordedLesson,
    copy_data,
    download_names,
    lesson_header,
    page_name,
    point_lesson_links,
    render_markdown_lesson,
    render_notebook,
    verified_on,
    verified_torch,
)

# nav entries that the hook replaces with pages: core lessons, then projects (order >= 20).
# A nav without the projects mark lists the projects among the lessons.
LESSONS_NAV_MARK = "lessons/"
PROJECTS_NAV_MARK = "projects/"
LESSON_LIST_MARK = "<!-- lesson-list -->"
GLOSSARY_MARK = "<!-- glossary -->"
DOWNLOADS_MARK = "<!-- course-downloads -->"  # the home page: the course offline, as a PDF, in print
GLOSSARY_FILE = "glossary.yml"  # in docs/: the terms of both languages' glossary pages
# docs/assets/learning-path.en.svg replaces it in the en build, like any X.en.* file
LEARNING_PATH = "assets/learning-path.svg"
LEARNING_PATH_ALT = {
    "zh": "学习路线图：从 00 为什么用 PyTorch 到 17 从模型到产品的 18 课，分为基础、训练、数据和网络四段"
          "；之后是 20 到 30 的 11 个实战项目，分入门、序列、生成与智能体三组",
    "en": "Learning path: the 18 lessons from 00 Why PyTorch to 17 Shipping a model, in four stages: "
          "basics, training, data and networks; then the 11 projects 20 to 30, in three groups: "
          "first projects, sequences, generation and agents",
}

PROJECTS_HEADING = {"zh": "实战项目", "en": "Projects"}  # as in the nav of mkdocs.yml / mkdocs.en.yml
PROJECTS_INTRO = {
    "zh": "每个项目从一个问题出发：看数据，定一个要超过的基线，训练模型，用合适的指标评估，再分析错在哪里。",
    "en": "Each project starts from a question: look at the data, set a baseline to beat, train a model, "
          "evaluate it with the right metric, then find out where it goes wrong.",
}

BUILD_LESSONS = "course_lessons"  # in config.extra, for this build only (beside preview_memory)

# ------------------------------------------------------------------------------ hooks


def on_config(config):
    # Found once per build (each build loads its config anew): every page asks for them, and
    # finding them on each ask made a build grow with the square of the course.
    config.extra[BUILD_LESSONS] = _find_lessons(config)
    config.nav = _expand_lessons_in_nav(config.nav, _lessons(config))
    return config


def on_pre_build(config) -> None:
    memory = _memory(config)
    if memory is not None:
        memory.begin()


@event_priority(100)  # before mkdocs-jupyter wraps the notebook files
def on_files(files: Files, config) -> Files:
    lang = _language(config)
    kept = Files([])
    for file in files:
        view = _language_view(file, lang, files, config)
        if view is not None:
            kept.append(view)
    lessons = _lessons(config)
    memory = _memory(config)
    if memory is not None:
        memory.saw_site(_site_key(lessons, lang, config))
    environment = json.dumps([platform.python_version(), installed_versions()]) if memory is not None else ""
    # Read once per build, not once per lesson: the file grows with the course, so reading it for
    # each lesson made a preview build grow with the square of the course.
    sync = (load_record(_lessons_dir(config)) or {}) if memory is not None else {}
    for lesson in lessons:
        for file in _remembered_lesson_files(lesson, lessons, lang, config, memory, environment, sync):
            kept.append(file)
    for font in font_files():
        kept.append(File.generated(config, f"{FONTS_URI}/{font.name}", abs_src_path=str(font)))
    if not config.extra.get("preview"):  # a preview renders only what changed: no whole book
        book = File.generated(config, PRINT_PAGE, content=print_page_source(lang))
        book.inclusion = InclusionLevel.NOT_IN_NAV
        kept.append(book)
    return kept


def on_page_markdown(markdown: str, page, config, files) -> str:
    lessons = _lessons(config)
    if LESSON_LIST_MARK in markdown:
        lang = _language(config)
        markdown = markdown.replace(LESSON_LIST_MARK, learning_path(lang) + "\n\n" + lesson_table(lessons, lang))
    if GLOSSARY_MARK in markdown:
        terms = load_glossary(Path(config.docs_dir) / GLOSSARY_FILE)
        page_names = {lesson.slug: page_name(lesson) for lesson in lessons}
        markdown = markdown.replace(GLOSSARY_MARK, glossary_table(terms, lessons, _language(config), page_names))
    if DOWNLOADS_MARK in markdown:
        markdown = markdown.replace(DOWNLOADS_MARK, course_downloads(_language(config), download_links(config)))
    return point_lesson_links(markdown, lessons)


def on_env(env, config, files):
    """Every page is rendered: the print page takes the lessons' content (not in a preview).

    A dirty build (``make preview``) did not read the pages whose source did not change:
    they get the titles of the previous build, which the nav and footer of the others show."""
    _fill_print_view(files, config)
    memory = _memory(config)
    if memory is not None:
        env.bytecode_cache = memory.templates  # the theme's templates compiled once per preview
        memory.pages = {file.page.url for file in files.documentation_pages() if file.page is not None}
        for file in files.documentation_pages():
            if file.page is not None and file.page.markdown is None:
                memory.skipped.add(file.src_uri)
                file.page.title = memory.title_of(file.src_uri)
        if memory.skipped:
            # 404.html and sitemap.xml show the nav and the list of pages: a dirty build changed
            # neither (else the language is rebuilt clean, see BuildMemory.clean_needed).
            config.theme.static_templates.difference_update({"404.html", "sitemap.xml"})
    return env


def on_page_context(context, page, config, nav):
    memory = _memory(config)
    if memory is not None:
        memory.saw_title(page.file.src_uri, page.url, page.title)
    return context


@event_priority(-100)  # after the search plugin wrote its index
def on_post_build(config) -> None:
    memory = _memory(config)
    if memory is not None:
        merge_search_index(Path(config.site_dir) / "search" / "search_index.json", memory)
        memory.has_built = True


def on_page_content(html: str, page, config, files) -> str:
    lessons = _lessons(config)
    lesson = _lesson_of(page, lessons)
    lang = _language(config)
    if lesson is not None:
        # mkdocs-jupyter wraps notebook files after on_files, which hides their edit_uri: set it here.
        page.edit_url = _edit_url(config, lesson.sources[lang].rel)
        blocks = extract_blocks(lesson.sources[lang])
        if lesson.format == "notebook":
            html = tidy_notebook_html(html, blocks, LABELS[lang])
            problem = toc_ids(html, page.toc, config.plugins["mkdocs-jupyter"].config["toc_depth"])
            if problem:
                raise PluginError(f"{lesson.sources[lang].rel}: {problem}: mkdocs-jupyter read the headings "
                                  "differently from the page it rendered; report it with the lesson file")
        recorded = _recorded(lesson, _root(config), bool(config.extra.get("preview")))
        header = lesson_header(lesson, lessons, lang, _colab(lesson, lang, config), verified_on(recorded, lang),
                               lesson_needs(lesson).install_line, _report_link(lesson, lang, page, recorded, config))
        html = _after_title(html, header)
        html += copy_data(lesson, blocks, lang)
    html = lazy_code_blocks(slim_code_spans(html))
    if has_math(html):
        try:
            html = typeset(html, get_relative_url(FONTS_URI, page.url), page.file.edit_uri or page.file.src_uri,
                           _root(config) / "build" / "cache" / "mathjax")
        except MathError as error:
            raise PluginError(str(error)) from None
    return html


# -------------------------------------------------------------------- helper functions


def _language(config) -> str:
    return config.extra.get("lang", "zh")


def _root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def _lessons(config) -> list[Lesson]:
    """This build's lessons (found in on_config)."""
    found = config.extra.get(BUILD_LESSONS)
    return found if found is not None else _find_lessons(config)


def _lessons_dir(config) -> Path:
    return _root(config) / config.extra.get("lessons_dir", "lessons")


def _find_lessons(config) -> list[Lesson]:
    try:
        return discover_lessons(_lessons_dir(config))
    except LessonError as error:
        raise PluginError(f"lessons are malformed:\n{error}") from None


def _expand_lessons_in_nav(nav, lessons: list[Lesson]):
    """The nav with its marks replaced by lesson pages in course order: `lessons/` by the core
    lessons, `projects/` by the projects; a marked section with no page is dropped."""
    if nav is None:
        return None
    has_projects_mark = PROJECTS_NAV_MARK in _nav_values(nav)
    pages = {LESSONS_NAV_MARK: [], PROJECTS_NAV_MARK: []}
    for lesson in lessons:
        mark = PROJECTS_NAV_MARK if lesson.is_project and has_projects_mark else LESSONS_NAV_MARK
        pages[mark].append(f"lessons/{lesson.slug}/{page_name(lesson)}")
    return _replace_marks(nav, pages)


def _nav_values(nav) -> list:
    """Every page or mark the nav names, at any depth."""
    values = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        values += _nav_values(value) if isinstance(value, list) else [value]
    return values


def _replace_marks(nav, pages: dict[str, list[str]]):
    expanded = []
    for entry in nav:
        if isinstance(entry, dict):
            (title, value), = entry.items()
            if value in pages:
                value = pages[value]
                if not value:
                    continue
            elif isinstance(value, list):
                value = _replace_marks(value, pages)
            expanded.append({title: value})
        else:
            expanded.append(entry)
    return expanded


def _language_view(file: File, lang: str, files: Files, config) -> File | None:
    """This build's copy of a docs file: the other language's pages dropped, X.en.md served as X.md."""
    stem, dot, extension = file.src_uri.rpartition(".")
    is_english = stem.endswith(".en")
    edit = f"docs/{file.src_uri}"
    if lang == "zh":
        if is_english:
            return None
        file.edit_uri = edit
        return file
    if is_english:
        renamed = File.generated(config, f"{stem[:-3]}.{extension}", abs_src_path=file.abs_src_path)
        renamed.edit_uri = edit
        return renamed
    if f"{stem}.en.{extension}" in files.src_uris:
        return None
    file.edit_uri = edit
    return file


def _fill_print_view(files: Files, config) -> None:
    """Every lesson page is rendered by now: put their content, in nav order, into the print page."""
    book = files.get_file_from_path(PRINT_PAGE)
    if book is None or book.page is None:
        return
    contents = []
    for lesson in _lessons(config):
        file = files.get_file_from_path(f"lessons/{lesson.slug}/{page_name(lesson)}")
        if file is not None and file.page is not None and file.page.content is not None:
            contents.append(LessonContent(lesson.slug, file.page.url, file.page.content))
    book.page.content = book_html(contents, book.page.url, _language(config))


def _lesson_of(page, lessons: list[Lesson]) -> Lesson | None:
    """The lesson whose page this is (``lessons/<slug>/index.md`` or ``.ipynb``), or None."""
    parts = page.file.src_uri.split("/")
    if len(parts) != 3 or parts[0] != "lessons":
        return None
    return next((lesson for lesson in lessons if lesson.slug == parts[1] and parts[2] == page_name(lesson)), None)


def _edit_url(config, rel: str) -> str | None:
    """The "edit this page" address of a repository file, as MkDocs builds it from repo_url and edit_uri."""
    if not config.repo_url or not config.edit_uri:
        return None
    return urljoin(config.repo_url.rstrip("/") + "/", config.edit_uri + rel)


def _after_title(html: str, extra: str) -> str:
    """``extra`` right after the page's first ``<h1>`` (or first, if the page has none)."""
    end = html.find("</h1>")
    return html[:end + 5] + extra + html[end + 5:] if end >= 0 else extra + html


def _report_link(lesson: Lesson, lang: str, page, recorded: RecordedLesson, config) -> str:
    """The "report a problem with this page" link (none where mkdocs.yml names no repo_url)."""
    if not config.repo_url:
        return ""
    report = PageReport(repo_url=config.repo_url, slug=lesson.slug, title=read_front_matter(lesson.sources[lang]).title,
                        lang=lang, url=page.canonical_url or page.url, commit=_commit(_root(config)),
                        torch=verified_torch(recorded))
    return report.link()


@functools.cache
def _commit(root: Path) -> str:
    return build_commit(root)


def _colab(lesson: Lesson, lang: str, config) -> str | None:
    """Colab's link to the lesson's notebook on the branch named by ``extra.notebooks_branch``."""
    branch = config.extra.get("notebooks_branch")
    if not branch or not config.repo_url:
        return None
    try:
        return colab_url(config.repo_url, branch, notebook_path(lang, lesson))
    except ValueError as error:
        raise PluginError(str(error)) from None


def _recorded(lesson: Lesson, root: Path, preview: bool) -> RecordedLesson:
    """The lesson's fresh CPU record, and its GPU record where one is fresh (build/records-cuda/,
    which CI fills from the GPU job's `records-cuda` artifact). A missing or stale CPU record
    fails the build; a missing or stale GPU record only leaves the GPU blocks "not yet run"."""
    store, gpu_store = RecordStore(root / "build" / "records"), RecordStore(root / "build" / "records-cuda")
    record = store.fresh_record(lesson, lesson_key(lesson))
    if preview:
        # `make preview` shows the latest run even when it failed (the failure in place of
        # the failing block's output) and never stops: the contributor is fixing it.
        record = record or store.load(lesson.slug) or {"blocks": []}
    if record is None:
        state = store.unusable(lesson, store.load(lesson.slug), lesson_key(lesson))
        problem = Problem(lesson.zh.rel, None, f"no up-to-date test record: the record is {state}",
                          f"run `make test` (or `python -m site_src run lessons/{lesson.slug}`), then build again")
        raise PluginError(f"refusing to show outputs that the current code did not produce:\n{problem}")
    gpu_record = fresh_gpu_record(lesson, gpu_store)
    return RecordedLesson(lesson, record, store.folder(lesson.slug), gpu_record,
                          gpu_store.folder(lesson.slug) if gpu_record else None)


def _lesson_files(lesson: Lesson, lessons: list[Lesson], lang: str, config) -> list[File]:
    """The page of one lesson in this language, plus its downloads, figures and data files."""
    root = _root(config)
    preview = bool(config.extra.get("preview"))
    recorded = _recorded(lesson, root, preview)
    unbound = [] if preview else check_values(lesson, recorded.record)  # preview shows the page as it is
    if unbound:
        raise PluginError("the prose names values the run did not record:\n" + "\n".join(map(str, unbound)))
    source = lesson.sources[lang]
    blocks = extract_blocks(source)
    page_uri = f"lessons/{lesson.slug}/{page_name(lesson)}"
    if lesson.format == "markdown":
        content = render_markdown_lesson(source, blocks, recorded)
    else:
        content = nbformat.writes(render_notebook(source, blocks, recorded, lessons))
    page = _page_file(config, root / "build" / "pages" / lang, page_uri, content)
    page.edit_uri = source.rel
    files = [page]
    names = download_names(lesson)
    site_url = config.site_url or ""
    files.append(File.generated(config, f"lessons/{lesson.slug}/{names['py']}",
                                content=download_script(source, blocks, recorded, lessons, site_url)))
    files.append(File.generated(config, f"lessons/{lesson.slug}/{names['ipynb']}",
                                content=download_notebook(source, blocks, recorded, lessons, site_url)))
    for figure in [*sorted(recorded.figures_dir.glob("*.png")), *recorded.gpu_figures(blocks)]:
        files.append(File.generated(config, f"lessons/{lesson.slug}/{FIGURES_FOLDER}/{figure.name}",
                                    abs_src_path=str(figure)))
    outputs = recorded.figures_dir / OUTPUTS_FOLDER  # the record's folder: its files from outputs/
    for output in sorted(outputs.iterdir()) if outputs.is_dir() else []:
        if output.suffix not in OUTPUT_TYPES or output.is_symlink() or not output.is_file():
            # publish.py never keeps such a file: the record was made otherwise, or changed since
            raise PluginError(f"{lesson.zh.rel}: refusing to publish {OUTPUTS_FOLDER}/{output.name} of the record: "
                              f"only regular files of these types are published: {ALLOWED_TEXT}")
        file = File.generated(config, f"lessons/{lesson.slug}/{OUTPUTS_FOLDER}/{output.name}",
                              abs_src_path=str(output))
        file.inclusion = InclusionLevel.NOT_IN_NAV  # a download, never a page of the nav
        files.append(file)
    for data in lesson.data_files():
        file = File.generated(config, f"lessons/{lesson.slug}/{data.relative_to(lesson.folder).as_posix()}",
                              abs_src_path=str(data))
        if file.is_documentation_page():
            # A Markdown file beside the data (its licence) becomes a page of its own, not a lesson in the nav.
            file.inclusion = InclusionLevel.NOT_IN_NAV
        files.append(file)
    return files


def _page_file(config, pages_dir: Path, page_uri: str, content: str) -> File:
    """A lesson page as a real file in a docs-like folder (mkdocs-jupyter reads notebooks from disk).

    Written whenever the lesson's files are made, even with the same text: MkDocs' dirty build
    (``make preview``) renders the page again only if its file is newer than its HTML, and the
    header it gets in ``on_page_content`` (the "verified on" stamp, say) may have changed.
    """
    path = pages_dir / page_uri
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return File(page_uri, str(pages_dir), config.site_dir, config.use_directory_urls)


# ------------------------------------------------------------- make preview's memory


def _memory(config) -> BuildMemory | None:
    """What the last preview build of this language left (site_src/site/incremental.py); None in `make build`."""
    memory = config.extra.get("preview_memory")
    return memory if isinstance(memory, BuildMemory) else None


def _remembered_lesson_files(lesson: Lesson, lessons: list[Lesson], lang: str, config,
                             memory: BuildMemory | None, environment: str, sync: dict) -> list[File]:
    """The lesson's files, made again only when one of their inputs changed since the last preview build."""
    if memory is None:
        return _lesson_files(lesson, lessons, lang, config)
    key = _lesson_inputs(lesson, lessons, lang, config, environment, sync)
    remembered = memory.lessons.get(lesson.slug)
    if remembered is None or remembered[0] != key:
        files = _lesson_files(lesson, lessons, lang, config)
        remembered = memory.lessons[lesson.slug] = (key, [copy.copy(file) for file in files])
    # Fresh copies: MkDocs attaches this build's page to each file, the kept ones stay untouched.
    return [copy.copy(file) for file in remembered[1]]


def _lesson_inputs(lesson: Lesson, lessons: list[Lesson], lang: str, config, environment: str, sync: dict) -> str:
    """A key of everything `_lesson_files` reads: the lesson's folder (texts, data), its CPU and
    GPU records, its translation sync record (the pending notes), the lessons it may link to, the
    site's address, the installed releases."""
    root = _root(config)
    records = [folder_stamp(root / "build" / name / lesson.slug, read=("record.json",))
               for name in ("records", "records-cuda")]
    records.append(json.dumps(sync.get(lesson.slug)))
    return inputs_key(lang, config.site_url or "", str(config.use_directory_urls), environment,
                      folder_stamp(lesson.folder, read=("*",)), *records,
                      " ".join(f"{other.slug}:{other.format}" for other in lessons))


def _site_key(lessons: list[Lesson], lang: str, config) -> str:
    """A key of what pages show of other pages' sources: the lessons (nav, links) and their front
    matter (lesson headers, the home page's table), and the glossary's terms."""
    glossary = Path(config.docs_dir) / GLOSSARY_FILE
    return inputs_key(lang, *(f"{lesson.slug}:{lesson.format}:{front_matter_text(lesson.sources[lang])!r}"
                              for lesson in lessons),
                      glossary.read_bytes() if glossary.exists() else b"")


DOWNLOADS_TEXT = {
    "zh": '<p class="course-downloads">离线阅读：<a href="{archive}" download>下载整门课（zip）</a>，'
          "解压后用浏览器打开其中的 <code>index.html</code>，不用联网，图、公式、搜索和每课的 .py、.ipynb 都在里面；"
          '<a href="{pdf}">PDF 版</a>；<a href="{print}">打印版</a>（整门课在一页上，可打印或另存为 PDF）。</p>',
    "en": '<p class="course-downloads">Offline: <a href="{archive}" download>download the whole course (zip)</a>, '
          "unpack it and open its <code>index.html</code> in a browser: no network needed, with the figures, math, "
          'search and every lesson\'s .py and .ipynb; <a href="{pdf}">as a PDF</a>; '
          '<a href="{print}">the print edition</a> (the whole course on one page, to print or save as a PDF).</p>',
}


def course_downloads(lang: str, links: dict[str, str]) -> str:
    """The home page's links to the offline archive, the PDF and the print view (raw HTML: the
    archive and the PDF are made after the build, where MkDocs' link check cannot see them)."""
    return DOWNLOADS_TEXT[lang].format(**{name: escape_html(link) for name, link in links.items()})


def learning_path(lang: str) -> str:
    """The home page's learning-path figure (Markdown)."""
    return f"![{LEARNING_PATH_ALT[lang]}]({LEARNING_PATH}){{ .lesson-figure .learning-path }}"


def lesson_table(lessons: list[Lesson], lang: str) -> str:
    """Markdown tables of the lessons (number, title linked, what it teaches, minutes): the core
    lessons, then the projects under a heading of their own."""
    core = [lesson for lesson in lessons if not lesson.is_project]
    projects = [lesson for lesson in lessons if lesson.is_project]
    tables = [_table_of(core, lang)] if core else []
    if projects:
        tables.append(f"### {PROJECTS_HEADING[lang]}\n\n{PROJECTS_INTRO[lang]}\n\n{_table_of(projects, lang)}")
    return "\n\n".join(tables)


def _table_of(lessons: list[Lesson], lang: str) -> str:
    header = ("| # | 课程 | 内容 | 时间 |" if lang == "zh" else "| # | Lesson | What you learn | Time |")
    minutes = "分钟" if lang == "zh" else "min"
    rows = [header, "|---|---|---|---|"]
    for lesson in lessons:
        matter = read_front_matter(lesson.sources[lang])
        rows.append(f"| {matter.order:02d} | [{matter.title}](lessons/{lesson.slug}/{page_name(lesson)}) "
                    f"| {matter.summary} | {matter.time} {minutes} |")
    return "\n".join(rows)
