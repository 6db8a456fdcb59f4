"""Run a lesson in its own sandboxed process and temporary directory, unless its record is fresh.

The parent side of ``runner.py``. It decides whether a lesson needs running, starts the
child in the sandbox (``sandbox.py``) with an allow-listed environment, and keeps to
itself everything that decides the outcome:

- the verdict: the child reports raw facts over a pipe opened before it starts
  (``channel.py``); the parent judges them against the blocks it extracted itself
  (``verdict.py``), and a block without a result fails;
- the limits: each block's time limit from the child's start marks, the lesson's time
  limit, the number of processes; on overrun it kills the whole sandbox;
- the kill: at the end of every run, pass or fail, the child's process group goes, and
  with it the sandbox's PID namespace (nothing started by the lesson survives);
- the record: figures and files in ``outputs/`` are copied only when the facts name them
  and ``publish.py`` finds them safe to publish; a failed run replaces the record, so the
  site build refuses the lesson until it passes again.

Given a ``WarmStart`` (``warm.py``), the child is forked by a warm server that has
already imported torch, instead of started as a new interpreter; everything above holds
the same way (killing a warm child kills its server).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..lesson.extract import LessonBlock, extract_blocks
from ..lesson.lessons import Lesson, read_front_matter, repo_root_of
from .cgroups import LessonCgroup
from .channel import ChannelError, FrameReader
from .publish import copy_figures, copy_outputs
from .records import OUTPUTS_FOLDER, RecordStore, lesson_key
from .runner import OUTPUTS_DIR
from .sandbox import (
    GIB,
    PACKAGE_ROOT,
    Limits,
    Sandbox,
    SandboxUnavailable,
    child_environment,
    choose,
    kill_sandbox,
    remove_tree,
)
from .verdict import BlockRecord, Failure, failure, judge, skipped_record
from .warm import WarmChild, WarmStart

DEFAULT_LESSON_TIMEOUT = 300.0
KILL_GRACE = 2.0  # past a block's limit: time for the child's own alarm to name the line first
FINISH_GRACE = 2.0  # after the child said it is done: time to exit by itself before it is killed
COUNT_EVERY = 0.25  # seconds between two counts of the sandbox's processes
REPORT_FD = 200  # the lowest descriptor number the child's report pipe may take
STDERR_KEPT = 4000
# Everything a lesson may send the parent over its report pipe: 2 streams × 1,000,000 characters
# per block would let a long lesson fill the parent's memory; this bounds the whole lesson.
MAX_REPORT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RunOutcome:
    """How a lesson run ended: its record (on success) or a failure report."""

    lesson: Lesson
    record: dict | None
    failure: str | None
    cached: bool
    seconds: float
    warm: bool = False  # forked from a warm server (warm.py) rather than started as a new interpreter


def run_lesson(lesson: Lesson, store: RecordStore, device: str = "cpu", *,
               lesson_timeout: float = DEFAULT_LESSON_TIMEOUT, force: bool = False,
               warm: WarmStart | None = None) -> RunOutcome:
    """Run the lesson (forked from `warm`'s server where it serves the lesson, else in a new
    interpreter), unless its record is fresh; save the record either way it ends."""
    key = lesson_key(lesson)
    if not force:
        record = store.fresh_record(lesson, key)
        if record is not None:
            return RunOutcome(lesson, record, None, True, 0.0)
    started = time.perf_counter()
    try:
        sandbox = choose(device)
    except SandboxUnavailable as error:
        return RunOutcome(lesson, None, f"{lesson.zh.rel}: {error}", False, 0.0)
    limits = Limits(memory_bytes=read_front_matter(lesson.zh).memory_gb * GIB)
    course = repo_root_of(lesson.folder.parent).resolve()
    if warm is not None and not warm.serves(sandbox, device, limits, course):
        warm = None
    workdir = warm.lesson_workdir(lesson.slug) if warm else _cold_workdir(lesson.slug)
    ran_warm = False
    with tempfile.TemporaryDirectory(prefix=f"figures-{lesson.slug}-") as kept:
        try:
            with workdir as work:  # its cleanup is part of the run: one that fails, fails the lesson
                child = ChildRun(lesson, work, device, sandbox, limits, lesson_timeout, warm)
                transcript = child.run()
                ran_warm = child.warm is not None
                result, fail = _verdict(child, transcript, Path(kept))
        except Exception as error:  # noqa: BLE001 — whatever broke in the parent, the lesson has not passed
            result, fail = _parent_failure(lesson, device, error)
        if fail is None:
            record = store.save(lesson, key, result, Path(kept))
        else:
            record = None
            store.save_failed(lesson, key, result)
    return RunOutcome(lesson, record, fail.report if fail else None, False, round(time.perf_counter() - started, 3),
                      ran_warm)


@contextlib.contextmanager
def _cold_workdir(slug: str):
    workdir = Path(tempfile.mkdtemp(prefix=f"lesson-{slug}-"))
    try:
        yield workdir
    finally:
        remove_tree(workdir)


def _parent_failure(lesson: Lesson, device: str, error: Exception) -> tuple[dict, Failure]:
    """The record of a run the parent could not finish or clean up after: a failure, never a pass."""
    summary = f"the run could not be completed: {type(error).__name__}: {str(error)[:500]}"
    fail = Failure(lesson.zh.rel, 1, "pipeline", summary,
                   f"{lesson.zh.rel}: {summary}\n  what to do: if the lesson made this (a folder tree too deep "
                   "to remove, a flood of output), change the lesson; otherwise report it as a bug of the pipeline")
    result = {"slug": lesson.slug, "source": lesson.zh.rel, "device": device, "blocks": [],
              "failure": asdict(fail), "seconds": 0.0, "environment": {}}
    return result, fail


# ---------------------------------------------------------------- the child's run


@dataclass
class Transcript:
    """What the parent saw of one child: the facts of each block, and how the run ended."""

    facts: dict[int, dict] = field(default_factory=dict)
    running: LessonBlock | None = None
    ended: str = ""  # "done", "block-timeout", "lesson-timeout", "processes", "protocol", "exited"
    detail: str = ""
    exit_code: int | None = None
    stderr: str = ""
    environment: dict = field(default_factory=dict)  # what the run ran on (device, versions, date)
    between: LessonBlock | None = None  # the next block to run, while the lesson is between two blocks
    received_bytes: int = 0  # of reports, counted against MAX_REPORT_BYTES
    memory_killed: bool = False  # the kernel killed a process of the lesson's cgroup for its memory


class ChildRun:
    """One run of the lesson's child, watched and, at the end, killed by the parent."""

    def __init__(self, lesson: Lesson, work: Path, device: str, sandbox: Sandbox, limits: Limits,
                 lesson_timeout: float, warm: WarmStart | None = None):
        self.lesson, self.work, self.device, self.sandbox, self.limits = lesson, work, device, sandbox, limits
        self.lesson_timeout, self.warm = lesson_timeout, warm
        self.blocks = extract_blocks(lesson.zh)
        self.to_run = [block for block in self.blocks if skipped_record(block, device) is None]
        self.cgroup: LessonCgroup | None = None  # the run's cgroup (cgroups.py), where cgroups can be made
        self.memory_kills_before = 0  # the cgroup's count of kills for memory when the lesson started

    def run(self) -> Transcript:
        read_end, write_end = os.pipe()
        report_fd = fcntl.fcntl(write_end, fcntl.F_DUPFD_CLOEXEC, REPORT_FD)
        os.close(write_end)
        try:
            process = self._start(report_fd)
        except BaseException:
            self._remove_own_cgroup()
            raise
        finally:
            os.close(report_fd)
        transcript = Transcript()
        try:
            self._watch(process, read_end, transcript)
        finally:
            _end(process)
            transcript.exit_code = process.returncode
            transcript.memory_killed = self.cgroup is not None and self.cgroup.oom_kills() > self.memory_kills_before
            self._remove_own_cgroup()
            for stream in (process.stdout, process.stderr):
                stream.close()
            os.close(read_end)
        return transcript

    def _remove_own_cgroup(self) -> None:
        """A cold run's cgroup goes with the run; a warm server's stays with the server (warm.py)."""
        if self.cgroup is not None and not self.warm:
            self.cgroup.remove()

    def _start(self, report_fd: int) -> subprocess.Popen | WarmChild:
        if self.warm:
            try:
                return self._start_warm(report_fd)
            except OSError:  # the server died since it said it serves: this lesson starts cold
                self.warm.abandon()
                self.warm = None
        return self._start_cold(report_fd)

    def _start_cold(self, report_fd: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "site_src.run.runner", str(self.lesson.folder.resolve()),
                   "--device", self.device, "--report-fd", str(report_fd),
                   "--output-chars", str(self.limits.output_chars)]
        if self.sandbox.enabled:
            command.append("--restrict-syscalls")
        repos = [repo_root_of(self.lesson.folder.parent), PACKAGE_ROOT, Path(sys.prefix), Path(sys.base_prefix)]
        environment = child_environment(self.work, self.device)
        self.sandbox.hand_over(self.work)
        # Its own cgroup, also when a warm start failed over to this one after choosing the server's.
        self.cgroup = self.sandbox.lesson_cgroup(f"lesson-{self.lesson.slug}", self.limits)
        self.memory_kills_before = 0
        return subprocess.Popen(
            self.sandbox.wrap(command, self.work, repos, self.device, self.limits, cgroup=self.cgroup), cwd=self.work,
            env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(report_fd,), start_new_session=True)

    def _start_warm(self, report_fd: int) -> WarmChild:
        """The child forked by the warm server, with the report pipe and its own stdout and stderr."""
        streams = [os.pipe(), os.pipe()]
        request = {"lesson_dir": str(self.lesson.folder.resolve()), "work": str(self.work),
                   "environment": child_environment(self.work, self.device),
                   "output_chars": self.limits.output_chars}
        self.sandbox.hand_over(self.work)
        self.sandbox.open_the_way([self.lesson.folder])  # made since the server started (a test's course)
        self.cgroup, self.memory_kills_before = self.warm.limit_next_lesson(self.limits)
        try:
            child = self.warm.start_child(request, [report_fd, *(write for _, write in streams)])
        except OSError:
            for read, _ in streams:
                os.close(read)
            raise
        finally:
            for _, write in streams:
                os.close(write)
        child.stdout, child.stderr = (open(read, "rb", buffering=0) for read, _ in streams)
        return child

    def _watch(self, process: subprocess.Popen | WarmChild, read_end: int, transcript: Transcript) -> None:
        """Read the child's reports until it is done or breaks a limit. When it is done, give
        it a moment to exit by itself (so its CPU time is accounted to the parent)."""
        selector = selectors.DefaultSelector()
        selector.register(read_end, selectors.EVENT_READ, "report")
        selector.register(process.stdout, selectors.EVENT_READ, "stdout")
        selector.register(process.stderr, selectors.EVENT_READ, "stderr")
        if isinstance(process, WarmChild):
            selector.register(process.wake, selectors.EVENT_READ, "ended")  # the server's word that it ended
        own_processes = process.own_processes if isinstance(process, WarmChild) else int(self.sandbox.enabled)
        reader, stderr = FrameReader(), bytearray()
        now = time.monotonic()
        deadlines = {"lesson-timeout": now + self.lesson_timeout}
        next_count = now
        while True:
            now = time.monotonic()
            if transcript.ended == "done":
                deadlines = {"done": deadlines.get("done", now + FINISH_GRACE)}
                if process.poll() is not None or now >= deadlines["done"]:
                    break
            elif transcript.ended:
                break
            elif expired := [name for name, at in deadlines.items() if now >= at]:
                transcript.ended = expired[0]
                break
            elif now >= next_count:
                count = _count_processes(process.pid) - own_processes  # bwrap's own init, the warm server
                if count > self.limits.processes:
                    transcript.ended, transcript.detail = "processes", f"{count} processes"
                    break
                next_count = now + COUNT_EVERY
            for key, _ in selector.select(max(min(*deadlines.values(), next_count) - now, 0.0)):
                if key.data == "ended":
                    continue  # read by process.poll() below
                data = os.read(key.fd, 65536)
                if key.data == "report":
                    if not data:
                        selector.unregister(read_end)
                    self._take(reader, data, transcript, deadlines)
                elif not data:
                    selector.unregister(key.fileobj)
                elif key.data == "stderr":
                    stderr += data
                    del stderr[:-STDERR_KEPT]
                # the child's own stdout (C-level writes, subprocesses) is read and dropped
            if not transcript.ended and process.poll() is not None:
                # It ended; what it wrote is in the pipe (a process it forked may hold the pipe open).
                os.set_blocking(read_end, False)
                with contextlib.suppress(BlockingIOError):
                    while not transcript.ended and (data := os.read(read_end, 65536)):
                        self._take(reader, data, transcript, deadlines)
                transcript.ended = transcript.ended or "exited"
        transcript.stderr = stderr.decode(errors="replace")

    def _take(self, reader: FrameReader, data: bytes, transcript: Transcript, deadlines: dict) -> None:
        """Take the reports in `data` (an empty read: the child closed the pipe)."""
        if not data:
            transcript.ended = transcript.ended or "exited"
            return
        transcript.received_bytes += len(data)
        if transcript.received_bytes > MAX_REPORT_BYTES:
            transcript.ended, transcript.detail = "report-size", f"{transcript.received_bytes:,} bytes so far"
            return
        try:
            for message in reader.feed(data):
                if transcript.ended:
                    break
                self._receive(message, transcript, deadlines)
        except (ChannelError, RecursionError, ValueError, TypeError, KeyError, AttributeError) as error:
            transcript.ended, transcript.detail = "protocol", f"{type(error).__name__}: {str(error)[:200]}"

    def _receive(self, message: dict, transcript: Transcript, deadlines: dict) -> None:
        """One report: a block starts (its time limit starts too), a block ended, all done."""
        kind, index = message["type"], message.get("index")
        expected = next((block for block in self.to_run if block.index not in transcript.facts), None)
        if kind == "start" and transcript.running is None and expected is not None and index == expected.index:
            transcript.running = expected
            # The first block's clock starts at its start mark; every later block's started when
            # the block before it ended, so time spent between two blocks counts too.
            deadlines.setdefault("block-timeout", time.monotonic() + expected.options.timeout + KILL_GRACE)
        elif kind == "block" and transcript.running is not None and index == transcript.running.index:
            transcript.facts[index], transcript.running = message, None
            following = next((block for block in self.to_run if block.index not in transcript.facts), None)
            transcript.between = following
            deadlines["block-timeout"] = time.monotonic() + (
                following.options.timeout + KILL_GRACE if following else FINISH_GRACE)
        elif kind == "done" and transcript.running is None:
            transcript.ended = "done"
            reported = message.get("environment")
            transcript.environment = {str(key)[:40]: str(value)[:200] for key, value in reported.items()
                                      } if isinstance(reported, dict) else {}
        else:
            transcript.ended = "protocol"
            transcript.detail = f"an unexpected report `{kind}` for block {index!r}"


def _count_processes(root: int) -> int:
    """Processes below `root` (the sandbox's PID namespace is entirely below it)."""
    count, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{pid}/task/{thread}/children") as children:
                    found = [int(child) for child in children.read().split()]
            except OSError:
                continue
            count += len(found)
            pending += found
    return count


def _end(process: subprocess.Popen | WarmChild) -> None:
    if isinstance(process, WarmChild):
        process.finish()
    else:
        kill_sandbox(process)


# ------------------------------------------------------------------- the verdict


def _verdict(child: ChildRun, transcript: Transcript, kept: Path) -> tuple[dict, Failure | None]:
    """The lesson's result, judged block by block from the transcript; the first failure stops it."""
    lesson, records, fail = child.lesson, [], None
    for block in child.blocks:
        skipped = skipped_record(block, child.device)
        if skipped is not None:
            records.append(skipped)
            continue
        facts = transcript.facts.get(block.index)
        if facts is None:
            fail = _no_result(child, block, transcript)
            records.append(BlockRecord(block.index, block.line, "failed"))
            break
        names, problem = copy_figures(child.work, lesson.slug, block.index, facts.get("figures"), kept)
        record, fail = judge(block, facts, output_chars=child.limits.output_chars,
                             memory_text=child.limits.memory_text, figures=names)
        if problem and fail is None:
            record.status = "failed"
            fail = failure(block, block.line, "figure", problem, "save figures only through `plt.show()`")
        record.outputs, problem = copy_outputs(child.work, facts.get("outputs"), kept / OUTPUTS_FOLDER)
        if problem and fail is None:
            record.status = "failed"
            fail = failure(block, block.line, "output", problem,
                           f"publish only the allowed types within the limits (docs/lesson-format.md), "
                           f"or write the file outside {OUTPUTS_DIR}/ so it is not published")
        records.append(record)
        if fail:
            break
    if fail is None and transcript.ended != "done":
        fail = _not_done(child, transcript)
    result = {"slug": lesson.slug, "source": lesson.zh.rel, "device": child.device,
              "blocks": [asdict(record) for record in records], "failure": asdict(fail) if fail else None,
              "seconds": round(sum(record.seconds for record in records), 3), "environment": transcript.environment}
    return result, fail


def _no_result(child: ChildRun, block: LessonBlock, transcript: Transcript) -> Failure:
    timeout = block.options.timeout
    if transcript.ended == "block-timeout" and transcript.running is None and transcript.between is block:
        return failure(block, block.line, "timeout",
                       f"the lesson did not start this block within its time limit of {timeout:g} s "
                       "after the block before it ended, so the lesson was killed",
                       "do not keep the process busy between blocks (threads, atexit handlers, signal handlers)")
    if transcript.ended == "report-size":
        return failure(block, block.line, "limit", f"the lesson's reports passed {MAX_REPORT_BYTES:,} bytes "
                       f"({transcript.detail}), so the lesson was killed",
                       "print less: every block's output is kept in the record and shown on the page")
    if transcript.ended == "block-timeout" and transcript.running is block:
        return failure(block, block.line, "timeout",
                       f"block exceeded its time limit of {timeout:g} s, and did not stop when told to, "
                       "so the lesson was killed",
                       "make the block faster (smaller data, fewer steps) or raise `#| timeout: SECONDS`; "
                       "do not catch BaseException or ignore SIGALRM")
    if transcript.ended == "lesson-timeout":
        return _lesson_timeout(child, block if transcript.running is block else None)
    if transcript.ended == "processes":
        return failure(block, block.line, "limit",
                       f"the lesson started more processes than its limit of {child.limits.processes} "
                       f"({transcript.detail}), so it was killed",
                       "start fewer processes (DataLoader workers, subprocesses)")
    if transcript.ended == "protocol":
        return failure(block, block.line, "no-result", f"the lesson's report broke off: {transcript.detail}",
                       "do not write to the runner's report pipe")
    if transcript.memory_killed:
        return _memory_failure(child, block, "while running this block" if transcript.running is block
                               else "before this block ran")
    state = "while running this block" if transcript.running is block else "before this block ran"
    return failure(block, block.line, "no-result",
                   f"the lesson's process ended {state}, without reporting its result ({_exit_text(transcript)})",
                   "do not end the process from the lesson (os._exit, os.kill, a crash in native code)"
                   + _stderr_text(transcript))


def _memory_failure(child: ChildRun, block: LessonBlock, state: str) -> Failure:
    return failure(block, block.line, "limit",
                   f"the lesson's processes together used more than its memory limit of {child.limits.memory_text} "
                   f"{state} (memory, memfd and files in /tmp and /dev/shm count), so the kernel killed the lesson",
                   "use less memory (smaller data or models, fewer processes, delete temporary files), "
                   "or raise `memory_gb:` in the front matter")


def _not_done(child: ChildRun, transcript: Transcript) -> Failure:
    """Every block reported, but the runner did not finish (or it broke a limit at the end)."""
    block = child.to_run[-1] if child.to_run else None
    if block is None:
        return Failure(child.lesson.zh.rel, 1, "no-result", "the lesson runner stopped early",
                       f"{child.lesson.zh.rel}: the lesson runner stopped before it finished "
                       f"({_exit_text(transcript)}){_stderr_text(transcript)}")
    if transcript.ended == "lesson-timeout":
        return _lesson_timeout(child, None)
    if transcript.memory_killed:
        return _memory_failure(child, block, "after its last block")
    return failure(block, block.line, "no-result",
                   f"the lesson runner did not finish after the last block ({transcript.ended or 'no end'}"
                   f"{': ' + transcript.detail if transcript.detail else ''}; {_exit_text(transcript)})",
                   "do not end or block the process from the lesson" + _stderr_text(transcript))


def _lesson_timeout(child: ChildRun, running: LessonBlock | None) -> Failure:
    where = f"{running.path}:{running.line}" if running else child.lesson.zh.rel
    summary = f"the lesson exceeded its time limit of {child.lesson_timeout:g} s" + (
        " while running this block" if running else "")
    report = (f"{where}: {summary}\n"
              "  what to do: make the lesson faster (smaller data, fewer epochs), "
              "or mark long blocks `#| gpu: true` if they only make sense on a GPU")
    return Failure(running.path if running else child.lesson.zh.rel, running.line if running else 1,
                   "timeout", summary, report)


def _exit_text(transcript: Transcript) -> str:
    code = transcript.exit_code
    if code is None:
        return "it was still running"
    if code < 0 or code > 128:
        number = -code if code < 0 else code - 128
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


def _stderr_text(transcript: Transcript) -> str:
    text = transcript.stderr.strip()
    return f"\n\nThe lesson process's own stderr (last lines):\n{text}" if text else ""


def default_store(lessons_dir: Path, device: str = "cpu") -> RecordStore:
    suffix = "" if device == "cpu" else f"-{device}"
    return RecordStore(repo_root_of(lessons_dir) / "build" / f"records{suffix}")
