"""One beat across machines: celery-redbeat's lock, with the schedule always the code's.

Any number of `celery beat` processes may run against one Redis; the one holding the lock
(`<prefix>:lock`, renewed at every tick, FAIRFIELD_BEAT_LOCK_TIMEOUT_SECONDS) sends, the
others wait for it. A beat that dies without a word holds the others off until its lock
expires; one that stops releases it at once.
"""

from __future__ import annotations

from typing import Any

from redbeat.schedulers import RedBeatScheduler, get_redis


class OneBeatScheduler(RedBeatScheduler):
    """RedBeat, writing the schedule only once it holds the lock, and only the code's."""

    _installed = False

    def setup_schedule(self) -> None:
        # Called when the scheduler is built, before the lock is ours: a waiting beat (maybe
        # of an older release) must not rewrite the entries the running one sends from.
        pass

    def tick(self, *args: Any, **kwargs: Any) -> float:
        # The first tick comes after beat_init, where redbeat took the lock.
        if not self._installed:
            self.install_code_schedule()
            self._installed = True
        return float(super().tick(*args, **kwargs))

    def install_code_schedule(self) -> None:
        """Make Redis hold the code's entries, and only them: a removed job stops, a changed
        interval counts from the job's last run, a new job first runs one interval from now
        (as celery's own scheduler does; redbeat would run it at once)."""
        conf = self.app.redbeat_conf
        client = get_redis(self.app)
        code = {name: self._maybe_entry(name, entry) for name, entry in conf.schedule.items()}
        wanted = {entry.key for entry in code.values()}
        stored = set(client.zrange(conf.schedule_key, 0, -1))
        stored |= {self.Entry.generate_key(self.app, n) for n in client.smembers(conf.statics_key)}
        for key in sorted(stored - wanted):
            with client.pipeline() as pipe:
                pipe.zrem(conf.schedule_key, key)
                pipe.delete(key)
                pipe.execute()
            self.logger.info("beat: removed %s, no longer in the code's schedule", key)
        for entry in code.values():
            try:
                last_run_at = self.Entry.from_key(entry.key, app=self.app).last_run_at
            except KeyError:
                last_run_at = None
            entry.last_run_at = last_run_at or self.app.now()
            entry.save()
        with client.pipeline() as pipe:
            pipe.delete(conf.statics_key)
            if code:
                pipe.sadd(conf.statics_key, *code)
            pipe.execute()
