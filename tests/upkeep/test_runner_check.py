"""runner_check.py: the GPU runner is an Ubuntu 24.04+ VM with bubblewrap 0.8+ and NVIDIA driver 580+."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_src.upkeep.runner_check import check_bwrap, check_driver, check_os, version_tuple

SCRIPT = Path(__file__).resolve().parents[2] / "site_src" / "upkeep" / "runner_check.py"
UBUNTU_2404 = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n'


def test_version_tuple_reads_the_first_dotted_number():
    assert version_tuple("bubblewrap 0.9.0\n") == (0, 9, 0)
    assert version_tuple("580.82.07") == (580, 82, 7)
    assert version_tuple("no version here") is None


@pytest.mark.parametrize(("os_release", "problem"), [
    (UBUNTU_2404, None),
    ('ID=ubuntu\nVERSION_ID="26.04"\nPRETTY_NAME="Ubuntu 26.04 LTS"\n', None),
    ('ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n', "Ubuntu 22.04.4 LTS; it needs Ubuntu 24.04"),
    ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', "ships Python for Ubuntu only"),
    ('PRETTY_NAME="Rocky Linux 9.4"\nID="rocky"\n', "runs Rocky Linux 9.4"),
])
def test_the_runner_must_be_ubuntu_24_04_or_newer(os_release, problem):
    found = check_os(os_release)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("output", "problem"), [
    ("bubblewrap 0.9.0\n", None),
    ("bubblewrap 0.8.0\n", None),
    ("bubblewrap 0.6.1\n", "bubblewrap 0.6.1 is too old: the lesson sandbox needs 0.8 or newer"),
    ("bwrap: not found", "install bubblewrap 0.8 or newer (`sudo apt-get install bubblewrap acl libseccomp2`"),
])
def test_bubblewrap_must_be_0_8_or_newer_and_the_message_says_what_to_install(output, problem):
    found = check_bwrap(output)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("output", "problem"), [
    ("580.82.07\n", None),
    ("590.10\n580.65.06\n", None),
    ("575.57.08\n", "NVIDIA driver 575.57.8 is too old: torch's CUDA 13.0 wheels"),
    ("590.10\n570.1\n", "driver 570.1 is too old"),  # the oldest of several GPUs decides
    ("", "cannot read the NVIDIA driver version"),
    ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\n",
     "cannot read the NVIDIA driver version"),
])
def test_the_driver_must_be_580_or_newer_for_cuda_13(output, problem):
    found = check_driver(output)
    assert (found is None) if problem is None else (problem in found and "580 or newer" in found)


def run_script(tmp_path: Path, *args: str, tools: dict[str, str]) -> subprocess.CompletedProcess:
    """The script as gpu.yml runs it, with stand-ins for bwrap and nvidia-smi on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, output in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\nprintf '{output}'\n", encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_script_prints_an_error_annotation_and_fails_on_an_old_driver(tmp_path):
    old = run_script(tmp_path, "driver", tools={"nvidia-smi": "550.54.15\\n"})
    assert old.returncode == 1 and old.stdout.startswith("::error::NVIDIA driver 550.54.15 is too old")
    new = run_script(tmp_path, "driver", tools={"nvidia-smi": "580.82.07\\n"})
    assert new.returncode == 0 and "driver: 580.82.07 (ok)" in new.stdout


def test_the_script_checks_bwrap_and_the_os_release_it_is_given(tmp_path):
    assert run_script(tmp_path, "bwrap", tools={"bwrap": "bubblewrap 0.6.1\\n"}).returncode == 1
    assert run_script(tmp_path, "bwrap", tools={"bwrap": "bubblewrap 0.9.0\\n"}).returncode == 0
    (tmp_path / "os-release").write_text(UBUNTU_2404, encoding="utf-8")
    done = run_script(tmp_path, "os", str(tmp_path / "os-release"), tools={})
    assert done.returncode == 0 and "Ubuntu 24.04.1 LTS (ok)" in done.stdout
    assert run_script(tmp_path, "nonsense", tools={}).returncode == 2
