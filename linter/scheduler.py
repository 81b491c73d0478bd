"""Running the checks: one after another for a pre-commit hook, in a process pool for an audit.

A pre-commit run checks a handful of files and must not pay for starting processes; an audit of
a config dump checks thousands and should use every CPU. Either way each device gets a time
limit: a file that runs over it is reported as not verified and the run goes on. The limit is a
SIGALRM timer in the process doing the work, so it interrupts pure-Python loops wherever they
are (regexes from configs are screened for catastrophic patterns before they run, see
`linter.regexes`). Where SIGALRM does not exist (Windows) there is no limit.

Results come back in the order of the candidates, whatever order the workers finish in, so
reports are reproducible.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from linter.engine import FileResult, check_file, timed_out
from linter.files import Candidate, display_path
from linter.policy import Policy
from policies.base import Rule

if TYPE_CHECKING:  # the process pool's modules are imported only when a run uses one
    import multiprocessing.context
    from concurrent.futures import Future

PROGRESS_AFTER_SECONDS = 1.0
PROGRESS_INTERVAL_SECONDS = 0.2


class _TimeLimit(Exception):
    pass


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_with_limit(candidate: Candidate, policy: Policy, rules: tuple[Rule, ...], timeout: float | None,
                      verdicts: bool) -> FileResult:
    started = time.perf_counter()
    try:
        with _time_limit(timeout):
            # the flag is passed only when set, so a run without paths calls check_file as before
            result = check_file(candidate, policy, rules, verdicts=True) if verdicts else check_file(candidate, policy, rules)
    except _TimeLimit:
        return timed_out(candidate, timeout or 0, rules)
    return _with_time(result, time.perf_counter() - started)


def _with_time(result: FileResult, seconds: float) -> FileResult:
    return replace(result, seconds=round(seconds, 4))


# -- worker processes ----------------------------------------------------------------------------

_worker_state: dict[str, object] = {}


def _init_worker(policy: Policy, rule_ids: tuple[str, ...], timeout: float | None, verdicts: bool) -> None:
    from policies import RULES

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    by_id = {rule.id: rule for rule in RULES}
    _worker_state.update(policy=policy, rules=tuple(by_id[rule_id] for rule_id in rule_ids), timeout=timeout,
                         verdicts=verdicts)


def _work(candidate: Candidate) -> FileResult:
    return _check_with_limit(candidate, _worker_state["policy"], _worker_state["rules"], _worker_state["timeout"],  # type: ignore[arg-type]
                             _worker_state["verdicts"])  # type: ignore[arg-type]


# -- progress ------------------------------------------------------------------------------------


class _Progress:
    """A one-line counter on stderr, only on a terminal and only once the run is slow enough
    for someone to wonder whether it is still going."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()
        self.shown_at = 0.0
        self.visible = False

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < PROGRESS_AFTER_SECONDS or now - self.shown_at < PROGRESS_INTERVAL_SECONDS:
            return
        self.shown_at = now
        self.visible = True
        sys.stderr.write(f"\reaslint: checked {done}/{self.total} files")
        sys.stderr.flush()

    def close(self) -> None:
        if self.visible:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


# -- running -------------------------------------------------------------------------------------


def check_all(candidates: list[Candidate], policy: Policy, rules: tuple[Rule, ...], *, jobs: int = 1,
              timeout: float | None = None, progress: bool = False, verdicts: bool = False) -> list[FileResult]:
    """A result per candidate, in candidate order; with `verdicts`, each says what its device did
    with each probe (for the run's network paths)."""
    bar = _Progress(len(candidates), progress)
    try:
        if jobs <= 1 or len(candidates) <= 1:
            results = []
            for done, candidate in enumerate(candidates, start=1):
                results.append(_check_with_limit(candidate, policy, rules, timeout, verdicts))
                bar.update(done)
            return results
        return _check_in_pool(candidates, policy, rules, min(jobs, len(candidates)), timeout, bar, verdicts)
    finally:
        bar.close()


def _pool_context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # fork starts a worker in milliseconds with everything already imported; elsewhere the
    # platform default (spawn) is the only safe choice.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else None)


def _check_in_pool(candidates: list[Candidate], policy: Policy, rules: tuple[Rule, ...], jobs: int,
                   timeout: float | None, bar: _Progress, verdicts: bool) -> list[FileResult]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    results: dict[int, FileResult] = {}
    rule_ids = tuple(rule.id for rule in rules)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_init_worker,
                             initargs=(policy, rule_ids, timeout, verdicts)) as pool:
        futures: dict[Future[FileResult], int] = {pool.submit(_work, candidate): index for index, candidate in enumerate(candidates)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                try:
                    results[index] = future.result()
                except BrokenProcessPool as error:
                    results[index] = _worker_lost(candidates[index], error)
                bar.update(len(results))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [results[index] for index in range(len(candidates))]


def _worker_lost(candidate: Candidate, error: BaseException) -> FileResult:
    """A worker died under this file (killed for memory, a crash in an extension module)."""
    name = display_path(candidate.path)
    message = f"{name}: internal error while checking (the worker process died: {error})"
    return FileResult(name, None, "failed", candidate.explicit, note=message, internal_error=message)
