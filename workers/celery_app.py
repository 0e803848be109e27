"""The Celery application: `celery -A workers.celery_app:celery worker` (and `beat`)."""

import sys

from backend import create_app
from backend.config import BadSetting

try:
    flask_app = create_app()
except BadSetting as exc:
    sys.exit(f"Error: {exc}")  # said plainly, and neither the worker nor beat starts
celery = flask_app.extensions["celery"]
