"""Build the two language sites with MkDocs, and serve the result.

``mkdocs.yml`` builds the zh site into ``site/``; ``mkdocs.en.yml`` inherits it and
builds the en site into ``site/en/``. The zh build runs first because it empties ``site/``.
"""

from __future__ import annotations

import functools
import http.server
import logging
import os
from pathlib import Path

MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.en.yml")


class SiteBuildError(Exception):
    """The site did not build; the message holds every error and strict-mode warning MkDocs logged."""


def build_site(root: Path) -> None:
    """Build both languages into ``<root>/site``; SiteBuildError saying why on failure."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8's end-of-life banner
    collector = _ProblemCollector()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        for name in MKDOCS_CONFIGS:
            build(load_config(str(root / name)))
    except Abort as abort:
        raise SiteBuildError("\n".join(collector.messages) or str(abort)) from None
    finally:
        logger.removeHandler(collector)


class _ProblemCollector(logging.Handler):
    """Keeps MkDocs' warnings and errors: in strict mode, any of them fails the build."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def serve_site(site_dir: Path, port: int) -> None:
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Serving the course at http://127.0.0.1:{port}/ (zh) and http://127.0.0.1:{port}/en/ (en). "
              "Ctrl+C stops.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 — the signature is http.server's
        pass
