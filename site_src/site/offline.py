"""The course offline: per language, the whole site in one zip that works from ``file://``.

``python -m site_src offline`` builds each language a second time, from the same records as
``python -m site_src build``, into ``build/offline/<lang>/``, then zips it as
``site/downloads/course-<lang>.zip`` (one folder, ``course-<lang>/``, inside). The offline build
differs from the site's in what ``file://`` needs:

- ``use_directory_urls: false``: a link to ``lessons/01-tensors/`` cannot open its
  ``index.html`` from the disk, so every link names the file;
- Material's own ``offline`` plugin: the browser cannot fetch ``search_index.json`` from the
  disk, so the plugin inlines it as ``search/search_index.js``, which Material's script loads
  with a ``<script>`` tag when the page is a file;
- its search worker: Chromium and Firefox start no Web Worker from ``file://``. The plugin
  adds iframe-worker (by Material's author), which runs the worker in a hidden iframe, but
  as ``https://unpkg.com/iframe-worker/shim``, a script from outside. The archive ships the
  same shim, from npm (``tools/offline``, ``npm ci --prefix tools/offline``), at
  ``assets/javascripts/iframe-worker.js``;
- the language switch leads to the other language on the web (each archive holds one language),
  and the home page links the archives and the PDF on the web.

Everything else (figures, typeset math with its fonts, each lesson's ``.py`` and ``.ipynb``,
the print view) is what the site build makes, by the same hooks. A second MkDocs build, not a
rewrite of ``site/``'s links, because MkDocs then makes every link itself.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urljoin

from .build import LANGUAGES, build_language

DOWNLOADS = "downloads"  # in site/: the archives and the PDFs, beside the zh site's root
OFFLINE_TOOL = Path(__file__).resolve().parents[2] / "tools" / "offline"
IFRAME_WORKER = OFFLINE_TOOL / "node_modules" / "iframe-worker" / "shim" / "index.js"
IFRAME_WORKER_URI = "assets/javascripts/iframe-worker.js"
SETUP_HINT = "install it with `npm ci --prefix tools/offline` (`make setup` does this), then run this again"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # every entry's date: the same site gives the same archive
# Left out of the archive: the search index as JSON (only fetched over HTTP; from the disk the
# pages load its copy search_index.js) and the theme's source maps (read only by developer tools).
LEFT_OUT = ("search/search_index.json", "*.map")


class OfflineError(Exception):
    """The offline archive could not be made; the message says why and what to do."""


def archive_name(lang: str) -> str:
    return f"course-{lang}.zip"


def pdf_name(lang: str) -> str:
    return f"course-{lang}.pdf"


def build_archives(root: Path) -> dict[str, Path]:
    """Build both languages for ``file://`` and zip each; the archives by language."""
    if not IFRAME_WORKER.is_file():
        raise OfflineError(f"the offline archive's search needs iframe-worker, which is missing ({IFRAME_WORKER}): "
                           + SETUP_HINT)
    return {lang: build_archive(root, lang) for lang in LANGUAGES}


def build_archive(root: Path, lang: str) -> Path:
    """One language built into ``build/offline/<lang>/`` and zipped into ``site/downloads/``."""
    scratch = root / "build" / "offline" / lang
    build_language(root, lang, site_dir=scratch, configure=offline_config)
    target = scratch / IFRAME_WORKER_URI
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(IFRAME_WORKER, target)
    return zip_folder(scratch, root / "site" / DOWNLOADS / archive_name(lang), f"course-{lang}")


def offline_config(config) -> None:
    """Turn a language's loaded MkDocs config into its offline build's."""
    from material.plugins.offline.plugin import OfflinePlugin

    plugin = OfflinePlugin()
    plugin.load_config({})
    config.plugins["material/offline"] = plugin  # sets use_directory_urls: false, inlines the search index
    # A polyfill naming iframe-worker keeps the plugin from adding unpkg.com's copy.
    config.extra["polyfills"] = [IFRAME_WORKER_URI]
    config.extra["offline"] = True
    config.extra["alternate"] = [{**entry, "link": online_root(config, entry["lang"])}
                                 if entry["lang"] != config.extra.get("lang") else entry
                                 for entry in config.extra.get("alternate", [])]


def online_root(config, lang: str) -> str:
    """The address on the web of the ``lang`` site's root (en lives at ``en/`` under zh's)."""
    zh_root = urljoin(config.site_url or "", "../") if config.extra.get("lang") == "en" else config.site_url or ""
    return zh_root if lang == "zh" else urljoin(zh_root, f"{lang}/")


def zip_folder(folder: Path, archive: Path, top: str) -> Path:
    """``folder``'s files in ``archive`` under one folder ``top``, in a stable order with a fixed date."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(relative.match(pattern) for pattern in LEFT_OUT):
                entry = zipfile.ZipInfo(f"{top}/{relative.as_posix()}", ZIP_DATE)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(entry, path.read_bytes())
    os.replace(partial, archive)
    return archive


def download_links(config) -> dict[str, str]:
    """Where this page's build links the course's archive, PDF and print view: relative on the
    site (the downloads sit in the zh site's root), on the web from an offline archive."""
    lang = config.extra.get("lang", "zh")
    if config.extra.get("offline"):
        downloads = urljoin(online_root(config, "zh"), f"{DOWNLOADS}/")
        print_page = "print.html"
    else:
        downloads = f"{'../' if lang != 'zh' else ''}{DOWNLOADS}/"
        print_page = "print/" if config.use_directory_urls else "print.html"
    return {"archive": downloads + archive_name(lang), "pdf": downloads + pdf_name(lang), "print": print_page}
