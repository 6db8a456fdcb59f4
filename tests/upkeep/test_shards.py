"""shards.py: CI's lesson shards dealt by recorded duration, longest first, to the least-loaded shard."""

from __future__ import annotations

import json

import pytest

from site_src.cli import main
from site_src.upkeep.shards import START_UP_SECONDS, deal, estimates, measured_summary, plan_summary, prune_records


def test_longest_first_to_the_least_loaded_shard_balances_better_than_round_robin():
    expected = {"00-a": 1.0, "01-b": 1.0, "02-c": 2.0, "03-d": 8.0, "04-e": 1.0, "05-f": 9.0}
    shards = deal(expected, 2)
    assert [shard.slugs for shard in shards] == [["00-a", "01-b", "05-f"], ["02-c", "03-d", "04-e"]]
    assert [shard.seconds for shard in shards] == [11.0, 11.0]
    round_robin = [sum(expected[slug] for slug in sorted(expected)[i::2]) for i in range(2)]
    assert round_robin == [4.0, 18.0]  # what dealing by folder order gave


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_lesson_lands_in_exactly_one_shard(count):
    expected = estimates([f"{n:02d}-x" for n in range(13)], {"00-x": 3.0, "05-x": 30.0})
    dealt = [slug for shard in deal(expected, count) for slug in shard.slugs]
    assert sorted(dealt) == sorted(expected)


def test_a_lesson_without_a_duration_counts_as_the_median_of_the_known_ones():
    expected = estimates(["01-a", "02-b", "03-c", "04-new"], {"01-a": 1.0, "02-b": 5.0, "03-c": 30.0})
    assert expected["04-new"] == 5.0 + START_UP_SECONDS and expected["03-c"] == 30.0 + START_UP_SECONDS


def test_the_summaries_show_the_balance_and_the_measured_seconds(tmp_path):
    expected = {"01-a": 4.0, "02-b": 3.0, "03-c": 2.0}
    shards = deal(expected, 2)
    plan = plan_summary(shards, expected, mine=1)
    assert "| 0 | 01-a (4 s) | 4 | 80% |" in plan and "| **1** (this job) | 02-b (3 s), 03-c (2 s) | 5 | 100% |" in plan
    (tmp_path / "02-b").mkdir()
    (tmp_path / "02-b" / "record.json").write_text(json.dumps({"seconds": 6.5}))
    measured = measured_summary(shards[1], expected, tmp_path)
    assert f"| 02-b | 3.0 | {6.5 + START_UP_SECONDS:.1f} |" in measured and "| 03-c | 2.0 | no record |" in measured


def test_the_shard_command_lists_its_lessons_and_appends_the_plan_to_the_summary(lessons, monkeypatch, capsys):
    (lessons.root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    for slug in ("01-a", "02-b", "03-c"):
        lessons.markdown(slug, "text\n")
    (lessons.lessons_dir / "durations.json").write_text(json.dumps({"01-a": 9.0, "02-b": 1.0, "03-c": 1.0}))
    monkeypatch.chdir(lessons.root)
    summary = lessons.root / "summary.md"
    assert main(["shard", "0", "2", "--summary", str(summary)]) == 0
    assert capsys.readouterr().out == "lessons/01-a\n"
    assert main(["shard", "1", "2"]) == 0
    assert capsys.readouterr().out == "lessons/02-b\nlessons/03-c\n"
    assert "| **0** (this job) | 01-a (11 s) | 11 | 100% |" in summary.read_text(encoding="utf-8")
    assert main(["shard", "2", "2"]) == 2


def test_shard_update_rewrites_the_durations_from_the_records(lessons, monkeypatch):
    (lessons.root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    lessons.markdown("01-a", "text\n")
    lessons.markdown("02-b", "text\n")
    (lessons.lessons_dir / "durations.json").write_text(json.dumps({"01-a": 9.0, "02-b": 1.0, "99-gone": 3.0}))
    record = lessons.root / "build" / "records" / "02-b" / "record.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"seconds": 4.26}))
    monkeypatch.chdir(lessons.root)
    assert main(["shard", "--update"]) == 0
    assert json.loads((lessons.lessons_dir / "durations.json").read_text()) == {"01-a": 9.0, "02-b": 4.3}


def test_a_shard_keeps_only_the_records_of_its_own_lessons_for_its_upload(tmp_path):
    records = tmp_path / "records"
    for slug in ("01-mine", "02-theirs", "03-mine", "04-theirs.new"):
        (records / slug).mkdir(parents=True)
        (records / slug / "record.json").write_text("{}", encoding="utf-8")
    assert prune_records(records, keep=["01-mine", "03-mine"]) == ["02-theirs", "04-theirs.new"]
    assert sorted(path.name for path in records.iterdir()) == ["01-mine", "03-mine"]
    assert prune_records(tmp_path / "absent", keep=[]) == []
