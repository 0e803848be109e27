"""The Celery app for a test's `celery beat`: the app's own, with every job every
TEST_BEAT_EVERY_SECONDS seconds, the hourly, daily and nightly ones included.

Only a beat subprocess imports this module (`celery -A tests.support.beat_app:celery beat`);
the scheduler, its lock and its Redis are the app's, untouched.
"""

import os

from workers.celery_app import celery

EVERY = float(os.environ["TEST_BEAT_EVERY_SECONDS"])
for entry in celery.conf.beat_schedule.values():
    entry["schedule"] = EVERY

__all__ = ["celery"]
