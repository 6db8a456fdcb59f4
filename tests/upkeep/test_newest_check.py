"""newest_check.py: the weekly run says so when pip installed an older torch than the index's newest."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from site_src.upkeep.newest_check import amend_report, compare, newest_release, release, wheel_files

SCRIPT = Path(__file__).resolve().parents[2] / "site_src" / "upkeep" / "newest_check.py"


def simple_page(*files: str) -> str:
    """A PEP 503 page as download.pytorch.org serves it: percent-encoded `+`, a #sha256 fragment."""
    links = "".join(f'<a href="/whl/cpu/{name.replace("+", "%2B")}#sha256=00">{name}</a><br/>\n' for name in files)
    return f"<!DOCTYPE html><html><body>\n{links}</body></html>\n"


TORCH_PAGE = simple_page(
    "torch-2.14.1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "torch-2.15.0+cpu-cp312-cp312-manylinux_2_28_x86_64.whl",  # the newest: no wheel for Python 3.11
    "torch-2.16.0.dev20270101+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",  # a nightly: not a release
    "torch-2.15.0rc1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
)


def test_release_reads_final_releases_only():
    assert release("2.14.1") == release("2.14.1+cpu") == (2, 14, 1)
    assert release("2.15.0rc1") is None and release("2.16.0.dev20270101+cpu") is None


def test_the_newest_final_release_and_its_python_tags():
    files = wheel_files(TORCH_PAGE)
    assert files[0] == "torch-2.14.1+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    assert newest_release("torch", files) == ("2.15.0", {"cp312"})
    assert newest_release("torchvision", files) is None


def test_an_older_install_than_the_index_offers_is_behind_and_says_why():
    behind = compare("torch", "2.14.1+cpu", TORCH_PAGE, "cp311")
    assert behind is not None and (behind.installed, behind.newest, behind.wheel_for_this_python) == (
        "2.14.1", "2.15.0", False)
    assert behind.sentence("3.11") == ("torch 2.15.0 is on the index, but pip installed 2.14.1: the index has no "
                                       "wheel of torch 2.15.0 for Python 3.11 yet")
    assert compare("torch", "2.15.0+cpu", TORCH_PAGE, "cp312") is None
    assert compare("torch", "2.14.1", TORCH_PAGE, "cp312").wheel_for_this_python is True


def test_the_report_says_it_first_and_the_title_still_starts_newest_torch(tmp_path):
    (tmp_path / "title.txt").write_text("Newest torch 2.14.1 (torchvision 0.29.1): nothing changed\n", encoding="utf-8")
    (tmp_path / "report.md").write_text("All blocks printed the same.\n", encoding="utf-8")
    amend_report(tmp_path, [compare("torch", "2.14.1+cpu", TORCH_PAGE, "cp311")], "3.11")
    title = (tmp_path / "title.txt").read_text(encoding="utf-8")
    assert title == ("Newest torch NOT installed (torch 2.15.0 on the index, older installed) — "
                     "2.14.1 (torchvision 0.29.1): nothing changed\n")
    body = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert body.startswith("## The newest release was not installed\n\n- torch 2.15.0 is on the index")
    assert body.endswith("All blocks printed the same.\n") and "stays open" in body


def fake_environment(tmp_path: Path, torch: str, torchvision: str) -> Path:
    """A venv whose torch and torchvision are only their metadata: what importlib.metadata reads."""
    env = tmp_path / "newest"
    venv.create(env, with_pip=False, system_site_packages=False)
    (site,) = env.glob("lib/python*/site-packages")
    for name, version in (("torch", torch), ("torchvision", torchvision)):
        info = site / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    return env / "bin" / "python"


def file_index(tmp_path: Path, pages: dict[str, str]) -> str:
    """A local `file://` simple index: one folder per package with its index.html."""
    for package, page in pages.items():
        (tmp_path / "index" / package).mkdir(parents=True)
        (tmp_path / "index" / package / "index.html").write_text(page, encoding="utf-8")
    return (tmp_path / "index").as_uri()


def run_check(tmp_path: Path, python: Path, index: str) -> subprocess.CompletedProcess:
    report = tmp_path / "drift-report"
    report.mkdir(exist_ok=True)
    (report / "title.txt").write_text("Newest torch 2.14.1 (torchvision 0.29.1): nothing changed\n", encoding="utf-8")
    (report / "report.md").write_text("Nothing changed.\n", encoding="utf-8")
    return subprocess.run([str(python), str(SCRIPT), "--index-url", index, "--report", str(report)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": ""})


def test_the_script_against_a_stand_in_index_fails_and_amends_the_report_when_pip_settled_for_less(tmp_path):
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    python = fake_environment(tmp_path, "2.14.1+cpu", "0.29.1+cpu")
    index = file_index(tmp_path, {
        "torch": simple_page(f"torch-2.14.1+cpu-{tag}-{tag}-linux_x86_64.whl", "torch-2.15.0+cpu-cp399-cp399-linux_x86_64.whl"),
        "torchvision": simple_page(f"torchvision-0.29.1+cpu-{tag}-{tag}-linux_x86_64.whl"),
    })
    done = run_check(tmp_path, python, index)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "torch 2.15.0 is on the index, but pip installed 2.14.1: the index has no wheel" in done.stdout
    assert "torchvision: installed 0.29.1+cpu, the newest" in done.stdout
    title = (tmp_path / "drift-report" / "title.txt").read_text(encoding="utf-8")
    assert title.startswith("Newest torch NOT installed (torch 2.15.0 on the index")


def test_the_script_passes_and_leaves_the_report_alone_when_the_newest_was_installed(tmp_path):
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    python = fake_environment(tmp_path, "2.15.0+cpu", "0.30.0+cpu")
    index = file_index(tmp_path, {
        "torch": simple_page(f"torch-2.14.1+cpu-{tag}-{tag}-linux_x86_64.whl", f"torch-2.15.0+cpu-{tag}-{tag}-linux_x86_64.whl"),
        "torchvision": simple_page(f"torchvision-0.30.0+cpu-{tag}-{tag}-linux_x86_64.whl"),
    })
    done = run_check(tmp_path, python, index)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "drift-report" / "title.txt").read_text(encoding="utf-8").startswith("Newest torch 2.14.1")
