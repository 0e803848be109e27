"""The Celery application: `celery -A workers.celery_app:celery worker` (and `beat`)."""

from backend import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
