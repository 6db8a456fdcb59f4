"""The operating-system sandbox a lesson's child process runs in, made by bubblewrap.

Lesson code is untrusted (it comes from pull requests), so isolation comes from the
kernel, not from Python hooks the lesson could step around. ``bwrap`` runs the child:

- with the whole filesystem read-only (the repository, $HOME, build/records included),
  a private /tmp and /dev/shm, and only the lesson's working directory writable;
- in new user, PID, network, IPC and UTS namespaces: no network at all, no view of
  other processes, nothing left running once the sandbox's first process ends;
- as an unprivileged user even when the tests run as root (``setpriv`` drops to a uid of
  its own before bwrap starts), so the host's kernel settings and devices stay out of reach;
- with ``/proc/sys`` (and ``/proc/irq``, ``/proc/bus``, ``/proc/sysrq-trigger``) and ``/dev``
  read-only, and the folder that holds the working directory hidden behind a tmpfs;
- with every capability dropped, no further user namespaces, a new terminal session, and
  the lesson's own process as the namespace's pid 1 (no bwrap process older than it);
- under a seccomp filter (``restrict_syscalls``, installed by the child before any lesson
  code runs) that refuses ptrace, ``process_vm_*``, the keyring, and changing another
  process's limits, priority or CPU affinity;
- under kernel resource limits set by ``prlimit`` before Python starts: memory
  (RLIMIT_DATA), size of one written file, threads and processes (RLIMIT_NPROC, which the
  kernel does not apply to root), no core dumps;
- where this machine lets us make cgroups (``cgroups.py``), in a cgroup of its own that
  counts the memory and tasks of all its processes together, memfd and tmpfs included;
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
import stat
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..lesson.lessons import DEFAULT_MEMORY_GB
from .cgroups import CgroupHome, LessonCgroup, find_home

GIB = 1024 ** 3
MAX_PROCESSES = 64  # processes in the sandbox at once, counted by the parent (parent.py)
MAX_TASKS = 1024  # RLIMIT_NPROC: threads and processes, where the kernel applies it (not to root)
MAX_FILE_BYTES = 4 * GIB  # RLIMIT_FSIZE: the largest single file a lesson may write
OUTPUT_CHARS = 1_000_000  # per block and stream; the rest is cut with a note
PRIVATE_DIRS = ("/tmp", "/dev/shm")  # a fresh tmpfs each, inside the sandbox
READ_ONLY_PROC = ("/proc/sys", "/proc/irq", "/proc/bus", "/proc/sysrq-trigger")
# When the tests run as root, lessons run as a uid of this range that no account uses, one per
# parent process (a pytest worker, a preview): two lessons running side by side are two users.
LESSON_UID_BASE, LESSON_UIDS = 1_900_000_000, 1_000_000
# Their one shared group: the group that may pass through folders on the way to Python and the
# course that others may not enter (Python under /root, pytest's 0700 temp folders).
LESSON_GID = LESSON_UID_BASE - 1
ACL_GROUP_TAG, ACL_MASK_TAG, ACL_EXECUTE = 0x08, 0x10, 0x01  # from the kernel's posix_acl_xattr format
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
    setpriv: str | None = None
    setfacl: str | None = None
    cgroups: CgroupHome | None = None  # where each lesson gets a cgroup; None: limits per process only
    no_cgroup: str = ""  # why there is no cgroup per lesson here

    @property
    def enabled(self) -> bool:
        return self.bwrap is not None

    def lesson_cgroup(self, label: str, limits: Limits) -> LessonCgroup | None:
        """A new cgroup for one lesson run (or a warm server), limited to `limits`; None where cgroups cannot be made."""
        if not self.enabled or self.cgroups is None:
            return None
        cgroup = LessonCgroup.make(self.cgroups, label)
        cgroup.limit(limits.memory_bytes, MAX_TASKS)
        return cgroup

    def describe(self) -> str:
        """One line for the start of a run: what isolates the lessons here."""
        if self.enabled:
            user = "a user of their own" if os.geteuid() == 0 else "this user"
            counted = (f"memory and tasks counted per lesson ({self.cgroups.describe()})" if self.cgroups else
                       f"memory and processes limited per process, not per lesson (no cgroup: {self.no_cgroup})")
            return ("lesson sandbox: bubblewrap (read-only filesystem outside the working directory, "
                    f"no network, private /tmp, seccomp, lessons run as {user}; limits on output; {counted})")
        return (f"lesson sandbox: NONE ({self.reason}); lessons run with Python-level guards only, "
                f"which lesson code can step around — {SETUP_HINT}")

    def wrap(self, command: list[str], work: Path, repos: list[Path], device: str, limits: Limits,
             warm: bool = False, cgroup: LessonCgroup | None = None) -> list[str]:
        """`command` as run inside the sandbox, with `work` its only writable directory and
        `repos` (the course, this package, Python) readable wherever they are, started inside
        `cgroup` if one is given. A warm server (``warm.py``) also gets a POSIX message-queue
        folder, so it can empty it between lessons."""
        if not self.enabled:
            return command
        self.open_the_way([*repos, Path(sys.executable)])  # the lesson's user must reach Python and the course
        args = [*self.drop_root(), self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for path in READ_ONLY_PROC:
            args += ["--ro-bind-try", path, path]
        if device == "cuda":
            for node in sorted(glob.glob("/dev/nvidia*")):
                args += ["--dev-bind", node, node]
        # Private, size-capped /tmp and /dev/shm (tmpfs memory is not in RLIMIT_DATA).
        hidden = hidden_dirs(work)
        for private in hidden:
            args += ["--size", str(limits.memory_bytes), "--tmpfs", private]
        if warm:
            args += ["--mqueue", "/dev/mqueue"]
        args += ["--remount-ro", "/dev"]  # after its nodes, /dev/shm and /dev/mqueue are made
        # The repository or Python may live under /tmp (tests, `make bench`): show them again, read-only.
        for path in dict.fromkeys(path.resolve() for path in repos):
            if any(path.is_relative_to(private) for private in hidden):
                args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(work), str(work), "--chdir", str(work),
                 "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                 "--die-with-parent", "--new-session", "--as-pid-1", "--"]
        args += [self.prlimit, f"--data={limits.memory_bytes}", f"--nproc={MAX_TASKS}",
                 f"--fsize={MAX_FILE_BYTES}", "--core=0", "--"]
        return cgroup.enter(args + command) if cgroup else args + command


    def drop_root(self) -> list[str]:
        """The command that starts bwrap as the lessons' own unprivileged user when we are root;
        nothing when we are not (the lesson then runs as the user who runs the tests)."""
        if os.geteuid() != 0:
            return []
        uid = str(lesson_uid())
        return [self.setpriv, f"--reuid={uid}", f"--regid={uid}", f"--groups={LESSON_GID}", "--inh-caps=-all", "--"]

    def open_the_way(self, paths: list[Path]) -> None:
        """Let the lessons' group pass through every folder on the way to `paths` (Python, the
        course) that others may not enter: an ACL entry granting search (x), nothing more."""
        if not self.enabled or os.geteuid() != 0:
            return
        for folder in closed_folders_on_the_way(paths):
            if not _group_may_pass(folder):
                subprocess.run([self.setfacl or "setfacl", "-m", f"g:{LESSON_GID}:x", folder], check=True,
                               capture_output=True)

    def hand_over(self, work: Path) -> None:
        """Make `work` (and what the parent put in it) the lesson user's, so the lesson can write there."""
        if not self.enabled or os.geteuid() != 0:
            return
        uid = lesson_uid()
        for folder, subfolders, files in os.walk(work):
            for name in (folder, *(os.path.join(folder, entry) for entry in subfolders + files)):
                os.chown(name, uid, uid, follow_symlinks=False)


def closed_folders_on_the_way(paths: list[Path]) -> list[str]:
    """The folders above (and including) each path that others may not search (no o+x)."""
    closed = []
    for path in paths:
        for folder in [*reversed(path.resolve().parents), path.resolve()]:
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH and str(folder) not in closed:
                closed.append(str(folder))
    return closed


def _group_may_pass(folder: str) -> bool:
    """Whether the folder's access ACL already lets LESSON_GID search it: the group's entry and the
    mask both grant x (a later chmod, as pytest makes on its temp root, narrows the mask)."""
    try:
        acl = os.getxattr(folder, "system.posix_acl_access")
    except OSError:
        return False
    entries = [struct.unpack_from("<HHI", acl, offset) for offset in range(4, len(acl) - 7, 8)]
    granted = any(tag == ACL_GROUP_TAG and owner == LESSON_GID and perm & ACL_EXECUTE for tag, perm, owner in entries)
    masked = any(tag == ACL_MASK_TAG and not perm & ACL_EXECUTE for tag, perm, _ in entries)
    return granted and not masked


def lesson_uid() -> int:
    """The uid lessons started by this process run as, when the tests run as root."""
    return LESSON_UID_BASE + os.getpid() % LESSON_UIDS


def hidden_dirs(work: Path) -> tuple[str, ...]:
    """The folders that get a fresh tmpfs in the sandbox: /tmp, /dev/shm, and the folder that
    holds the working directory ($TMPDIR may put it outside /tmp, beside other lessons' folders)."""
    holder = str(work.resolve().parent)
    if holder in ("/", *PRIVATE_DIRS) or any(holder.startswith(private + "/") for private in PRIVATE_DIRS):
        return PRIVATE_DIRS
    return (*PRIVATE_DIRS, holder)


class CleanupFailed(Exception):
    """What a lesson left could not be removed; the lesson fails (it may have made it so)."""


def remove_tree(path: Path) -> None:
    """Remove a folder a lesson wrote into, however deep or unwritable it made it: GNU chmod and
    rm walk the tree without recursion (Python's rmtree and os.walk recurse, and a lesson can
    make a tree 5,000 folders deep). CleanupFailed if anything is left."""
    if not os.path.lexists(path):
        return
    subprocess.run(["chmod", "-R", "--", "u+rwx", str(path)], capture_output=True, check=False)
    done = subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], capture_output=True, text=True,
                          check=False)
    if os.path.lexists(path):
        said = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise CleanupFailed(f"could not remove {path}: {said[0]}")


def kill_sandbox(process: subprocess.Popen) -> None:
    """Kill a sandboxed process started with ``start_new_session``: its process group goes,
    which ends the sandbox's first process, and the kernel then kills every process of the
    PID namespace (``--die-with-parent`` backs this up)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def choose(device: str = "cpu") -> Sandbox:
    """The sandbox for this run; SandboxUnavailable where running unsandboxed is not allowed."""
    bwrap, prlimit, setpriv, setfacl = (find_tool(name) for name in ("bwrap", "prlimit", "setpriv", "setfacl"))
    reason = _why_not(bwrap, prlimit, setpriv, setfacl)
    if reason is None:
        home, no_cgroup = cgroup_home()
        return Sandbox(bwrap, prlimit, setpriv=setpriv, setfacl=setfacl, cgroups=home, no_cgroup=no_cgroup)
    required = [why for why, applies in (("CI=true", _in_ci()), ("--device cuda", device == "cuda")) if applies]
    if required:
        raise SandboxUnavailable(f"lessons must run sandboxed here ({' and '.join(required)}), "
                                 f"but no sandbox can be made: {reason}\n  what to do: {SETUP_HINT}")
    return Sandbox(None, reason=reason)


@functools.cache
def cgroup_home() -> tuple[CgroupHome | None, str]:
    """Where lesson cgroups are made in this process, found once (see cgroups.py)."""
    return find_home()


def find_tool(name: str) -> str | None:
    return shutil.which(name)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def _why_not(bwrap: str | None, prlimit: str | None, setpriv: str | None, setfacl: str | None) -> str | None:
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux, this is {sys.platform}"
    if bwrap is None:
        return "`bwrap` is not installed (Debian/Ubuntu package `bubblewrap`)"
    if prlimit is None or (setpriv is None and os.geteuid() == 0):
        return "`prlimit` or `setpriv` is not installed (package `util-linux`)"
    closed = closed_folders_on_the_way([Path(sys.executable), PACKAGE_ROOT]) if setfacl is None and os.geteuid() == 0 else []
    if closed:
        return (f"running as root, lessons run as a user of their own, which must pass through {', '.join(closed)}: "
                "`setfacl` is not installed (package `acl`)")
    problem = seccomp_problem()
    if problem:
        return problem
    return probe(bwrap, setpriv if os.geteuid() == 0 else None)


@functools.cache
def probe(bwrap: str, setpriv: str | None = None) -> str | None:
    """None if bwrap can make the namespaces a lesson needs here (as the lessons' own user
    when we are root), else what it said."""
    drop = [setpriv, f"--reuid={lesson_uid()}", f"--regid={lesson_uid()}", "--clear-groups", "--"] if setpriv else []
    # The probe runs `true` from /usr/bin, which every user may reach: no ACL is needed for it.
    command = [*drop, bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
               "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
               "--die-with-parent", "--as-pid-1", "--", "true"]
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


# ---------------------------------------------------------------------- seccomp

# System calls that reach other processes or the kernel's shared state. Each is refused with
# EPERM, so a lesson that tries gets an ordinary OSError, never a crash.
REFUSED_CALLS = ("ptrace", "process_vm_readv", "process_vm_writev", "add_key", "request_key", "keyctl",
                 "kcmp", "pidfd_getfd")
# Calls that are fine on the calling process and refused on any other (limits, priority, CPU
# affinity, scheduling, I/O priority): (argument, the only value allowed) pairs. A pid of 0 means
# "myself"; setpriority's PRIO_PROCESS is 0 and ioprio_set's IOPRIO_WHO_PROCESS is 1 (a process
# group or a user would include the processes started before the lesson).
SELF_ONLY_CALLS = {"prlimit64": ((0, 0),), "sched_setaffinity": ((0, 0),), "sched_setscheduler": ((0, 0),),
                   "sched_setparam": ((0, 0),), "sched_setattr": ((0, 0),),
                   "setpriority": ((0, 0), (1, 0)), "ioprio_set": ((0, 1), (1, 0))}


def restrict_syscalls() -> None:
    """Install the seccomp filter on this process and everything it starts. Called inside the
    sandbox before any lesson code runs (the runner, and the warm server before it forks)."""
    import errno

    import pyseccomp as seccomp

    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in REFUSED_CALLS:
        rules.add_rule(refuse, call)
    for call, allowed in SELF_ONLY_CALLS.items():
        for argument, value in allowed:
            rules.add_rule(refuse, call, seccomp.Arg(argument, seccomp.NE, value))
    rules.load()


@functools.cache
def seccomp_problem() -> str | None:
    """None if the seccomp filter can be built here, else why not."""
    try:
        import pyseccomp as seccomp

        seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    except Exception as error:  # noqa: BLE001 — a missing library shows up as any of several errors
        return f"no seccomp filter can be made ({type(error).__name__}: {error}; install libseccomp2)"
    return None


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
        "USER": "lesson",  # the lesson's uid has no account: getpass.getuser() reads this instead
        "LOGNAME": "lesson",
    }
    environment.update({name: os.environ[name] for name in PASSED_THROUGH if name in os.environ})
    if device == "cpu":
        # One CPU thread per lesson: lessons run side by side (pytest-xdist), and the numbers
        # a training run prints do not depend on how many cores the machine has. A GPU run
        # keeps every core, so a lesson's CPU-vs-GPU timing compares fairly.
        environment.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return environment
