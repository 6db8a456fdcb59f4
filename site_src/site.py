"""Build the two language sites with MkDocs, and serve the result.

``mkdocs.yml`` builds the zh site into ``site/``; ``mkdocs.en.yml`` inherits it and
builds the en site into ``site/en/``. The zh build runs first because it empties ``site/``.
"""

from __future__ import annotations

import functools
import http.server
import os
from pathlib import Path

MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.en.yml")


def build_site(root: Path) -> None:
    """Build both languages; MkDocsException (with the lesson problems) on failure."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8's end-of-life banner
    for name in MKDOCS_CONFIGS:
        build(load_config(str(root / name)))


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
