# The two commands a new colleague needs: `make run` and `make test`. Everything else is for CI,
# compose and operators (compose runs the web/worker/beat targets' scripts).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

# Embedded default for a first look: SQLite, eager tasks, console email, relaxed transport security.
# Two-factor authentication is off for a first look; `make run OPP_REQUIRE_2FA=1` shows it (seed_demo
# prints each demo account's TOTP key; `python manage.py demo_totp <account>` prints the current code).
OPP_REQUIRE_2FA ?= 0
LOCAL_ENV := DEBUG=1 SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 OPP_REQUIRE_2FA=$(OPP_REQUIRE_2FA)

.PHONY: run test install migrate seed lint messages web worker beat check-deploy clean

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
	$(LOCAL_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. Services it finds (DATABASE_URL, CELERY_BROKER_URL, /usr/bin/chromium) are used;
# tests needing an absent one skip with the reason, or fail when OPP_REQUIRE_SERVICES=1 (CI).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

messages: install
	cd opp_portal && ../$(BIN)/python ../manage.py compilemessages --ignore=.venv

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

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
