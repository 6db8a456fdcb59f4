"""mutate.py: which mutants are skipped as equivalent before cosmic-ray runs them."""

from __future__ import annotations

from site_src.upkeep.mutate import annotation_spans, inside

SOURCE = '''from __future__ import annotations

def dead(source: Source, line: int | None = None, *names: str, **options: dict[str, int]) -> Problem | None:
    flags: set[str] = {"a"} | {"b"}
    return line | 1
'''


def span_of(text: str, line: int) -> tuple[tuple[int, int], tuple[int, int]]:
    start = SOURCE.splitlines()[line - 1].index(text)
    return (line, start), (line, start + len(text))


def test_mutants_in_annotations_are_inside_and_the_same_operators_in_code_are_not():
    spans = annotation_spans(SOURCE)
    for annotation in ("Source", "int | None", "str", "dict[str, int]", "Problem | None"):
        assert inside(spans, *span_of(annotation, 3)), annotation
    assert inside(spans, *span_of("|", 3))  # the `|` of `int | None`, as cosmic-ray marks an operator
    assert inside(spans, *span_of("set[str]", 4))
    assert not inside(spans, *span_of('{"a"} | {"b"}', 4)) and not inside(spans, *span_of("|", 5))
    assert not inside(spans, *span_of("None", 3)[:1] + ((3, 60),))  # crosses out of an annotation


def test_columns_count_characters_not_bytes():
    source = 'def f(名字: "张量", x: int | None) -> None:\n    return x\n'
    start = source.index("int | None")
    assert inside(annotation_spans(source), (1, start), (1, start + len("int | None")))
