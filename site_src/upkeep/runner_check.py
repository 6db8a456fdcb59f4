"""What the self-hosted GPU runner must be before lessons run on it: an Ubuntu 24.04 (or newer)
VM, bubblewrap 0.8 or newer, and an NVIDIA driver new enough for torch's CUDA wheels.

gpu.yml runs it as a plain script, before setup-python and before anything is installed
(``python3 site_src/upkeep/runner_check.py os /etc/os-release``, ``… bwrap``, ``… driver``),
so it imports nothing but the standard library. These checks catch a runner set up wrongly;
they are no security boundary (a pull request's own copy of this file runs there too:
docs/maintainers.en.md, "The GPU runner", says what is).

- Ubuntu 22.04 ships bubblewrap 0.6, which lacks ``--disable-userns`` (0.8+): the sandbox's
  command line fails there; and actions/setup-python ships its Python builds for Ubuntu only.
- torch 2.14.1 from PyPI is built for CUDA 13.0, which needs driver 580 or newer: with an older
  driver ``--device cuda`` fails at once, with a message that does not name the driver.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

MIN_UBUNTU = (24, 4)
MIN_BWRAP = (0, 8)
MIN_DRIVER = 580  # CUDA 13.0 (torch 2.14.1's PyPI wheels): driver 580 or newer
DOCS = "docs/maintainers.en.md, The GPU runner"


def version_tuple(text: str) -> tuple[int, ...] | None:
    """The first dotted number in `text` as integers ("bubblewrap 0.9.0" → (0, 9, 0)); None if none."""
    found = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(part) for part in found.group().split(".")) if found else None


def _shown(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def check_os(os_release: str) -> str | None:
    """None when /etc/os-release (its text) names Ubuntu 24.04 or newer; else what is wrong and what to do."""
    fields = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', os_release, re.MULTILINE))
    pretty = fields.get("PRETTY_NAME") or "an unknown system"
    if fields.get("ID") != "ubuntu":
        return (f"the GPU runner runs {pretty}, but actions/setup-python ships Python for Ubuntu only: "
                f"use an Ubuntu 24.04 (or newer) VM ({DOCS})")
    version = version_tuple(fields.get("VERSION_ID", ""))
    if version is None or version < MIN_UBUNTU:
        return (f"the GPU runner runs {pretty}; it needs Ubuntu 24.04 or newer (22.04's bubblewrap 0.6 lacks "
                f"--disable-userns, which the lesson sandbox uses): use an Ubuntu 24.04 VM ({DOCS})")
    return None


def check_bwrap(version_output: str) -> str | None:
    """None when `bwrap --version` printed 0.8 or newer; else what was found and what to install."""
    version = version_tuple(version_output)
    if version is None:
        return (f"cannot read a bubblewrap version from {version_output.strip()!r}: install bubblewrap 0.8 or "
                f"newer (`sudo apt-get install bubblewrap acl libseccomp2` on Ubuntu 24.04; {DOCS})")
    if version < MIN_BWRAP:
        return (f"bubblewrap {_shown(version)} is too old: the lesson sandbox needs 0.8 or newer "
                f"(--disable-userns). Use an Ubuntu 24.04 VM, whose `apt-get install bubblewrap` gives 0.9 ({DOCS})")
    return None


def check_driver(smi_output: str) -> str | None:
    """None when every GPU's driver (`nvidia-smi --query-gpu=driver_version --format=csv,noheader`,
    one line per GPU) is 580 or newer; else what was found and what to install."""
    versions = [version_tuple(line) for line in smi_output.splitlines() if line.strip()]
    if not versions or None in versions:
        return (f"cannot read the NVIDIA driver version from {smi_output.strip()!r}: is the driver installed "
                f"(nvidia-smi)? torch's CUDA 13.0 wheels need driver {MIN_DRIVER} or newer ({DOCS})")
    oldest = min(versions)
    if oldest[0] < MIN_DRIVER:
        return (f"NVIDIA driver {_shown(oldest)} is too old: torch's CUDA 13.0 wheels (torch 2.14.1 from PyPI) "
                f"need driver {MIN_DRIVER} or newer. Install nvidia-driver-{MIN_DRIVER} (or newer) on the "
                f"runner's image ({DOCS})")
    return None


def _output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return f"{command[0]}: not found"
    return done.stdout + done.stderr


def main(argv: list[str]) -> int:
    what = argv[0] if argv else ""
    if what == "os" and len(argv) == 2:
        text = Path(argv[1]).read_text(encoding="utf-8")
        problem, found = check_os(text), text
    elif what == "bwrap":
        found = _output(["bwrap", "--version"])
        problem = check_bwrap(found)
    elif what == "driver":
        found = _output(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"])
        problem = check_driver(found)
    else:
        print("usage: runner_check.py os /etc/os-release | bwrap | driver", file=sys.stderr)
        return 2
    if problem:
        print(f"::error::{problem}")
        return 1
    print(f"{what}: {found.strip().splitlines()[0] if what != 'os' else check_os_summary(found)} (ok)")
    return 0


def check_os_summary(os_release: str) -> str:
    found = re.search(r'^PRETTY_NAME="?([^"\n]*)"?$', os_release, re.MULTILINE)
    return found.group(1) if found else "Ubuntu"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
