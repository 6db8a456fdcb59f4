"""Run one lesson's code blocks and report what each one did to the parent.

This module runs *inside* the child process that ``parent.py`` starts for each lesson (in
the sandbox, see ``sandbox.py``), in the lesson's temporary working directory. It knows
nothing of pytest. It runs the zh file's blocks in order in one namespace (like one
script) and reports each block's raw facts over the report channel (``channel.py``), an
inherited file descriptor opened by the parent: a start mark before the block, then what
it printed (capped), the names of the classes of the exception it raised and where, and
the figures it saved. It does not judge: the parent decides, from these facts and the
blocks it extracted itself, whether the lesson passed.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import functools
import io
import linecache
import os
import platform
import shutil
import signal
import socket
import sys
import time
import traceback
import types
from pathlib import Path

from ..lesson.extract import LessonBlock, extract_blocks
from ..lesson.glue import glue_value
from ..lesson.lessons import Lesson, find_lesson, read_front_matter
from . import channel
from .sandbox import OUTPUT_CHARS, restrict_syscalls
from .verdict import skipped_record

FIGURE_DPI = 100
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # site_src: every stage's frames
OUTPUTS_DIR = "outputs"  # in the working directory: files a block writes here are offered for download
RESULT_DIR = ".lesson-result"  # in the working directory: where the child saves figures for the parent
MAX_STACK_CHARS = 20_000


class BlockTimeout(BaseException):
    """A block ran past its time limit (a BaseException, so ordinary `except Exception` lets it
    through). The parent enforces the limit in any case; this only names the running line."""


class NetworkRefused(ConnectionRefusedError):
    """Lessons run offline: data must be shipped or pre-seeded, never downloaded."""


class CappedText(io.StringIO):
    """A block's stdout or stderr: keeps the first `limit` characters, counts the rest."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.kept, self.cut = limit, 0, 0

    def write(self, text: str) -> int:
        room = self.limit - self.kept
        if len(text) > room:
            self.cut += len(text) - max(room, 0)
        kept = text[:max(room, 0)]
        self.kept += len(kept)
        super().write(kept)
        return len(text)


# ------------------------------------------------------------------------- the run


def run_lesson_blocks(lesson: Lesson, figures_dir: Path, device: str, report, output_chars: int = OUTPUT_CHARS) -> None:
    """Run the blocks of the lesson in the current directory, reporting each; stop after the
    first block that did not do what it promised (the parent judges it again)."""
    blocks = extract_blocks(lesson.zh)
    _remember_source(lesson.zh.rel, lesson.zh.read_text())
    capture = FigureCapture(figures_dir, lesson.slug)
    namespace = {"__name__": "__main__", "__file__": str(Path.cwd() / f"{lesson.slug}.py")}
    for block in blocks:
        if skipped_record(block, device) is not None:
            continue
        report({"type": "start", "index": block.index})
        facts, error = _run_block(block, namespace, capture, output_chars)
        report({"type": "block", **facts})
        if not _as_promised(block, error) or "glue_error" in facts or "check_failure" in facts:
            break


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


def _run_block(block: LessonBlock, namespace: dict, capture: FigureCapture,
               output_chars: int) -> tuple[dict, BaseException | None]:
    stdout, stderr = CappedText(output_chars), CappedText(output_chars)
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
    facts = {"index": block.index, "seconds": round(time.perf_counter() - started, 3),
             "stdout": stdout.getvalue(), "stdout_cut": stdout.cut,
             "stderr": stderr.getvalue(), "stderr_cut": stderr.cut,
             "figures": capture.take(), "error": None if error is None else _error_facts(block, error),
             "outputs": sorted(name for name, stamp in output_files().items() if outputs_before.get(name) != stamp)}
    if _as_promised(block, error):
        facts.update(_glue(block, namespace))
        facts.update(_checked(block, namespace))
    return facts, error


def output_files() -> dict[str, tuple[int, int]]:
    """The plain files in the working directory's ``outputs/`` folder, with their size and change time.

    A block that writes a file there (a generated MIDI file) gets it kept with the record and
    offered for download under the block, as a figure is shown under it. The parent checks
    and copies each one itself (publish.py).
    """
    folder = Path(OUTPUTS_DIR)
    if not folder.is_dir():
        return {}
    return {path.name: (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.iterdir()) if path.is_file() and not path.is_symlink()}


def _glue(block: LessonBlock, namespace: dict) -> dict:
    """The values of the block's ``#| glue:`` bindings, evaluated in the lesson's namespace,
    up to the first that fails (the parent then fails the block at that binding's line)."""
    values = {}
    for binding in block.options.glue:
        try:
            values[binding.name] = glue_value(eval(binding.expression, namespace))  # noqa: S307 — lesson code
        except Exception as error:  # noqa: BLE001 — any failure is the binding's, reported at its line
            return {"glue": values, "glue_error": {"name": binding.name, "text": f"{type(error).__name__}: {error}"}}
    return {"glue": values}


def _checked(block: LessonBlock, namespace: dict) -> dict:
    """How many of the block's ``#| check:`` claims hold, in order, up to the first that does not
    (false, or failing to evaluate): the parent fails the block at that claim's line."""
    for passed, check in enumerate(block.options.checks):
        try:
            value = bool(eval(check.expression, namespace))  # noqa: S307 — lesson code
        except Exception as error:  # noqa: BLE001 — any failure is the claim's, reported at its line
            return {"checks": passed, "check_failure": {"line": check.line, "text": f"raised {type(error).__name__}: {error}"}}
        if not value:
            return {"checks": passed, "check_failure": {"line": check.line, "text": "False"}}
    return {"checks": len(block.options.checks)}


def sealed(*functions):
    """Copies of `functions` that look names up in a private snapshot of their module's
    namespace and of builtins, taken before any lesson code runs.

    Lesson code that replaces the runner's functions (``sys.modules["__main__"]``, the way
    a lesson once swapped the runner's judge), the channel's, or a builtin changes nothing
    in what these copies report. Code that walks the interpreter's frames or memory can
    still reach them; docs/lesson-format.md says what the parent does about that.
    """
    namespaces: dict[int, dict] = {}
    copies = []
    for function in functions:
        private = namespaces.setdefault(id(function.__globals__), {**vars(builtins), **function.__globals__})
        copy = types.FunctionType(function.__code__, private, function.__name__, function.__defaults__,
                                  function.__closure__)
        private[function.__name__] = copy
        copies.append(copy)
    return copies


def _as_promised(block: LessonBlock, error: BaseException | None) -> bool:
    """Whether to go on to the next block (the parent's verdict is the one that counts)."""
    if error is None:
        return block.options.raises is None
    return not isinstance(error, BlockTimeout) and block.options.raises in {cls.__name__ for cls in type(error).__mro__}


# ---------------------------------------------------------------------- reporting


def _error_facts(block: LessonBlock, error: BaseException) -> dict:
    """What the parent needs to judge and report an exception: its class names (the whole
    MRO, for `#| raises`), its text, the lesson line it points at, the lesson's frames."""
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
    stack = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(error))
    return {"types": [cls.__name__ for cls in type(error).__mro__], "text": f"{type(error).__name__}: {error}",
            "line": line, "stack": stack[-MAX_STACK_CHARS:]}


def _is_pipeline_frame(frame: traceback.FrameSummary) -> bool:
    """Frames of this package (the runner, its sandbox hooks) mean nothing to a lesson author."""
    return Path(frame.filename).resolve().is_relative_to(PACKAGE_DIR)


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


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "", None}


def refuse_network() -> None:
    """Make any connection outside the machine fail with a message that says why.

    The loopback interface stays open (a lesson on ``torch.distributed`` starts processes
    that talk over 127.0.0.1); the sandbox's own network namespace holds nothing else."""
    def refuse(*args, **kwargs):
        raise NetworkRefused("lessons run offline: ship the data in the lesson folder, "
                             "or list it under `datasets:` so the runner pre-seeds it")

    original_connect, original_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if self.family == socket.AF_UNIX or _is_loopback(address):
            return original_connect(self, address)
        refuse()

    def getaddrinfo(host, *args, **kwargs):
        if host in LOOPBACK_HOSTS or _is_loopback((host,)):
            return original_getaddrinfo(host, *args, **kwargs)
        refuse()

    socket.socket.connect = connect
    socket.socket.connect_ex = connect
    socket.create_connection = lambda address, *args, **kwargs: (
        _original_create_connection(address, *args, **kwargs) if _is_loopback(address) else refuse())
    socket.getaddrinfo = getaddrinfo


_original_create_connection = socket.create_connection


def _is_loopback(address) -> bool:
    """An (ip, port, …) address on this machine's loopback interface."""
    import ipaddress

    if not isinstance(address, tuple) or not address or not isinstance(address[0], str):
        return False
    if address[0] == "localhost":
        return True
    try:
        return ipaddress.ip_address(address[0]).is_loopback
    except ValueError:
        return False


def confine_writes(workdir: Path) -> None:
    """Refuse to open files for writing outside the lesson's working directory."""
    inside = str(workdir.resolve())
    allowed = (inside + os.sep, "/dev/")  # the separator: a sibling `<workdir>x` is outside

    def audit(event: str, args: tuple) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path, mode = args[0], args[1] if len(args) > 1 else "r"
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            resolved = os.path.realpath(os.fsdecode(path))
            if resolved != inside and (not resolved.startswith(allowed) or resolved.startswith("/dev/shm/")):
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson_dir", type=Path, help="the lesson folder, e.g. lessons/01-tensors")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--report-fd", type=int, required=True, help="the inherited write end of the report pipe")
    parser.add_argument("--output-chars", type=int, default=OUTPUT_CHARS, help="characters kept per block and stream")
    parser.add_argument("--restrict-syscalls", action="store_true",
                        help="install the sandbox's seccomp filter first (a cold start in bwrap; warm children inherit it)")
    args = parser.parse_args(argv)
    if args.restrict_syscalls:
        restrict_syscalls()
    # The report channel is ours: processes the lesson starts must not inherit it.
    os.set_inheritable(args.report_fd, False)
    send, _ = sealed(channel.send, channel.encode)
    report = functools.partial(send, args.report_fd)  # bound before any lesson code runs
    problem = check_device(args.device)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    lesson = find_lesson(args.lesson_dir.parent, args.lesson_dir.name)
    workdir = Path.cwd()
    prepare_workdir(lesson, workdir)
    refuse_network()
    confine_writes(workdir)
    run_blocks, *_ = sealed(run_lesson_blocks, _run_block, _error_facts, _as_promised, _glue, _checked)
    run_blocks(lesson, workdir / RESULT_DIR / "figures", args.device, report, args.output_chars)
    report({"type": "done", "environment": run_environment(args.device)})
    # Leave at once: atexit handlers and threads the lesson started have nothing more to say.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
