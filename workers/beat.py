"""One beat across machines: celery-redbeat's lock, with the schedule always the code's.

Any number of `celery beat` processes may run against one Redis; the one holding the lock
(`<prefix>:lock`, renewed at every tick, FAIRFIELD_BEAT_LOCK_TIMEOUT_SECONDS) sends, the
others wait for it. A beat that dies without a word holds the others off until its lock
expires; one that stops releases it at once. A beat that cannot reach Redis sends nothing
and tries again; one that finds its lock gone (expired, or Redis restarted empty) waits to
take it again, like a beat just started. The lock is renewed again before each job is sent:
a beat that stalled past its lock's timeout after reading what is due (while another took
over) sends nothing.
"""

from __future__ import annotations

from typing import Any

from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, RedBeatScheduler, get_redis
from redis.exceptions import ConnectionError, LockNotOwnedError, TimeoutError


class OneBeatScheduler(RedBeatScheduler):
    """RedBeat, writing the schedule only once it holds the lock, and only the code's."""

    lock: Any = None  # redis-py's Lock, once taken
    _installed = False

    def setup_schedule(self) -> None:
        # Called when the scheduler is built, before the lock is ours: a waiting beat (maybe
        # of an older release) must not rewrite the entries the running one sends from.
        pass

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            if self.lock is None:  # not taken at start (Redis down then), or lost since
                self.take_lock()
            if not self._installed:
                self.install_code_schedule()
                self._installed = True
            return float(super().tick(*args, **kwargs))
        except LockNotOwnedError:
            self.logger.warning("beat: Lost the lock (expired, or Redis lost it): waiting")
            self.lock, self._installed = None, False
            return 0.0
        except (ConnectionError, TimeoutError) as exc:
            # Whether the lock is still ours is unknown: send nothing until Redis answers.
            self.logger.warning("beat: Redis unreachable, sending nothing: %s", exc)
            return float(self.max_interval)

    def maybe_due(self, entry: Any, **kwargs: Any) -> Any:
        """Send the entry if due, once the lock is renewed: LockNotOwnedError (to `tick`) if
        another beat holds it now."""
        if self.lock is not None and entry.is_due()[0]:
            self.lock.extend(int(self.lock_timeout))
        return super().maybe_due(entry, **kwargs)

    def take_lock(self) -> None:
        """Wait for the lock as redbeat does at start (its beat_init handler)."""
        client = get_redis(self.app)
        lock = client.lock(self.lock_key, timeout=self.lock_timeout, sleep=self.max_interval)
        lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
        lock.acquire()
        self.logger.info("beat: Acquired lock")
        self.lock = lock

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
