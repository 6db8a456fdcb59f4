"""Did the weekly run really install the newest torch and torchvision?

`pip install --upgrade torch torchvision` quietly settles for an older pair when the newest
torch has no wheel yet for this Python, or torchvision lags behind it; the run then compares
the pins with themselves and reports "nothing changed". So, after the install, newest.yml runs
this script in the newest environment: it reads the index's simple page of each package (PEP
503: one link per file), takes the newest final release any file offers, and compares it with
the version installed. When the index has a newer one, it says so at the front of the report's
title and body (drift-report/title.txt and report.md, which `site_src newest` wrote) and exits 1,
so the workflow keeps the issue open instead of closing it.

Plain standard library (``python site_src/upkeep/newest_check.py --index-url URL --report DIR``).
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

PACKAGES = ("torch", "torchvision")
FINAL_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)(?:\+[\w.]+)?$")  # 2.14.1 or 2.14.1+cpu; no rc/dev/post
WHEEL = re.compile(r"^(?P<name>[^-/]+)-(?P<version>[^-]+)-(?:\d[^-]*-)?(?P<python>[^-]+)-[^-]+-[^-]+\.whl$")


@dataclass(frozen=True)
class Behind:
    """A package whose newest release on the index is newer than the one installed."""

    package: str
    installed: str
    newest: str
    wheel_for_this_python: bool

    def sentence(self, python: str) -> str:
        why = ("" if self.wheel_for_this_python
               else f": the index has no wheel of {self.package} {self.newest} for Python {python} yet")
        return f"{self.package} {self.newest} is on the index, but pip installed {self.installed}{why}"


def release(version: str) -> tuple[int, ...] | None:
    """(2, 14, 1) for "2.14.1" or "2.14.1+cpu"; None for a pre-release, dev or post release."""
    found = FINAL_RELEASE.match(version)
    return tuple(int(part) for part in found.group(1).split(".")) if found else None


def wheel_files(page: str) -> list[str]:
    """The file names a simple-index page links to (href targets, percent-decoded, no #hash)."""
    hrefs = re.findall(r"""href\s*=\s*["']([^"']+)["']""", page)
    return [unquote(href.split("#")[0].rstrip("/").rsplit("/", 1)[-1]) for href in hrefs]


def newest_release(package: str, files: list[str]) -> tuple[str, set[str]] | None:
    """The newest final release among `package`'s wheels, and the Python tags (cp311, …) it has wheels for."""
    by_version: dict[tuple[int, ...], tuple[str, set[str]]] = {}
    for name in files:
        wheel = WHEEL.match(name)
        if not wheel or wheel["name"].lower().replace("_", "-") != package:
            continue
        key = release(wheel["version"])
        if key is None:
            continue
        public = wheel["version"].split("+")[0]
        by_version.setdefault(key, (public, set()))[1].update(wheel["python"].split("."))
    return by_version[max(by_version)] if by_version else None


def read_index_page(index_url: str, package: str) -> str:
    """The simple page of `package` under `index_url` (https://…, or file://… for a folder index)."""
    url = f"{index_url.rstrip('/')}/{package}/"
    if urlparse(url).scheme == "file" and Path(unquote(urlparse(url).path)).is_dir():
        url += "index.html"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (an index URL we were given)
        return response.read().decode("utf-8", errors="replace")


def compare(package: str, installed: str, page: str, python_tag: str) -> Behind | None:
    """A `Behind` when the page offers a newer final release of `package` than `installed`."""
    newest = newest_release(package, wheel_files(page))
    mine = release(installed) or release(installed.split("+")[0])
    if newest is None or mine is None or release(newest[0]) <= mine:
        return None
    return Behind(package, installed.split("+")[0], newest[0], python_tag in newest[1])


def amend_report(report: Path, behind: list[Behind], python: str) -> None:
    """Say it first in the title (which must keep starting "Newest torch") and in the body."""
    title_file, body_file = report / "title.txt", report / "report.md"
    title = title_file.read_text(encoding="utf-8").strip() if title_file.exists() else "Newest torch"
    rest = title.removeprefix("Newest torch").lstrip()
    newest = "; ".join(f"{b.package} {b.newest}" for b in behind)
    title_file.write_text(f"Newest torch NOT installed ({newest} on the index, older installed) — {rest}\n",
                          encoding="utf-8")
    lines = ["## The newest release was not installed", "",
             *(f"- {b.sentence(python)}." for b in behind), "",
             "The comparison below is of the versions that were installed, not of the newest release: "
             "this issue stays open until a run installs the newest one.", "", ""]
    body = body_file.read_text(encoding="utf-8") if body_file.exists() else ""
    body_file.write_text("\n".join(lines) + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-url", required=True, help="the index the newest torch was installed from")
    parser.add_argument("--report", type=Path, required=True, help="the folder of title.txt and report.md")
    args = parser.parse_args(argv)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    python_tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    behind = []
    for package in PACKAGES:
        installed = metadata.version(package)
        found = compare(package, installed, read_index_page(args.index_url, package), python_tag)
        print(f"{package}: installed {installed}" + (f"; {found.sentence(python)}" if found else ", the newest"))
        if found:
            behind.append(found)
    if behind:
        amend_report(args.report, behind, python)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
