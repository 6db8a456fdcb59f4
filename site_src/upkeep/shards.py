"""Deal the lessons to CI's shards by their recorded durations, so that the shards end together.

``lessons/durations.json`` holds each lesson's seconds from a full run (``python -m site_src
shard --update`` rewrites it from build/records/). The lessons are dealt longest first, each
to the shard with the least work so far (greedy, "longest processing time first"). A lesson
the file does not know yet counts as the median of those it knows. Stale durations only
balance the shards worse: every lesson still runs exactly once.
"""

from __future__ import annotations

import json
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path

DURATIONS_FILE = "durations.json"  # in lessons/
START_UP_SECONDS = 2.0  # a lesson's own process: Python and torch start before its first block
DEFAULT_SECONDS = 10.0  # when no lesson has a duration yet


@dataclass
class Shard:
    """The lessons one CI job runs, and the seconds they are expected to take."""

    index: int
    slugs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def load_durations(lessons_dir: Path) -> dict[str, float]:
    path = lessons_dir / DURATIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def estimates(slugs: list[str], durations: dict[str, float]) -> dict[str, float]:
    """Each lesson's expected seconds: its recorded duration, else the median of the known ones."""
    known = [durations[slug] for slug in slugs if slug in durations]
    fallback = statistics.median(known) if known else DEFAULT_SECONDS
    return {slug: durations.get(slug, fallback) + START_UP_SECONDS for slug in slugs}


def deal(expected: dict[str, float], count: int) -> list[Shard]:
    """Longest first, each lesson to the least-loaded shard (the lower index on a tie)."""
    if count < 1:
        raise ValueError(f"there must be at least one shard, not {count}")
    shards = [Shard(index) for index in range(count)]
    for slug in sorted(expected, key=lambda slug: (-expected[slug], slug)):
        lightest = min(shards, key=lambda shard: (shard.seconds, shard.index))
        lightest.slugs.append(slug)
        lightest.seconds += expected[slug]
    for shard in shards:
        shard.slugs.sort()
    return shards


def plan_summary(shards: list[Shard], expected: dict[str, float], mine: int) -> str:
    """The job summary's table: every shard's lessons and expected seconds, this one in bold."""
    longest = max(shard.seconds for shard in shards) or 1.0
    rows = ["### Lesson shards, dealt by recorded duration", "",
            "| shard | lessons | expected s | of the longest shard |", "|---|---|---:|---:|"]
    for shard in shards:
        name = f"**{shard.index}** (this job)" if shard.index == mine else str(shard.index)
        lessons = ", ".join(f"{slug} ({expected[slug]:.0f} s)" for slug in shard.slugs) or "—"
        rows.append(f"| {name} | {lessons} | {shard.seconds:.0f} | {shard.seconds / longest:.0%} |")
    return "\n".join(rows) + "\n"


def measured_summary(shard: Shard, expected: dict[str, float], records_dir: Path) -> str:
    """This shard's lessons after the run: expected against measured seconds (from their records)."""
    rows = [f"### Shard {shard.index}: expected and measured", "",
            f"Measured: the blocks' seconds in each record, plus {START_UP_SECONDS:g} s start-up as in the estimate.", "",
            "| lesson | expected s | measured s |", "|---|---:|---:|"]
    total = 0.0
    for slug in shard.slugs:
        path = records_dir / slug / "record.json"
        seconds = json.loads(path.read_text(encoding="utf-8")).get("seconds") if path.exists() else None
        measured = "no record" if seconds is None else f"{seconds + START_UP_SECONDS:.1f}"
        total += 0.0 if seconds is None else seconds + START_UP_SECONDS
        rows.append(f"| {slug} | {expected[slug]:.1f} | {measured} |")
    rows.append(f"| **total** | {shard.seconds:.1f} | {total:.1f} |")
    return "\n".join(rows) + "\n"


def recorded_durations(slugs: list[str], records_dir: Path) -> dict[str, float]:
    """Each lesson's seconds as its record in ``records_dir`` holds them (lessons without one left out)."""
    durations = {}
    for slug in slugs:
        path = records_dir / slug / "record.json"
        if path.exists():
            durations[slug] = round(float(json.loads(path.read_text(encoding="utf-8"))["seconds"]), 1)
    return durations


def write_durations(lessons_dir: Path, durations: dict[str, float]) -> Path:
    path = lessons_dir / DURATIONS_FILE
    path.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n", encoding="utf-8")
    return path


def prune_records(records_dir: Path, keep: list[str]) -> list[str]:
    """Delete the records of every lesson but `keep`; the slugs removed.

    In CI each shard starts from main's whole records cache but runs only its own lessons;
    the site job merges the shards' uploads, so a shard must upload only the records it is
    answerable for, or another shard's stale copy could land over a fresh one."""
    removed = []
    for folder in sorted(records_dir.iterdir()) if records_dir.is_dir() else []:
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed
