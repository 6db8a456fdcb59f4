"""The lesson sandbox, tried the way an attacker would (issue 11): one test per attempt.

Each test runs a tiny lesson of a throw-away course through ``run_lesson`` (bubblewrap,
the parent's verdict and limits), twice: started cold (a new interpreter) and forked from
the warm server (``warm.py``), whose protections must be the same and checks both what the run reports (refused, cut,
killed, failed) and that nothing outside the lesson's working directory changed: a
sentinel file in the throw-away repository, the real /tmp, /dev/shm and $HOME.

These tests need bubblewrap: on Linux they fail (not skip) when it is missing, since CI
must never pass without the sandbox; `make sandbox` installs it.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from lesson_fixtures import line_of

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore, lesson_key
from site_src.run.sandbox import SandboxUnavailable, choose
from site_src.run.warm import WarmStart

pytestmark = pytest.mark.usefixtures("bubblewrap")  # conftest.py: fails where the sandbox is missing


@pytest.fixture(scope="module")
def warm_start(tmp_path_factory):
    """One warm server for the module, shown every test's throw-away course."""
    warm = WarmStart(courses=tmp_path_factory.getbasetemp())
    yield warm
    warm.close()


@pytest.fixture(params=["cold", "warm"])
def run(request, warm_start):
    """`run_lesson`, starting the lesson cold or forking it from the warm server."""
    if request.param == "cold":
        return run_lesson

    def run_warm(lesson, store, **options):
        outcome = run_lesson(lesson, store, warm=warm_start, **options)
        own_limits = "memory_gb" in lesson.zh.path.read_text(encoding="utf-8")
        assert outcome.cached or outcome.warm or own_limits or not sandbox_here(), "the lesson did not run warm"
        return outcome

    return run_warm


def sandbox_here() -> bool:
    try:
        return choose().enabled
    except SandboxUnavailable:
        return False


@pytest.fixture
def store(lessons) -> RecordStore:
    return RecordStore(lessons.root / "build" / "records")


class Outside:
    """Places outside the workdir a lesson might reach, and a way to check none changed."""

    def __init__(self, root: Path):
        tag = uuid.uuid4().hex[:10]
        self.root = root
        self.sentinel = root / "lessons" / "SENTINEL.txt"
        self.tmp_sentinel = Path(tempfile.gettempdir()) / f"sandbox-test-{tag}-keep"
        self.absent = [Path(tempfile.gettempdir()) / f"sandbox-test-{tag}-new", Path("/dev/shm") / f"sandbox-test-{tag}",
                       Path.home() / f".sandbox-test-{tag}", root / f"new-{tag}"]
        self.sentinel.parent.mkdir(parents=True, exist_ok=True)
        for path in (self.sentinel, self.tmp_sentinel):
            path.write_text("keep me\n")
        self.before: dict = {}

    def arm(self) -> None:
        """Remember the repository as it is now, with the test's lessons written."""
        self.before = self._snapshot()

    def _snapshot(self) -> dict[str, bytes | None]:
        """Every file of the repository but build/ (the parent writes records there)."""
        files = sorted(p for p in self.root.rglob("*") if "build" not in p.relative_to(self.root).parts)
        return {str(p): (p.read_bytes() if p.is_file() and not p.is_symlink() else None) for p in files}

    def assert_unchanged(self) -> None:
        assert self.before, "call arm() before the run"
        assert self._snapshot() == self.before, "the lesson changed the repository"
        assert self.tmp_sentinel.read_text() == "keep me\n", "the lesson changed the real /tmp"
        for path in self.absent:
            assert not path.exists(), f"the lesson created {path}"

    def cleanup(self) -> None:
        self.tmp_sentinel.unlink(missing_ok=True)
        for path in self.absent:
            if path.is_file():
                path.unlink()


@pytest.fixture
def outside(lessons):
    place = Outside(lessons.root)
    yield place
    place.cleanup()


def lesson_text(*blocks: str) -> str:
    """A Markdown lesson body of these code blocks (each dedented)."""
    return "\n".join(f"```python\n{textwrap.dedent(block).strip()}\n```\n" for block in blocks)


ATTEMPT = """
    import os, subprocess
    def attempt(name, action):
        try:
            result = action()
        except OSError as error:
            print(f"{name}: refused ({type(error).__name__})")
        else:
            print(f"{name}: returned {result!r}")
"""


# ── writes outside the working directory ────────────────────────────────────────────


def test_open_and_write_text_outside_are_refused(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text(ATTEMPT, f"""
        from pathlib import Path
        attempt("open", lambda: open({str(outside.absent[3])!r}, "w"))
        attempt("write_text", lambda: Path({str(outside.sentinel)!r}).write_text("gone"))
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    assert outcome.record["blocks"][1]["stdout"].count("refused (PermissionError)") == 2
    outside.assert_unchanged()


def test_os_calls_ctypes_and_subprocesses_cannot_change_anything_outside(run, lessons, store, outside):
    sentinel, tmp_new, shm_new, home_new, repo_new = (str(outside.sentinel), *map(str, outside.absent))
    lesson = lessons.markdown("01-demo", lesson_text(ATTEMPT, f"""
        import ctypes
        repo = os.open({str(outside.root)!r}, os.O_PATH)  # may pass through the course root, not list it
        attempt("remove", lambda: os.remove({sentinel!r}))
        attempt("rename", lambda: os.rename({sentinel!r}, {repo_new!r}))
        attempt("truncate", lambda: os.truncate({sentinel!r}, 0))
        attempt("mkdir", lambda: os.mkdir({repo_new!r}))
        attempt("symlink", lambda: os.symlink("/etc/passwd", {repo_new!r}))
        attempt("dir_fd", lambda: os.open("created", os.O_CREAT | os.O_WRONLY, dir_fd=repo))
        attempt("sibling", lambda: subprocess.run(["sh", "-c", f"echo x > {{os.getcwd()}}x"]).returncode)
        print(f"workdir: {{os.getcwd()}}")
        attempt("dev_shm", lambda: open({shm_new!r}, "w"))
        libc = ctypes.CDLL(None)
        libc.fopen.restype = ctypes.c_void_p
        attempt("ctypes_repo", lambda: libc.fopen({repo_new!r}.encode(), b"w"))
        attempt("ctypes_tmp", lambda: libc.fopen({tmp_new!r}.encode(), b"w") is not None)
        attempt("system", lambda: os.system("rm -f {sentinel} && touch {home_new}"))
        attempt("subprocess", lambda: subprocess.run(["truncate", "-s", "0", {sentinel!r}]).returncode)
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    said = dict(line.split(": ", 1) for line in outcome.record["blocks"][1]["stdout"].splitlines())
    for name in ("remove", "rename", "truncate", "mkdir", "symlink", "dir_fd"):
        # read-only file system (OSError), or, now that lessons never run as root, no permission
        assert said[name] in ("refused (OSError)", "refused (PermissionError)"), (name, said[name])
    assert said["ctypes_repo"] == "returned None"  # fopen failed: read-only file system
    assert said["system"] != "returned 0" and said["subprocess"] != "returned 0"
    # /tmp and /dev/shm are private to the sandbox: writes there succeed and vanish with it
    assert said["ctypes_tmp"] == "returned True" and said["sibling"] == "returned 0"
    assert not Path(said["workdir"] + "x").exists() and not Path(said["workdir"]).exists()
    outside.assert_unchanged()


def test_a_subprocess_cannot_rewrite_another_lessons_record(run, lessons, store, outside):
    other = lessons.markdown("02-other", lesson_text("print('the real output')"))
    assert run(other, store).failure is None
    record_path = store.record_path("02-other")
    recorded = record_path.read_bytes()
    lesson = lessons.markdown("01-demo", lesson_text(f"""
        import subprocess
        done = subprocess.run(["sh", "-c", "echo INJECTED > {record_path}"], capture_output=True, text=True)
        print(done.returncode, done.stderr.strip())
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert "Read-only file system" in outcome.record["blocks"][0]["stdout"]
    assert record_path.read_bytes() == recorded
    assert store.fresh_record(other)["blocks"][0]["stdout"] == "the real output\n"
    outside.assert_unchanged()


# ── the network ─────────────────────────────────────────────────────────────────────


@pytest.fixture
def listeners():
    """A TCP and a UDP socket on this machine, waiting for anything the lesson sends."""
    tcp = socket.create_server(("0.0.0.0", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", 0))
    tcp.setblocking(False)
    udp.setblocking(False)
    yield tcp.getsockname()[1], udp.getsockname()[1]
    for sock in (tcp, udp):
        with pytest.raises(BlockingIOError):
            sock.accept() if sock is tcp else sock.recvfrom(100)
        sock.close()


def _host_address() -> str:
    """This machine's address on its network (no packet is sent), or loopback."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def test_the_network_is_unreachable_below_the_socket_module(run, lessons, store, listeners, outside):
    tcp_port, udp_port = listeners
    host = _host_address()
    curl = shutil.which("curl")
    lesson = lessons.markdown("01-demo", lesson_text(ATTEMPT, f"""
        import _socket, importlib, socket, sys
        for address in ("127.0.0.1", {host!r}):
            attempt(f"_socket {{address}}", lambda: _socket.socket().connect((address, {tcp_port})))
            udp = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
            attempt(f"udp {{address}}", lambda: udp.sendto(b"x", (address, {udp_port})))
        reloaded = importlib.reload(socket)
        attempt("reload", lambda: reloaded.create_connection(("127.0.0.1", {tcp_port}), timeout=3))
        code = f"import socket; socket.create_connection(('{host}', {tcp_port}), timeout=3)"
        attempt("python", lambda: subprocess.run([sys.executable, "-c", code], capture_output=True).returncode)
        if {curl!r}:
            attempt("curl", lambda: subprocess.run([{curl!r}, "-s", "-m", "3", "http://{host}:{tcp_port}/"]).returncode)
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None, outcome.failure
    said = dict(line.split(": ", 1) for line in outcome.record["blocks"][1]["stdout"].splitlines())
    assert all(said[f"_socket {address}"].startswith("refused") for address in ("127.0.0.1", host))
    assert said["reload"].startswith("refused") and said["python"] != "returned 0"
    assert said.get("curl", "returned 7") != "returned 0"
    # the listeners fixture checks that nothing arrived
    outside.assert_unchanged()


# ── secrets in the environment ──────────────────────────────────────────────────────


def test_the_parents_environment_never_reaches_the_lesson(run, lessons, store, monkeypatch, outside):
    secret = f"ghp_{uuid.uuid4().hex}"
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    lesson = lessons.markdown("01-demo", lesson_text("""
        import glob, os
        print(dict(os.environ))
        for path in glob.glob("/proc/[0-9]*/environ"):
            try:
                print(path, open(path, "rb").read())
            except OSError as error:
                print(path, error)
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    shown = outcome.record["blocks"][0]["stdout"]
    assert "'HOME'" in shown and "/proc/1/environ" in shown
    assert secret not in shown and "GITHUB_TOKEN" not in shown
    outside.assert_unchanged()


# ── time limits ─────────────────────────────────────────────────────────────────────

STUBBORN_BLOCKS = {
    "catches BaseException": """
        import time
        while True:
            try:
                time.sleep(0.05)
            except BaseException:
                pass
    """,
    "ignores SIGALRM": """
        import signal
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            pass
    """,
    "a long C call": """
        sum(range(10 ** 12))
    """,
}


@pytest.mark.parametrize("how", STUBBORN_BLOCKS)
def test_a_block_that_will_not_stop_is_killed_at_its_time_limit(run, lessons, store, how, outside):
    lesson = lessons.markdown("01-demo", lesson_text("print('first')", "#| timeout: 1\n" + textwrap.dedent(STUBBORN_BLOCKS[how])))
    started = time.monotonic()
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, '#| timeout: 1')}: "
                                      "block exceeded its time limit of 1 s")
    assert time.monotonic() - started < 20  # 1 s, the grace, start-up: not the lesson's 300 s
    assert store.fresh_record(lesson) is None
    outside.assert_unchanged()


# ── nothing outlives a lesson ───────────────────────────────────────────────────────


def _processes_with(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes().decode(errors="replace"):
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def test_processes_the_lesson_starts_do_not_survive_it(run, lessons, store, outside):
    marker = f"{time.time_ns() % 10 ** 6 + 300}.5"  # `sleep 300123.5`: a command line no one else has
    lesson = lessons.markdown("01-demo", lesson_text(f"""
        import subprocess
        subprocess.Popen(["sleep", "{marker}"], start_new_session=True)
        subprocess.Popen(["sleep", "{marker}"], stdout=1, stderr=2, start_new_session=True)  # holds the output pipes
        subprocess.Popen(["sh", "-c", "(sleep {marker} &) ; exit 0"])  # double fork: an orphan
        print("started")
    """))
    started = time.monotonic()
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None and outcome.record["blocks"][0]["stdout"] == "started\n"
    assert time.monotonic() - started < 60  # not the 300 s the sleeps would take (a loaded machine's server start included)
    assert _processes_with(marker) == []
    outside.assert_unchanged()


# ── memory, output and processes ────────────────────────────────────────────────────


@pytest.mark.parametrize("front_matter, limit", [("memory_gb: 1", "1 GiB"), ("", "4 GiB")])
def test_an_allocation_over_the_memory_limit_fails_and_names_the_limit(run, lessons, store, outside,
                                                                      front_matter, limit):
    # The default limit is the one a warm server runs under; a lesson's own starts it cold.
    lesson = lessons.markdown("01-demo", lesson_text("data = bytearray(5 * 2 ** 30)"), front_matter=front_matter)
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure.startswith("lessons/01-demo/index.md:")
    assert "MemoryError" in outcome.failure and f"this lesson may use {limit} of memory" in outcome.failure
    outside.assert_unchanged()


def test_output_over_the_limit_is_cut_with_a_note(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import os, sys
        print("x" * 3_000_000)
        sys.__stdout__.write("y" * 20_000_000)   # the process's own stdout: read and dropped
        os.write(1, b"z" * 20_000_000)
        print("after")
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    stdout = outcome.record["blocks"][0]["stdout"]
    assert stdout.startswith("x" * 1_000_000 + "\n[… 2,000,007 more characters cut")
    assert "y" not in stdout and "z" not in stdout
    assert store.record_path("01-demo").stat().st_size < 1_100_000
    outside.assert_unchanged()


def test_a_fork_bomb_is_stopped_at_the_process_limit(run, lessons, store, outside):
    # Bounded, so that a broken limit cannot take the machine down: 200 sleeping children.
    lesson = lessons.markdown("01-demo", lesson_text("""
        #| timeout: 20
        import os, time
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
        time.sleep(30)
    """))
    started = time.monotonic()
    outside.arm()
    outcome = run(lesson, store)
    assert "the lesson started more processes than its limit of 64" in outcome.failure
    assert time.monotonic() - started < 30
    outside.assert_unchanged()


# ── the verdict ─────────────────────────────────────────────────────────────────────


def test_a_fake_result_file_and_an_early_exit_do_not_pass(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import json, os
        os.makedirs(".lesson-result", exist_ok=True)
        json.dump({"blocks": [], "failure": None}, open(".lesson-result/result.json", "w"))
        os._exit(0)
    """, "raise RuntimeError('never reached')"))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'import json')}: "
                                      "the lesson's process ended while running this block, without reporting its result")
    assert store.fresh_record(lesson) is None
    outside.assert_unchanged()


def test_patching_the_runner_in_the_child_does_not_change_the_verdict(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import sys
        import site_src.run.channel as channel
        runner = sys.modules["__main__"]
        runner._error_facts = lambda block, error: None
        runner._as_promised = lambda block, error: True
        real_encode = channel.encode
        channel.encode = lambda message: real_encode({**message, "error": None})
    """, "raise RuntimeError('still a failure')"))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'still a failure')}: "
                                      "RuntimeError: still a failure")
    outside.assert_unchanged()


def test_a_report_for_a_block_that_is_not_running_breaks_the_run(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import os
        from site_src.run.channel import encode
        def pipes():
            for fd in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                        yield int(fd)
                except OSError:
                    pass
        pipe = max(pipes())  # the report pipe: above stdout's and stderr's
        os.write(pipe, encode({"type": "block", "index": 1, "stdout": "forged"}))
    """, "raise RuntimeError('the real outcome')"))
    outside.arm()
    outcome = run(lesson, store)
    assert "the lesson's report broke off: an unexpected report `block` for block 1" in outcome.failure
    assert store.fresh_record(lesson) is None
    outside.assert_unchanged()


def test_a_lesson_that_passed_then_fails_is_stale(run, lessons, store, outside):
    flag = lessons.root / "FAIL-NOW"
    lesson = lessons.markdown("01-demo", lesson_text(f"""
        import os
        if os.path.exists({str(flag)!r}):
            raise RuntimeError("failing this time")
        print("passing")
    """))
    outside.arm()
    assert run(lesson, store).failure is None and store.fresh_record(lesson) is not None
    flag.write_text("")
    outside.arm()
    assert "RuntimeError: failing this time" in run(lesson, store, force=True).failure
    assert store.fresh_record(lesson) is None
    assert store.unusable(lesson, store.load("01-demo")) == "from a failed run (RuntimeError: failing this time)"
    assert not list(store.folder("01-demo").glob("*.png"))
    outside.assert_unchanged()


def test_a_record_with_a_missing_or_failed_block_is_not_used(run, lessons, store):
    lesson = lessons.markdown("01-demo", lesson_text("print(1)", "print(2)"))
    record = run(lesson, store).record
    path = store.record_path("01-demo")
    second = f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'print(2)')}"
    for broken, state in (({**record, "blocks": record["blocks"][:1]}, "incomplete (1 of 2 blocks recorded)"),
                          ({**record, "blocks": [record["blocks"][0], {**record["blocks"][1], "status": "failed"}]},
                           f"incomplete (block 2, {second}, is `failed`, not `ok`)")):
        path.write_text(__import__("json").dumps(broken))
        assert store.fresh_record(lesson) is None
        assert store.unusable(lesson, store.load("01-demo")) == state


# ── where there is no sandbox ───────────────────────────────────────────────────────


def test_without_bwrap_a_local_run_says_so_and_ci_refuses(run, lessons, store, monkeypatch):
    import site_src.run.sandbox as sandbox

    monkeypatch.setattr(sandbox, "find_tool", lambda name: None if name == "bwrap" else shutil.which(name))
    monkeypatch.delenv("CI", raising=False)
    assert choose().describe().startswith("lesson sandbox: NONE (`bwrap` is not installed")
    lesson = lessons.markdown("01-demo", lesson_text("print('ran unsandboxed')"))
    assert run(lesson, store).record["blocks"][0]["stdout"] == "ran unsandboxed\n"
    monkeypatch.setenv("CI", "true")
    outcome = run(lesson, store, force=True)
    assert outcome.failure.startswith("lessons/01-demo/index.md: lessons must run sandboxed here (CI=true)")
    monkeypatch.delenv("CI")
    with pytest.raises(SandboxUnavailable, match=r"\(--device cuda\)"):
        choose("cuda")


def test_the_working_directory_is_the_only_writable_place(run, lessons, store):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import os
        print(os.environ["HOME"] == os.getcwd(), os.access("/", os.W_OK), os.access(os.getcwd(), os.W_OK))
    """))
    assert run(lesson, store).record["blocks"][0]["stdout"] == "True False True\n"


# ── the second round (issue 26): pid 1, the host's kernel, the next warm lesson, the parent ─


ROUND_TWO = ATTEMPT + """
    import ctypes, errno, resource
    libc = ctypes.CDLL(None, use_errno=True)
    def call(name, *args):
        if getattr(libc, name)(*args) == -1:
            raise OSError(ctypes.get_errno(), name)
        return "done"
"""


def test_no_process_older_than_the_lesson_can_be_traced_or_read(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text(ROUND_TWO, """
        iov = (ctypes.c_char * 8)()
        local = (ctypes.c_void_p * 2)(ctypes.addressof(iov), 8)
        print("pid", os.getpid(), "uid is root:", os.getuid() == 0)
        attempt("ptrace pid 1", lambda: call("ptrace", 16, 1, 0, 0))  # PTRACE_ATTACH
        attempt("ptrace parent", lambda: call("ptrace", 16, os.getppid(), 0, 0))
        attempt("process_vm_readv pid 1", lambda: call("process_vm_readv", 1, local, 1, local, 1, 0))
        attempt("/proc/1/mem", lambda: open("/proc/1/mem", "r+b"))
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    stdout = outcome.record["blocks"][1]["stdout"]
    assert "uid is root: False" in stdout and stdout.count("refused") == 4, stdout
    outside.assert_unchanged()


def test_the_hosts_kernel_settings_and_devices_are_read_only(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text(ROUND_TWO, """
        for path in ("/proc/sys/kernel/core_pattern", "/proc/sys/vm/swappiness", "/proc/sysrq-trigger"):
            attempt(path, lambda: open(path, "w"))
        attempt("/dev file", lambda: open("/dev/planted", "w"))
        attempt("/dev mkdir", lambda: os.mkdir("/dev/planted-folder"))
        print("capabilities:", [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")])
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    stdout = outcome.record["blocks"][1]["stdout"]
    assert stdout.count("refused") == 5 and "capabilities: ['0000000000000000']" in stdout, stdout
    assert not Path("/dev/planted").exists()
    outside.assert_unchanged()


def test_a_lesson_cannot_change_the_limits_priority_affinity_or_keys_of_another_process(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text(ROUND_TWO, """
        attempt("prlimit pid 1", lambda: resource.prlimit(1, resource.RLIMIT_NOFILE, (64, 64)))
        attempt("setpriority pid 1", lambda: os.setpriority(os.PRIO_PROCESS, 1, 19))
        attempt("setpriority my group", lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
        attempt("setpriority my user", lambda: os.setpriority(os.PRIO_USER, 0, 19))
        attempt("affinity pid 1", lambda: os.sched_setaffinity(1, {0}))
        attempt("add_key", lambda: call("syscall", 248, b"user", b"planted", b"x", 1, -3))  # the user keyring
        # What a lesson may do to itself stays allowed (and dies with it).
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        os.nice(5)
        print("own changes allowed")
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    stdout = outcome.record["blocks"][1]["stdout"]
    assert stdout.count("refused (PermissionError)") == 6 and "own changes allowed" in stdout, stdout
    outside.assert_unchanged()


def test_the_next_lesson_starts_with_the_limits_priority_and_devices_of_a_fresh_one(run, lessons, store, outside):
    probe = """
        import os, resource
        print(resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrlimit(resource.RLIMIT_FSIZE),
              os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)) == sorted(os.sched_getaffinity(0)),
              os.listdir("/dev/shm"), "left-behind" in os.listdir("/tmp"))
    """
    fresh = run(lessons.markdown("02-fresh", lesson_text(probe)), store)
    spoiler = lessons.markdown("01-spoil", lesson_text("""
        import os, resource, pathlib
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
        os.nice(10)
        os.system("echo x > /dev/shm/left-behind; echo x > /tmp/left-behind")  # a shell: no audit hook there
    """))
    after_lesson = lessons.markdown("03-after", lesson_text(probe))
    outside.arm()
    assert run(spoiler, store).failure is None
    after = run(after_lesson, store, force=True)
    assert fresh.failure is None and after.failure is None
    assert after.record["blocks"][0]["stdout"] == fresh.record["blocks"][0]["stdout"]
    outside.assert_unchanged()


def test_a_tree_too_deep_for_recursion_is_cleaned_up(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import os
        top = os.getcwd()
        os.makedirs("deep", exist_ok=True)
        os.chdir("deep")
        for _ in range(5000):
            os.mkdir("d")
            os.chdir("d")
        os.chmod(".", 0o500)
        os.chdir(top)
        print(top)
    """))
    after_lesson = lessons.markdown("02-after", lesson_text("print('fine')"))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None
    workdir = Path(outcome.record["blocks"][0]["stdout"].strip())
    assert workdir.name.startswith("lesson-01-demo-") and not workdir.exists()
    assert run(after_lesson, store).failure is None
    outside.assert_unchanged()


def test_a_cleanup_that_fails_fails_the_lesson(lessons, store, monkeypatch):
    from site_src.run import parent
    from site_src.run.sandbox import CleanupFailed

    def cannot(path):
        raise CleanupFailed(f"could not remove {path}: planted")
    monkeypatch.setattr(parent, "remove_tree", cannot)
    outcome = run_lesson(lessons.markdown("01-demo", lesson_text("print('ran')")), store)
    assert outcome.record is None and "the run could not be completed: CleanupFailed" in outcome.failure
    assert store.fresh_record(outcome.lesson, lesson_key(outcome.lesson)) is None


def test_a_report_nested_too_deeply_fails_the_lesson_and_replaces_its_record(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("print('first')"), title="测试")
    assert run(lesson, store).failure is None
    lessons.markdown("01-demo", lesson_text("""
        import os, struct
        payload = b'{"type": "block", "index": 0, "x": ' + b"[" * 200000 + b"]" * 200000 + b"}"
        import sys
        fd = int(sys.argv[sys.argv.index("--report-fd") + 1])  # the runner's own report pipe
        os.write(fd, struct.pack(">I", len(payload)) + payload)
        print("sent")
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is not None and "nested too deeply" in outcome.failure
    assert store.fresh_record(lesson, lesson_key(lesson)) is None
    outside.assert_unchanged()


def test_the_parent_stops_reading_past_its_report_budget(run, lessons, store, outside, monkeypatch):
    from site_src.run import parent

    monkeypatch.setattr(parent, "MAX_REPORT_BYTES", 3_000_000)
    lesson = lessons.markdown("01-demo", lesson_text(*["print('x' * 999_000)"] * 6))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is not None and "the lesson's reports passed 3,000,000 bytes" in outcome.failure
    outside.assert_unchanged()


def test_time_spent_between_two_blocks_counts_against_the_next_one(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        #| timeout: 2
        import json, time
        real_dumps = json.dumps
        def slow_dumps(message, *args, **kwargs):
            if isinstance(message, dict) and message.get("type") == "start":
                time.sleep(8)  # before the next block's start mark is even sent
            return real_dumps(message, *args, **kwargs)
        json.dumps = slow_dumps
    """, """
        #| timeout: 2
        print("second")
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is not None
    assert "did not start this block within its time limit of 2 s" in outcome.failure
    outside.assert_unchanged()


def test_threads_are_limited_for_a_lesson_even_when_the_tests_run_as_root(run, lessons, store, outside):
    lesson = lessons.markdown("01-demo", lesson_text("""
        import threading, time
        stop, started = threading.Event(), 0
        try:
            for _ in range(1500):
                threading.Thread(target=stop.wait, daemon=True).start()
                started += 1
        except RuntimeError:
            pass
        stop.set()
        print("at most the limit:", started <= 1024)
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure is None and outcome.record["blocks"][0]["stdout"] == "at most the limit: True\n"
    outside.assert_unchanged()


def test_another_lessons_working_folder_is_hidden_when_tmpdir_is_elsewhere(lessons, store, outside, monkeypatch,
                                                                          tmp_path_factory):
    elsewhere = Path("/var/tmp") / f"course-test-{uuid.uuid4().hex[:8]}"
    elsewhere.mkdir()
    try:
        (elsewhere / "lesson-other-running").mkdir()
        (elsewhere / "lesson-other-running" / "secret.txt").write_text("another lesson's file")
        monkeypatch.setenv("TMPDIR", str(elsewhere))
        monkeypatch.setattr(tempfile, "tempdir", None)
        lesson = lessons.markdown("01-demo", lesson_text("""
            import os
            print(sorted(name for name in os.listdir(os.path.dirname(os.getcwd())) if name.startswith("lesson-")))
        """))
        outside.arm()
        outcome = run_lesson(lesson, store)
        assert outcome.failure is None
        listed = outcome.record["blocks"][0]["stdout"]
        assert "lesson-other-running" not in listed and "lesson-01-demo" in listed, listed
        outside.assert_unchanged()
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
# ── what a run may publish (issue 26) ──────────────────────────────────────────────


@pytest.mark.parametrize("name", ["page.html", "icon.svg", "notes.md"])
def test_a_file_in_outputs_that_could_carry_script_is_not_published(run, lessons, store, outside, name):
    lesson = lessons.markdown("01-demo", lesson_text(f"""
        import os
        os.makedirs("outputs")
        open("outputs/notes.txt", "w").write("fine")
        open("outputs/{name}", "w").write("<svg onload=alert(1)><script>alert(2)</script></svg>")
    """))
    outside.arm()
    outcome = run(lesson, store)
    assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'import os')}: "
                                      f"outputs/{name} cannot be offered for download: only these types can "
                                      "(.mid, .midi, .wav, .png, .csv, .txt, .json, .npy)")
    assert store.fresh_record(lesson) is None and not store.outputs_folder("01-demo").exists()
    outside.assert_unchanged()


def test_hard_links_and_thousands_of_files_in_outputs_are_not_published(run, lessons, store, outside):
    linked = lessons.markdown("01-demo", lesson_text("""
        import os
        os.makedirs("outputs")
        open("outputs/data.txt", "w").write("x" * 1_900_000)
        for number in range(10):  # 100 would be refused as too many files
            os.link("outputs/data.txt", f"outputs/copy-{number}.txt")
    """))
    many = lessons.markdown("02-many", lesson_text("""
        import os
        os.makedirs("outputs")
        for number in range(10_000):
            open(f"outputs/{number}.txt", "w").write("x")
    """))
    outside.arm()
    linked_outcome, many_outcome = run(linked, store), run(many, store)
    assert "cannot be offered for download: it has 11 hard links (the same bytes would be published many times)" \
        in linked_outcome.failure
    assert ("outputs/1015.txt cannot be offered for download: the lesson would publish 10000 files, "
            "over the limit of 20") in many_outcome.failure
    for slug in ("01-demo", "02-many"):
        assert not store.outputs_folder(slug).exists()
    assert sum(path.stat().st_size for path in (lessons.root / "build").rglob("*") if path.is_file()) < 100_000
    outside.assert_unchanged()


SWAP_FIGURE = """
    #| alt: a line
    import os, zlib
    import matplotlib.pyplot as plt
    plt.plot([1, 2])
    plt.show()
    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    huge = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", (60_000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0]))
            + chunk(b"IDAT", zlib.compress(bytes(60_001 * 100))) + chunk(b"IEND", b""))  # ~14 GB decoded, if it were
    zeros = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(31_000_000)
    figure = ".lesson-result/figures/01-demo-b00-1.png"
    os.remove(figure)
    open(figure, "wb").write(huge if {huge} else zeros)
"""


@pytest.mark.parametrize("huge, why", [(True, "a 60,000 × 60,000 image, over the limit of 16,777,216 pixels"),
                                       (False, "31,000,008 bytes, over the limit of 10,485,760")])
def test_a_figure_swapped_after_show_is_checked_when_copied(run, lessons, store, outside, huge, why):
    lesson = lessons.markdown("01-demo", lesson_text(SWAP_FIGURE.replace("{huge}", str(huge))))
    outside.arm()
    outcome = run(lesson, store)
    assert f"figure 01-demo-b00-1.png could not be taken from the working directory: {why}" in outcome.failure
    assert store.fresh_record(lesson) is None and not list(store.folder("01-demo").glob("*.png"))
    outside.assert_unchanged()


def test_a_glued_text_reaches_the_page_as_text_and_a_long_one_fails_its_line(run, lessons, store, outside):
    from site_src.lesson.extract import extract_blocks
    from site_src.site.render import RecordedLesson, render_markdown_lesson

    lesson = lessons.markdown("01-demo", lesson_text("""
        #| glue: label
        label = "<img src=x onerror=alert(1)><script>alert(2)</script> [x](javascript:alert(3)) *b*"
    """) + "\nThe label is {{ label }}.\n")
    long = lessons.markdown("02-long", lesson_text("""
        #| glue: label
        label = "<b>" * 200
    """) + "\nThe label is {{ label }}.\n")
    outside.arm()
    outcome, long_outcome = run(lesson, store), run(long, store)
    assert outcome.failure is None
    page = render_markdown_lesson(lesson.zh, extract_blocks(lesson.zh),
                                  RecordedLesson(lesson, outcome.record, store.folder("01-demo")))
    prose = page[page.index("The label is"):]
    assert "<" not in prose and "*" not in prose and "](" not in prose and "&#60;img src&#61;x" in prose
    assert long_outcome.failure.startswith(
        f"lessons/02-long/index.md:{line_of(long.zh.path, '#| glue: label')}: `#| glue: label` could not be recorded: "
        "ValueError: a glued text may be at most 500 characters, this one has 600")
    outside.assert_unchanged()


# ── memory and tasks of the whole lesson (a cgroup per lesson, where one can be made) ──────


def test_memory_held_in_memfds_across_processes_is_counted_for_the_whole_lesson(run, lessons, store, outside):
    """Six processes each holding 300 MiB in a memfd (not data: RLIMIT_DATA never sees it):
    1.8 GiB against a 1 GiB lesson. Counted per lesson where a cgroup can be
    made; elsewhere the start-of-run line must not claim it."""
    flood = """
        import os, time
        def hold(mib):
            fd = os.memfd_create("held")
            for _ in range(mib // 50):
                os.write(fd, b"x" * (50 << 20))
            return fd
        children = []
        for _ in range(5):
            pid = os.fork()
            if pid == 0:
                hold(300)
                time.sleep(30)
                os._exit(0)
            children.append(pid)
        mine = hold(300)
        time.sleep(3)
        print("all held")
    """
    lesson = lessons.markdown("01-demo", lesson_text(flood), front_matter="memory_gb: 1")
    outside.arm()
    outcome = run(lesson, store)
    sandbox = choose()
    if sandbox.cgroups is None:
        assert "limited per process, not per lesson (no cgroup: " in sandbox.describe()
        assert outcome.failure is None  # what the line warns of: the flood is not contained
    else:
        assert f"counted per lesson ({sandbox.cgroups.describe()})" in sandbox.describe()
        line = line_of(lesson.zh.path, "import os, time")
        assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line}: the lesson's processes together used "
                                          "more than its memory limit of 1 GiB while running this block")
        assert "raise `memory_gb:` in the front matter" in outcome.failure
    outside.assert_unchanged()


def test_a_warm_lesson_is_counted_with_its_server_and_the_next_lesson_runs_in_a_fresh_budget(run, lessons, store,
                                                                                            outside):
    sandbox = choose()
    # 5 GiB against the default 4 GiB, in two memfds (one file may not pass 4 GiB: RLIMIT_FSIZE)
    over = "import os\nheld = [os.memfd_create('held') for _ in range(2)]\nfor fd in held:\n" \
           "    for _ in range(50):\n        os.write(fd, b'x' * (50 << 20))"
    lesson = lessons.markdown("01-demo", lesson_text(over))
    after = lessons.markdown("02-next", lesson_text("print(len(bytearray(2 * 2 ** 30)) >> 30)"))
    outside.arm()
    outcome = run(lesson, store)
    if sandbox.cgroups is None:
        assert outcome.failure is None
    else:
        assert "the lesson's processes together used more than its memory limit of 4 GiB" in outcome.failure
    assert run(after, store).record["blocks"][0]["stdout"] == "2\n"
    outside.assert_unchanged()
