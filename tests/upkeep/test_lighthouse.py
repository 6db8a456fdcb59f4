"""lighthouse.py: a Lighthouse report read into the table's figures, medians and targets, and the
gzip server the bench measures the site through (Lighthouse itself is not run here)."""

from __future__ import annotations

import copy
import gzip
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from site_src.upkeep.lighthouse import (
    LighthouseRun,
    PageResult,
    Targets,
    accepts_gzip,
    default_pages,
    gzip_server,
    lighthouse_command,
    report_table,
)

REPORT = json.loads((Path(__file__).parent / "fixtures" / "lighthouse-01-tensors.json").read_text(encoding="utf-8"))


def a_run(**figures) -> LighthouseRun:
    base = dict(performance=99, lcp_ms=1500.0, tbt_ms=50.0, cls=0.0, dom_size=1500, total_bytes=120_000,
                benchmark_index=1500.0, main_thread={"Style & Layout": 400.0, "Script Evaluation": 300.0})
    return LighthouseRun(**{**base, **figures})


# ------------------------------------------------------------------ reading a report


def test_a_report_gives_the_score_in_percent_and_the_figures_in_their_units():
    run = LighthouseRun.from_report(REPORT)
    assert run.performance == 60
    assert run.lcp_ms == pytest.approx(3415.59, abs=0.01)
    assert run.tbt_ms == 2470
    assert run.cls == 0
    assert run.dom_size == 4076
    assert run.total_bytes == 591_860
    assert run.benchmark_index == 1239.5
    assert max(run.main_thread, key=run.main_thread.get) == "Style & Layout"
    assert run.main_thread["Style & Layout"] == pytest.approx(4817.5, abs=0.1)


def test_a_failed_run_says_which_report_and_why():
    failed = copy.deepcopy(REPORT)
    failed["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint any content."}
    with pytest.raises(ValueError, match=r"build/lighthouse/x-1\.json: .*01-tensors.*NO_FCP: The page did not paint"):
        LighthouseRun.from_report(failed, "build/lighthouse/x-1.json")


def test_a_report_without_a_score_names_lighthouses_warning():
    unscored = copy.deepcopy(REPORT)
    unscored["categories"]["performance"]["score"] = None
    unscored["runWarnings"] = ["The page loaded too slowly to finish within the time limit."]
    with pytest.raises(ValueError, match="too slowly"):
        LighthouseRun.from_report(unscored)


# ------------------------------------------------------------------ medians and targets


def test_each_figure_is_the_median_of_the_runs_and_the_median_run_is_the_median_score():
    result = PageResult("lessons/01-tensors/", (a_run(performance=90, tbt_ms=300), a_run(performance=97, tbt_ms=20),
                                                a_run(performance=95, tbt_ms=150, lcp_ms=9000)))
    assert result.median("performance") == 95
    assert result.median("tbt_ms") == 150
    assert result.median("lcp_ms") == 1500  # one slow LCP does not move the median
    assert result.median_run.performance == 95


def test_a_page_meeting_every_target_has_no_misses_and_each_miss_says_by_how_much():
    assert PageResult("p/", (a_run(),)).misses(Targets()) == []
    slow = PageResult("p/", (a_run(performance=80, lcp_ms=3100, tbt_ms=620, cls=0.25),))
    assert slow.misses(Targets()) == ["performance 80 < 95", "LCP 3.10 s > 2.5 s", "TBT 620 ms > 200 ms",
                                      "CLS 0.250 > 0.1"]


def test_the_table_has_a_row_per_page_with_where_the_time_went_and_fails_on_a_miss():
    good = PageResult("lessons/01-tensors/", (a_run(),) * 3)
    slow = PageResult("en/lessons/25-translator/", (a_run(performance=78, tbt_ms=970),) * 3)
    table, ok = report_table([good, slow])
    assert not ok
    assert "en/lessons/25-translator/" in table and "970ms" in table
    assert "main thread: Style & Layout 0.40 s, Script Evaluation 0.30 s" in table
    assert "en/lessons/25-translator/: performance 78 < 95" in table
    assert "en/lessons/25-translator/: TBT 970 ms > 200 ms" in table
    assert report_table([good])[1] is True
    assert report_table([])[1] is False  # nothing measured is not a pass


def test_the_default_pages_are_each_lesson_in_both_languages_and_lighthouse_runs_mobile_performance_only():
    assert default_pages(("01-tensors", "25-translator")) == [
        "lessons/01-tensors/", "en/lessons/01-tensors/", "lessons/25-translator/", "en/lessons/25-translator/"]
    command = lighthouse_command(Path("cli.js"), "http://127.0.0.1:1/course/", Path("out.json"))
    assert "--only-categories=performance" in command and "--output=json" in command
    assert not any(flag.startswith(("--preset", "--form-factor", "--throttling")) for flag in command)  # the mobile defaults


# ------------------------------------------------------------------ the gzip server


@pytest.fixture
def site(tmp_path) -> Path:
    (tmp_path / "lessons" / "01-tensors").mkdir(parents=True)
    (tmp_path / "lessons" / "01-tensors" / "index.html").write_text("<p>张量</p>" * 200, encoding="utf-8")
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(json.dumps({"docs": ["x" * 50] * 100}))
    (tmp_path / "figure.png").write_bytes(b"\x89PNG" + bytes(500))
    (tmp_path / "404.html").write_text("<p>not here</p>")
    return tmp_path


def fetch(url: str, *, gzip_ok: bool):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_text_files_are_sent_gzipped_to_a_client_that_asks(site):
    with gzip_server(site, "/course/") as base:
        status, headers, body = fetch(base + "lessons/01-tensors/", gzip_ok=True)
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert headers["Content-Type"].startswith("text/html")
        assert int(headers["Content-Length"]) == len(body) < 200
        assert gzip.decompress(body) == (site / "lessons" / "01-tensors" / "index.html").read_bytes()
        status, headers, body = fetch(base + "search/search_index.json", gzip_ok=True)
        assert headers["Content-Encoding"] == "gzip"
        assert json.loads(gzip.decompress(body)) == {"docs": ["x" * 50] * 100}


def test_without_accept_encoding_and_for_images_the_bytes_are_sent_as_they_are(site):
    with gzip_server(site, "/course/") as base:
        status, headers, body = fetch(base + "lessons/01-tensors/", gzip_ok=False)
        assert status == 200 and headers["Content-Encoding"] is None
        assert body == (site / "lessons" / "01-tensors" / "index.html").read_bytes()
        status, headers, body = fetch(base + "figure.png", gzip_ok=True)
        assert headers["Content-Encoding"] is None and body == (site / "figure.png").read_bytes()


def test_the_gzip_server_keeps_the_prefix_and_the_404_page(site):
    with gzip_server(site, "/course/") as base:
        status, _, body = fetch(base.replace("/course/", "/lessons/01-tensors/"), gzip_ok=True)
        assert status == 404 and b"not here" in body
        status, _, body = fetch(base + "no-such-page/", gzip_ok=True)
        assert status == 404 and b"not here" in body


@pytest.mark.parametrize("header, accepted", [
    ("gzip, deflate, br", True), ("br;q=1.0, gzip;q=0.8", True), ("*", True),
    ("", False), ("identity", False), ("gzip;q=0", False), ("deflate, br", False),
])
def test_accept_encoding_is_read_with_its_quality_values(header, accepted):
    assert accepts_gzip(header) is accepted


def test_two_sites_are_measured_in_alternation_and_their_results_kept_apart(tmp_path, monkeypatch):
    from site_src.upkeep import lighthouse

    root = tmp_path / "course"
    (root / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli").mkdir(parents=True)
    (root / lighthouse.LIGHTHOUSE_CLI).write_text("")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text("site_name: t\nsite_url: https://example.org/course/\n")
    for site in ("site-before", "site"):
        for page in ("lessons/01-a/", "en/lessons/01-a/"):
            (root / site / page).mkdir(parents=True)
            (root / site / page / "index.html").write_text(f"<p>{site}</p>")
    order = []

    def fake_lighthouse(cli, url, output):
        with urllib.request.urlopen(url) as response:
            site = response.read().decode()[3:-4]
        order.append((site, url.rsplit("/course/", 1)[1]))
        return a_run(performance=90 if site == "site-before" else 99)

    monkeypatch.setattr(lighthouse, "run_lighthouse", fake_lighthouse)
    monkeypatch.setattr(lighthouse, "chrome_path", lambda: str(root / "mkdocs.yml"))  # any file that exists
    before, after = lighthouse.measure(root, ["lessons/01-a/", "en/lessons/01-a/"], runs=2,
                                       sites=[root / "site-before", root / "site"], progress=lambda line: None)
    assert order[:4] == [("site-before", "lessons/01-a/"), ("site", "lessons/01-a/"),
                         ("site-before", "en/lessons/01-a/"), ("site", "en/lessons/01-a/")]
    assert len(order) == 8
    assert [result.page for result in after] == ["lessons/01-a/", "en/lessons/01-a/"]
    assert [len(result.runs) for result in before] == [2, 2]
    assert {result.median("performance") for result in before} == {90}
    assert {result.median("performance") for result in after} == {99}
