"""WSGI entry point: `gunicorn backend.wsgi:app`."""

from gunicorn.errors import AppImportError

from backend import create_app
from backend.config import BadSetting

try:
    app = create_app()
except BadSetting as exc:
    # gunicorn prints this one line, without a traceback, and stops rather than start
    # worker after worker on a setting none of them can use.
    raise AppImportError(f"Error: {exc}") from None
