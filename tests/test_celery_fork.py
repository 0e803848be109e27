"""A Celery worker freezes what it holds before it forks a pool child, so that the child's
collections leave the pages they share as they are (backend/tasks.py)."""

import gc

from celery import signals

import backend.tasks  # noqa: F401  (connects the worker's signal handlers)


def test_the_worker_freezes_its_objects_before_forking_a_pool_child():
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        # What Celery's prefork pool sends in the worker, just before each fork.
        signals.worker_before_create_process.send(sender=object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
