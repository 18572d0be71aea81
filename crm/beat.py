"""Celery beat's scheduler for the CRM: django-celery-beat's DatabaseScheduler with three changes.

- One beat sends. Every tick first takes (or renews) a leader lock with a time to live; a second beat
  process (a common deployment mistake) finds the lock taken and sends nothing, and takes over within
  the lock's TTL when the first one dies. The lock lives in Redis when CRM_JOBS["LOCK_URL"] names Redis
  (production), else in a file under .run/ (one machine).
- Admins' edits stay. On start only entries missing from the database are created from
  CELERY_BEAT_SCHEDULE; an existing entry (its time changed, or switched off, in the admin) is never
  overwritten. A changed default in the settings therefore reaches existing installations only through
  a data migration or the admin.
- Nothing is skipped. django-celery-beat loads only crontab entries whose hour lies near the current
  one, so a 02:15 job missed while beat was down waited for the next day; here every enabled entry is
  loaded and a missed one is due at once (once, however many times it was missed). An entry that never
  ran is due at once too, instead of waiting for its next time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import socket
import uuid

from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

logger = logging.getLogger("crm.beat")

# Far enough back that every schedule (yearly ones included) is due.
NEVER_RAN = dt.timedelta(days=2 * 366)


class CatchUpEntry(ModelEntry):
    def __init__(self, model, app=None):
        never_ran = not model.last_run_at and not model.total_run_count
        super().__init__(model, app=app)
        if never_ran and not model.start_time:
            self.last_run_at = model.last_run_at = self._default_now() - NEVER_RAN

    @classmethod
    def from_entry(cls, name, app=None, **entry):
        """Create the entry from the settings only if the database has none of that name."""
        model = PeriodicTask._default_manager.filter(name=name).first()
        if model is None:
            model, _ = PeriodicTask._default_manager.get_or_create(name=name, defaults=cls._unpack_fields(**entry))
            logger.info("beat: created schedule entry %s from the settings", name)
        return cls(model, app=app)


class RedisLeaderLock:
    """SET NX with a TTL; renewed only by its holder (compare-and-expire in one Lua call)."""

    RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"

    def __init__(self, url: str, key: str, ttl: float):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.key, self.ttl_ms = key, int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    def acquire_or_renew(self) -> bool:
        if self.client.eval(self.RENEW, 1, self.key, self.token, self.ttl_ms):
            return True
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def release(self) -> None:
        release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
        with contextlib.suppress(Exception):
            self.client.eval(release, 1, self.key, self.token)


class FileLeaderLock:
    """An exclusive lock on a file, held for the life of the process (the kernel drops it on death)."""

    def __init__(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(path, "w")  # noqa: SIM115 (held open for the life of the process)
        self.held = False

    def acquire_or_renew(self) -> bool:
        if not self.held:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
            except BlockingIOError:
                return False
        return True

    def release(self) -> None:
        if self.held:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.held = False


def leader_lock():
    url = settings.CRM_JOBS["LOCK_URL"]
    if url.startswith(("redis://", "rediss://")):
        return RedisLeaderLock(url, settings.CRM_JOBS["BEAT_LOCK_KEY"], settings.CRM_JOBS["BEAT_LOCK_TTL"])
    return FileLeaderLock(settings.RUN_DIR / "locks" / "beat.lock")


class SingleBeatScheduler(DatabaseScheduler):
    Entry = CatchUpEntry

    def __init__(self, *args, **kwargs):
        self.lock = leader_lock()
        self.leading = False
        super().__init__(*args, **kwargs)

    def enabled_models_qs(self):
        return self.Model.objects.enabled()

    def reserve(self, entry):
        # Keep the advanced entry (its last run is now) in the schedule, as celery's own Scheduler does:
        # django-celery-beat leaves the old one there, which is due again whenever the heap is rebuilt
        # from it (a takeover by a second beat sent an entry twice).
        new_entry = super().reserve(entry)
        if self._schedule is not None:
            self._schedule[new_entry.name] = new_entry
        return new_entry

    def tick(self, *args, **kwargs):
        try:
            leading = self.lock.acquire_or_renew()
        except Exception as exc:  # Redis unreachable: send nothing rather than risk sending twice
            logger.warning("beat: leader lock unavailable (%s); not sending", exc)
            leading = False
        if leading and not self.leading:
            logger.info("beat: this process now sends the schedule")
            # Re-read the entries: the previous leader may have run some of them meanwhile.
            self._last_full_sync = dt.datetime(2000, 1, 1)
        elif self.leading and not leading:
            logger.warning("beat: another beat process holds the leader lock; this one stops sending")
        self.leading = leading
        if not leading:
            return min(self.max_interval, settings.CRM_JOBS["BEAT_LOCK_TTL"] / 3)
        interval = super().tick(*args, **kwargs)
        # Renew well within the TTL.
        return min(interval, settings.CRM_JOBS["BEAT_LOCK_TTL"] / 3)

    def close(self):
        try:
            super().close()
        finally:
            if self.leading:
                self.lock.release()
