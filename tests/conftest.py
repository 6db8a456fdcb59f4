"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_fixtures import LessonFolder

pytest_plugins = ["pytester"]


@pytest.fixture
def lessons(tmp_path: Path) -> LessonFolder:
    """An empty repository layout in a temp dir, to write lessons into."""
    return LessonFolder(tmp_path)
