"""Long work for the page, off the request threads: each job runs in a thread of its own, with a
time limit, a cancel switch and progress that the page polls. Finished jobs are forgotten a
while after they end, so the server's memory stays bounded.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rnnlab.errors import RnnlabError

MAX_RUNNING = 4  # jobs at once, every kind together; one more is refused until one ends
KEEP_SECONDS = 600.0  # how long a finished job's result stays readable


class JobStopped(BaseException):
    """Raised inside a job's work when the job was cancelled or ran past its time limit; a
    BaseException, so that no `except Exception` in the work swallows it."""


class BusyError(RnnlabError):
    """Too many jobs at once, or a second job of a kind that runs alone."""


@dataclass
class Job:
    """One piece of long work: what it is, how far it got, and how it ended."""

    id: str
    kind: str
    time_limit: float
    started: float = field(default_factory=time.monotonic)
    state: str = "running"  # running | done | failed | cancelled
    fraction: float = 0.0
    message: str = "starting"
    live: dict = field(default_factory=dict)  # what the page draws while it runs (curves)
    result: dict | None = None
    error: str | None = None
    ended: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    def stopped(self) -> bool:
        """True once the job is cancelled or past its time limit: its work should end now."""
        return self.cancel_event.is_set() or time.monotonic() - self.started > self.time_limit

    def report(self, fraction: float, message: str) -> None:
        """Progress from the work; raises JobStopped when the job should stop."""
        self.fraction, self.message = max(0.0, min(1.0, float(fraction))), message
        if self.stopped():
            raise JobStopped

    def to_json(self) -> dict:
        elapsed = (self.ended or time.monotonic()) - self.started
        live = {k: list(v) if isinstance(v, list) else v for k, v in list(self.live.items())}
        out = {"id": self.id, "kind": self.kind, "state": self.state,
               "fraction": round(self.fraction, 4), "message": self.message,
               "elapsed": round(elapsed, 2), "time_limit": self.time_limit,
               "live": live}  # fmt: skip
        if self.result is not None:
            out["result"] = self.result
        if self.error is not None:
            out["error"] = self.error
        return out


Work = Callable[[Job], dict]


class JobBoard:
    """The jobs of one server: start, look up, cancel. Safe to call from any thread."""

    def __init__(self, max_running: int = MAX_RUNNING, keep: float = KEEP_SECONDS) -> None:
        self._jobs: dict[str, Job] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.max_running, self.keep = max_running, keep

    def start(self, kind: str, work: Work, time_limit: float, alone: bool = False) -> Job:
        """Run `work(job)` in a new thread; its returned dict becomes the job's result. With
        alone, a second running job of the same kind is refused (BusyError)."""
        with self._lock:
            self._forget_old()
            running = [j for j in self._jobs.values() if j.state == "running"]
            if len(running) >= self.max_running:
                n = len(running)
                raise BusyError(f"{n} jobs are running; wait for one to end or cancel one")
            if alone and any(j.kind == kind for j in running):
                raise BusyError(f"a {kind} job is already running; wait for it or cancel it")
            job = Job(secrets.token_hex(8), kind, time_limit)
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, work), daemon=True,
                                  name=f"rnnlab-{kind}-{job.id}")  # fmt: skip
        self._threads.append(thread)
        thread.start()
        return job

    def running(self) -> list[dict]:
        """The running jobs: id, kind, and when each started (seconds ago)."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.state == "running"]
        now = time.monotonic()
        return [{"id": j.id, "kind": j.kind, "elapsed": round(now - j.started, 2)} for j in jobs]

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds in all for the jobs' threads to end."""
        end = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(end - time.monotonic(), 0.0))

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> Job | None:
        job = self.get(job_id)
        if job is not None:
            job.cancel_event.set()
        return job

    def cancel_all(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel_event.set()

    def _run(self, job: Job, work: Work) -> None:
        state, result, error = "done", None, None
        try:
            result = work(job)
            state = "cancelled" if job.cancel_event.is_set() else "done"
        except JobStopped:
            state = "cancelled"
            error = ("cancelled" if job.cancel_event.is_set()
                     else f"stopped at its time limit of {job.time_limit:g} s")  # fmt: skip
        except RnnlabError as e:
            state, error = "failed", str(e)
        except Exception as e:  # the server stays up; the page shows what went wrong
            state, error = "failed", f"internal error: {type(e).__name__}: {e}"
        job.result, job.error, job.ended = result, error, time.monotonic()
        job.fraction = 1.0 if state == "done" else job.fraction
        job.message = state
        job.state = state  # last: a job seen ended has its result
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]

    def _forget_old(self) -> None:
        now = time.monotonic()
        old = [i for i, j in self._jobs.items() if j.ended and now - j.ended > self.keep]
        for i in old:
            del self._jobs[i]
