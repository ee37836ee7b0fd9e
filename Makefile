# The two commands of the README: `make run` and `make test`. Also `make bench`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test bench install lint messages

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Serves the app with a Celery worker and its embedded beat. Without DATABASE_URL and
# REDIS_URL it uses SQLite and kombu's filesystem broker under var/: no server needed.
# config/syscheck.py first: a missing system library is one line naming its package.
run: $(STAMP)
	@$(PY) -m config.syscheck
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo --if-empty && \
	{ $(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT); }

test: $(STAMP)
	@$(PY) -m config.syscheck
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# In-process timings, the main pages under load through gunicorn (needs wrk), then the
# faults and the two-node run that CI also runs. Only this writes bench/results.json
# (--record): CI's runs of faults.py and scale.py leave the committed figures alone.
bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/load.py --record
	$(PY) bench/faults.py --record
	$(PY) bench/scale.py --record

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Refresh the Norwegian catalogue after changing user-facing strings, then fill it in.
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l nb --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*'
