"""site_src/site/overrides: a template copied from Material differs from Material's own only where it says.

Material's partials are overridden whole, so an upgrade of Material that changes one of them
would be silently undone by the copy. This test fails then, and says which file to re-copy.
"""

from __future__ import annotations

from pathlib import Path

import material
from lesson_fixtures import REPO

OVERRIDES = REPO / "site_src" / "site" / "overrides"
MATERIAL = Path(material.__file__).parent / "templates"
GENERATED = "{#-\n  This file was automatically generated - do not edit\n-#}\n"
# Each copied partial: the one change made to Material's text, as (Material's, ours).
CHANGES = {
    "partials/search.html": (
        '<div class="md-search" data-md-component="search" role="dialog">',
        '<div class="md-search" data-md-component="search" role="dialog" aria-label="{{ lang.t(\'search.placeholder\') }}">',
    ),
    # Run by docs/javascripts/palette.js, not by Material's palette component (the partial says why).
    "partials/palette.html": (
        '<form class="md-header__option" data-md-component="palette">',
        '<form class="md-header__option" data-course-palette>',
    ),
}


def _without_leading_comment(text: str) -> str:
    return text.split("-#}\n", 1)[1] if text.startswith("{#-") else text


def test_copied_partials_differ_from_materials_only_by_their_change():
    for name, (theirs, ours) in CHANGES.items():
        original = (MATERIAL / name).read_text(encoding="utf-8")
        assert original.startswith(GENERATED) and original.count(theirs) == 1, \
            f"Material's {name} changed: copy it again into site_src/site/overrides/{name} and redo the change"
        copy = _without_leading_comment((OVERRIDES / name).read_text(encoding="utf-8"))
        assert copy == original.removeprefix(GENERATED).replace(theirs, ours), \
            f"site_src/site/overrides/{name} differs from Material's {name} by more than its one change"
