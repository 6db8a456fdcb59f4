"""Build the two language sites with MkDocs, and serve the result.

``mkdocs.yml`` builds the zh site into ``site/``; ``mkdocs.en.yml`` inherits it and
builds the en site into ``site/en/``. The zh build runs first because it empties ``site/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .incremental import BuildMemory

MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.en.yml")
# The zh build first: it empties site/, the en build writes site/en/ inside it.
LANGUAGES = dict(zip(("zh", "en"), MKDOCS_CONFIGS))


class SiteBuildError(Exception):
    """The site did not build; the message holds every error and strict-mode warning MkDocs logged."""


def build_site(root: Path) -> None:
    """Build both languages into ``<root>/site``; SiteBuildError saying why on failure."""
    for lang in LANGUAGES:
        build_language(root, lang)


def build_language(root: Path, lang: str, *, preview: bool = False, dirty: bool = False,
                   memory: BuildMemory | None = None, site_dir: Path | None = None,
                   configure: Callable | None = None) -> None:
    """Build one language (zh into ``site/``, en into ``site/en/``).

    ``preview``: the forgiving build of ``make preview``: not strict, and a lesson whose
    latest run failed shows that failure instead of stopping the build; a clean zh build
    keeps ``site/en/`` (MkDocs would empty the whole ``site/``). ``dirty``: keep the built
    site and render only the pages whose source changed (MkDocs' own dirty build), with what
    ``memory`` kept of the last build of the language (site_src/site/incremental.py).
    ``site_dir`` and ``configure`` (called with the loaded config): another build of the same
    pages elsewhere, the offline archive's (site_src/site/offline.py).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8's end-of-life banner
    collector = _ProblemCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        config = load_config(str(root / LANGUAGES[lang]), **({"site_dir": str(site_dir)} if site_dir else {}))
        if configure is not None:
            configure(config)
        if preview:
            config.strict = False
            config.extra["preview"] = True
            config.extra["preview_memory"] = memory
        others = [Path(config.site_dir) / "en"] if preview and not dirty and lang == "zh" else []
        with _set_aside(others, root / "build" / "preview-aside"):
            build(config, dirty=dirty)
    except Abort as abort:
        raise SiteBuildError("\n".join(collector.messages) or str(abort)) from None
    finally:
        logger.removeHandler(collector)


@contextlib.contextmanager
def _set_aside(folders: list[Path], aside: Path):
    """Move these folders into ``aside`` while MkDocs empties the site folder, then back."""
    moved = []
    try:
        for folder in folders:
            if folder.is_dir():
                kept = aside / folder.name
                shutil.rmtree(kept, ignore_errors=True)
                kept.parent.mkdir(parents=True, exist_ok=True)
                folder.rename(kept)
                moved.append((kept, folder))
        yield
    finally:
        for kept, folder in moved:
            shutil.rmtree(folder, ignore_errors=True)
            kept.rename(folder)


class _ProblemCollector(logging.Handler):
    """Keeps MkDocs' warnings and errors: in strict mode, any of them fails the build."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def site_prefix(root: Path) -> str:
    """The path part of mkdocs.yml's site_url (``/course/``): where GitHub Pages serves the site."""
    from mkdocs.config import load_config

    return urlsplit(load_config(str(root / MKDOCS_CONFIGS[0])).site_url or "/").path or "/"


def serve_site(site_dir: Path, port: int, prefix: str) -> None:
    """Serve the built site the way GitHub Pages will: under ``prefix``, with 404.html for misses."""
    with pages_server(site_dir, port, prefix) as server:
        print(f"Serving the course at http://127.0.0.1:{port}{prefix} (zh) and "
              f"http://127.0.0.1:{port}{prefix}en/ (en). Ctrl+C stops.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def pages_server(site_dir: Path, port: int, prefix: str,
                 handler: type[PagesHandler] | None = None) -> http.server.ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 (port 0: any free one) that behaves like GitHub Pages
    (``handler``: a PagesHandler that does more, as compress)."""
    handler = functools.partial(handler or PagesHandler, directory=str(site_dir), prefix=prefix)
    return QuietServer(("127.0.0.1", port), handler)


@contextlib.contextmanager
def served_site(site_dir: Path, prefix: str, handler: type[PagesHandler] | None = None) -> Iterator[str]:
    """``site_dir`` served like GitHub Pages on a free port of 127.0.0.1, from a thread, while
    the block runs (the PDF, Lighthouse, the browser tests); yields the site's base URL."""
    server = pages_server(site_dir, 0, prefix, handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``prefix`` (the path of ``site_url``: the 404 page's links are
    absolute); ``/`` redirects there; anything missing gets 404.html with status 404."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def do_GET(self):
        if urlsplit(self.path).path in ("", "/") and self.prefix != "/":
            self.send_response(302)
            self.send_header("Location", self.prefix)
            self.end_headers()
            return None
        return super().do_GET()

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / "no-such-file")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.exists():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 — the signature is http.server's
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A browser that closes a connection early (a cancelled prefetch) is not an error of the site."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
