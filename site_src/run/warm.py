"""The warm start: one sandboxed interpreter that has imported the heavy libraries forks a
fresh child for each lesson, so lessons no longer pay ``import torch`` one by one.

A short lesson spends about half its time starting up (``import torch, torchvision,
matplotlib``: 2–3.5 s here). A warm server pays that once per pytest worker or preview:

- **Parent side** (``WarmStart``, in the pytest worker): starts the server in the same
  bubblewrap sandbox and under the same limits a cold lesson gets (``sandbox.py``), with
  one writable folder, the *warm root*, that holds each lesson's working directory in
  turn. For each lesson it sends the request and the child's three descriptors (report
  pipe, stdout, stderr) over a Unix socket; ``parent.py`` watches, judges and, if need be,
  kills the child exactly as it does a cold one (killing a warm child kills the server).
- **Server side** (``python -m site_src.run.warm``, inside the sandbox): imports
  ``WARM_MODULES`` and the runner, and nothing of any lesson, makes itself non-dumpable (lesson code
  cannot ptrace it or read its memory) and the subreaper of everything a lesson starts,
  then forks one child per request. The child keeps only its three descriptors, takes
  the lesson's environment, directory and fresh RNG seeds, and runs ``runner.main`` as a
  cold child would.

Between two lessons the server kills every other process of the sandbox and reaps them,
empties ``/tmp``, ``/dev/shm`` and ``/dev/mqueue`` and removes System V IPC objects; the
parent then empties the warm root. What a lesson changed in memory dies with its child:
the next child is forked from the untouched server (rcParams, the font cache, RNG
state, threads, imported modules). A server that cannot make the sandbox clean again,
dies, or whose lesson had to be killed is thrown away; the next lesson gets a new one.

The warm start runs only in a bubblewrap sandbox (the server's "kill every other
process" must stay inside its own PID namespace: it refuses to start anywhere else),
only on the CPU (a GPU run starts each lesson cold: CUDA does not survive a fork once
touched, and no GPU run of the warm path has been measured), and only for the default
limits (a lesson with its own ``memory_gb:`` starts cold).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .cgroups import LessonCgroup
from .sandbox import (
    MAX_TASKS,
    PACKAGE_ROOT,
    CleanupFailed,
    Limits,
    Sandbox,
    child_environment,
    kill_sandbox,
    remove_tree,
    restrict_syscalls,
)

WARM_MODULES = ("numpy", "torch", "torchvision", "matplotlib.pyplot")
HARNESS_MODULES = ("site_src.run.runner", "jupytext")  # ours: the runner, and the reader of notebook lessons
READY_TIMEOUT = 180.0  # seconds for the server's imports, on a loaded machine
MESSAGE_BYTES = 1 << 20
PRIVATE_FOLDERS = ("/tmp", "/dev/shm", "/dev/mqueue")  # inside the sandbox: emptied after each lesson
SYSV_IPC_TABLES = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")
PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
CLEAN_TRIES = 100


class WarmUnavailable(Exception):
    """The warm server could not start (the message says why); lessons start cold instead."""


# ------------------------------------------------------------------ parent side


@dataclass
class WarmServer:
    """One running server: its sandbox's first process, the parent's socket end, its root,
    and the folder of the courses whose lessons it can read."""

    process: subprocess.Popen
    control: socket.socket
    root: Path
    courses: Path
    cgroup: LessonCgroup | None = None  # the server's and its lessons' (cgroups.py), where cgroups can be made


class WarmStart:
    """The warm server of one process (a pytest worker, a preview), started on first use.

    ``serves`` says whether a lesson can run warm (and starts the server if need be);
    ``lesson_workdir`` gives the lesson a directory in the warm root; ``start_child`` has
    the server fork the lesson's child. A lesson it does not serve starts cold, as before.
    """

    def __init__(self, courses: Path | None = None):
        """`courses`: a folder holding every course this process runs lessons of, shown to
        the server read-only (the tests' throw-away courses); by default the first lesson's course."""
        self.courses = courses
        self.server: WarmServer | None = None
        self.unavailable: str | None = None  # why the warm start is off for the rest of this process
        self.servers_started = 0
        self.start_seconds = 0.0  # spent starting servers, summed

    def serves(self, sandbox: Sandbox, device: str, limits: Limits, course: Path) -> bool:
        """Whether a lesson of `course` with these limits runs warm; starts a server if need be."""
        if not sandbox.enabled or device != "cpu" or limits != Limits() or self.unavailable:
            return False
        courses = (self.courses or course).resolve()
        if not course.resolve().is_relative_to(courses):
            return False  # a server shown only `self.courses` could not read this lesson
        server = self.server
        if server is not None and server.process.poll() is None and server.courses == courses:
            return True
        self.discard()
        started = time.perf_counter()
        try:
            self.server = _start_server(sandbox, courses)
        except WarmUnavailable as error:
            self.unavailable = str(error)
            print(f"warm start: off ({error}); lessons start cold", file=sys.stderr)
            return False
        self.servers_started += 1
        self.start_seconds += time.perf_counter() - started
        return True

    @contextlib.contextmanager
    def lesson_workdir(self, slug: str):
        """A new working directory in the warm root; afterwards the whole root is emptied
        (a lesson may have written beside its own directory), and a server that was killed
        during the lesson is thrown away (only now: the parent reads figures from the root)."""
        server = self.server
        try:
            yield Path(tempfile.mkdtemp(prefix=f"lesson-{slug}-", dir=server.root))
        finally:
            if server.process.poll() is None:
                empty_folder(server.root)
            else:
                self.discard()

    def start_child(self, request: dict, fds: list[int]) -> WarmChild:
        """Have the server fork the lesson's child, handing it `fds` (report, stdout, stderr)."""
        socket.send_fds(self.server.control, [json.dumps(request).encode()], fds)
        return WarmChild(self, self.server)

    def limit_next_lesson(self, limits: Limits) -> tuple[LessonCgroup | None, int]:
        """Before the server forks a lesson: its cgroup may hold what the server holds now plus
        the lesson's own limits. The cgroup, and its count of kills for memory so far."""
        cgroup = self.server.cgroup
        if cgroup is None:
            return None, 0
        cgroup.limit(cgroup.memory_used() + limits.memory_bytes, cgroup.tasks() + MAX_TASKS)
        return cgroup, cgroup.oom_kills()

    def abandon(self) -> None:
        """Kill the server's sandbox now; it is thrown away when the lesson is done with its root."""
        if self.server is not None:
            kill_sandbox(self.server.process)

    def discard(self) -> None:
        """Kill the server's whole sandbox and remove its root; the next lesson starts a new server."""
        server, self.server = self.server, None
        if server is None:
            return
        kill_sandbox(server.process)
        server.control.close()
        if server.cgroup is not None:
            server.cgroup.remove()
        with contextlib.suppress(OSError):
            empty_folder(server.root)
            server.root.rmdir()

    close = discard


class WarmChild:
    """The parent's view of one lesson's child in the warm server, with what parent.py uses of
    a cold child's Popen: ``pid`` (the sandbox, for counting its processes), ``stdout``,
    ``stderr``, ``poll()``, ``returncode``; ``wake`` becomes readable when the child ended."""

    own_processes = 2  # bwrap's init and the server: not the lesson's

    def __init__(self, warm: WarmStart, server: WarmServer):
        self.warm, self.server = warm, server
        self.pid = server.process.pid
        self.wake = server.control
        self.stdout = self.stderr = None  # set by parent.py: the read ends of the child's streams
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The child's exit code once the server reported it (after it killed and cleared
        everything the lesson left), else None."""
        if self.returncode is not None:
            return self.returncode
        try:
            message = self.server.control.recv(MESSAGE_BYTES, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if self.server.process.poll() is None:
                return None
            message = b""
        except OSError:
            message = b""
        ended = json.loads(message) if message else {"ended": -signal.SIGKILL, "restart": True}
        self.returncode = int(ended["ended"])
        if ended.get("restart"):
            kill_sandbox(self.server.process)  # thrown away after the lesson (WarmStart.lesson_workdir)
        return self.returncode

    def finish(self) -> None:
        """End the run: if the child has not ended by itself, the server's sandbox goes with it."""
        if self.poll() is None:
            kill_sandbox(self.server.process)
            self.returncode = -signal.SIGKILL


def _start_server(sandbox: Sandbox, courses: Path) -> WarmServer:
    root = Path(tempfile.mkdtemp(prefix="warm-"))
    environment = child_environment(root)
    sandbox.hand_over(root)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    command = [sys.executable, "-m", "site_src.run.warm", "--control-fd", str(theirs.fileno())]
    repos = [courses, PACKAGE_ROOT, Path(sys.prefix), Path(sys.base_prefix)]
    cgroup = sandbox.lesson_cgroup("warm", Limits())
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                sandbox.wrap(command, root, repos, "cpu", Limits(), warm=True, cgroup=cgroup), cwd=root,
                env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=errors, pass_fds=(theirs.fileno(),), start_new_session=True)
        except OSError:
            if cgroup is not None:
                cgroup.remove()
            raise
        finally:
            theirs.close()
        ours.settimeout(READY_TIMEOUT)
        try:
            ready = json.loads(ours.recv(MESSAGE_BYTES) or b"{}")
        except (OSError, ValueError) as error:
            ready = {"problem": f"no answer ({error})"}
        ours.settimeout(None)
        if ready.get("ready"):
            return WarmServer(process, ours, root, courses, cgroup)
        kill_sandbox(process)
        if cgroup is not None:
            cgroup.remove()
        ours.close()
        shutil.rmtree(root, ignore_errors=True)
        errors.seek(0)
        said = " ".join(errors.read().decode(errors="replace").strip().splitlines()[-3:])
        raise WarmUnavailable(ready.get("problem") or f"the server exited: {said or 'no message'}")


def empty_folder(folder: str | Path, keep: frozenset[str] = frozenset()) -> None:
    """Remove everything in `folder` but the mount points in `keep` and the folders on the
    way to them, also what a lesson made unwritable (its owner may chmod it back);
    symbolic links are removed, never followed."""
    for path, is_folder in _removable(folder, keep):
        if is_folder:
            remove_tree(Path(path))  # however deep the lesson made it: CleanupFailed if it stays
        else:
            os.unlink(path)


def _removable(folder: str | Path, keep: frozenset[str]):
    for entry in os.scandir(folder):
        if entry.path in keep:
            continue
        if any(point.startswith(entry.path + "/") for point in keep):
            os.chmod(entry.path, 0o755)
            yield from _removable(entry.path, keep)
        else:
            yield entry.path, entry.is_dir(follow_symlinks=False)


# ------------------------------------------------------------------ server side


def serve(control: socket.socket) -> None:
    """Fork one child per request until the parent closes the socket or the sandbox cannot
    be made clean again."""
    problem = _prepare()
    control.send(json.dumps({"problem": problem} if problem else {"ready": True}).encode())
    if problem:
        return
    home = os.getcwd()
    as_found = server_state()
    while True:
        message, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, 3)
        if not message:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
        if child == 0:
            _run_lesson_child(json.loads(message), fds, home)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(child, 0)
        # A lesson that moved the server's limits, priority, CPU affinity or /dev (the seccomp filter
        # and the read-only /dev should make that impossible) would hand it to the next lesson.
        clean = _clear_sandbox() and server_state() == as_found
        control.send(json.dumps({"ended": os.waitstatus_to_exitcode(status), "restart": not clean}).encode())
        if not clean:
            return


def _prepare() -> str | None:
    """Import the warm modules and lock the server down; the problem if it cannot be made safe."""
    if os.getpid() != 1:
        return "not pid 1 of its own bubblewrap sandbox (the server kills every other process of its PID namespace)"
    for name in WARM_MODULES + HARNESS_MODULES:
        importlib.import_module(name)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) or libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
        return f"prctl failed (errno {ctypes.get_errno()})"
    try:
        restrict_syscalls()  # the server's children, the lessons, inherit the filter
    except Exception as error:  # noqa: BLE001 — the server must not serve without it
        return f"the seccomp filter could not be installed ({type(error).__name__}: {error})"
    if len(os.listdir("/proc/self/task")) > 1:
        return "importing the warm modules started threads, which a fork would not copy"
    if sys.modules["torch"].cuda.is_initialized():
        return "importing the warm modules initialised CUDA, which a fork cannot share"
    shared = [line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines()
              if line.split()[1][1] == "w" and line.split()[1][3] == "s"]
    if shared:
        return f"the server holds shared writable memory ({shared[0]}) that a lesson could change"
    return None


def _run_lesson_child(request: dict, fds: list[int], home: str) -> None:
    """In the forked child: become the lesson's process as a cold start makes it, run it, exit."""
    code = 1
    try:
        report_fd, stdout_fd, stderr_fd = fds
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        libc = ctypes.CDLL(None)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in (0, 1, 2, report_fd):
                with contextlib.suppress(OSError):
                    os.close(int(name))  # the server's socket above all
        work = request["work"]
        os.chdir(work)
        os.environ.clear()
        os.environ.update(request["environment"])
        tempfile.tempdir = None  # gettempdir() read the server's TMPDIR once
        if sys.path and sys.path[0] == home:
            sys.path[0] = work  # `python -m` puts the working directory first
        _fresh_seeds()
        from . import runner

        arguments = [request["lesson_dir"], "--device", "cpu", "--report-fd", str(report_fd),
                     "--output-chars", str(request["output_chars"])]
        sys.argv = [runner.__file__, *arguments]
        code = runner.main(arguments)
    except BaseException:  # noqa: BLE001 — whatever happened, the parent reads it on stderr
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _fresh_seeds() -> None:
    """Seed the global generators from the OS, as a new interpreter does (torch, too, seeds
    itself randomly at start): a forked child would otherwise repeat the server's streams."""
    random.seed()
    sys.modules["numpy"].random.seed()
    sys.modules["torch"].seed()


def _clear_sandbox() -> bool:
    """Kill and reap every process the lesson left, empty the private folders, remove IPC
    objects. Whether the sandbox is as the server found it."""
    for _ in range(CLEAN_TRIES):
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)  # every process of this PID namespace but init and the server
        with contextlib.suppress(ChildProcessError):
            while True:
                os.waitpid(-1, 0)  # the server is the subreaper of all of them
        if not _other_processes():
            break
    else:
        return False
    # The warm root and a course under /tmp are mounted inside /tmp: they stay.
    mounts = frozenset(line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines())
    folders = [folder for folder in PRIVATE_FOLDERS if os.path.isdir(folder)]
    try:
        for folder in folders:
            empty_folder(folder, mounts)
    except (CleanupFailed, OSError):
        return False
    if _ipc_objects():
        with contextlib.suppress(OSError):
            subprocess.run(["ipcrm", "--all"], capture_output=True, check=False)
    return not _other_processes() and not _ipc_objects() and not any(
        next(_removable(folder, mounts), None) for folder in folders)


def server_state() -> tuple:
    """What of the server a forked lesson inherits besides its memory: resource limits, nice
    value, CPU affinity, and the names in /dev."""
    limits = tuple(resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource))
                   if name.startswith("RLIMIT_"))
    return (limits, os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)), sorted(os.listdir("/dev")))


def _other_processes() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in (1, os.getpid())]


def _ipc_objects() -> int:
    return sum(max(len(Path(table).read_text().splitlines()) - 1, 0) for table in SYSV_IPC_TABLES
               if os.path.exists(table))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control-fd", type=int, required=True, help="the server's end of the parent's socket")
    args = parser.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    os.set_inheritable(args.control_fd, False)
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main())
