"""bench.py: how the scaled benchmark judges a stage against issue 32's targets."""

from __future__ import annotations

from site_src.upkeep.bench import BUILD, CHECK, PREVIEW_PROSE, ScaledStage, Timing


def test_a_stage_whose_cpu_time_grows_faster_than_the_course_misses_its_target():
    stage = ScaledStage(BUILD, Timing(20.0, 10.0), Timing(60.0, 35.0), 3)
    assert stage.ratio == 3.0 and stage.cpu_ratio == 3.5
    assert stage.missed == ["CPU time grows 3.50× for 3× the lessons (target ≤ 3.3)"]


def test_growth_up_to_a_tenth_over_the_course_is_met():
    assert ScaledStage(BUILD, Timing(20.0, 10.0), Timing(90.0, 33.0), 3).missed == []


def test_check_over_ten_seconds_misses_even_when_it_grows_with_the_course():
    stage = ScaledStage(CHECK, Timing(4.0, 3.0), Timing(12.0, 9.0), 3)
    assert stage.missed == ["12.0 s at 3× (target < 10 s)"]
    assert ScaledStage(PREVIEW_PROSE, Timing(0.5, 0.4), Timing(0.9, 0.7), 3).missed == []
    assert ScaledStage(PREVIEW_PROSE, Timing(0.5, 0.4), Timing(1.0, 0.7), 3).missed == ["1.0 s at 3× (target < 1 s)"]
