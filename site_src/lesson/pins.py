"""Read which packages the course installs, and which torch versions it supports, from pyproject.toml.

- ``pinned``: torch and torchvision as ``[project] dependencies`` pin them (what the site shows);
- ``oldest``: the oldest torch the course supports, ``[tool.course] oldest_torch`` (with its
  torchvision), run by one CI entry; a lesson that needs newer sets ``min_torch`` in its front matter;
- ``newest``: torch and torchvision unpinned, for the weekly run against the newest release.

This module imports nothing but the standard library: CI runs it as a plain script
(``python site_src/lesson/pins.py torch oldest``) before any package is installed.
"""

from __future__ import annotations

import functools
import re
import sys
import tomllib
from pathlib import Path

TORCH_PACKAGES = ("torch", "torchvision")
CHOICES = ("pinned", "oldest", "newest")
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
RELEASE = re.compile(r"^\d+(?:\.\d+){1,2}")


def _read(pyproject: Path) -> dict:
    return _parsed(pyproject.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> dict:
    # Cached by the text: every lesson's check asks for the pins (callers only read the dict).
    return tomllib.loads(text)


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def torch_requirements(choice: str, pyproject: Path = PYPROJECT) -> list[str]:
    """The torch and torchvision requirements for a run: pinned, oldest or newest."""
    data = _read(pyproject)
    if choice == "newest":
        return list(TORCH_PACKAGES)
    if choice == "oldest":
        course = data.get("tool", {}).get("course", {})
        return [f"torch=={course['oldest_torch']}", f"torchvision=={course['oldest_torchvision']}"]
    if choice == "pinned":
        return [dep for dep in data["project"]["dependencies"] if _name(dep) in TORCH_PACKAGES]
    raise ValueError(f"unknown torch choice {choice!r}: use one of {', '.join(CHOICES)}")


def other_requirements(pyproject: Path = PYPROJECT, *, dev: bool = False) -> list[str]:
    """Every pinned dependency but torch and torchvision (and the dev extra, if asked)."""
    data = _read(pyproject)["project"]
    requirements = list(data["dependencies"]) + (list(data["optional-dependencies"]["dev"]) if dev else [])
    return [dep for dep in requirements if _name(dep) not in TORCH_PACKAGES]


def pinned_version(package: str, pyproject: Path = PYPROJECT) -> str | None:
    """The ``==`` version pyproject.toml pins for a package, or None."""
    for dep in _read(pyproject)["project"]["dependencies"]:
        if _name(dep) == package and "==" in dep:
            return dep.split("==", 1)[1].strip()
    return None


def pinned_requirements(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """Every ``[project] dependencies`` entry (not the dev extra) by its normalized name:
    ``{"scikit-image": "scikit-image==0.26.0", …}``, in pyproject.toml's order."""
    return {normalized_name(_name(dep)): dep.strip() for dep in _read(pyproject)["project"]["dependencies"]}


def normalized_name(name: str) -> str:
    """A distribution's name as PEP 503 compares them: ``PyYAML`` and ``pyyaml``, ``scikit_image``
    and ``scikit-image`` are the same."""
    return re.sub(r"[-_.]+", "-", name).lower()


def oldest_torch(pyproject: Path = PYPROJECT) -> str | None:
    """``[tool.course] oldest_torch``, or None where the file or the setting is absent (a test's course)."""
    if not pyproject.exists():
        return None
    return _read(pyproject).get("tool", {}).get("course", {}).get("oldest_torch")


def installed_version(package: str) -> str | None:
    """The version of an installed package (``2.14.1+cpu``), or None."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def release(version: str) -> tuple[int, ...]:
    """``2.6`` → (2, 6, 0); ``2.14.1+cpu`` → (2, 14, 1): what comparing torch versions needs."""
    match = RELEASE.match(version.strip())
    if not match:
        raise ValueError(f"{version!r} is not a version like 2.6 or 2.6.0")
    parts = tuple(int(part) for part in match[0].split("."))
    return parts + (0,) * (3 - len(parts))


def main(argv: list[str]) -> int:
    usage = "usage: python site_src/lesson/pins.py torch pinned|oldest|newest  |  python site_src/lesson/pins.py others [--dev]"
    if argv[:1] == ["torch"] and len(argv) == 2 and argv[1] in CHOICES:
        print(" ".join(torch_requirements(argv[1])))
    elif argv[:1] == ["others"] and argv[1:] in ([], ["--dev"]):
        print(" ".join(other_requirements(dev=argv[1:] == ["--dev"])))
    else:
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
