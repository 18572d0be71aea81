"""A small process supervisor for `make run`: the web server, a Celery worker and Celery beat.

Ctrl-C (SIGINT) or SIGTERM is forwarded to every child; when any child dies the others are stopped
too and this process exits with the dead child's code, so a broken worker never goes unnoticed.

Each child runs in its own process group, so a signal reaches the whole group (runserver's
auto-reloader runs the server in a grandchild) and a terminal's Ctrl-C is not delivered twice.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
GRACE_SECONDS = 10


def commands(python: str, address: str) -> dict[str, list[str]]:
    celery = [python, "-m", "celery", "-A", "crm"]
    return {
        "web": [python, "manage.py", "runserver", address],
        # SQLite takes one writer at a time: a single-process worker avoids "database is locked".
        "worker": [*celery, "worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO", "--hostname=worker@%h"],
        # crm.beat.SingleBeatScheduler (the settings' CELERY_BEAT_SCHEDULER) creates the entries missing
        # from the database, keeps the admin's edits, and holds a lock under .run/locks/ so that a second
        # beat started by hand sends nothing.
        "beat": [*celery, "beat", "--loglevel=INFO", f"--pidfile={RUN_DIR / 'celerybeat.pid'}"],
    }


def prepare_dirs() -> None:
    # The file-system broker of crm.settings.base needs its folders before the worker starts.
    for folder in (RUN_DIR / "broker" / "out", RUN_DIR / "broker" / "processed", RUN_DIR / "broker" / "control"):
        folder.mkdir(parents=True, exist_ok=True)
    (RUN_DIR / "celerybeat.pid").unlink(missing_ok=True)  # a stale pid file would stop beat


class Supervisor:
    def __init__(self, specs: dict[str, list[str]]):
        self.specs = specs
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
        for name, argv in self.specs.items():
            print(f"[run_all] starting {name}: {' '.join(argv)}", flush=True)
            self.children[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)

    def signal_all(self, signum: int) -> None:
        for child in self.children.values():
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signum)

    def stop(self, reason: str) -> None:
        if self.stopping:
            return
        self.stopping = True
        print(f"[run_all] {reason}: stopping {', '.join(self.children)}", flush=True)
        self.signal_all(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and any(c.poll() is None for c in self.children.values()):
            time.sleep(0.1)
        self.signal_all(signal.SIGKILL)
        for child in self.children.values():
            child.wait()

    def run(self) -> int:
        def on_signal(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        self.start()
        try:
            while True:
                for name, child in self.children.items():
                    code = child.poll()
                    if code is not None:
                        self.stop(f"{name} exited with code {code}")
                        return code or 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stop("interrupted")
            return 0


def main() -> int:
    address = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
    prepare_dirs()
    return Supervisor(commands(sys.executable, address)).run()


if __name__ == "__main__":
    sys.exit(main())
