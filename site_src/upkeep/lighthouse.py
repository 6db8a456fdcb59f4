"""How fast lesson pages load on a phone: Lighthouse on the built site, served with gzip.

``python -m site_src lighthouse`` (``make lighthouse``) serves ``site/`` the way GitHub Pages
does (under the ``site_url`` path, HTML, CSS, JS and JSON gzip-compressed), runs the pinned
Lighthouse of ``tools/lighthouse`` (npm) on each page several times, one run after the other,
with Lighthouse's defaults: a mid-range phone, simulated slow 4G and a 4× slower CPU. It prints
each page's median performance score, LCP, TBT, CLS, DOM size and bytes, and the main-thread
work of the median run (where the time goes), and fails when a page misses a target.

Simulated throttling scales what this machine measured: on a busy machine the main-thread times
(and so TBT and the score) come out worse. Each run's ``benchmarkIndex`` (Lighthouse's measure
of this CPU's speed at the time) is printed beside them; the full reports are kept in
``build/lighthouse/`` for Lighthouse's own diagnostics.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import statistics
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..site.build import PagesHandler, served_site, site_prefix

LIGHTHOUSE_CLI = Path("tools") / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORTS = Path("build") / "lighthouse"
# A Markdown lesson, a notebook lesson (index.py), a project; each in both languages.
DEFAULT_LESSONS = ("01-tensors", "11-mnist-mlp", "25-translator")
LANGUAGE_PREFIXES = {"zh": "", "en": "en/"}
RUNS = 3
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
# What GitHub Pages compresses; images and fonts are compressed already.
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}


@dataclass(frozen=True)
class Targets:
    """Lighthouse's "good" thresholds, the targets of every measured page (issue 32)."""

    performance: float = 95
    lcp_ms: float = 2500
    tbt_ms: float = 200
    cls: float = 0.1


@dataclass(frozen=True)
class LighthouseRun:
    """The figures of one Lighthouse report that the table shows."""

    performance: float  # 0–100
    lcp_ms: float
    tbt_ms: float
    cls: float
    dom_size: int
    total_bytes: int  # as transferred (compressed)
    benchmark_index: float  # this machine's CPU speed during the run (higher: faster)
    main_thread: dict[str, float]  # Lighthouse's group label -> ms (throttled, as Lighthouse reports)

    @classmethod
    def from_report(cls, report: dict, source: str = "report") -> LighthouseRun:
        """Read a Lighthouse JSON report (``--output=json``); ValueError naming ``source`` if the run failed."""
        error = report.get("runtimeError")
        if error:
            raise ValueError(f"{source}: Lighthouse could not measure {report.get('requestedUrl')}: "
                             f"{error.get('code')}: {error.get('message')}")
        score = report["categories"]["performance"]["score"]
        if score is None:
            warnings = "; ".join(report.get("runWarnings") or []) or "no score and no warning"
            raise ValueError(f"{source}: no performance score for {report.get('requestedUrl')}: {warnings}")
        audits = report["audits"]
        breakdown = audits.get("mainthread-work-breakdown", {}).get("details", {}).get("items", [])
        return cls(
            performance=round(score * 100),
            lcp_ms=audits["largest-contentful-paint"]["numericValue"],
            tbt_ms=audits["total-blocking-time"]["numericValue"],
            cls=audits["cumulative-layout-shift"]["numericValue"],
            dom_size=int(audits["dom-size"]["numericValue"]),
            total_bytes=int(audits["total-byte-weight"]["numericValue"]),
            benchmark_index=report.get("environment", {}).get("benchmarkIndex", 0.0),
            main_thread={item["groupLabel"]: item["duration"] for item in breakdown},
        )


@dataclass(frozen=True)
class PageResult:
    """One page's runs, and the median of each figure over them."""

    page: str  # site-relative, e.g. "en/lessons/01-tensors/"
    runs: tuple[LighthouseRun, ...]

    def median(self, figure: str) -> float:
        return statistics.median(getattr(run, figure) for run in self.runs)

    @property
    def median_run(self) -> LighthouseRun:
        """The run whose score is the median (Lighthouse's own choice of a representative run)."""
        ranked = sorted(self.runs, key=lambda run: run.performance)
        return ranked[(len(ranked) - 1) // 2]

    def misses(self, targets: Targets) -> list[str]:
        """The targets the medians miss, each saying by how much."""
        found = []
        if self.median("performance") < targets.performance:
            found.append(f"performance {self.median('performance'):.0f} < {targets.performance:.0f}")
        if self.median("lcp_ms") > targets.lcp_ms:
            found.append(f"LCP {self.median('lcp_ms') / 1000:.2f} s > {targets.lcp_ms / 1000:.1f} s")
        if self.median("tbt_ms") > targets.tbt_ms:
            found.append(f"TBT {self.median('tbt_ms'):.0f} ms > {targets.tbt_ms:.0f} ms")
        if self.median("cls") > targets.cls:
            found.append(f"CLS {self.median('cls'):.3f} > {targets.cls}")
        return found


def report_table(results: list[PageResult], targets: Targets = Targets()) -> tuple[str, bool]:
    """The table of medians (and where the median run's main thread went), and whether every
    page meets every target."""
    rows = [f"{'page':<34} {'perf':>4} {'LCP':>7} {'TBT':>8} {'CLS':>6} {'DOM':>6} {'bytes':>9} {'bench':>6}"]
    problems = []
    for result in results:
        rows.append(f"{result.page:<34} {result.median('performance'):4.0f} {result.median('lcp_ms') / 1000:6.2f}s "
                    f"{result.median('tbt_ms'):6.0f}ms {result.median('cls'):6.3f} {result.median('dom_size'):6.0f} "
                    f"{result.median('total_bytes') / 1000:7.1f}KB {result.median('benchmark_index'):6.0f}")
        work = sorted(result.median_run.main_thread.items(), key=lambda item: item[1], reverse=True)
        rows.append("    main thread: " + ", ".join(f"{label} {ms / 1000:.2f} s" for label, ms in work[:4]))
        problems += [f"{result.page}: {miss}" for miss in result.misses(targets)]
    runs = max((len(result.runs) for result in results), default=0)
    rows.append(f"median of {runs} run(s) per page; Lighthouse mobile, simulated throttling; "
                "bench: Lighthouse's benchmarkIndex of this machine (a busy machine scores worse)")
    rows.append(f"targets: performance ≥ {targets.performance:.0f}, LCP ≤ {targets.lcp_ms / 1000:.1f} s, "
                f"TBT ≤ {targets.tbt_ms:.0f} ms, CLS ≤ {targets.cls}: "
                + ("all met" if not problems else f"{len(problems)} missed"))
    rows += [f"    {problem}" for problem in problems]
    return "\n".join(rows), bool(results) and not problems


# ------------------------------------------------------------------ serving the site with gzip


class GzipPagesHandler(PagesHandler):
    """The site server of ``serve`` (prefix, 404 page) that also compresses text files with gzip
    for a client that accepts it, as GitHub Pages does: Lighthouse counts the bytes sent."""

    def send_head(self):
        path = self._file_to_send()
        if path is None or path.suffix not in COMPRESSIBLE or not accepts_gzip(self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = _compressed(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def _file_to_send(self) -> Path | None:
        """The file a GET of this path sends (a folder's index.html), or None: a redirect, a miss."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return None  # http.server redirects to the folder's address with a slash
            path = path / "index.html"
        return path if path.is_file() else None


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (and does not refuse it with q=0)."""
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@functools.lru_cache(maxsize=256)
def _compressed(path: Path, mtime_ns: int) -> bytes:  # mtime_ns: a rebuilt file is compressed again
    return gzip.compress(path.read_bytes(), compresslevel=6)


@contextmanager
def gzip_server(site_dir: Path, prefix: str) -> Iterator[str]:
    """Serve ``site_dir`` under ``prefix`` on a free port of 127.0.0.1, compressed; yields the site's base URL."""
    with served_site(site_dir, prefix, GzipPagesHandler) as base_url:
        yield base_url


# ------------------------------------------------------------------ running Lighthouse


def default_pages(lessons: tuple[str, ...] = DEFAULT_LESSONS) -> list[str]:
    """Each lesson's page in both languages, site-relative (``lessons/01-tensors/``, ``en/lessons/…``)."""
    return [f"{prefix}lessons/{slug}/" for slug in lessons for prefix in LANGUAGE_PREFIXES.values()]


def chrome_path() -> str:
    """The Chromium Lighthouse drives: $CHROME_PATH (Lighthouse's own variable), else $CHROMIUM
    (the browser tests'), else Debian's /usr/bin/chromium."""
    return os.environ.get("CHROME_PATH") or os.environ.get("CHROMIUM") or "/usr/bin/chromium"


def lighthouse_command(cli: Path, url: str, output: Path) -> list[str]:
    """Lighthouse's defaults (mobile, simulated throttling), the performance category only."""
    return ["node", str(cli), url, "--only-categories=performance", "--output=json",
            f"--output-path={output}", "--quiet", f"--chrome-flags={CHROME_FLAGS}"]


def run_lighthouse(cli: Path, url: str, output: Path) -> LighthouseRun:
    """One Lighthouse run of ``url``; its report is kept at ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    finished = subprocess.run(lighthouse_command(cli, url, output), capture_output=True, text=True,
                              timeout=300, env={**os.environ, "CHROME_PATH": chrome_path()})
    if finished.returncode != 0 or not output.is_file():
        raise RuntimeError(f"Lighthouse failed on {url} (exit {finished.returncode}):\n{finished.stderr[-2000:]}")
    return LighthouseRun.from_report(json.loads(output.read_text(encoding="utf-8")), str(output))


def measure(root: Path, pages: list[str], runs: int = RUNS, sites: list[Path] | None = None,
            progress=print) -> list[list[PageResult]]:
    """Serve each built site (default ``root/site``) with gzip and run Lighthouse ``runs`` times on
    each page of each site; the results per site, in the order given.

    One run at a time: runs side by side would slow each other down, and their CPU time is what
    is measured. With several sites (a build before and after a change) the runs alternate
    between them, page by page, so that a machine that is busier for a while weighs on both alike.
    """
    cli, sites = root / LIGHTHOUSE_CLI, sites or [root / "site"]
    _check_tools(cli)
    for site in sites:
        missing = [page for page in pages if not (site / page / "index.html").is_file()]
        if missing:
            raise FileNotFoundError(f"{site}: no built page for {', '.join(missing)}; run `python -m site_src build` "
                                    "first, or name pages of the site (e.g. lessons/01-tensors/)")
    measured: dict[tuple[int, str], list[LighthouseRun]] = {}
    with ExitStack() as servers:
        bases = [servers.enter_context(gzip_server(site, site_prefix(root))) for site in sites]
        for number in range(1, runs + 1):
            for page in pages:
                for index, base in enumerate(bases):
                    report = root / REPORTS / f"{_report_name(sites, index, page)}-{number}.json"
                    run = run_lighthouse(cli, base + page, report)
                    label = f"{sites[index]}: " if len(sites) > 1 else ""
                    progress(f"{label}{page} run {number}/{runs}: performance {run.performance:.0f}, "
                             f"TBT {run.tbt_ms:.0f} ms, LCP {run.lcp_ms / 1000:.2f} s")
                    measured.setdefault((index, page), []).append(run)
    return [[PageResult(page, tuple(measured[index, page])) for page in pages] for index in range(len(sites))]


def _check_tools(cli: Path) -> None:
    if not cli.is_file():
        raise FileNotFoundError(f"{cli} is missing: run `make lighthouse`, or install the pinned Lighthouse with "
                                "`npm ci --prefix tools/lighthouse --ignore-scripts`")
    if not Path(chrome_path()).exists():
        raise FileNotFoundError(f"no Chromium at {chrome_path()}: install Debian's chromium, or set CHROME_PATH")


def _report_name(sites: list[Path], index: int, page: str) -> str:
    """build/lighthouse/<site>_<page>-<run>.json: the site's folder name only when there are several."""
    name = page.strip("/").replace("/", "_")
    return f"{index}-{sites[index].name}_{name}" if len(sites) > 1 else name
