"""Keep a lesson's zh and en prose from drifting apart silently.

Both files of a lesson have the same structure: the same headings and the same code blocks
in the same order. That structure cuts each file into *sections* (a heading, or the end of a
code block, starts one), and the sections pair up by position. Each section's prose is hashed
with every whitespace character taken out, so reflowing a paragraph does not count as a change;
the code blocks are left out (parity checks them, comments included).

``lessons/translations.json``, committed, holds per lesson and per section the zh and en hashes
from the last time the two said the same thing, and optionally a ``pending`` mark (which side
lags, since when). One file for the course, like ``lessons/durations.json``: a file inside a
lesson folder would be one of the lesson's data files (published beside its page, part of its
run key). Each section is one line of it, so a diff shows which section was marked.

A section whose one side changed since the record while the other did not is *stale*: a
Problem at the changed side, naming the other side and the two commands that resolve it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .extract import PYTHON_FENCE_LANGUAGES, block_tokens
from .lessons import LANGUAGES, Lesson, LessonSource, front_matter_of, header_end
from .problems import Problem

RECORD_NAME = "translations.json"
COMMAND = "python -m site_src translations"
OTHER = {"zh": "en", "en": "zh"}


@dataclass(frozen=True)
class Section:
    """A stretch of one language's prose: from a heading, or from the end of a code block."""

    opener: str  # "start", "h2", … or "code": what starts it, the same in both languages
    line: int  # 1-based file line where it starts (its heading, or the line after the block)
    text: str  # its prose, code blocks left out
    heading: str  # the text of its own heading or the nearest one above ("" before any)

    @property
    def digest(self) -> str:
        return text_hash(self.text)


@dataclass(frozen=True)
class SectionPair:
    index: int
    zh: Section
    en: Section

    def side(self, lang: str) -> Section:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class SectionState:
    """How one pair stands against the record: sync, stale, pending, or new (both sides
    differ from the record, or the lesson has none: nothing to compare)."""

    pair: SectionPair
    state: str
    changed: str | None = None  # stale: the side that changed
    lagging: str | None = None  # pending: the side that lags
    since: str | None = None  # pending: the date the other side changed


def text_hash(text: str) -> str:
    """The hash of the prose with all whitespace removed: reflowing a paragraph (in zh, a line
    break between two characters) does not change it."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- sections


def sections_of(source: LessonSource) -> list[Section]:
    """The file's sections, in order."""
    return list(_sections_of_text(source.format, source.read_text()))


@functools.lru_cache(maxsize=1024)  # more than both files of every lesson: a build asks for each again
def _sections_of_text(file_format: str, text: str) -> tuple[Section, ...]:
    # Cached by the file's text: the check, the report and the page each ask for them.
    sections = _split(_markdown_lines(file_format, text))
    start = sections[0]
    # The title and summary are prose too (the nav, the home page's table): part of the first section.
    sections[0] = Section(start.opener, start.line, _front_matter_prose(file_format, text) + start.text, start.heading)
    return tuple(sections)


def _front_matter_prose(file_format: str, text: str) -> str:
    """The front matter's title and summary, one a line ("" where it cannot be read: the front
    matter check reports that)."""
    front = front_matter_of(text, file_format)
    if front is None:
        return ""
    try:
        matter = yaml.safe_load(front)
    except yaml.YAMLError:
        return ""
    if not isinstance(matter, dict):
        return ""
    return "".join(f"{matter[key]}\n" for key in ("title", "summary") if isinstance(matter.get(key), str))


def _markdown_lines(file_format: str, text: str) -> list[tuple[int, str]]:
    """The file as Markdown, each line with its file line: a notebook's markdown cells without
    their ``# `` prefix, its code cells as python fences; the front matter left out."""
    lines = text.splitlines()
    if file_format == "markdown":
        return list(enumerate(lines, start=1))
    numbered = []
    for kind, marker, cell in _notebook_cells(lines):
        if kind == "markdown":
            numbered += [(number, line[2:] if line.startswith("# ") else line.lstrip("#")) for number, line in cell]
        elif any(line.strip() for _, line in cell):  # an empty code cell is no block (extract.py)
            numbered += [(marker, "```python"), (cell[-1][0], "```")]
    return numbered


def _notebook_cells(lines: list[str]) -> list[tuple[str, int, list[tuple[int, str]]]]:
    """(kind, marker line, numbered lines) of each ``# %%`` cell; code before any marker is a cell too."""
    start = header_end(lines, "# ---")
    cells = [("code", start + 1, [])]
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", number, []))
        else:
            cells[-1][2].append((number, line))
    return cells


def _split(numbered: list[tuple[int, str]]) -> list[Section]:
    texts = [text for _, text in numbered]
    tokens = block_tokens("\n".join(texts))  # only the block structure matters: headings, fences
    skip, starts = set(), {}  # line index -> the openers of the sections starting there
    for token in tokens:
        if not token.map or token.level != 0:
            continue
        start, end = token.map
        if token.type == "front_matter":
            skip.update(range(start, end))
        elif token.type == "heading_open":
            starts.setdefault(start, []).append(token.tag)
        elif token.type == "fence" and (token.info.split() or [""])[0] in PYTHON_FENCE_LANGUAGES:
            skip.update(range(start, end))
            starts.setdefault(end, []).insert(0, "code")  # a heading right under a block: two sections
    sections, opener, first, body, heading = [], "start", None, [], ""
    for index, (number, text) in enumerate(numbered):
        for next_opener in starts.get(index, []):
            sections.append(Section(opener, first or number, "\n".join(body), heading))
            opener, first, body = next_opener, number, []
            if opener.startswith("h"):
                heading = text.lstrip("#").strip()
        if index in skip:
            continue
        first = first or number
        body.append(text)
    sections.append(Section(opener, first or (numbered[-1][0] if numbered else 1), "\n".join(body), heading))
    # the stretch before the first heading may be empty (front matter only): keep it anyway,
    # so that both files always have a "start" section at index 0
    return sections


def pair_sections(lesson: Lesson) -> tuple[list[SectionPair], list[Problem]]:
    """The lesson's sections paired zh with en; a Problem (both file:line) where the structures differ."""
    zh, en = sections_of(lesson.zh), sections_of(lesson.en)
    for zh_section, en_section in zip(zh, en):
        if zh_section.opener != en_section.opener:
            return [], [_mismatch(lesson, zh_section, en_section)]
    if len(zh) != len(en):
        longer, lang = (zh, "zh") if len(zh) > len(en) else (en, "en")
        extra = longer[min(len(zh), len(en))]
        source, other = lesson.sources[lang], lesson.sources[OTHER[lang]]
        return [], [Problem(source.rel, extra.line,
                            f"{len(zh)} sections in zh but {len(en)} in en: this {_describe(extra.opener)} "
                            f"has no counterpart after the end of {other.rel}",
                            "give both languages the same headings and code blocks, in the same order")]
    return [SectionPair(index, *sides) for index, sides in enumerate(zip(zh, en))], []


def _mismatch(lesson: Lesson, zh: Section, en: Section) -> Problem:
    return Problem(lesson.en.rel, en.line,
                   f"the structure differs from {lesson.zh.rel}:{zh.line}: en has {_describe(en.opener)} here, "
                   f"zh has {_describe(zh.opener)}",
                   "give both languages the same headings (same levels) and code blocks, in the same order")


def _describe(opener: str) -> str:
    if opener == "code":
        return "the end of a code block"
    return f"a level-{opener[1]} heading" if opener.startswith("h") else "the start"


# ----------------------------------------------------------------------------- record


def record_path(lessons_dir: Path) -> Path:
    return lessons_dir / RECORD_NAME


def load_record(lessons_dir: Path) -> dict | None:
    """The course's sync record, or None where the course keeps none (the check is off)."""
    path = record_path(lessons_dir)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_record(lessons_dir: Path, record: dict) -> Path:
    """Write the record one section per line, lessons in course order: readable in a diff."""
    parts = []
    for slug in sorted(record):
        entries = ",\n".join("    " + json.dumps(entry, ensure_ascii=False) for entry in record[slug])
        parts.append(f"  {json.dumps(slug)}: [\n{entries}\n  ]")
    path = record_path(lessons_dir)
    path.write_text("{\n" + ",\n".join(parts) + "\n}\n", encoding="utf-8")
    return path


def synced_entries(pairs: list[SectionPair]) -> list[dict]:
    """Record entries saying every section is in sync as it is now."""
    return [{"zh": pair.zh.digest, "en": pair.en.digest, "at": _label(pair)} for pair in pairs]


def _label(pair: SectionPair) -> str:
    where = "after a code block" if pair.zh.opener == "code" else "at"
    return f"{where} {pair.zh.heading}" if pair.zh.heading else f"{where} the start"


def mark_synced(record: dict, lesson: Lesson) -> list[Problem]:
    """Record every section of the lesson as in sync now (pending marks are dropped)."""
    pairs, problems = pair_sections(lesson)
    if not problems:
        record[lesson.slug] = synced_entries(pairs)
    return problems


def mark_pending(record: dict, lesson: Lesson, line: int | None, lang: str | None,
                 today: datetime.date | None = None) -> list[SectionState]:
    """Mark the stale sections of the lesson pending (only the one at ``lang``'s file ``line``,
    if given): the side that did not change lags. Returns the sections marked."""
    today = today or datetime.date.today()
    if lesson.slug not in record:
        return []  # nothing recorded, nothing stale: the lesson is first marked in sync (--mark)
    states = section_states(lesson, record[lesson.slug])
    entries = record[lesson.slug]
    chosen = [state for state in states if state.state == "stale"
              and (line is None or _section_at(states, lang, line) is state)]
    for state in chosen:
        while len(entries) <= state.pair.index:
            entries.append({"zh": "", "en": "", "at": _label(state.pair)})
        entries[state.pair.index]["pending"] = {"lagging": OTHER[state.changed], "since": today.isoformat()}
    return chosen


def _section_at(states: list[SectionState], lang: str, line: int) -> SectionState | None:
    found = None
    for state in states:
        if state.pair.side(lang).line <= line:
            found = state
    return found


# ------------------------------------------------------------------------------ check


def section_states(lesson: Lesson, entries: list[dict] | None) -> list[SectionState]:
    """Each section pair of the lesson against its record entries (none: all "new")."""
    pairs, problems = pair_sections(lesson)
    if problems:
        return []
    entries = entries or []
    recorded_pairs = {(entry["zh"], entry["en"]) for entry in entries}
    recorded = {lang: {entry[lang] for entry in entries} for lang in LANGUAGES}
    states = []
    for pair in pairs:
        pending = entries[pair.index].get("pending") if pair.index < len(entries) else None
        zh, en = pair.zh.digest, pair.en.digest
        if pending:
            states.append(SectionState(pair, "pending", lagging=pending["lagging"], since=pending["since"]))
        elif (zh, en) in recorded_pairs:
            states.append(SectionState(pair, "sync"))
        elif zh in recorded["zh"] and en not in recorded["en"]:
            states.append(SectionState(pair, "stale", changed="en"))
        elif en in recorded["en"] and zh not in recorded["zh"]:
            states.append(SectionState(pair, "stale", changed="zh"))
        elif zh in recorded["zh"] and en in recorded["en"]:
            states.append(SectionState(pair, "sync"))  # both known, paired differently: sections moved
        else:
            states.append(SectionState(pair, "new"))
    return states


def check_translations(lesson: Lesson, record: dict | None) -> list[Problem]:
    """Structure mismatches, a lesson missing from the record, and every stale section."""
    if record is None:
        return []
    pairs, problems = pair_sections(lesson)
    if problems:
        return problems
    if lesson.slug not in record:
        return [Problem(lesson.zh.rel, None, f"this lesson has no entry in lessons/{RECORD_NAME}, so its "
                                             "translation cannot be checked",
                        f"once zh and en say the same thing, run `{COMMAND} --mark {lesson.slug}`")]
    return [stale_problem(lesson, state) for state in section_states(lesson, record[lesson.slug])
            if state.state == "stale"]


def stale_problem(lesson: Lesson, state: SectionState) -> Problem:
    changed, other = state.changed, OTHER[state.changed]
    here, there = state.pair.side(changed), state.pair.side(other)
    source, other_source = lesson.sources[changed], lesson.sources[other]
    return Problem(source.rel, here.line,
                   f"this section changed since it was last marked in sync with {other_source.rel}:{there.line}, "
                   f"which did not change ({other} translation is stale)",
                   f"update {other_source.rel}:{there.line} to say the same and run `{COMMAND} --mark {lesson.slug}`, "
                   f"or leave the {other} pending with `{COMMAND} --pending {source.rel}:{here.line}`")


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True)
class LessonReport:
    slug: str
    counts: dict[str, int]
    oldest_pending: str | None  # ISO date
    problems: list[Problem]


def lesson_report(lesson: Lesson, record: dict | None) -> LessonReport:
    record = record or {}
    problems = check_translations(lesson, record)
    states = section_states(lesson, record.get(lesson.slug))
    counts = {name: sum(state.state == name for state in states) for name in ("sync", "stale", "pending", "new")}
    dates = sorted(state.since for state in states if state.since)
    return LessonReport(lesson.slug, counts, dates[0] if dates else None, problems)


def age_in_days(date: str, today: datetime.date | None = None) -> int:
    return ((today or datetime.date.today()) - datetime.date.fromisoformat(date)).days


def report_markdown(reports: list[LessonReport], today: datetime.date | None = None) -> str:
    """The report as a Markdown table (for CI's job summary)."""
    rows = ["| lesson | in sync | stale | pending | oldest pending | new |", "|---|---:|---:|---:|---|---:|"]
    for report in reports:
        counts = report.counts
        oldest = (f"{report.oldest_pending} ({age_in_days(report.oldest_pending, today)} days)"
                  if report.oldest_pending else "")
        rows.append(f"| {report.slug} | {counts['sync']} | {counts['stale']} | {counts['pending']} | {oldest} "
                    f"| {counts['new']} |")
    stale = sum(report.counts["stale"] for report in reports)
    pending = sum(report.counts["pending"] for report in reports)
    title = f"### Translations: {stale} stale section(s), {pending} pending"
    return "\n".join([title, "", *rows]) + "\n"


# ------------------------------------------------------------------------ page notes


@dataclass(frozen=True)
class PendingNote:
    """Where the lagging language's page says a section may lag, and what it links to."""

    line: int  # the section's first file line in the lagging file
    at_heading: bool  # the section starts with its heading (the note goes under it)
    since: str
    other_heading: str  # the heading of the same section (or the nearest above) in the other language


def pending_notes(lesson: Lesson, lang: str) -> list[PendingNote]:
    """The notes the ``lang`` page shows: one per section pending with ``lang`` lagging."""
    record = load_record(lesson.folder.parent)
    if not record or lesson.slug not in record:
        return []
    states = section_states(lesson, record[lesson.slug])
    notes = {}
    for state in states:
        if state.state != "pending" or state.lagging != lang:
            continue
        # The first section (the front matter and what precedes the first heading) shows its
        # note with the next section: the page's title comes first.
        shown = states[1].pair if state.pair.index == 0 and len(states) > 1 else state.pair
        here = shown.side(lang)
        notes.setdefault(here.line, PendingNote(here.line, here.opener.startswith("h"), state.since,
                                                shown.side(OTHER[lang]).heading))
    return list(notes.values())
