"""The warm start (site_src/run/warm.py): lessons forked from one pre-imported interpreter run as
if each had started cold, leave nothing behind for the next lesson, and cannot reach the
server they were forked from. Every attack of tests/run/test_sandbox.py also runs warm there.

These tests need bubblewrap (the warm server runs only inside it): they fail where it is
missing on Linux, as the sandbox tests do (the `bubblewrap` fixture of conftest.py).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap

import pytest

from site_src.run.compare import record_differences
from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.run.sandbox import PACKAGE_ROOT, Limits, Sandbox, choose
from site_src.run.warm import WarmStart

pytestmark = pytest.mark.usefixtures("bubblewrap")  # conftest.py: fails where the sandbox is missing


@pytest.fixture
def warm(lessons):
    warm = WarmStart()
    yield warm
    warm.close()


def lesson_text(*blocks: str) -> str:
    return "\n".join(f"```python\n{textwrap.dedent(block).strip()}\n```\n" for block in blocks)


def stdout(outcome, block: int = 0) -> str:
    assert outcome.failure is None, outcome.failure
    return outcome.record["blocks"][block]["stdout"]


def test_a_lesson_records_the_same_warm_and_cold(lessons, warm):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import torch
        import matplotlib.pyplot as plt
        torch.manual_seed(0)
        weights = torch.randn(3, 3)
        print(weights.sum().item(), torch.get_num_threads())
        plt.plot(weights[0].numpy())
        plt.show()
    """))
    cold_store, warm_store = RecordStore(lessons.root / "cold"), RecordStore(lessons.root / "warm")
    cold = run_lesson(lesson, cold_store)
    forked = run_lesson(lesson, warm_store, warm=warm)
    assert (cold.warm, forked.warm) == (False, True)
    assert stdout(cold) == stdout(forked) and stdout(cold).endswith(" 1\n")
    assert record_differences(forked.record, warm_store, cold.record, cold_store) == []


def test_each_lesson_starts_from_the_untouched_server(lessons, warm):
    """What one lesson changes in the interpreter is gone for the next: rcParams, threads,
    modules, the environment; unseeded generators get fresh seeds, as a new process does."""
    changer = lessons.markdown("01-changer", lesson_text("""
        import os, sys, torch, random
        import matplotlib.pyplot as plt
        plt.rcParams["lines.linewidth"] = 9
        torch.set_num_threads(2)
        torch.manual_seed(1)
        random.seed(1)
        sys.modules["json"] = None
        os.environ["LEFT_BEHIND"] = "yes"
        print(torch.rand(1).item())
    """))
    reader = lessons.markdown("02-reader", lesson_text("""
        import os, sys, torch, random
        import matplotlib.pyplot as plt
        print(plt.rcParams["lines.linewidth"], torch.get_num_threads(), sys.modules.get("json") is not None,
              os.environ.get("LEFT_BEHIND"), torch.rand(1).item(), random.random())
    """))
    store = RecordStore(lessons.root / "records")
    seeded = stdout(run_lesson(changer, store, warm=warm))
    first = stdout(run_lesson(reader, store, warm=warm, force=True)).split()
    second = stdout(run_lesson(reader, store, warm=warm, force=True)).split()
    assert first[:4] == ["1.5", "1", "True", "None"]
    assert first[4] != second[4] and first[5] != second[5], "unseeded generators repeated the server's stream"
    assert seeded.strip() not in (first[4], second[4])
    assert warm.servers_started == 1


def test_nothing_a_lesson_leaves_reaches_the_next(lessons, warm):
    leaver = lessons.markdown("01-leaver", lesson_text("""
        import os, subprocess
        subprocess.Popen(["sleep", "600"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            import time; time.sleep(600)
        # The shell writes where the runner's Python-level guard would refuse.
        subprocess.run(["sh", "-c", "echo x > /tmp/left-in-tmp; echo x > /dev/shm/left-in-shm; "
                        "echo x > ../left-beside-the-workdir; mkdir -p locked/inner; chmod 0 locked; "
                        "ipcmk --shmem 4096 >/dev/null"], check=True)
        print("left")
    """))
    looker = lessons.markdown("02-looker", lesson_text("""
        import json, os, subprocess
        mounts = [line.split()[4] for line in open("/proc/self/mountinfo")]
        seen = {
            "processes": [pid for pid in os.listdir("/proc") if pid.isdigit() and int(pid) > 2 and int(pid) != os.getpid()],
            # bwrap's mount points (the warm root, a course under /tmp) and the folders leading to them
            "tmp": [name for name in os.listdir("/tmp") if not any(point == f"/tmp/{name}" or point.startswith(f"/tmp/{name}/")
                                                                  for point in mounts)],
            "shm": os.listdir("/dev/shm"),
            "beside": [name for name in os.listdir("..") if not name.startswith("lesson-02-looker-")],
            "ipc": subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout.count("0x"),
        }
        print(json.dumps(seen))
    """))
    store = RecordStore(lessons.root / "records")
    assert stdout(run_lesson(leaver, store, warm=warm)) == "left\n"
    seen = json.loads(stdout(run_lesson(looker, store, warm=warm)))
    assert seen == {"processes": [], "tmp": [], "shm": [], "beside": [], "ipc": 0}
    assert warm.servers_started == 1


def test_a_lesson_cannot_reach_the_server_it_was_forked_from(lessons, warm):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import os
        server = os.getppid()
        for place in ("mem", "environ", "maps", "fd/0"):
            try:
                os.readlink(f"/proc/{server}/{place}") if place == "fd/0" else open(f"/proc/{server}/{place}", "rb").read(1)
            except OSError as error:
                print(place, "refused", type(error).__name__)
            else:
                print(place, "READ")
        print(sorted(int(fd) for fd in os.listdir("/proc/self/fd")))
    """))
    lines = stdout(run_lesson(lesson, RecordStore(lessons.root / "records"), warm=warm)).splitlines()
    assert lines[:4] == [f"{place} refused PermissionError" for place in ("mem", "environ", "maps", "fd/0")]
    # stdin, stdout, stderr, the report pipe, and the descriptor listing itself: no socket to the server
    assert len(json.loads(lines[4])) == 5


def test_a_lesson_cannot_kill_the_server_and_the_next_lesson_reuses_it(lessons, warm):
    # The server is its PID namespace's pid 1: the kernel drops the signals a process of the same
    # namespace sends it, SIGKILL included, so a lesson cannot take the server down (or replace it).
    killer = lessons.markdown("01-killer", lesson_text("""
        import os, signal
        os.kill(os.getppid(), signal.SIGKILL)
        os.kill(1, signal.SIGTERM)
        print("the server is", os.getppid(), "and still there:", os.path.exists("/proc/1"))
    """))
    after = lessons.markdown("02-after", lesson_text("print('fine')"))
    store = RecordStore(lessons.root / "records")
    killed = run_lesson(killer, store, warm=warm, lesson_timeout=60)
    assert stdout(killed) == "the server is 1 and still there: True\n"
    assert stdout(run_lesson(after, store, warm=warm)) == "fine\n"
    assert warm.servers_started == 1


def test_a_server_that_died_between_two_lessons_leaves_the_next_to_start_cold(lessons, warm, monkeypatch):
    lesson = lessons.markdown("01-demo", lesson_text("print('ran')"))
    store = RecordStore(lessons.root / "records")

    def died(request, fds):
        raise BrokenPipeError("the server is gone")

    monkeypatch.setattr(warm, "start_child", died)
    outcome = run_lesson(lesson, store, warm=warm)
    assert stdout(outcome) == "ran\n" and outcome.warm is False
    monkeypatch.undo()
    assert run_lesson(lesson, store, warm=warm, force=True).warm and warm.servers_started == 2


def test_a_lesson_killed_at_its_time_limit_takes_the_server_with_it(lessons, warm):
    """…but only after the parent took the figures of the blocks before (they are in its root)."""
    sleeper = lessons.markdown("01-sleeper", lesson_text("""
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        plt.show()
    """, """
        #| timeout: 1
        import signal, time
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        time.sleep(60)
    """))
    after = lessons.markdown("02-after", lesson_text("print('fine')"))
    store = RecordStore(lessons.root / "records")
    killed = run_lesson(sleeper, store, warm=warm)
    assert "exceeded its time limit" in killed.failure, killed.failure
    assert stdout(run_lesson(after, store, warm=warm)) == "fine\n"
    assert warm.servers_started == 2


def test_lessons_start_cold_where_the_warm_start_does_not_apply(lessons, warm):
    own_limit = lessons.markdown("01-demo", lesson_text("print('cold')"), front_matter="memory_gb: 2")
    assert run_lesson(own_limit, RecordStore(lessons.root / "records"), warm=warm).warm is False
    assert not warm.serves(Sandbox(None, reason="no bwrap"), "cpu", Limits(), lessons.root)
    assert not warm.serves(choose(), "cuda", Limits(), lessons.root)
    elsewhere = WarmStart(courses=lessons.root / "other-courses")
    assert not elsewhere.serves(choose(), "cpu", Limits(), lessons.root)  # it could not read the lesson
    assert elsewhere.servers_started == 0
    assert warm.servers_started == 0


def test_the_server_refuses_to_start_outside_the_sandbox(tmp_path):
    """It kills every other process of its PID namespace between lessons: outside bwrap's
    that would be the machine's. It must say no before it does anything."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server = subprocess.Popen([sys.executable, "-m", "site_src.run.warm", "--control-fd", str(theirs.fileno())],
                              pass_fds=(theirs.fileno(),), cwd=PACKAGE_ROOT)
    theirs.close()
    ours.settimeout(120)
    answer = json.loads(ours.recv(4096))
    assert server.wait(timeout=120) == 0
    assert "not pid 1 of its own bubblewrap sandbox" in answer["problem"]
