# The two commands a new colleague needs: `make run` and `make test`. Everything else is for CI,
# compose and operators (compose runs the web/worker/beat targets' scripts).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
# The OpenID Connect provider the SSO tests log in at (node-oidc-provider, locked in tests/sso_provider). Without
# npm those tests skip with the reason (and fail under OPP_REQUIRE_SERVICES=1).
SSO_PROVIDER := tests/sso_provider/node_modules/.package-lock.json

# Embedded default for a first look: SQLite, eager tasks, console email, relaxed transport security.
# Two-factor authentication is off for a first look; `make run OPP_REQUIRE_2FA=1` shows it (seed_demo
# prints each demo account's TOTP key; `python manage.py demo_totp <account>` prints the current code).
OPP_REQUIRE_2FA ?= 0
# Links in emails point at the server `make run` starts, on whatever PORT it runs (`make run PORT=8123`).
OPP_SITE_URL ?= http://127.0.0.1:$(PORT)
LOCAL_ENV := DEBUG=1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 OPP_REQUIRE_2FA=$(OPP_REQUIRE_2FA) \
	OPP_SITE_URL=$(OPP_SITE_URL)

.PHONY: run test install migrate seed lint messages parent-messages web worker beat check-deploy bench bench-instructions bench-load bench-db-outage clean backup restore

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(LOCAL_ENV) $(BIN)/python manage.py seed_demo

run: seed
	$(LOCAL_ENV) $(BIN)/python manage.py runserver --nostatic 127.0.0.1:$(PORT)

# The whole suite. Services it finds (DATABASE_URL, CELERY_BROKER_URL, /usr/bin/chromium) are used;
# tests needing an absent one skip with the reason, or fail when OPP_REQUIRE_SERVICES=1 (CI).
test: install $(SSO_PROVIDER)
	$(BIN)/pytest $(PYTEST_ARGS)

$(SSO_PROVIDER): tests/sso_provider/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/sso_provider --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the SSO tests will skip (apt-get install nodejs npm)"; fi

lint: install
	$(BIN)/ruff check .

messages: install
	cd opp_portal && ../$(BIN)/python ../manage.py compilemessages --ignore=.venv

# The parent portal's other languages (opp_portal.languages): re-extract the parent's msgids (PARENT_SOURCES) into
# locale/parents.pot and merge them into locale/{ar,tr,pl,uk}; translate what is new, then `make messages`.
parent-messages: install
	$(BIN)/python bin/parent-messages

# Performance benchmark (never part of CI): the main pages at 1,000 and at 100,000 pupils, the deadline
# sweep and the PDF on PostgreSQL, one table with every target. Production settings (DEBUG off, 2FA, CSP).
# Seeds <name>_1k and <name>_100k of BENCH_DATABASE_URL on first use (a few minutes) and reuses them;
# BENCH_ARGS="--fresh" reseeds, "--drop" drops them afterwards; bench/pages.py --help lists the rest.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/opp_bench
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=opp_portal.settings DEBUG=0 ALLOWED_HOSTS=testserver \
		OPP_REQUIRE_2FA=1 CELERY_TASK_ALWAYS_EAGER=0 $(BIN)/python bench/pages.py $(BENCH_ARGS)

# Production processes; docker-compose.yml and CI run exactly these scripts.
web:
	./bin/web
worker:
	./bin/worker
beat:
	./bin/beat

check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(printf 'x%.0s' $$(seq 1 60)) ALLOWED_HOSTS=opp.example.nl \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Instructions per request of the main pages (bench/instructions.py): callgrind counts, steady where CPU time is not;
# needs valgrind and the 1,000-pupil world of `make bench`. BENCH_ARGS="--only editor,portal --rounds 6".
bench-instructions: install
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=opp_portal.settings DEBUG=0 ALLOWED_HOSTS=testserver \
		OPP_REQUIRE_2FA=1 CELERY_TASK_ALWAYS_EAGER=0 $(BIN)/python bench/instructions.py $(BENCH_ARGS)

# Load test, not part of CI: gunicorn + worker + beat on a fresh PostgreSQL database (opp_load) and a
# private redis-server on port 6390, LOAD_USERS (50) Locust users from bench/locustfile.py (staff and parents,
# real logins with TOTP) for LOAD_SECONDS (120), then again with that Redis stopped halfway. Prints p50/p95/p99 per
# page group, gunicorn's CPU per request and PASS/FAIL per target; `LOAD_USERS=100 make bench-load` for the second
# figure; see bench/load.py for the knobs.
bench-load: install
	$(BIN)/python bench/load.py

# PostgreSQL outage drill (not part of CI): bin/web against a private cluster on port 5440 that is stopped
# for DRILL_OUTAGE (20) of DRILL_SECONDS (60) seconds: only Dutch 503s meanwhile, no 500, recovery by itself, an
# adoption sent during and after the outage recorded exactly once. Needs the postgresql server binaries.
bench-db-outage: install
	$(BIN)/python bench/db_outage.py

# Backups (README "Backups"), with the app's environment (DATABASE_URL=postgres://…, PRIVATE_MEDIA_ROOT,
# SECRET_KEY or DEBUG=1). `make backup` writes a timestamped folder under BACKUP_DIR (default var/backups);
# `make restore BACKUP=<folder>` verifies its manifest and restores into an empty database and folder
# (FORCE=1 replaces what is there). Note: `make clean` removes var/, so keep BACKUP_DIR elsewhere in earnest.
backup: install
	./bin/backup

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/opp-<timestamp> [FORCE=1]" >&2; exit 2; }
	./bin/restore "$(BACKUP)" $(if $(filter 1,$(FORCE)),--force)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
