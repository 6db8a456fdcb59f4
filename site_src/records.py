"""Store each lesson's recorded run, keyed by a hash of everything that produced it.

A record is ``<records_dir>/<slug>/record.json`` plus the PNG figures beside it (and an
``outputs/`` folder with the files the blocks wrote there, for download). Its key
hashes the lesson's code blocks (not its prose), its data files, the data sets it seeds,
the pinned package versions and the runner's own code. A lesson whose key is unchanged
is not run again; the site refuses a record whose key no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .extract import extract_blocks
from .lessons import Lesson, read_front_matter

PINNED_PACKAGES = ("torch", "torchvision", "numpy", "matplotlib", "mlxtend", "snownlp", "music21", "jieba")
OUTPUTS_FOLDER = "outputs"  # beside record.json: the files blocks wrote into their working directory's outputs/
RUNNER_FILES = ("runner.py", "run.py", "extract.py", "datasets.py", "glue.py")


def lesson_key(lesson: Lesson) -> str:
    """A hash of what decides the lesson's outputs: code, data, versions, runner."""
    digest = hashlib.sha256()

    def add(label: str, value: str | bytes) -> None:
        data = value.encode() if isinstance(value, str) else value
        digest.update(f"{label}:{len(data)}:".encode() + data)

    for block in extract_blocks(lesson.zh):
        options = [line for line in block.option_lines if not line.replace(" ", "").startswith("#|alt:")]
        add("block", "\n".join(options) + "\n" + block.code)
    for path in lesson.data_files():
        add("data " + path.relative_to(lesson.folder).as_posix(), path.read_bytes())
    add("datasets", ",".join(read_front_matter(lesson.zh).datasets))
    add("python", platform.python_version())
    for package in PINNED_PACKAGES:
        add(package, _version(package))
    for name, source in runner_sources().items():
        add(name, source)
    return digest.hexdigest()[:20]


def runner_sources() -> dict[str, bytes]:
    """The code of the pipeline stages that decide what a run prints: a change to them re-runs lessons."""
    here = Path(__file__).parent
    return {name: (here / name).read_bytes() for name in RUNNER_FILES if (here / name).exists()}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


@dataclass(frozen=True)
class RecordStore:
    """The records of one device's runs (the site shows the CPU ones)."""

    records_dir: Path

    def folder(self, slug: str) -> Path:
        return self.records_dir / slug

    def record_path(self, slug: str) -> Path:
        return self.folder(slug) / "record.json"

    def load(self, slug: str) -> dict | None:
        path = self.record_path(slug)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def fresh_record(self, lesson: Lesson, key: str | None = None) -> dict | None:
        """The lesson's record if it was made from exactly the current code, else None."""
        record = self.load(lesson.slug)
        if record is None or record.get("key") != (key or lesson_key(lesson)):
            return None
        return record

    def outputs_folder(self, slug: str) -> Path:
        """The files the lesson's blocks wrote into ``outputs/``, kept for the page's download links."""
        return self.folder(slug) / OUTPUTS_FOLDER

    def save(self, lesson: Lesson, key: str, result: dict, figures_from: Path, outputs_from: Path | None = None) -> dict:
        """Replace the lesson's record with a successful run's result, figures and output files."""
        folder = self.folder(lesson.slug)
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for figure in sorted(figures_from.glob("*.png")) if figures_from.is_dir() else []:
            shutil.copy2(figure, staging / figure.name)
        for name in sorted({name for block in result.get("blocks", []) for name in block.get("outputs", [])}):
            (staging / OUTPUTS_FOLDER).mkdir(exist_ok=True)
            shutil.copy2(outputs_from / name, staging / OUTPUTS_FOLDER / name)
        record = {"key": key, "versions": {p: _version(p) for p in PINNED_PACKAGES}, **result}
        (staging / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return record
