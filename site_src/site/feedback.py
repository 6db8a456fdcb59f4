"""The "Report a problem with this page" link: a new GitHub issue, prefilled.

The link's title and body name the lesson, the page's language, the commit the page was built
from and the torch its outputs were verified on; the body asks what the reader expected and what
happened. The section the reader was at is only known in the browser: the body holds
``SECTION_MARK``, which docs/javascripts/report-problem.js replaces on click (with the heading
the reader last scrolled past, or the page's anchor) before it rebuilds the address, escaped the
same way (``encodeURIComponent``; here ``quote(safe="")``). .github/ISSUE_TEMPLATE/page-problem.md
asks the same questions for an issue opened on GitHub itself.
"""

from __future__ import annotations

import html
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SECTION_MARK = "{section}"
LABEL = "page-problem"
# The repository turns blank issues off (.github/ISSUE_TEMPLATE/config.yml): the link names this
# template, which also applies LABEL for a reader who may not set labels (GitHub ignores
# ``labels=`` from readers without triage rights).
TEMPLATE = "page-problem.md"
TEXT = {
    "zh": {
        "link": "报告本页的问题",
        "title": "[{slug}] 页面问题：{title}",
        "body": ("课程：{slug}（{title}）\n语言：中文\n小节：{section}\n页面：{url}\n"
                 "构建自提交：{commit}\n验证环境：torch {torch}\n\n"
                 "### 你期待的是什么？\n\n\n### 实际发生了什么？\n\n"),
        "top": "（页首）",
    },
    "en": {
        "link": "Report a problem with this page",
        "title": "[{slug}] Page problem: {title}",
        "body": ("Lesson: {slug} ({title})\nLanguage: English\nSection: {section}\nPage: {url}\n"
                 "Built from commit: {commit}\nVerified on: torch {torch}\n\n"
                 "### What did you expect?\n\n\n### What happened?\n\n"),
        "top": "(top of the page)",
    },
}


@dataclass(frozen=True)
class PageReport:
    """What a lesson page's report link carries (the section is filled in by the browser)."""

    repo_url: str
    slug: str
    title: str
    lang: str
    url: str
    commit: str
    torch: str

    def fields(self, section: str) -> tuple[str, str]:
        text = TEXT[self.lang]
        values = {"slug": self.slug, "title": self.title, "url": self.url, "commit": self.commit, "torch": self.torch}
        return text["title"].format(**values), text["body"].format(**values, section=section)

    def issue_url(self, section: str = SECTION_MARK) -> str:
        title, body = self.fields(section)
        return (f"{self.repo_url.rstrip('/')}/issues/new?template={quote(TEMPLATE, safe='')}"
                f"&title={quote(title, safe='')}&body={quote(body, safe='')}&labels={quote(LABEL, safe='')}")

    def link(self) -> str:
        """The ``<a>``: its href works without script (section: top of the page); the script rebuilds
        it from ``data-*`` with the reader's section."""
        title, body = self.fields(SECTION_MARK)
        attributes = {
            "href": self.issue_url(TEXT[self.lang]["top"]),
            "class": "lesson-report",
            "target": "_blank",
            "rel": "noopener",
            "data-issues": self.repo_url.rstrip("/") + "/issues/new",
            "data-title": title,
            "data-body": body,
            "data-labels": LABEL,
            "data-template": TEMPLATE,
            "data-top": TEXT[self.lang]["top"],
        }
        markup = " ".join(f'{name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())
        return f"<a {markup}>{html.escape(TEXT[self.lang]['link'])}</a>"


def build_commit(root: Path) -> str:
    """The commit the site is built from: CI's ``GITHUB_SHA``, else ``git rev-parse HEAD``, else "unknown"."""
    if os.environ.get("GITHUB_SHA"):
        return os.environ["GITHUB_SHA"]
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"
