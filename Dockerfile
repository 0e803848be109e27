# syntax=docker/dockerfile:1

# ---- builder: the dependencies, in a virtualenv that the final stage copies as is ----------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

# Only pyproject.toml, so this layer (the slow one) is rebuilt when the dependencies change, not
# on every code edit. Without backend/ and workers/ here, `pip install .` installs every
# dependency plus a metadata-only `fairfield` distribution (a missing README.md is only a
# warning). We keep the `fairfield` launcher pip generated from [project.scripts] and uninstall
# that distribution: the code itself lives in /app (below), not in site-packages.
WORKDIR /src
COPY pyproject.toml ./
RUN pip install . \
    && cp /opt/venv/bin/fairfield /tmp/fairfield \
    && pip uninstall -y fairfield \
    && mv /tmp/fairfield /opt/venv/bin/fairfield

# ---- final: runtime only ------------------------------------------------------------------------
FROM python:3.11-slim

# The app serves the console from the `static/` directory beside the `backend` package
# (STATIC_DIR in backend/__init__.py), and finds its migrations in backend/migrations. Installing
# the package into site-packages would separate it from static/, so the source stays in /app and
# PYTHONPATH puts it on the path for gunicorn, celery and the `fairfield` launcher alike.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FAIRFIELD_VAR_DIR=/app/var

RUN groupadd --system --gid 10001 fairfield \
    && useradd --system --uid 10001 --gid fairfield --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin fairfield

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY backend/ ./backend/
COPY workers/ ./workers/
COPY static/ ./static/
COPY pyproject.toml gunicorn.conf.py ./

# The code stays root-owned and read-only to the app; only var/ (SQLite fallback, photos, the
# beat schedule) is writable. Mount a volume here to keep it across containers.
RUN mkdir -p /app/var && chown fairfield:fairfield /app/var

USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# gunicorn.conf.py: an access log without query strings, /metrics summed over the workers.
CMD ["gunicorn", "backend.wsgi:app", "-c", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "2"]
