"""site_src's stages import downward only: lesson ← run ← site ← upkeep, with cli on top.

Read from the source with ``ast`` (imports inside functions included), so a lazy import that
climbs a layer fails here too, and so does an import cycle between two modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_src"
STAGES = ["lesson", "run", "site", "upkeep"]  # each may import the ones before it
ALLOWED = {stage: set(STAGES[:rank + 1]) for rank, stage in enumerate(STAGES)} | {"upkeep": set(STAGES)}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name under site_src) of every site_src import in the file, however written."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]  # ("site_src", "run")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            names = [target + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        else:
            continue
        found += [(node.lineno, ".".join(name)) for name in names if name[0] == "site_src"]
    return found


def stage_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def modules_of(stage: str) -> list[Path]:
    return sorted((PACKAGE / stage).glob("*.py"))


def test_site_src_holds_only_the_command_line_and_the_four_stage_packages():
    assert sorted(path.name for path in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py", "cli.py"]
    assert all((PACKAGE / stage / "__init__.py").is_file() for stage in STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_itself_and_the_stages_below_it(stage):
    climbing = [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}"
                for path in modules_of(stage) for line, name in imported_modules(path)
                if stage_of(name) is not None and stage_of(name) not in ALLOWED[stage]]
    assert climbing == []


def test_no_two_modules_import_each_other():
    edges = {}
    for stage in STAGES:
        for path in modules_of(stage):
            me = f"site_src.{stage}.{path.stem}"
            edges[me] = {name if name.count(".") == 2 else name.rsplit(".", 1)[0]
                         for _, name in imported_modules(path)}
    edges = {module: {target for target in targets if target in edges} for module, targets in edges.items()}
    cycles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert cycles == []


def test_the_check_reads_relative_imports_the_way_python_does(tmp_path):
    source = PACKAGE / "run" / "parent.py"
    names = {name for _, name in imported_modules(source)}
    assert "site_src.lesson.extract.extract_blocks" in names and "site_src.run.records.RecordStore" in names
