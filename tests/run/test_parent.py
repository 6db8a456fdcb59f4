"""run.py + runner.py: each lesson runs in its own process; failures name the lesson line."""

from __future__ import annotations

import pytest
from lesson_fixtures import line_of

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore


@pytest.fixture
def store(lessons) -> RecordStore:
    return RecordStore(lessons.root / "build" / "records")


def test_outputs_and_figures_are_recorded_per_block(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        import sys
        import matplotlib.pyplot as plt
        print("hello")
        print("careful", file=sys.stderr)
        ```

        ```python
        #| raises: ZeroDivisionError
        1 / 0
        ```

        ```python
        plt.plot([1, 2, 3])
        plt.show()
        plt.plot([3, 2, 1])
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert outcome.failure is None
    first, second, third = outcome.record["blocks"]
    assert (first["stdout"], first["stderr"]) == ("hello\n", "careful\n")
    assert second["status"] == "raised" and second["error"] == "ZeroDivisionError: division by zero"
    # one figure at plt.show(), one still open when the block ended
    assert third["figures"] == ["01-demo-b02-1.png", "01-demo-b02-2.png"]
    assert (store.folder("01-demo") / "01-demo-b02-1.png").read_bytes().startswith(b"\x89PNG")


def test_a_bare_last_expression_is_not_displayed(lessons, store):
    lesson = lessons.markdown("01-demo", "```python\nx = 41\nx + 1\n```\n")
    assert run_lesson(lesson, store).record["blocks"][0]["stdout"] == ""


def test_blocks_share_one_namespace_and_run_in_a_temp_dir(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        from pathlib import Path
        Path("note.txt").write_text("kept")
        ```

        ```python
        print(Path("note.txt").read_text(), Path.cwd().name.startswith("lesson-01-demo"))
        ```
    """)
    assert run_lesson(lesson, store).record["blocks"][1]["stdout"] == "kept True\n"
    assert not (lesson.folder / "note.txt").exists()


def test_a_syntax_error_names_the_lesson_line(lessons, store):
    lesson = lessons.markdown("01-demo", "\n```python\nx = 1\nif x > 0\n    print(x)\n```\n")
    report = run_lesson(lesson, store).failure
    assert report.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'if x > 0')}: SyntaxError")


def test_an_exception_deep_in_a_block_names_the_line_that_raised(lessons, store):
    lesson = lessons.notebook("02-nb", """
        # %%
        def scale(values):
            return [v * factor for v in values]

        # %%
        print("before")
        scale([1, 2])
    """)
    report = run_lesson(lesson, store).failure
    raising_line = line_of(lesson.zh.path, "v * factor")
    assert report.startswith(f"lessons/02-nb/index.py:{raising_line}: NameError: name 'factor' is not defined")
    assert f"lessons/02-nb/index.py\", line {line_of(lesson.zh.path, 'scale([1, 2])')}" in report
    assert "site_src" not in report and "runner.py" not in report


def test_a_hanging_block_is_stopped_at_its_time_limit(lessons, store):
    lesson = lessons.markdown("01-demo", "\n```python\n#| timeout: 1\nimport time\nwhile True:\n    time.sleep(0.05)\n```\n")
    outcome = run_lesson(lesson, store)
    assert "block exceeded its time limit of 1 s" in outcome.failure
    assert outcome.failure.startswith("lessons/01-demo/index.md:")
    assert outcome.seconds < 30


def test_a_lesson_over_its_total_limit_names_the_running_block(lessons, store):
    lesson = lessons.markdown("01-demo", "\n```python\nx = 1\n```\n\n```python\nimport time\ntime.sleep(120)\n```\n")
    # 10 s leaves the child ample time to start and reach the sleeping block on a busy machine
    outcome = run_lesson(lesson, store, lesson_timeout=10)
    assert outcome.failure.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'import time')}: "
                                      "the lesson exceeded its time limit of 10 s")


def test_a_must_raise_block_that_does_not_raise_fails(lessons, store):
    lesson = lessons.markdown("01-demo", "\n```python\n#| raises: ValueError\nint('12')\n```\n")
    report = run_lesson(lesson, store).failure
    assert report.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, '#| raises')}: "
                             "this block must raise ValueError but raised nothing")


def test_a_must_raise_block_that_raises_another_exception_fails(lessons, store):
    lesson = lessons.markdown("01-demo", "\n```python\n#| raises: ValueError\n{}['key']\n```\n")
    report = run_lesson(lesson, store).failure
    assert f"index.md:{line_of(lesson.zh.path, '{}')}: this block must raise ValueError but raised KeyError" in report


def test_a_failed_run_leaves_a_failed_record_that_is_never_fresh(lessons, store):
    lesson = lessons.markdown("01-demo", "```python\nraise RuntimeError('boom')\n```\n")
    assert run_lesson(lesson, store).failure
    assert store.load("01-demo")["failure"]["summary"] == "RuntimeError: boom"
    assert store.fresh_record(lesson) is None
    assert store.unusable(lesson, store.load("01-demo")) == "from a failed run (RuntimeError: boom)"


def test_gpu_blocks_are_skipped_on_the_cpu(lessons, store):
    lesson = lessons.markdown("01-demo", "```python\n#| gpu: true\nraise SystemExit('must not run')\n```\n")
    assert run_lesson(lesson, store).record["blocks"][0]["status"] == "gpu-skipped"


def test_a_lesson_cannot_open_a_network_connection(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        import urllib.request
        urllib.request.urlopen("http://example.com", timeout=5)
        ```
    """)
    report = run_lesson(lesson, store).failure
    assert "lessons run offline" in report
    assert report.startswith(f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'urlopen')}:")


def test_a_lesson_can_talk_to_itself_over_loopback(lessons, store):
    # torch.distributed's processes rendezvous over 127.0.0.1: the sandbox's own loopback.
    lesson = lessons.markdown("01-demo", """
        ```python
        import socket
        server = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(server.getsockname())
        peer, _ = server.accept()
        client.sendall(b"ping")
        print(peer.recv(4), socket.getaddrinfo("localhost", 80)[0][4][1])
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert outcome.failure is None and outcome.record["blocks"][0]["stdout"] == "b'ping' 80\n"


def test_a_lesson_cannot_write_outside_its_working_directory(lessons, store, tmp_path):
    target = tmp_path / "outside.txt"
    lesson = lessons.markdown("01-demo", f"```python\nopen({str(target)!r}, 'w').write('x')\n```\n")
    report = run_lesson(lesson, store).failure
    assert "PermissionError: lessons may write only inside their working directory" in report
    assert not target.exists()


def test_data_files_of_the_lesson_folder_are_in_the_working_directory(lessons, store):
    lesson = lessons.markdown("01-demo", "```python\nprint(open('numbers.txt').read())\n```\n")
    (lesson.folder / "numbers.txt").write_text("1 2 3")
    assert run_lesson(lesson, store).record["blocks"][0]["stdout"] == "1 2 3\n"


def test_a_figure_replaced_by_a_link_is_not_copied_and_fails_the_block(lessons, store):
    secret = lessons.root / "not-a-figure.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n private bytes outside the workdir")
    lesson = lessons.markdown("01-demo", f"""
        ```python
        #| alt: a line
        import os
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        plt.show()
        figure = ".lesson-result/figures/01-demo-b00-1.png"
        os.remove(figure)
        os.symlink({str(secret)!r}, figure)
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert "figure 01-demo-b00-1.png could not be taken from the working directory" in outcome.failure
    assert not list(store.folder("01-demo").glob("*.png"))


def test_a_figures_folder_replaced_by_a_link_is_not_followed(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        #| alt: a line
        import os, shutil
        import matplotlib.pyplot as plt
        plt.plot([1, 2])
        plt.show()
        shutil.copytree(".lesson-result/figures", "copy")
        shutil.rmtree(".lesson-result/figures")
        os.symlink(os.path.abspath("copy"), ".lesson-result/figures")
        ```
    """)
    assert "the figures folder of the working directory cannot be read" in run_lesson(lesson, store).failure


def test_figure_names_must_be_the_ones_the_runner_gives(tmp_path):
    from site_src.run.publish import copy_figures

    for names in (["../../etc/passwd"], ["01-demo-b00-2.png"], ["01-demo-b01-1.png"], "01-demo-b00-1.png"):
        copied, problem = copy_figures(tmp_path, "01-demo", 0, names, tmp_path)
        assert copied == [] and problem, names


def test_files_a_block_writes_into_outputs_are_kept_with_the_record(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        from pathlib import Path
        Path("outputs").mkdir()
        Path("outputs/song.mid").write_bytes(b"MThd")
        Path("scratch.txt").write_text("not for the reader")
        ```

        ```python
        print("a block that writes nothing")
        ```

        ```python
        Path("outputs/song.mid").write_bytes(b"MThd, longer")
        Path("outputs/notes.txt").write_text("C D E")
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert outcome.failure is None
    assert [block["outputs"] for block in outcome.record["blocks"]] == [["song.mid"], [], ["notes.txt", "song.mid"]]
    kept = store.outputs_folder("01-demo")
    assert sorted(path.name for path in kept.iterdir()) == ["notes.txt", "song.mid"]
    assert (kept / "song.mid").read_bytes() == b"MThd, longer"  # the file as the run left it
    assert not (store.folder("01-demo") / "scratch.txt").exists()


def test_a_file_too_large_to_publish_fails_its_block(lessons, store):
    from site_src.run.publish import MAX_OUTPUT_BYTES

    lesson = lessons.markdown("01-demo", f"""
        ```python
        import os
        os.makedirs("outputs")
        open("outputs/numbers.csv", "wb").write(b"1," * {MAX_OUTPUT_BYTES // 2 + 1})
        ```
    """)
    report = run_lesson(lesson, store).failure
    assert f"index.md:{line_of(lesson.zh.path, '```python') + 1}: outputs/numbers.csv cannot be offered" in report
    assert "over the limit" in report and store.fresh_record(lesson) is None


def test_an_output_replaced_by_a_link_is_not_copied(lessons, store):
    secret = lessons.root / "secret.txt"
    secret.write_text("private bytes outside the workdir")
    lesson = lessons.markdown("01-demo", f"""
        ```python
        import os
        os.makedirs("outputs")
        open("outputs/song.mid", "wb").write(b"MThd")
        os.remove("outputs/song.mid")
        os.symlink({str(secret)!r}, "outputs/song.mid")
        open("outputs/notes.txt", "w").write("C D E")
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert outcome.failure is None  # the runner lists regular files only: the link is not offered
    assert outcome.record["blocks"][0]["outputs"] == ["notes.txt"]
    assert sorted(path.name for path in store.outputs_folder("01-demo").iterdir()) == ["notes.txt"]


def test_a_false_claim_fails_the_lesson_at_its_check_line_and_stops_the_run(lessons, store):
    lesson = lessons.markdown("01-demo", """
        ```python
        #| check: losses[-1] < losses[0]
        #| check: len(losses) == 2
        losses = [3.0, 2.0, 1.0]
        ```

        ```python
        print("never reached")
        ```
    """)
    outcome = run_lesson(lesson, store)
    line = line_of(lesson.zh.path, "#| check: len(losses) == 2")
    assert outcome.failure.startswith(f"{lesson.zh.rel}:{line}: the prose relies on `len(losses) == 2`, "
                                      "which is False in this run")
    assert "never reached" not in outcome.failure


def test_a_claim_that_cannot_be_evaluated_names_its_error(lessons, store):
    lesson = lessons.markdown("01-demo", "```python\n#| check: accuracy > 0.9\nx = 1\n```\n")
    outcome = run_lesson(lesson, store)
    assert "`accuracy > 0.9`, which is raised NameError: name 'accuracy' is not defined" in outcome.failure


def test_true_claims_pass_and_never_reach_the_downloads(lessons, store, tmp_path):
    import subprocess
    import sys

    from site_src.lesson.extract import extract_blocks, module_text
    lesson = lessons.markdown("01-demo", "```python\n#| check: total == 6\ntotal = sum([1, 2, 3])\nprint(total)\n```\n")
    assert run_lesson(lesson, store).failure is None
    script = tmp_path / "lesson.py"
    script.write_text(module_text(lesson, extract_blocks(lesson.zh)), encoding="utf-8")
    assert "total == 6" not in script.read_text()
    assert subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout == "6\n"
