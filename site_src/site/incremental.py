"""What a preview build of one language remembers for the next, so that a save rebuilds one page.

``make preview`` rebuilds with MkDocs' dirty build (``build(config, dirty=True)``): only the
pages whose source is newer than their HTML are read and rendered. The hooks
(site_src/site/mkdocs_hooks.py) make that build as right as a clean one with what the previous
build of the language left here:

- the files of every lesson whose inputs did not change (its page, downloads, figures) are
  reused instead of being rendered again;
- the pages the dirty build did not read get their titles back (MkDocs leaves them without
  one, and the nav and footer of the rebuilt pages name them);
- the search index keeps the entries of the pages that were not rebuilt (the search plugin
  indexes only the pages it rendered);
- a change that every page shows (a page title, a lesson's front matter, the glossary) is
  noticed, and the language is then rebuilt clean.

``make build`` never has a memory: every build there is clean and renders everything.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.bccache


@dataclass
class BuildMemory:
    """One language's last preview build, kept by the preview process between builds."""

    site_key: str | None = None  # the inputs that every page of the language shows
    titles: dict[str, str] = field(default_factory=dict)  # page src_uri -> title
    search_docs: list[dict] | None = None  # the search index's entries
    lessons: dict[str, tuple[str, list]] = field(default_factory=dict)  # slug -> (inputs key, its files)
    templates: TemplateCache = field(default_factory=lambda: TemplateCache())  # the theme's, compiled
    has_built: bool = False  # a build of the language finished: a dirty build has something to reuse
    # what the build in progress did (reset by ``begin``)
    site_changed: bool = False
    titles_changed: bool = False
    pages: set[str] = field(default_factory=set)  # the urls of the pages of the site now
    skipped: set[str] = field(default_factory=set)  # src_uris of pages this build did not read
    built: set[str] = field(default_factory=set)  # the urls of the pages it rendered

    def begin(self) -> None:
        self.site_changed, self.titles_changed = False, False
        self.pages, self.skipped, self.built = set(), set(), set()

    @property
    def clean_needed(self) -> bool:
        """Whether the last build was dirty and left pages that show something that changed."""
        return bool(self.skipped) and (self.site_changed or self.titles_changed)

    def saw_site(self, key: str) -> None:
        """The key of what every page shows, as this build found it."""
        self.site_changed = self.site_key is not None and key != self.site_key
        self.site_key = key

    def saw_title(self, src_uri: str, url: str, title: str | None) -> None:
        """A page this build rendered, with the title its nav entry shows."""
        self.built.add(url)
        if src_uri in self.titles and self.titles[src_uri] != title:
            self.titles_changed = True
        if title is not None:
            self.titles[src_uri] = title

    def title_of(self, src_uri: str) -> str | None:
        return self.titles.get(src_uri)

    def merged_search(self, docs: list[dict]) -> list[dict]:
        """The search index's entries: this build's, and the last build's for the pages of the site
        that this build did not render. Entries stay in page order."""
        previous = self.search_docs or []
        kept = [doc for doc in previous if _page_of(doc) in self.pages and _page_of(doc) not in self.built]
        merged = kept + docs
        order = {url: index for index, url in enumerate(dict.fromkeys(_page_of(doc) for doc in previous))}
        merged.sort(key=lambda doc: order.get(_page_of(doc), len(order)))  # stable: sections stay in order
        self.search_docs = merged
        return merged


class TemplateCache(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept in memory: the theme's are parsed once per preview, not
    once per build. Jinja keys each by the template's name and checks its source's hash."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def _page_of(doc: dict) -> str:
    """The page address of a search entry (``lessons/01-tensors/#section`` -> ``lessons/01-tensors/``)."""
    return doc.get("location", "").partition("#")[0]


def merge_search_index(path: Path, memory: BuildMemory) -> None:
    """Rewrite the search index the plugin just wrote with the entries the dirty build left out."""
    if not path.exists():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] = memory.merged_search(index.get("docs", []))
    path.write_text(json.dumps(index, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")


def inputs_key(*parts: str | bytes) -> str:
    """A hash of some inputs, each part framed by its length so that no two lists hash alike."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode() + data)
    return digest.hexdigest()


def folder_stamp(folder: Path, *, read: tuple[str, ...] = ()) -> str:
    """What a folder holds: each file's path, size and modification time, and a hash of the
    bytes of the files whose names match a pattern of ``read`` (a save can keep the size and,
    within the file system's clock step, the time). An empty string for a missing folder."""
    if not folder.is_dir():
        return ""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        rel = path.relative_to(folder).as_posix()
        lines.append(f"{rel} {stat.st_size} {stat.st_mtime_ns}")
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in read):
            lines.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return "\n".join(lines)
