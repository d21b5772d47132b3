# Tsunagu: the README's commands. Everything runs inside .venv, created on demand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_ARGS ?=

.PHONY: install browser demo test lint bench bench-scale bench-web bench-platform bench-load messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Development targets run with DEBUG=true (unless DEBUG is set): without it the settings
# refuse to start with no SECRET_KEY, as production must. Tests bring their own key.
demo bench-web messages: export DEBUG ?= true

# Set up everything and serve the demo on SQLite with eager Celery.
demo: install
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py load_demo --if-empty
	SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py demo_logins
	$(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium (no downloaded browser) with a Japanese
# font so screenshots show text. Installed when
# missing and we are root; otherwise the e2e tests skip with a message.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/ipafont-gothic ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic >/dev/null; \
	  else echo "note: /usr/bin/chromium missing; run 'sudo apt-get install chromium' for browser tests"; fi; \
	fi
	@# axe-core (pinned in package-lock.json) for the accessibility check of the browser tests.
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then npm ci --no-audit --no-fund --silent; fi

test: install browser
	$(PY) -m pytest -n 2 --dist loadfile

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m mypy --strict ml accounts matching programmes

bench: install
	$(PY) -m bench $(BENCH_ARGS)

bench-scale: install
	$(PY) -m bench scale $(BENCH_ARGS)

# Server time and query count of every main page on the demo data.
bench-web: install
	$(PY) -m bench.web

# The platform end to end on PostgreSQL + Redis: imports, index builds, API latency, re-rank, memory.
bench-platform: install
	$(PY) -m bench.platform $(BENCH_ARGS)

bench-load: install
	$(PY) -m bench.load $(BENCH_ARGS)

# Refresh locale/ja after changing user-visible strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l ja --ignore '.venv/*' --ignore 'bench/*' --ignore 'ml/*'
	$(PY) manage.py compilemessages -l ja --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 var
