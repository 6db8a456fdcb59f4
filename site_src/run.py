"""Run a lesson in its own process and temporary directory, unless its record is fresh.

The parent side of ``runner.py``: it decides whether a lesson needs running, starts the
child with a clean environment (matplotlib on Agg, no writes outside the working
directory, no network), enforces the per-lesson time limit, and stores the record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .lessons import Lesson, repo_root_of
from .records import RecordStore, lesson_key
from .runner import OUTPUTS_DIR, PROGRESS_MARK, RESULT_DIR

DEFAULT_LESSON_TIMEOUT = 300.0


@dataclass(frozen=True)
class RunOutcome:
    """How a lesson run ended: its record (on success) or a failure report."""

    lesson: Lesson
    record: dict | None
    failure: str | None
    cached: bool
    seconds: float


def run_lesson(lesson: Lesson, store: RecordStore, device: str = "cpu", *,
               lesson_timeout: float = DEFAULT_LESSON_TIMEOUT, force: bool = False) -> RunOutcome:
    key = lesson_key(lesson)
    if not force:
        record = store.fresh_record(lesson, key)
        if record is not None:
            return RunOutcome(lesson, record, None, True, 0.0)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"lesson-{lesson.slug}-") as workdir:
        work = Path(workdir)
        failure, result = _run_child(lesson, work, device, lesson_timeout)
        record = None
        if failure is None:
            record = store.save(lesson, key, result, work / RESULT_DIR / "figures", work / OUTPUTS_DIR)
    return RunOutcome(lesson, record, failure, False, round(time.perf_counter() - started, 3))


def _run_child(lesson: Lesson, work: Path, device: str, timeout: float) -> tuple[str | None, dict | None]:
    command = [sys.executable, "-m", "site_src.runner", str(lesson.folder.resolve()), "--device", device]
    try:
        done = subprocess.run(command, cwd=work, env=child_environment(work, device), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return _lesson_timeout(lesson, timeout, expired.stderr), None
    result_path = work / RESULT_DIR / "result.json"
    if not result_path.exists():
        where = lesson.zh.rel
        return (f"{where}: the lesson runner stopped before recording anything (exit code {done.returncode})\n"
                f"{done.stderr.strip()}"), None
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if result.get("failure"):
        return result["failure"]["report"], result
    return None, result


def child_environment(work: Path, device: str = "cpu") -> dict[str, str]:
    """The parent's environment, with every cache and temp path moved into the workdir."""
    environment = dict(os.environ)
    repo = str(Path(__file__).resolve().parent.parent)
    (work / "tmp").mkdir(exist_ok=True)
    environment.update({
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / ".config" / "matplotlib"),
        "XDG_CACHE_HOME": str(work / ".cache"),
        "TORCH_HOME": str(work / ".cache" / "torch"),
        "TMPDIR": str(work / "tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": os.pathsep.join(filter(None, [repo, environment.get("PYTHONPATH")])),
    })
    if device == "cpu":
        # One CPU thread per lesson: lessons run side by side (pytest-xdist), and the numbers
        # a training run prints do not depend on how many cores the machine has. A GPU run
        # keeps every core, so a lesson's CPU-vs-GPU timing compares fairly.
        environment.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return environment


def _lesson_timeout(lesson: Lesson, timeout: float, stderr: str | bytes | None) -> str:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else (stderr or "")
    marks = [line[len(PROGRESS_MARK):] for line in text.splitlines() if line.startswith(PROGRESS_MARK)]
    where = marks[-1] if marks else lesson.zh.rel
    return (f"{where}: the lesson exceeded its time limit of {timeout:g} s while running this block\n"
            "  what to do: make the lesson faster (smaller data, fewer epochs), "
            "or mark long blocks `#| gpu: true` if they only make sense on a GPU")


def default_store(lessons_dir: Path, device: str = "cpu") -> RecordStore:
    suffix = "" if device == "cpu" else f"-{device}"
    return RecordStore(repo_root_of(lessons_dir) / "build" / f"records{suffix}")
