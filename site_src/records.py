"""Store each lesson's recorded run, keyed by a hash of everything that produced it.

A record is ``<records_dir>/<slug>/record.json`` plus the PNG figures beside it. Its key
hashes the lesson's code blocks (not its prose), its data files, the data sets it seeds,
the pinned package versions and the runner's own code. A lesson whose key is unchanged
is not run again; the site refuses a record whose key no longer matches.

A record also keeps its ``source_key`` (the same hash without the environment: only the
code, its data and the runner) and the environment it ran in (device, versions, date).
A GPU record, made on another machine, is shown only while its source key and its
package releases match this build's (``fresh_gpu_record``); the newest-torch report
compares records of the same source key made with other versions.
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

PINNED_PACKAGES = ("torch", "torchvision", "numpy", "matplotlib", "mlxtend", "ISLP", "pandas", "snownlp",
                   "scikit-image", "gymnasium", "pygame")
RUNNER_FILES = ("runner.py", "run.py", "extract.py", "datasets.py", "glue.py")


def lesson_key(lesson: Lesson) -> str:
    """A hash of what decides the lesson's outputs: code, data, versions, runner."""
    return _hash(lesson, [("python", platform.python_version()),
                          *((package, _version(package)) for package in PINNED_PACKAGES)])


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
    add("datasets", ",".join(read_front_matter(lesson.zh).datasets))
    for label, value in environment:
        add(label, value)
    for name, source in runner_sources().items():
        add(name, source)
    return digest.hexdigest()[:20]


def runner_sources() -> dict[str, bytes]:
    """The code of the pipeline stages that decide what a run prints: a change to them re-runs lessons."""
    here = Path(__file__).parent
    return {name: (here / name).read_bytes() for name in RUNNER_FILES if (here / name).exists()}


def public_version(version: str) -> str:
    """``2.14.1+cpu`` → ``2.14.1``: the release, without the local build tag."""
    return version.split("+", 1)[0]


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

    def save(self, lesson: Lesson, key: str, result: dict, figures_from: Path) -> dict:
        """Replace the lesson's record with a successful run's result and figures."""
        folder = self.folder(lesson.slug)
        staging = folder.with_name(folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for figure in sorted(figures_from.glob("*.png")) if figures_from.is_dir() else []:
            shutil.copy2(figure, staging / figure.name)
        record = {"key": key, "source_key": source_key(lesson), "versions": installed_versions(),
                  **result}
        (staging / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return record


def fresh_gpu_record(lesson: Lesson, store: RecordStore) -> dict | None:
    """The lesson's GPU record if it ran this code with this build's package releases, else None.

    A GPU runner's key differs from the CPU one (its Python patch release, torch's ``+cu…``
    tag), so the source key and the releases decide: never a record of older code or pins."""
    record = store.load(lesson.slug)
    if record is None or record.get("source_key") != source_key(lesson):
        return None
    return record if same_releases(record.get("versions", {}), installed_versions()) else None


def installed_versions() -> dict[str, str]:
    """The versions of the packages that decide the outputs, as installed here."""
    return {package: _version(package) for package in PINNED_PACKAGES}


def same_releases(versions: dict[str, str], others: dict[str, str]) -> bool:
    """Whether two runs had the same releases of the pinned packages, build tags (``+cpu``) aside."""
    return all(public_version(versions.get(p, "absent")) == public_version(others.get(p, "absent"))
               for p in PINNED_PACKAGES)
