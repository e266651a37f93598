# One image for web, worker and beat (docker-compose.yml picks the command: bin/web, bin/worker, bin/beat).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint 70 loads Pango/HarfBuzz at run time (no wheels carry them); the PDFs use system fonts,
# so DejaVu must be there. gettext provides msgfmt for compilemessages below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

# Never run the app as root: a compromised process should not own the container.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Requirements first, so that a code change does not reinstall every package.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Compile translations when there are any (compilemessages refuses to run without a locale folder).
# DEBUG=1 only so settings import without a SECRET_KEY at build time; nothing else runs.
RUN if find . -path '*/locale/*' -name '*.po' | grep -q .; then \
        DEBUG=1 python manage.py compilemessages --ignore=.venv; \
    fi

# The code stays root-owned (read-only for the app user); only the folders it writes are the app's.
# Named volumes mounted here start with this ownership.
RUN mkdir -p /app/staticfiles /app/var/private && chown -R app:app /app/staticfiles /app/var

USER app
EXPOSE 8000
CMD ["bin/web"]
