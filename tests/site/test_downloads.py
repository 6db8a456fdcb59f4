"""downloads.py: a project's ``.py`` download runs with bare ``python`` in a fresh virtual environment that holds
only what the page's install line names (and what those packages require): the line is complete.

No network at test time, and no wheel files here to install from, so the environment is made the
cheapest honest way: ``python -m venv --without-pip``, then each distribution that ``pip install``
of the line would bring (the line's, and recursively what their metadata ``Requires-Dist`` names for
this platform, extras left out) is symlinked into its site-packages from the course's environment,
entry by entry as its RECORD lists them. What this proves: the lesson imports nothing that the line
does not bring. What it does not: that pip would choose the same versions of the dependencies (it
links the course's), nor that a wheel downloads for the reader's platform. Takes about 30 s (most of
it the lesson's own run).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest
from lesson_fixtures import REPO
from packaging.requirements import Requirement

from site_src.lesson.extract import extract_blocks
from site_src.lesson.lessons import discover_lessons, find_lesson
from site_src.lesson.requirements import lesson_needs
from site_src.site.downloads import download_script, install_cells
from site_src.site.render import RecordedLesson

PROJECT = "20-bike-sharing"  # 13 s on the recorded run; needs ISLP's data and pandas, not in a bare torch env
NOT_ON_ITS_LINE = "jieba"  # pinned for another lesson: the fresh environment must not see it


def _distributions_to_install(names: list[str]) -> list[metadata.Distribution]:
    """The named distributions and, recursively, what they require (markers evaluated here, no extras)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen[name] = metadata.distribution(name)
        for text in seen[name].requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def _link_into(site_packages: Path, distribution: metadata.Distribution) -> None:
    """Each top-level entry the distribution installed into site-packages, as a symlink."""
    origin = Path(distribution.locate_file(""))
    tops = {Path(file).parts[0] for file in distribution.files or [] if not str(file).startswith("..")}
    for top in tops:
        target = site_packages / top
        if (origin / top).exists() and not target.exists():
            target.symlink_to(origin / top)


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    lesson = find_lesson(REPO / "lessons", PROJECT)
    needs = lesson_needs(lesson)
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        check=True, capture_output=True, text=True).stdout.strip())
    for distribution in _distributions_to_install([requirement.distribution for requirement in needs.requirements]):
        _link_into(site_packages, distribution)
    return python


def test_the_fresh_environment_holds_only_what_the_line_brings(fresh_python):
    assert NOT_ON_ITS_LINE not in lesson_needs(find_lesson(REPO / "lessons", PROJECT)).install_line
    missing = subprocess.run([fresh_python, "-c", f"import {NOT_ON_ITS_LINE}"], capture_output=True, text=True)
    assert missing.returncode != 0 and "ModuleNotFoundError" in missing.stderr


def test_the_project_download_runs_with_bare_python(fresh_python, tmp_path):
    lesson = find_lesson(REPO / "lessons", PROJECT)
    # The script's code does not depend on the record (only its comments show the run's values).
    recorded = RecordedLesson(lesson, {"blocks": [], "environment": {}}, tmp_path)
    script = download_script(lesson.zh, extract_blocks(lesson.zh), recorded, discover_lessons(REPO / "lessons"),
                             "https://hands-on-pytorch.github.io/course/")
    (tmp_path / f"{PROJECT}.py").write_text(script, encoding="utf-8")
    started = time.monotonic()
    # One thread, as the course's runs use (sandbox.py): on a shared machine torch's default of a
    # thread per core makes the run many times slower, and the recorded time is a one-thread run.
    one_thread = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([fresh_python, f"{PROJECT}.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=one_thread)
    assert done.returncode == 0, f"after {time.monotonic() - started:.0f} s:\n{done.stderr[-3000:]}"


def test_the_notebooks_install_cell_asks_pip_only_for_what_the_kernel_lacks(fresh_python):
    """In an environment that has torch and matplotlib but not jieba or snownlp (Colab's case for 21),
    lesson 21's install cell asks pip for exactly those two, at the pinned versions."""
    needs = lesson_needs(find_lesson(REPO / "lessons", "21-sentiment-classifier"))
    _, cell = install_cells(needs, "en")
    recording = "import subprocess\ncalls = []\nsubprocess.check_call = calls.append\n"
    done = subprocess.run([fresh_python, "-c", recording + cell.source + "\nprint(calls)"],
                          capture_output=True, text=True, check=True)
    (call,) = eval(done.stdout)
    assert call[1:4] == ["-m", "pip", "install"] and call[4:] == ["jieba==0.42.1", "snownlp==0.12.3"]
