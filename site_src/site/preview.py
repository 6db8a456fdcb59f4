"""Live preview for contributors: save a lesson, and the open page shows it with fresh outputs.

``python -m site_src preview`` (``make preview``) builds what is stale, serves the site
the way ``serve`` does, and watches the lessons, docs, configs and theme overrides with
``watchfiles`` (the kernel's file events, no polling). On every save it works out what
the change needs — re-running a lesson (sandboxed and cached by the same key as the
tests), rebuilding one language or both — does only that, and tells the open tabs to
reload over a Server-Sent Events stream.

Preview builds are forgiving where the real build is strict: a lesson whose run failed
is shown with the failure in place of the failing block's output, and a file that cannot
be read (bad front matter, an unclosed fence, a parity break) puts its problems in a
banner on every page, while the server keeps running on the last good build.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..lesson.checks import static_problems
from ..lesson.lessons import FOLDER_PATTERN, Lesson, discover_lessons
from ..lesson.problems import LessonError
from ..run.parent import default_store, run_lesson
from ..run.sandbox import Limits, SandboxUnavailable, choose
from ..run.warm import WarmStart
from .build import MKDOCS_CONFIGS, PagesHandler, QuietServer, SiteBuildError, build_language, site_prefix
from .incremental import BuildMemory

EVENTS_PATH = "/__preview__/events"
STATE_PATH = "/__preview__/state.json"
SCRIPT_PATH = "/__preview__/preview.js"
SCRIPT = Path(__file__).parent / "preview.js"
LANGUAGE_OF_CONFIG = dict(zip(MKDOCS_CONFIGS, ("zh", "en")))
WATCHED = ("lessons", "docs", "mkdocs.yml", "mkdocs.en.yml", "site_src/site/overrides")


@dataclass
class PreviewState:
    """What the open tabs should show: the build generation and the problems of the last change."""

    generation: int = 0
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, problems: list[str]) -> None:
        with self.changed:
            self.generation += 1
            self.problems = problems
            self.changed.notify_all()

    def as_json(self) -> bytes:
        return json.dumps({"generation": self.generation, "problems": self.problems}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Plan:
    """What one batch of saved files asks for."""

    lessons: tuple[str, ...] = ()  # slugs whose code or data may have changed: run them if stale
    languages: tuple[str, ...] = ()  # the language builds to redo
    clean: bool = False  # a config or the theme changed: every page of those languages is rebuilt


# ------------------------------------------------------------------ deciding the work


def plan_for(root: Path, changed: set[Path]) -> Plan:
    """The lessons to re-run and the languages to rebuild for these changed paths."""
    lessons, languages, clean = set(), set(), False
    for path in changed:
        rel = path.resolve().relative_to(root.resolve()).as_posix() if path.is_absolute() else path.as_posix()
        parts = rel.split("/")
        if parts[0] == "lessons" and len(parts) >= 3 and FOLDER_PATTERN.match(parts[1]):
            lessons.add(parts[1])
            languages |= _languages_of(parts[-1])
        elif rel in LANGUAGE_OF_CONFIG:
            languages |= {"zh", "en"} if rel == MKDOCS_CONFIGS[0] else {"en"}
            clean = True
        elif parts[0] in {"docs", "site_src"}:
            languages |= _languages_of(parts[-1])
            clean |= parts[0] == "site_src"  # the theme: every page is rendered with it
    return Plan(tuple(sorted(lessons)), tuple(lang for lang in ("zh", "en") if lang in languages), clean)


def _languages_of(name: str) -> set[str]:
    """The builds a saved file's text appears in. A zh lesson file also holds the code that both
    languages show: if its code changed, the lesson's run says so and both are rebuilt."""
    if ".en." in name:
        return {"en"}
    if name.endswith(".md") or name == "index.py":
        return {"zh"}
    return {"zh", "en"}  # a data file, a stylesheet, an image, the theme: both builds use it


# ----------------------------------------------------------------------- doing it


@dataclass
class Preview:
    """The preview of one course: runs what is stale and builds one language at a time."""

    root: Path
    state: PreviewState = field(default_factory=PreviewState)
    warm: WarmStart = field(default_factory=WarmStart)  # a code edit re-runs its lesson forked from it
    memories: dict[str, BuildMemory] = field(default_factory=dict)  # per language: what its last build left

    def lessons(self) -> list[Lesson]:
        return discover_lessons(self.root / "lessons")

    def refresh(self, plan: Plan) -> list[str]:
        """Carry out a plan; the problems to show (empty when all went well)."""
        started = time.perf_counter()
        try:
            lessons = {lesson.slug: lesson for lesson in self.lessons()}
            problems = [str(problem) for problem in static_problems([lessons[slug] for slug in plan.lessons
                                                                       if slug in lessons])]
        except LessonError as error:
            return [str(problem) for problem in error.problems]
        if problems:
            return problems
        languages, failures = set(plan.languages), []
        for slug in plan.lessons:
            outcome = run_lesson(lessons[slug], default_store(self.root / "lessons"), warm=self.warm)
            if not outcome.cached:
                languages |= {"zh", "en"}  # the outputs changed: both pages show them
                print(f"preview: {slug} {'failed' if outcome.failure else 'ran'} in {outcome.seconds:.1f} s"
                      f"{' (forked from the warm interpreter)' if outcome.warm else ''}", flush=True)
            if outcome.failure:
                print(outcome.failure, flush=True)
                failures.append(outcome.failure)
        problems = failures + self.build(tuple(lang for lang in ("zh", "en") if lang in languages),
                                         dirty=not plan.clean)
        print(f"preview: rebuilt {', '.join(sorted(languages)) or 'nothing'} in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        return problems

    def build(self, languages: tuple[str, ...], *, dirty: bool = True) -> list[str]:
        """Rebuild these languages; ``dirty``: render only the pages whose source changed, unless
        the change shows on every page (a title, the front matter of a lesson): then all of them."""
        for lang in languages:
            memory = self.memories.setdefault(lang, BuildMemory())
            try:
                dirty_build = dirty and memory.has_built
                build_language(self.root, lang, preview=True, dirty=dirty_build, memory=memory)
                if dirty_build and memory.clean_needed:
                    print(f"preview: a change shows on every {lang} page: rebuilding them all", flush=True)
                    build_language(self.root, lang, preview=True, dirty=False, memory=memory)
            except SiteBuildError as error:
                self.memories.pop(lang)  # a failed build leaves the site half done: the next one is clean
                return str(error).splitlines()
        return []

    def start(self) -> list[str]:
        """Run every stale lesson and build both languages from scratch, before serving."""
        lessons = self.lessons()
        failures = [outcome.failure for outcome in (run_lesson(lesson, default_store(self.root / "lessons"),
                                                               warm=self.warm) for lesson in lessons) if outcome.failure]
        return failures + self.build(("zh", "en"), dirty=False)

    def warm_up(self) -> None:
        """Start the warm server now, so that the first code edit does not wait for its imports."""
        with contextlib.suppress(SandboxUnavailable):
            self.warm.serves(choose(), "cpu", Limits(), self.root.resolve())


def watch_and_refresh(preview: Preview, stop: threading.Event) -> None:
    """Refresh the preview after every batch of saves, until ``stop`` is set."""
    import watchfiles

    paths = [preview.root / name for name in WATCHED if (preview.root / name).exists()]
    for changes in watchfiles.watch(*paths, stop_event=stop, debounce=200, step=50):
        changed = {Path(path) for _, path in changes if not Path(path).name.startswith((".", "#"))}
        if changed:
            preview.state.publish(preview.refresh(plan_for(preview.root, changed)))


# --------------------------------------------------------------------------- serving


class PreviewHandler(PagesHandler):
    """The site as ``serve`` serves it, plus the reload stream, the state and the banner script."""

    def __init__(self, *args, state: PreviewState, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == EVENTS_PATH:
            return self._stream_events()
        if path == STATE_PATH:
            return self._send(self.state.as_json(), "application/json")
        if path == SCRIPT_PATH:
            return self._send(SCRIPT.read_bytes(), "text/javascript")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream_events(self) -> None:
        """Server-Sent Events: one message per new build; the browser waits, it does not poll."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = None  # the first message says the current generation: a tab served before it reloads
        try:
            while True:
                with self.state.changed:
                    self.state.changed.wait_for(lambda seen=seen: self.state.generation != seen, timeout=15)
                    generation = self.state.generation
                message = f"data: {generation}\n\n" if generation != seen else ": still here\n\n"
                seen = generation
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def send_head(self):
        """HTML pages get the preview script, so a tab reloads itself after each build."""
        translated = Path(self.translate_path(self.path))
        page = translated / "index.html" if translated.is_dir() else translated
        if page.suffix != ".html" or not page.is_file() or not self.path.split("?")[0].endswith(("/", ".html")):
            return super().send_head()
        script = f'<script src="{SCRIPT_PATH}" data-generation="{self.state.generation}"></script>'
        body = page.read_bytes().replace(b"</body>", script.encode() + b"</body>", 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)


def preview_server(site_dir: Path, port: int, prefix: str, state: PreviewState) -> QuietServer:
    handler = functools.partial(PreviewHandler, directory=str(site_dir), prefix=prefix, state=state)
    return QuietServer(("127.0.0.1", port), handler)


def run_preview(root: Path, port: int) -> None:
    """``make preview``: build, serve, watch, until Ctrl+C."""
    preview = Preview(root)
    preview.state.publish(preview.start())
    preview.warm_up()
    for problem in preview.state.problems:
        print(problem, flush=True)
    prefix = site_prefix(root)
    server = preview_server(root / "site", port, prefix, preview.state)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Previewing the course at http://127.0.0.1:{server.server_address[1]}{prefix} (zh) and "
          f"…{prefix}en/ (en); save a lesson and the page reloads. Ctrl+C stops.", flush=True)
    stop = threading.Event()
    try:
        watch_and_refresh(preview, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        preview.warm.close()
