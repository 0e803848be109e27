# syntax=docker/dockerfile:1

# ---- builder: the dependencies and Fairfield, in a virtualenv the final stage copies as is ------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

# The dependencies first, from the runtime lock alone (exact versions, every file's hash
# checked; no dev tools), so this slow layer is rebuilt only when the lock changes.
WORKDIR /src
COPY requirements-runtime.lock ./
RUN pip install --require-hashes -r requirements-runtime.lock

# Then Fairfield itself, as a wheel: the console, the worker app and the migrations ship
# inside it (setup.py), so the final image needs no source tree.
COPY pyproject.toml setup.py README.md ./
COPY backend/ ./backend/
COPY workers/ ./workers/
COPY static/ ./static/
RUN pip install --no-deps . && rm -rf /src

# ---- final: runtime only ------------------------------------------------------------------------
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FAIRFIELD_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 fairfield \
    && useradd --system --uid 10001 --gid fairfield --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin fairfield

# PostgreSQL's client programs, for `fairfield backup` and `fairfield restore` (pg_dump and
# pg_restore must be at least the server's version: Debian's is newer than compose's 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY gunicorn.conf.py ./

# The code is root-owned and read-only to the app, in the virtualenv; only var/ (SQLite
# fallback, local photos, the erasure log) is writable. Mount a volume here to keep it.
RUN mkdir -p /app/var && chown fairfield:fairfield /app/var

USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# gunicorn.conf.py: an access log without query strings, /metrics summed over the workers.
CMD ["gunicorn", "backend.wsgi:app", "-c", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "2"]
