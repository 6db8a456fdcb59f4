"""cgroups.py: where lesson cgroups can be made, and what a lesson cgroup writes and reads.

The kernel's side (a lesson killed over its memory, counted across processes and memfds) is
tried in tests/run/test_sandbox.py; here, the parts that do not need a cgroup hierarchy.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from site_src.run.cgroups import CgroupHome, LessonCgroup, candidate_homes, find_home, remove_leftovers
from site_src.run.sandbox import cgroup_home

V1_CGROUP = "9:name=systemd:/\n8:pids:/ci\n4:memory:/ci/job\n0::/\n"
V1_MOUNTS = ("cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
             "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\n"
             "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n")
V2_CGROUP = "0::/system.slice/runner.service\n"
V2_MOUNTS = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n"


def test_cgroup_v2_is_tried_below_and_beside_its_own_cgroup_then_v1_in_each_hierarchy():
    assert candidate_homes(V1_CGROUP, V1_MOUNTS) == [
        CgroupHome(2, Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup/unified")),
        CgroupHome(1, Path("/sys/fs/cgroup/memory/ci/job"), Path("/sys/fs/cgroup/pids/ci")),
    ]
    own = Path("/sys/fs/cgroup/system.slice/runner.service")
    assert candidate_homes(V2_CGROUP, V2_MOUNTS) == [CgroupHome(2, own, own),
                                                    CgroupHome(2, own.parent, own.parent)]


def test_without_a_hierarchy_that_has_memory_and_pids_the_reason_says_so():
    assert find_home("0::/\n", "proc /proc proc rw 0 0\n") == (
        None, "no cgroup hierarchy with the memory and pids controllers is mounted")


def test_a_v2_cgroup_whose_children_lack_the_controllers_is_refused_saying_what_would_do(tmp_path):
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "cgroup.subtree_control").write_text("cpu\n")
    (tmp_path / "cgroup.subtree_control").write_text("memory\n")
    home, why = find_home("0::/job\n", f"cgroup2 {tmp_path} cgroup2 rw 0 0\n")
    assert home is None
    assert f"cgroup v2: memory and pids not enabled for the cgroups below {tmp_path / 'job'}" in why
    assert f"cgroup v2: pids not enabled for the cgroups below {tmp_path}" in why
    assert "Delegate=yes" in why


def test_a_v2_lesson_cgroup_writes_memory_max_without_swap_and_pids_max(tmp_path):
    # A folder standing in for cgroupfs: what the kernel would create, the test does.
    cgroup = LessonCgroup(CgroupHome(2, tmp_path, tmp_path), "lesson-01-demo-1-0123abcd")
    cgroup.memory.mkdir()
    for name in ("memory.swap.max", "memory.oom.group"):  # the files the kernel makes with the folder
        (cgroup.memory / name).write_text("max\n")
    made = LessonCgroup.make(cgroup.home, "lesson-02-demo")
    assert made.name.startswith(f"lesson-02-demo-{os.getpid()}-") and made.memory.is_dir()
    cgroup.limit(2 ** 30, 1024)
    assert (cgroup.memory / "memory.max").read_text() == str(2 ** 30)
    assert (cgroup.pids / "pids.max").read_text() == "1024"
    with_files = LessonCgroup.make(CgroupHome(2, tmp_path, tmp_path), "lesson-03-demo")
    assert not (with_files.memory / "memory.swap.max").exists()  # only written where the kernel offers it
    (cgroup.memory / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n")
    assert cgroup.oom_kills() == 1


def test_a_v1_limit_keeps_memory_and_swap_valid_whichever_way_it_moves(tmp_path, monkeypatch):
    memory, pids = tmp_path / "memory", tmp_path / "pids"
    memory.mkdir(), pids.mkdir()
    cgroup = LessonCgroup.make(CgroupHome(1, memory, pids), "warm")
    writes = []
    for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
        (cgroup.memory / name).write_text("9223372036854771712\n")
    original = Path.write_text

    def logged(path, text, *args, **kwargs):
        writes.append((path.name, int(text)))
        return original(path, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", logged)
    cgroup.limit(4 * 2 ** 30, 1024)  # lower: the memory limit first
    cgroup.limit(6 * 2 ** 30, 1024)  # higher: memory + swap first
    assert writes == [("memory.limit_in_bytes", 4 * 2 ** 30), ("memory.memsw.limit_in_bytes", 4 * 2 ** 30),
                      ("pids.max", 1024),
                      ("memory.memsw.limit_in_bytes", 6 * 2 ** 30), ("memory.limit_in_bytes", 6 * 2 ** 30),
                      ("pids.max", 1024)]


def test_the_entered_command_runs_inside_the_cgroup_and_remove_kills_what_is_left():
    home, why = cgroup_home()
    if home is None:  # nothing to enter here; the start-of-run line then says why (test_sandbox.py)
        assert why
        return
    cgroup = LessonCgroup.make(home, "lesson-01-demo")
    sleeper = subprocess.Popen(cgroup.enter(["sleep", "60"]))
    try:
        for folder in cgroup.folders:
            for _ in range(500):  # the shell enters, then becomes `sleep`: within moments
                if str(sleeper.pid) in (folder / "cgroup.procs").read_text().split():
                    break
                time.sleep(0.01)
            assert str(sleeper.pid) in (folder / "cgroup.procs").read_text().split()
        cgroup.remove()
        assert sleeper.wait(timeout=10) < 0  # killed
        assert not any(folder.exists() for folder in cgroup.folders)
    finally:
        sleeper.kill()


def test_cgroups_left_by_processes_now_gone_are_removed_and_others_kept(tmp_path):
    memory, pids = tmp_path / "memory", tmp_path / "pids"
    memory.mkdir(), pids.mkdir()
    home = CgroupHome(1, memory, pids)
    dead = subprocess.Popen(["true"])
    dead.wait()
    for parent in (memory, pids):
        (parent / f"lesson-01-demo-{dead.pid}-0123abcd").mkdir()
        (parent / f"warm-{os.getpid()}-0123abcd").mkdir()  # this process's: in use
        (parent / "someone-elses").mkdir()
    assert remove_leftovers(home) == [f"lesson-01-demo-{dead.pid}-0123abcd"] * 2
    assert sorted(path.name for path in memory.iterdir()) == ["someone-elses", f"warm-{os.getpid()}-0123abcd"]
