"""A control group (cgroup) per lesson run: memory and tasks counted for the whole lesson.

The sandbox's kernel limits (``prlimit`` in sandbox.py) are per process: RLIMIT_DATA leaves
out memfds, tmpfs and shared memory, and five processes may each use the whole limit. A
cgroup counts everything the lesson's processes hold (anonymous memory, memfds, files in its
private /tmp and /dev/shm) and every task (threads included) against one limit, and the
kernel enforces it: over ``memory``, the lesson is killed (the parent reads the kill from
the cgroup's counters and says so); over ``tasks``, fork and thread creation fail.

Where it is made: below the cgroup this process is in (or, on cgroup v2, beside it), when
this process may make cgroups there with the memory and pids controllers: cgroup v2 (one
folder, ``memory.max``, ``pids.max``), or v1 (a folder in each of the memory and pids
hierarchies). That takes root or a delegated cgroup (systemd's ``Delegate=yes``). Elsewhere
``find_home`` says why not, the start-of-run line repeats it, and the per-process limits
alone apply.

A cold lesson gets a new cgroup for its run. A warm server (warm.py) gets one for its whole
life, since it runs one lesson at a time; before each lesson the parent sets its memory limit
to what the server holds then plus the lesson's own limit, and its task limit the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

# The shell that puts itself into the cgroup, then becomes the sandbox's command (`exec`): so
# bwrap and everything the lesson starts are in the cgroup from their first instruction.
ENTER = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
REMOVE_TRIES = 50  # × 20 ms: the kernel empties a cgroup shortly after its last task is reaped
OURS = re.compile(r"(?:lesson-.+|warm|probe)-(?P<pid>\d+)-[0-9a-f]{8}")  # the names LessonCgroup.make gives


@dataclass(frozen=True)
class CgroupHome:
    """Where this process makes lesson cgroups: v2, one folder for both controllers; v1, a folder
    in the memory hierarchy and one in the pids hierarchy."""

    version: int
    memory: Path
    pids: Path

    @property
    def folders(self) -> list[Path]:
        """The folders lesson cgroups are made in: one on v2, two on v1."""
        return list(dict.fromkeys([self.memory, self.pids]))

    def describe(self) -> str:
        return f"cgroup v{self.version}"


@dataclass(frozen=True)
class LessonCgroup:
    """One lesson's (or one warm server's) cgroup: its folders, made and removed by the parent."""

    home: CgroupHome
    name: str

    @classmethod
    def make(cls, home: CgroupHome, label: str) -> LessonCgroup:
        cgroup = cls(home, f"{label}-{os.getpid()}-{secrets.token_hex(4)}")
        for folder in cgroup.folders:
            folder.mkdir()
        if home.version == 2:
            _write_if_there(cgroup.memory / "memory.swap.max", "0")  # memory, not swap
            _write_if_there(cgroup.memory / "memory.oom.group", "1")  # an OOM kill ends the whole lesson
        return cgroup

    @property
    def memory(self) -> Path:
        return self.home.memory / self.name

    @property
    def pids(self) -> Path:
        return self.home.pids / self.name

    @property
    def folders(self) -> list[Path]:
        return [folder / self.name for folder in self.home.folders]

    def limit(self, memory_bytes: int, tasks: int) -> None:
        """Cap what the cgroup's tasks hold together: memory (memfd and tmpfs included) and tasks."""
        if self.home.version == 2:
            (self.memory / "memory.max").write_text(str(memory_bytes))
        else:
            # v1 refuses a memory+swap limit below the memory limit: lower the memory limit first,
            # raise it last, so the pair stays valid in between.
            files = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
            if self.memory_limit() < memory_bytes:
                files.reverse()
            for name in files:
                _write_if_there(self.memory / name, str(memory_bytes))
        (self.pids / "pids.max").write_text(str(tasks))

    def memory_limit(self) -> int:
        name = "memory.max" if self.home.version == 2 else "memory.limit_in_bytes"
        text = (self.memory / name).read_text().strip()
        return 2 ** 63 if text == "max" else int(text)

    def memory_used(self) -> int:
        name = "memory.current" if self.home.version == 2 else "memory.usage_in_bytes"
        return int((self.memory / name).read_text())

    def tasks(self) -> int:
        return int((self.pids / "pids.current").read_text())

    def oom_kills(self) -> int:
        """How many processes the kernel killed here for going over the memory limit."""
        name = "memory.events" if self.home.version == 2 else "memory.oom_control"
        for line in (self.memory / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def enter(self, command: list[str]) -> list[str]:
        """`command`, started inside this cgroup."""
        procs = [str(folder / "cgroup.procs") for folder in self.folders]
        return ["/bin/sh", "-c", ENTER, "enter-cgroup", *procs, "--", *command]

    def remove(self) -> None:
        """Kill whatever is left in it, then remove it. The kernel lets a cgroup go only once its
        last task is reaped, which a PID namespace being torn down does a moment later: retry
        for a second. One still busy then is left (empty of live tasks, holding nothing)."""
        for folder in self.folders:
            for _ in range(REMOVE_TRIES):
                with contextlib.suppress(OSError):
                    _kill_all(folder)
                    folder.rmdir()
                if not folder.exists():
                    break
                time.sleep(0.02)


def remove_leftovers(home: CgroupHome) -> list[str]:
    """Remove the empty lesson cgroups that processes now gone left behind (one whose last task
    took longer than `remove`'s second to be reaped); the names removed."""
    removed = []
    for parent in home.folders:
        for folder in parent.iterdir():
            match = OURS.fullmatch(folder.name)
            if not match or not folder.is_dir() or _alive(int(match["pid"])):
                continue
            with contextlib.suppress(OSError):
                folder.rmdir()  # refused while a task is still in it
                removed.append(folder.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    return True


def _kill_all(folder: Path) -> None:
    for pid in (folder / "cgroup.procs").read_text().split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


def _write_if_there(path: Path, text: str) -> None:
    if path.exists():
        path.write_text(text)


# ------------------------------------------------------------------ where cgroups can be made


def find_home(proc_cgroup: str | None = None, mounts: str | None = None) -> tuple[CgroupHome | None, str]:
    """Where lesson cgroups can be made, or None and why not. The two texts default to
    /proc/self/cgroup and /proc/self/mounts (tests pass their own)."""
    try:
        proc_cgroup = proc_cgroup if proc_cgroup is not None else Path("/proc/self/cgroup").read_text()
        mounts = mounts if mounts is not None else Path("/proc/self/mounts").read_text()
    except OSError as error:
        return None, f"no cgroups here ({error.strerror})"
    reasons = []
    for home in candidate_homes(proc_cgroup, mounts):
        problem = _probe(home)
        if problem is None:
            remove_leftovers(home)
            return home, ""
        reasons.append(f"{home.describe()}: {problem}")
    if not reasons:
        return None, "no cgroup hierarchy with the memory and pids controllers is mounted"
    return None, "; ".join(reasons)


def candidate_homes(proc_cgroup: str, mounts: str) -> list[CgroupHome]:
    """Where lesson cgroups might be made: v2 first (in our own cgroup, then beside it), then v1."""
    own: dict[str, str] = {}  # controller ("" for v2) → this process's cgroup path
    for line in proc_cgroup.splitlines():
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        for controller in controllers.split(",") if controllers else [""]:
            own[controller] = path
    v2_mount, v1_mounts = None, {}
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        where, kind, options = fields[1], fields[2], fields[3].split(",")
        if kind == "cgroup2":
            v2_mount = v2_mount or Path(where)
        elif kind == "cgroup":
            for controller in ("memory", "pids"):
                if controller in options:
                    v1_mounts[controller] = Path(where)
    homes = []
    if v2_mount is not None and "" in own:
        # v2 lets a cgroup with processes in it have no controllers for children, so its own cgroup
        # serves only if delegated empty; beside it, in its parent (a systemd slice), root may make them.
        folder = v2_mount / own[""].lstrip("/")
        homes += [CgroupHome(2, place, place) for place in dict.fromkeys([folder, folder.parent])
                  if place.is_relative_to(v2_mount)]
    if {"memory", "pids"} <= v1_mounts.keys() and {"memory", "pids"} <= own.keys():
        homes.append(CgroupHome(1, v1_mounts["memory"] / own["memory"].lstrip("/"),
                                v1_mounts["pids"] / own["pids"].lstrip("/")))
    return homes


def _probe(home: CgroupHome) -> str | None:
    """None if a lesson cgroup can be made, limited and removed in `home`, else why not."""
    if home.version == 2:
        enabled = _read(home.memory / "cgroup.subtree_control").split()
        missing = [name for name in ("memory", "pids") if name not in enabled]
        if missing:
            return (f"{' and '.join(missing)} not enabled for the cgroups below {home.memory} "
                    "(a delegated cgroup, e.g. systemd's Delegate=yes, would have them)")
    try:
        cgroup = LessonCgroup.make(home, "probe")
    except OSError as error:
        return f"cannot make a cgroup in {home.memory} ({error.strerror})"
    try:
        cgroup.limit(2 ** 30, 64)
        cgroup.oom_kills()
        cgroup.tasks()
    except (OSError, ValueError) as error:
        return f"cannot set its limits ({error})"
    finally:
        cgroup.remove()
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
