"""Run one lesson's code blocks and record what each one printed and drew.

This module runs *inside* the child process that ``run.py`` starts for each lesson, in
the lesson's temporary working directory. It knows nothing of pytest. It runs the zh
file's blocks in order in one namespace (like one script), and writes a JSON result:
each block's stdout, stderr, figures and the files it wrote into
``outputs/``, and, if a block failed, where and why.

Run it by hand with ``python -m site_src.runner LESSON_DIR RESULT_JSON FIGURES_DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import linecache
import os
import platform
import shutil
import signal
import socket
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .extract import LessonBlock, extract_blocks
from .glue import glue_value
from .lessons import Lesson, find_lesson, read_front_matter

FIGURE_DPI = 100
PACKAGE_DIR = Path(__file__).resolve().parent
OUTPUTS_DIR = "outputs"  # in the working directory: files a block writes here are kept with the record
OUTPUT_LIMIT_BYTES = 2_000_000
PROGRESS_MARK = "[lesson-block] "  # on the real stderr, so the parent can name a hung block


@dataclass
class BlockRecord:
    """What one block did when it ran."""

    index: int
    line: int
    status: str  # "ok", "raised" (as asked), "gpu-skipped", "not-run", "failed"
    stdout: str = ""
    stderr: str = ""
    error: str = ""  # "TypeError: …" for must-raise blocks
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    glue: dict = field(default_factory=dict)  # name -> value, for the prose (see glue.py)
    outputs: list[str] = field(default_factory=list)  # files the block wrote into outputs/ (kept, offered for download)


@dataclass
class Failure:
    """Why a lesson stopped: where, what kind, and the report a person reads."""

    path: str
    line: int
    kind: str  # "error", "timeout", "did-not-raise", "wrong-exception", "glue", "output", "setup"
    summary: str
    report: str


@dataclass
class LessonResult:
    slug: str
    source: str
    device: str
    blocks: list[BlockRecord]
    failure: Failure | None = None
    seconds: float = 0.0
    environment: dict = field(default_factory=dict)  # what the run ran on: see run_environment

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


class BlockTimeout(BaseException):
    """A block ran past its time limit (a BaseException, so lesson code cannot catch it)."""


class NetworkRefused(ConnectionRefusedError):
    """Lessons run offline: data must be shipped or pre-seeded, never downloaded."""


# ------------------------------------------------------------------------- the run


def run_lesson_blocks(lesson: Lesson, figures_dir: Path, device: str) -> LessonResult:
    """Run every block of the lesson in the current directory; stop at the first failure."""
    blocks = extract_blocks(lesson.zh)
    _remember_source(lesson.zh.rel, lesson.zh.read_text())
    capture = FigureCapture(figures_dir, lesson.slug)
    namespace = {"__name__": "__main__", "__file__": str(Path.cwd() / f"{lesson.slug}.py")}
    result = LessonResult(lesson.slug, lesson.zh.rel, device, [])
    started = time.perf_counter()
    for block in blocks:
        record, failure = _run_block(block, namespace, capture, device)
        result.blocks.append(record)
        if failure:
            result.failure = failure
            break
    result.seconds = round(time.perf_counter() - started, 3)
    result.environment = run_environment(device)
    return result


def run_environment(device: str) -> dict:
    """The machine the run ran on, for the page's "verified on" line: device, versions, date."""
    environment = {"device": "CPU", "python": platform.python_version(), "date": time.strftime("%Y-%m-%d", time.gmtime())}
    torch = sys.modules.get("torch")  # a lesson that never imported torch is not made to pay for it
    environment["torch"] = torch.__version__ if torch else _installed("torch")
    if device == "cuda" and torch is not None:
        environment["device"] = torch.cuda.get_device_name(0)
        environment["cuda"] = torch.version.cuda
    return environment


def _installed(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _run_block(block: LessonBlock, namespace: dict, capture: FigureCapture, device: str):
    record = BlockRecord(block.index, block.line, "ok")
    if not block.options.run:
        record.status = "not-run"
        return record, None
    if block.options.gpu and device != "cuda":
        record.status = "gpu-skipped"
        return record, None
    sys.__stderr__.write(f"{PROGRESS_MARK}{block.path}:{block.line}\n")
    sys.__stderr__.flush()
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    error: BaseException | None = None
    outputs_before = output_files()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), _time_limit(block.options.timeout):
        capture.block_index = block.index
        try:
            code = compile("\n" * (block.code_line - 1) + block.code, block.path, "exec")
            exec(code, namespace)
        except BaseException as caught:  # noqa: BLE001 — every failure of lesson code is reported
            error = caught
        finally:
            capture.capture_open_figures()
    record.seconds = round(time.perf_counter() - started, 3)
    record.stdout, record.stderr, record.figures = stdout.getvalue(), stderr.getvalue(), capture.take()
    record.outputs = sorted(name for name, stamp in output_files().items() if outputs_before.get(name) != stamp)
    failure = _judge(block, record, error)
    return record, failure or _glue(block, record, namespace) or _check_outputs(block, record)


def _glue(block: LessonBlock, record: BlockRecord, namespace: dict) -> Failure | None:
    """Evaluate the block's ``#| glue:`` bindings in the lesson's namespace and record their values."""
    for binding in block.options.glue:
        try:
            record.glue[binding.name] = glue_value(eval(binding.expression, namespace))  # noqa: S307 — lesson code
        except Exception as error:  # noqa: BLE001 — any failure is the binding's, reported at its line
            record.status = "failed"
            return _failure(block, binding.line, "glue",
                            f"`#| glue: {binding.name}` could not be recorded: {type(error).__name__}: {error}",
                            "bind a name the block defines, whose value is a number or text")
    return None


def output_files() -> dict[str, tuple[int, int]]:
    """The plain files in the working directory's ``outputs/`` folder, with their size and change time.

    A block that writes a file there (a generated MIDI file, a saved model) gets it kept with the
    record and offered for download under the block, as a figure is shown under it.
    """
    folder = Path(OUTPUTS_DIR)
    if not folder.is_dir():
        return {}
    return {path.name: (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.iterdir()) if path.is_file() and not path.is_symlink()}


def _check_outputs(block: LessonBlock, record: BlockRecord) -> Failure | None:
    """A file for download must stay small: it is published with every build of the site."""
    for name in record.outputs:
        size = (Path(OUTPUTS_DIR) / name).stat().st_size
        if size > OUTPUT_LIMIT_BYTES:
            record.status = "failed"
            return _failure(block, block.line, "output",
                            f"{OUTPUTS_DIR}/{name} is {size:,} bytes; a file offered for download may have "
                            f"at most {OUTPUT_LIMIT_BYTES:,}",
                            f"write a smaller file, or write it outside {OUTPUTS_DIR}/ so it is not published")
    return None


def _judge(block: LessonBlock, record: BlockRecord, error: BaseException | None) -> Failure | None:
    """None if the block did what it promised; else the failure, and the record marked failed."""
    expected = block.options.raises
    if error is None and expected is None:
        return None
    if error is not None and expected in {cls.__name__ for cls in type(error).__mro__}:
        record.status = "raised"
        record.error = f"{type(error).__name__}: {error}"
        return None
    record.status = "failed"
    if error is None:
        return _failure(block, block.line, "did-not-raise",
                        f"this block must raise {expected} but raised nothing",
                        f"fix the block so that it shows the mistake, or remove `#| raises: {expected}`")
    if expected is None or isinstance(error, BlockTimeout):
        return _failure_from(block, error)
    return _failure_from(block, error, "wrong-exception",
                         f"this block must raise {expected} but raised {type(error).__name__}: {error}")


# ---------------------------------------------------------------------- reporting


def _failure_from(block: LessonBlock, error: BaseException, kind: str = "error", summary: str = "") -> Failure:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if not _is_pipeline_frame(frame)]
    first_lesson = next((i for i, frame in enumerate(frames) if frame.filename == block.path), None)
    frames = frames[first_lesson:] if first_lesson is not None else []
    lesson_frames = [frame for frame in frames if frame.filename == block.path]
    if isinstance(error, SyntaxError) and error.filename == block.path:
        line = error.lineno or block.code_line
    elif lesson_frames:
        line = lesson_frames[-1].lineno
    else:
        line = block.code_line
    if isinstance(error, BlockTimeout):
        return _failure(block, line, "timeout",
                        f"block exceeded its time limit of {block.options.timeout:g} s (it was running line {line})",
                        "make the block faster (smaller data, fewer steps) or raise `#| timeout: SECONDS`")
    summary = summary or f"{type(error).__name__}: {error}"
    stack = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(error))
    return _failure(block, line, kind, summary, "fix the lesson code at this line", stack)


def _is_pipeline_frame(frame: traceback.FrameSummary) -> bool:
    """Frames of this package (the runner, its sandbox hooks) mean nothing to a lesson author."""
    return Path(frame.filename).resolve().parent == PACKAGE_DIR


def _failure(block: LessonBlock, line: int, kind: str, summary: str, fix: str, stack: str = "") -> Failure:
    report = [f"{block.path}:{line}: {summary}", f"  what to do: {fix}", "", _show_block(block, line)]
    if stack:
        report += ["", "Traceback (lesson frames and below):", stack.rstrip()]
    return Failure(block.path, line, kind, summary, "\n".join(report))


def _show_block(block: LessonBlock, marked_line: int) -> str:
    """The block as it stands in the lesson, with its file lines and the failing one marked."""
    shown = []
    for number, text in enumerate(block.source.splitlines(), start=block.line):
        marker = ">" if number == marked_line else " "
        shown.append(f"{marker} {number:4d} | {text}")
    return "\n".join(shown)


def _remember_source(rel: str, text: str) -> None:
    """Let tracebacks show lesson lines although the working directory is elsewhere."""
    lines = text.splitlines(keepends=True)
    linecache.cache[rel] = (len(text), None, lines, rel)


# ------------------------------------------------------------------------ figures


class FigureCapture:
    """Saves matplotlib figures as PNG where the lesson calls ``plt.show()``."""

    def __init__(self, figures_dir: Path, slug: str):
        self.figures_dir, self.slug = figures_dir, slug
        self.block_index, self._taken = 0, []
        figures_dir.mkdir(parents=True, exist_ok=True)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.switch_backend("Agg")

        def show(*args, **kwargs) -> None:
            self.capture_open_figures()

        self._plt = plt
        plt.show = show  # a plain function: pyplot sets attributes on it

    def capture_open_figures(self) -> None:
        for number in self._plt.get_fignums():
            figure = self._plt.figure(number)
            name = f"{self.slug}-b{self.block_index:02d}-{len(self._taken) + 1}.png"
            figure.savefig(self.figures_dir / name, dpi=FIGURE_DPI, bbox_inches="tight",
                           metadata={"Software": None})
            self._taken.append(name)
        self._plt.close("all")

    def take(self) -> list[str]:
        taken, self._taken = self._taken, []
        return taken


# ------------------------------------------------------------------ sandbox rules


@contextlib.contextmanager
def _time_limit(seconds: float):
    def expire(signum, frame):
        raise BlockTimeout(f"time limit of {seconds:g} s exceeded")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refuse_network() -> None:
    """Make any connection outside the machine fail with a message that says why."""
    def refuse(*args, **kwargs):
        raise NetworkRefused("lessons run offline: ship the data in the lesson folder, "
                             "or list it under `datasets:` so the runner pre-seeds it")

    original_connect = socket.socket.connect

    def connect(self, address):
        if self.family == socket.AF_UNIX:
            return original_connect(self, address)
        refuse()

    socket.socket.connect = connect
    socket.socket.connect_ex = connect
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


def confine_writes(workdir: Path) -> None:
    """Refuse to open files for writing outside the lesson's working directory."""
    allowed = (str(workdir.resolve()), "/dev/")

    def audit(event: str, args: tuple) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path, mode = args[0], args[1] if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            resolved = os.path.realpath(os.fsdecode(path))
            if not resolved.startswith(allowed):
                raise PermissionError(f"lessons may write only inside their working directory, not to {resolved}; "
                                      "use a relative path such as 'model.pt'")

    sys.addaudithook(audit)


# --------------------------------------------------------------------------- setup


def prepare_workdir(lesson: Lesson, workdir: Path) -> None:
    """Copy the lesson's data files in, and pre-seed the data sets its front matter lists."""
    for path in lesson.data_files():
        target = workdir / path.relative_to(lesson.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    datasets = read_front_matter(lesson.zh).datasets
    if datasets:
        from .datasets import seed_dataset

        for name in datasets:
            seed_dataset(name, workdir / "data")


def check_device(device: str) -> str | None:
    """Why the device cannot be used, or None. A CUDA run must never pass on a CPU."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            return ("--device cuda: CUDA is not available on this machine (torch.cuda.is_available() is False); "
                    "run the GPU job on a runner with an NVIDIA GPU and a CUDA build of torch")
    return None


RESULT_DIR = ".lesson-result"  # inside the working directory: the only place a lesson may write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson_dir", type=Path, help="the lesson folder, e.g. lessons/01-tensors")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args(argv)
    problem = check_device(args.device)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    lesson = find_lesson(args.lesson_dir.parent, args.lesson_dir.name)
    workdir = Path.cwd()
    prepare_workdir(lesson, workdir)
    out = workdir / RESULT_DIR
    refuse_network()
    confine_writes(workdir)
    result = run_lesson_blocks(lesson, out / "figures", args.device)
    (out / "result.json").write_text(result.to_json(), encoding="utf-8")
    return 1 if result.failure else 0


if __name__ == "__main__":
    sys.exit(main())
