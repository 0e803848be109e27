"""Celery tasks: thin glue that takes ids, calls backend services and commits."""
