"""Compare a GPU run's records with the CPU run's: the same numbers, within a tolerance.

The site shows the CPU run. The GPU job runs every lesson with ``--device cuda`` and then
checks here that each block printed the same numbers (device names and version strings
aside, which are expected to differ), so a lesson cannot silently compute something else
on a GPU.
"""

from __future__ import annotations

import math
import re

from .extract import extract_blocks
from .lessons import Lesson
from .problems import Problem
from .records import RecordStore

# Words that name the device or the build, not results: dropped before numbers are read.
EXPECTED_DIFFERENCES = re.compile(r"device='[^']*'|cuda:\d+|\b\d+\.\d+\.\d+(?:\.\w+)?\+\w+\b")
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE = 1e-3, 1e-5


def numbers_in(text: str) -> list[float]:
    return [float(token) for token in NUMBER.findall(EXPECTED_DIFFERENCES.sub(" ", text))]


def compare_runs(lesson: Lesson, cpu: RecordStore, gpu: RecordStore) -> list[Problem]:
    """Blocks whose GPU output holds other numbers than the CPU output (both runs must exist)."""
    cpu_record, gpu_record = cpu.load(lesson.slug), gpu.load(lesson.slug)
    if cpu_record is None or gpu_record is None:
        missing = "CPU" if cpu_record is None else "GPU"
        return [Problem(lesson.zh.rel, None, f"no {missing} record to compare",
                        "run `pytest lessons` and `pytest lessons --device cuda` first")]
    problems = []
    for block, on_cpu, on_gpu in zip(extract_blocks(lesson.zh), cpu_record["blocks"], gpu_record["blocks"]):
        if on_cpu["status"] != "ok" or on_gpu["status"] != "ok":
            continue  # skipped on the CPU (GPU-only), not run, or a must-raise block
        cpu_numbers, gpu_numbers = numbers_in(on_cpu["stdout"]), numbers_in(on_gpu["stdout"])
        if len(cpu_numbers) != len(gpu_numbers) or not all(
                math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)
                for a, b in zip(cpu_numbers, gpu_numbers)):
            difference = _first_difference(cpu_numbers, gpu_numbers)
            problems.append(Problem(block.path, block.line, f"the GPU run printed other numbers than the CPU run: {difference}",
                                    "make the block deterministic on both devices (seeds, no timings in CPU blocks)"))
    return problems


def _first_difference(cpu: list[float], gpu: list[float]) -> str:
    for index, (a, b) in enumerate(zip(cpu, gpu)):
        if not math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE):
            return f"number {index + 1} is {a:g} on the CPU and {b:g} on the GPU"
    return f"{len(cpu)} numbers on the CPU, {len(gpu)} on the GPU"
