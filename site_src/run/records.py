"""Store each lesson's recorded run, keyed by a hash of everything that produced it.

A record is ``<records_dir>/<slug>/record.json`` plus the PNG figures beside it (and an
``outputs/`` folder with the files the blocks wrote there, for download). Its key
hashes the lesson's code blocks (not its prose), its data files, the data sets it seeds,
the pinned package versions and the runner's own code. A lesson whose key is unchanged
is not run again; the site refuses a record whose key no longer matches.

A record always says how the latest run ended: a failed run replaces the record with
one that holds only the failure, so the lesson is stale until it passes again. A record
is usable only if every block of the lesson is in it, in order, with the status its
options promise (no block failed, none missing).

A record also keeps its ``source_key`` (the same hash without the environment: only the
code, its data and the runner) and the environment it ran in (device, versions, date).
A GPU record, made on another machine, is shown only while its source key and its
package releases match this build's (``fresh_gpu_record``); the newest-torch report
compares records of the same source key made with other versions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..lesson.extract import extract_blocks
from ..lesson.lessons import Lesson, read_front_matter
from .verdict import skipped_record

PINNED_PACKAGES = ("torch", "torchvision", "numpy", "matplotlib", "mlxtend", "ISLP", "pandas", "snownlp",
                   "onnx", "onnxruntime", "onnxscript",
                   "scikit-image", "gymnasium", "pygame", "music21", "jieba")
OUTPUTS_FOLDER = "outputs"  # beside record.json: the files blocks wrote into their working directory's outputs/
RUNNER_FILES = ("run/runner.py", "run/parent.py", "lesson/extract.py", "run/datasets.py", "lesson/glue.py",  # in site_src/
                "run/sandbox.py", "run/cgroups.py", "run/channel.py", "run/verdict.py", "run/warm.py", "run/publish.py")


def lesson_key(lesson: Lesson) -> str:
    """A hash of what decides the lesson's outputs: code, data, versions, runner."""
    return _hash(lesson, [("python", platform.python_version()),
                          *((package, _version(package)) for package in PINNED_PACKAGES)])


def course_key(lessons: list[Lesson]) -> str:
    """One hash of every lesson's record key: CI names its records cache by it, so that an
    exact match holds a fresh record of every lesson (a nearer-prefix match holds some)."""
    digest = hashlib.sha256()
    for lesson in sorted(lessons, key=lambda lesson: lesson.slug):
        digest.update(f"{lesson.slug}={lesson_key(lesson)}\n".encode())
    return digest.hexdigest()[:20]


def source_key(lesson: Lesson) -> str:
    """The lesson's key without the environment: the same on any machine, with any versions."""
    return _hash(lesson, [])


def _hash(lesson: Lesson, environment: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()

    def add(label: str, value: str | bytes) -> None:
        data = value.encode() if isinstance(value, str) else value
        digest.update(f"{label}:{len(data)}:".encode() + data)

    for block in extract_blocks(lesson.zh):
        options = [line for line in block.option_lines if not line.replace(" ", "").startswith("#|alt:")]
        add("block", "\n".join(options) + "\n" + block.code)
    for path in lesson.data_files():
        add("data " + path.relative_to(lesson.folder).as_posix(), path.read_bytes())
    front = read_front_matter(lesson.zh)
    add("datasets", ",".join(front.datasets))
    add("memory_gb", str(front.memory_gb))
    for label, value in environment:
        add(label, value)
    for name, source in runner_sources().items():
        add(name, source)
    return digest.hexdigest()[:20]


def runner_sources() -> dict[str, bytes]:
    """The code of the pipeline stages that decide what a run prints: a change to them re-runs lessons."""
    package = Path(__file__).resolve().parents[1]
    return {name: (package / name).read_bytes() for name in RUNNER_FILES if (package / name).exists()}


def public_version(version: str) -> str:
    """``2.14.1+cpu`` → ``2.14.1``: the release, without the local build tag."""
    return version.split("+", 1)[0]


@functools.lru_cache(maxsize=64)
def _version(package: str) -> str:
    # Cached for the process: every lesson's key asks for the same pins, and reading a
    # distribution's metadata costs a millisecond (a second over a course three times today's).
    # Installing a package while a pytest run or `make preview` is going is not noticed until
    # the next one starts, as with the modules that process has imported.
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
        """The lesson's record if a passing run made it from exactly the current code, else None."""
        record = self.load(lesson.slug)
        return record if self.unusable(lesson, record, key) is None else None

    def unusable(self, lesson: Lesson, record: dict | None, key: str | None = None) -> str | None:
        """Why the site must not show this record of the lesson ("missing", "stale …"), or None."""
        if record is None:
            return "missing"
        if record.get("key") != (key or lesson_key(lesson)):
            return "stale (the code changed since it ran)"
        if record.get("failure"):
            summary = record["failure"].get("summary", "") if isinstance(record["failure"], dict) else ""
            return f"from a failed run ({summary})" if summary else "from a failed run"
        return _missing_or_failed_block(lesson, record, record.get("device", "cpu"))

    def outputs_folder(self, slug: str) -> Path:
        """The files the lesson's blocks wrote into ``outputs/``, kept for the page's download links."""
        return self.folder(slug) / OUTPUTS_FOLDER

    def save(self, lesson: Lesson, key: str, result: dict, figures_from: Path | None) -> dict:
        """Replace the lesson's record with a run's result, its figures and (in ``figures_from/outputs``)
        the files its blocks wrote for download."""
        folder = self.folder(lesson.slug)
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for figure in sorted(figures_from.glob("*.png")) if figures_from and figures_from.is_dir() else []:
            shutil.copy2(figure, staging / figure.name)
        kept_outputs = figures_from / OUTPUTS_FOLDER if figures_from else None
        for name in sorted({name for block in result.get("blocks", []) for name in block.get("outputs", [])}):
            (staging / OUTPUTS_FOLDER).mkdir(exist_ok=True)
            shutil.copy2(kept_outputs / name, staging / OUTPUTS_FOLDER / name)
        record = {"key": key, "source_key": source_key(lesson), "versions": installed_versions(),
                  **result}
        (staging / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return record

    def save_failed(self, lesson: Lesson, key: str, result: dict) -> None:
        """Replace the lesson's record with a failed run's: no figures, the failure kept, so
        the lesson is stale (re-run, refused by the build) until a run passes."""
        self.save(lesson, key, result, None)


def _missing_or_failed_block(lesson: Lesson, record: dict, device: str) -> str | None:
    blocks, recorded = extract_blocks(lesson.zh), record.get("blocks")
    if not isinstance(recorded, list) or len(recorded) != len(blocks):
        count = len(recorded) if isinstance(recorded, list) else 0
        return f"incomplete ({count} of {len(blocks)} blocks recorded)"
    for block, entry in zip(blocks, recorded):
        expected = _expected_status(block, device)
        status = entry.get("status") if isinstance(entry, dict) else None
        if status != expected or entry.get("index") != block.index:
            return f"incomplete (block {block.index + 1}, {block.path}:{block.line}, is `{status}`, not `{expected}`)"
    return None


def _expected_status(block, device: str) -> str:
    skipped = skipped_record(block, device)
    if skipped is not None:
        return skipped.status
    return "raised" if block.options.raises else "ok"


def fresh_gpu_record(lesson: Lesson, store: RecordStore) -> dict | None:
    """The lesson's GPU record if it ran this code with this build's package releases, else None.

    A GPU runner's key differs from the CPU one (its Python patch release, torch's ``+cu…``
    tag), so the source key and the releases decide: never a record of older code or pins."""
    record = store.load(lesson.slug)
    if record is None or record.get("source_key") != source_key(lesson):
        return None
    if record.get("failure") or _missing_or_failed_block(lesson, record, "cuda"):
        return None  # its latest run failed, or a block has no result
    return record if same_releases(record.get("versions", {}), installed_versions()) else None


def installed_versions() -> dict[str, str]:
    """The versions of the packages that decide the outputs, as installed here."""
    return {package: _version(package) for package in PINNED_PACKAGES}


def same_releases(versions: dict[str, str], others: dict[str, str]) -> bool:
    """Whether two runs had the same releases of the pinned packages, build tags (``+cpu``) aside."""
    return all(public_version(versions.get(p, "absent")) == public_version(others.get(p, "absent"))
               for p in PINNED_PACKAGES)
