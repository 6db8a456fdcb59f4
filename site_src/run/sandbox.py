"""The operating-system sandbox a lesson's child process runs in, made by bubblewrap.

Lesson code is untrusted (it comes from pull requests), so isolation comes from the
kernel, not from Python hooks the lesson could step around. ``bwrap`` runs the child:

- with the whole filesystem read-only (the repository, $HOME, build/records included),
  a private /tmp and /dev/shm, and only the lesson's working directory writable;
- in new user, PID, network, IPC and UTS namespaces: no network at all, no view of
  other processes, nothing left running once the sandbox's first process ends;
- with every capability dropped, no further user namespaces, a new terminal session;
- under kernel resource limits set by ``prlimit`` before Python starts: memory
  (RLIMIT_DATA), size of one written file, threads and processes (RLIMIT_NPROC, which the
  kernel does not apply to root), no core dumps;
- with an environment made from an allow-list (``child_environment``): no tokens.

Where bwrap cannot make a sandbox (no bwrap, not Linux, user namespaces blocked), a
local run says so in one line and falls back to the Python-level guards; CI
(``CI=true``) and ``--device cuda`` runs refuse instead. The parent (``parent.py``) keeps
the verdict, the time limits, the process count and the kill.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..lesson.lessons import DEFAULT_MEMORY_GB

GIB = 1024 ** 3
MAX_PROCESSES = 64  # processes in the sandbox at once, counted by the parent (parent.py)
MAX_TASKS = 1024  # RLIMIT_NPROC: threads and processes, where the kernel applies it (not to root)
MAX_FILE_BYTES = 4 * GIB  # RLIMIT_FSIZE: the largest single file a lesson may write
OUTPUT_CHARS = 1_000_000  # per block and stream; the rest is cut with a note
PRIVATE_DIRS = ("/tmp", "/dev/shm")  # a fresh tmpfs each, inside the sandbox
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the repository that holds site_src
SETUP_HINT = "run `make sandbox` (installs bubblewrap, relaxes Ubuntu's AppArmor user-namespace rule)"


class SandboxUnavailable(Exception):
    """Lessons must run sandboxed here (CI, the GPU run), and no sandbox can be made."""


@dataclass(frozen=True)
class Limits:
    """What one lesson run may use."""

    memory_bytes: int = DEFAULT_MEMORY_GB * GIB
    processes: int = MAX_PROCESSES
    output_chars: int = OUTPUT_CHARS

    @property
    def memory_text(self) -> str:
        return f"{self.memory_bytes / GIB:g} GiB"


@dataclass(frozen=True)
class Sandbox:
    """How lessons run on this machine: in bwrap (``bwrap`` set) or unsandboxed, and why."""

    bwrap: str | None
    prlimit: str | None = None
    reason: str = ""

    @property
    def enabled(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        """One line for the start of a run: what isolates the lessons here."""
        if self.enabled:
            return ("lesson sandbox: bubblewrap (read-only filesystem outside the working directory, "
                    "no network, private /tmp, limits on memory, processes and output)")
        return (f"lesson sandbox: NONE ({self.reason}); lessons run with Python-level guards only, "
                f"which lesson code can step around — {SETUP_HINT}")

    def wrap(self, command: list[str], work: Path, repos: list[Path], device: str, limits: Limits,
             warm: bool = False) -> list[str]:
        """`command` as run inside the sandbox, with `work` its only writable directory and
        `repos` (the course, this package, Python) readable wherever they are. A warm server
        (``warm.py``) also gets a POSIX message-queue folder, so it can empty it between lessons."""
        if not self.enabled:
            return command
        args = [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        if device == "cuda":
            for node in sorted(glob.glob("/dev/nvidia*")):
                args += ["--dev-bind", node, node]
        # Private, size-capped /tmp and /dev/shm (tmpfs memory is not in RLIMIT_DATA).
        for private in PRIVATE_DIRS:
            args += ["--size", str(limits.memory_bytes), "--tmpfs", private]
        if warm:
            args += ["--mqueue", "/dev/mqueue"]
        # The repository or Python may live under /tmp (tests, `make bench`): show them again, read-only.
        for path in dict.fromkeys(path.resolve() for path in repos):
            if any(path.is_relative_to(private) for private in PRIVATE_DIRS):
                args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(work), str(work), "--chdir", str(work),
                 "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                 "--die-with-parent", "--new-session", "--"]
        args += [self.prlimit, f"--data={limits.memory_bytes}", f"--nproc={MAX_TASKS}",
                 f"--fsize={MAX_FILE_BYTES}", "--core=0", "--"]
        return args + command


def kill_sandbox(process: subprocess.Popen) -> None:
    """Kill a sandboxed process started with ``start_new_session``: its process group goes,
    which ends the sandbox's first process, and the kernel then kills every process of the
    PID namespace (``--die-with-parent`` backs this up)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def choose(device: str = "cpu") -> Sandbox:
    """The sandbox for this run; SandboxUnavailable where running unsandboxed is not allowed."""
    bwrap, prlimit = find_tool("bwrap"), find_tool("prlimit")
    reason = _why_not(bwrap, prlimit)
    if reason is None:
        return Sandbox(bwrap, prlimit)
    required = [why for why, applies in (("CI=true", _in_ci()), ("--device cuda", device == "cuda")) if applies]
    if required:
        raise SandboxUnavailable(f"lessons must run sandboxed here ({' and '.join(required)}), "
                                 f"but no sandbox can be made: {reason}\n  what to do: {SETUP_HINT}")
    return Sandbox(None, reason=reason)


def find_tool(name: str) -> str | None:
    return shutil.which(name)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _why_not(bwrap: str | None, prlimit: str | None) -> str | None:
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux, this is {sys.platform}"
    if bwrap is None:
        return "`bwrap` is not installed (Debian/Ubuntu package `bubblewrap`)"
    if prlimit is None:
        return "`prlimit` is not installed (package `util-linux`)"
    return probe(bwrap)


@functools.cache
def probe(bwrap: str) -> str | None:
    """None if bwrap can make the namespaces a lesson needs here, else what it said."""
    command = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
               "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
               "--die-with-parent", "--", "true"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`bwrap` did not start ({error})"
    if done.returncode == 0:
        return None
    said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    if "uid map" in said or "Permission denied" in said or "Operation not permitted" in said:
        said += " (user namespaces are blocked, e.g. by Ubuntu's kernel.apparmor_restrict_unprivileged_userns)"
    return f"`bwrap` cannot make a sandbox here: {said}"


# ---------------------------------------------------------------------- environment

PASSED_THROUGH = ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUBLAS_WORKSPACE_CONFIG")


def child_environment(work: Path, device: str = "cpu") -> dict[str, str]:
    """The child's whole environment: an allow-list, every cache and temp path in the workdir.

    Nothing else of the parent's environment reaches a lesson (no GITHUB_TOKEN, no
    cloud credentials); the few variables passed through only locate libraries and GPUs.
    """
    (work / "tmp").mkdir(exist_ok=True)
    environment = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / ".config" / "matplotlib"),
        "XDG_CACHE_HOME": str(work / ".cache"),
        "TORCH_HOME": str(work / ".cache" / "torch"),
        "TMPDIR": str(work / "tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": str(PACKAGE_ROOT),
    }
    environment.update({name: os.environ[name] for name in PASSED_THROUGH if name in os.environ})
    if device == "cpu":
        # One CPU thread per lesson: lessons run side by side (pytest-xdist), and the numbers
        # a training run prints do not depend on how many cores the machine has. A GPU run
        # keeps every core, so a lesson's CPU-vs-GPU timing compares fairly.
        environment.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return environment
