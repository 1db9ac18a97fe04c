"""Running a model's code so that it cannot hold the fit past a time limit.

A trial's fit (and a refit) runs in the fit's own thread, armed with a stop: when the limit
passes while the call is still running, an exception is raised inside it at its next Python
step, and again every :data:`REPEAT_SECONDS` until it ends (every model fits in Python-level
rounds, trees, iterations or epochs between its native calls; a model that swallows the first
one meets the next). The call is then counted as failed. In the main thread the stop is a
``SIGALRM`` timer, which also wakes a call blocked in ``sleep`` or a system call; in any other
thread it is an asynchronous exception (``PyThreadState_SetAsyncExc``) set by a timer thread.
A call that never returns to Python (one native loop that runs for minutes) is stopped only
when it does.

Why not another thread or process for the model: libraries that run OpenMP (XGBoost, LightGBM,
scikit-learn's histogram boosting) keep a pool of threads per calling thread, and two pools on
few cores make libgomp put its threads to sleep between parallel regions, which made XGBoost
fits with a validation set five times slower (benchmarks/results/trial_guard.md); a process
would need its own copy of the data, its own imports (seconds, hundreds of MB) and the fitted
model sent back for every trial, and forking after OpenMP has run is unsafe. Exceptions that
would end the whole program (``SystemExit``, or ``KeyboardInterrupt`` raised by the model's own
code) are the call's failure, not the fit's; a Ctrl-C from the user still ends the call and is
raised as usual.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

__all__ = [
    "REPEAT_SECONDS",
    "CallAborted",
    "TimeLimitExceeded",
    "call_with_time_limit",
]

T = TypeVar("T")

#: seconds between stops once a call has passed its limit and is still running
REPEAT_SECONDS = 0.1


class TimeLimitExceeded(TimeoutError):
    """The call was still running at its time limit and was stopped."""


class CallAborted(RuntimeError):
    """The call raised ``SystemExit``, ``KeyboardInterrupt`` or another exception that is not an
    ``Exception``: it is treated as the call's failure (the original is its ``__cause__``)."""


class _Stopped(BaseException):
    """Raised inside a call that ran past its limit; a BaseException so that a model's own
    ``except Exception`` does not swallow it."""


class _Stop:
    """How one call is stopped at ``until``: :meth:`arm` before it, :meth:`disarm` after it
    (nothing is raised in the call's thread afterwards)."""

    def __init__(self, until: float) -> None:
        self.until = until
        self.active = False
        self.fired = False  # a stop was sent: the call ran past its limit

    def arm(self) -> None:
        raise NotImplementedError

    def disarm(self) -> None:
        """End the stop; a stop that comes while this runs is absorbed, never raised."""
        while True:
            try:
                self.active = False
                self._disarm()
                return
            except _Stopped:  # it came before ``active`` was cleared: clean up again
                continue

    def _disarm(self) -> None:
        raise NotImplementedError

    def users_interrupt(self) -> bool:
        """Whether a ``KeyboardInterrupt`` out of the call is the user's Ctrl-C (else the
        model's code raised it)."""
        return False


class _AlarmStop(_Stop):
    """In the main thread: a ``SIGALRM`` interval timer whose handler raises :class:`_Stopped`;
    a SIGINT handler notes the user's Ctrl-C. The previous handlers and timer are restored."""

    _user_interrupted = False

    def arm(self) -> None:
        self._old_alarm = signal.signal(signal.SIGALRM, self._on_alarm)
        self._old_timer = signal.setitimer(signal.ITIMER_REAL, 0)
        self._old_int = signal.getsignal(signal.SIGINT)
        if self._old_int is signal.default_int_handler:  # a handler of the user's is left be
            signal.signal(signal.SIGINT, self._on_interrupt)
        self.active = True
        signal.setitimer(signal.ITIMER_REAL, max(self.until - time.monotonic(), 1e-3),
                         REPEAT_SECONDS)

    def _disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._old_alarm)
        if self._old_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._old_int)
        if self._old_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *self._old_timer)

    def users_interrupt(self) -> bool:
        # with a SIGINT handler of the user's, who raised it cannot be told: theirs, then
        return self._user_interrupted or self._old_int is not signal.default_int_handler

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self.active:
            self.fired = True
            raise _Stopped

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        self._user_interrupted = True
        raise KeyboardInterrupt


class _AsyncStop(_Stop):
    """In another thread: a timer thread sets :class:`_Stopped` as the calling thread's
    asynchronous exception, until the call is disarmed (a pending one is then cleared)."""

    def arm(self) -> None:
        self._target = ctypes.c_ulong(threading.get_ident())
        self._lock = threading.Lock()
        self.active = True
        self._schedule(max(self.until - time.monotonic(), 0))

    def _schedule(self, delay: float) -> None:
        timer = threading.Timer(delay, self._fire)
        timer.daemon = True
        timer.start()
        self._timer = timer

    def _fire(self) -> None:
        with self._lock:
            if not self.active:
                return
            self.fired = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(self._target, ctypes.py_object(_Stopped))
            self._schedule(REPEAT_SECONDS)

    def _disarm(self) -> None:
        with self._lock:
            self.active = False
            self._timer.cancel()
            if self.fired:  # one may be pending, not yet raised: it must not escape the call
                ctypes.pythonapi.PyThreadState_SetAsyncExc(self._target, None)


def call_with_time_limit(fn: Callable[[], T], until: float, what: str = "the call") -> T:
    """Return ``fn()``, run in the calling thread, if it ends before ``time.monotonic()``
    reaches ``until``.

    Raises :class:`TimeLimitExceeded` when it does not (``fn`` is stopped; one that
    swallows the stops and returns late is the same failure), a ``KeyboardInterrupt`` when the
    user pressed Ctrl-C, :class:`CallAborted` when ``fn`` raised another ``BaseException`` that
    is not an ``Exception``, and whatever ``Exception`` ``fn`` raised. ``what`` names the call in
    those messages; ``until`` of ``inf`` sets no limit.
    """
    stop = _stop_for(until)
    try:
        if stop is not None:
            stop.arm()
        try:
            value = fn()
        finally:
            if stop is not None:
                stop.disarm()
        if stop is not None and stop.fired:  # it swallowed the stops and ended late
            raise _Stopped
        return value
    except _Stopped:
        raise TimeLimitExceeded(f"{what} was still running at its time limit and was "
                                f"stopped") from None
    except Exception:
        raise
    except KeyboardInterrupt as exc:
        if stop is None or stop.users_interrupt():
            raise
        raise _aborted(what, exc) from exc
    except BaseException as exc:
        raise _aborted(what, exc) from exc


def _aborted(what: str, exc: BaseException) -> CallAborted:
    return CallAborted(f"{what} raised {type(exc).__name__}{f': {exc}' if str(exc) else ''}")


def _stop_for(until: float) -> _Stop | None:
    if until == float("inf"):
        return None
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _AlarmStop(until)
    return _AsyncStop(until)
