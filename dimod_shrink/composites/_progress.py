"""Progress bars (tqdm): a long shrink's stage and variables left; iterated shrinking's rounds."""

from __future__ import annotations

import time

__all__ = ["Progress", "RoundsProgress"]


class Progress:
    """Context manager around a :class:`tqdm.tqdm` bar, a callback, or a no-op.

    ``enabled`` is ``True`` (a bar), ``False`` (nothing) or a callable
    ``callback(stage, num_variables_left)`` (for logging or measuring).

    The bar counts merges (``total`` = variables to remove) and shows the
    current stage (``correlation``, ``shrink``, ``child``, ``expand``,
    ``repair``) with the number of variables left.  :meth:`stage` is the
    callback :func:`dimod_shrink.engine.shrink` calls.
    """

    def __init__(self, enabled, num_variables: int, budget: int):
        self._bar = None
        self._callback = enabled if callable(enabled) else None
        self._n = int(num_variables)
        if enabled is True:
            from tqdm.auto import tqdm
            self._bar = tqdm(total=max(0, self._n - int(budget)), unit="merge",
                             desc="dimod-shrink", leave=False, dynamic_ncols=True)
        self._stage = None

    def stage(self, name: str, left: int) -> None:
        if self._callback is not None:
            self._callback(name, left)
        bar = self._bar
        if bar is None:
            return
        if name == "shrink":
            done = self._n - int(left)
            if done > bar.n:
                bar.update(done - bar.n)
        what = f"{left} samples" if name == "repair" else f"{left} variables left"
        if name != self._stage:
            self._stage = name
            bar.set_postfix_str(f"{name}, {what}", refresh=True)
        elif name == "shrink" and bar.n % 64 == 0:
            bar.set_postfix_str(f"{name}, {what}", refresh=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._callback is not None:
            self._callback("done", 0)
        if self._bar is not None:
            self._bar.close()
        return False


class RoundsProgress:
    """Context manager around a :class:`tqdm.tqdm` bar over iterated shrinking's rounds.

    ``enabled`` is ``False`` (nothing), ``True`` (the bar shows the
    incumbent's score, lower is better) or a callable ``value(sampleset)``
    whose value of the incumbent (a one-row SampleSet) the bar shows instead,
    e.g. a problem's objective in its natural sense.  The bar counts the later
    rounds up to ``max_rounds``, or, with a ``time_limit``, the seconds used
    (``rounds=`` then counts the rounds).  :meth:`close` writes why the rounds
    stopped.
    """

    def __init__(self, enabled, max_rounds: int | None, time_limit: float | None,
                 started: float):
        self._bar = None
        self._value = enabled if callable(enabled) and enabled is not True else None
        self._timed = time_limit is not None
        self._started = started
        self._shown = None
        if enabled:
            from tqdm.auto import tqdm
            if self._timed:
                self._bar = tqdm(total=float(time_limit), desc="rounds", unit="s",
                                 bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s{postfix}",
                                 dynamic_ncols=True)
            else:
                self._bar = tqdm(total=max_rounds, desc="rounds", unit="round",
                                 dynamic_ncols=True)

    def _best(self, search):
        if self._value is None:
            return float(search.best_key)
        if self._shown is None or self._shown[0] != (search.best_round, search.best_row):
            import dimod
            ss = search.samplesets[search.best_round]
            row = ss.record[search.best_row:search.best_row + 1]
            one = dimod.SampleSet(row, ss.variables, {}, ss.vartype)
            self._shown = ((search.best_round, search.best_row), float(self._value(one)))
        return self._shown[1]

    def update(self, search) -> None:
        """After a round: advance the bar and show the rounds so far and the best value."""
        bar = self._bar
        if bar is None:
            return
        done = len(search.rounds) - 1
        if self._timed:
            bar.n = min(time.perf_counter() - self._started, bar.total)
        elif done > bar.n:
            bar.update(done - bar.n)
        bar.set_postfix_str(f"rounds={done}, best={self._best(search):.10g}", refresh=True)

    def close(self, search, stop: str | None) -> None:
        """Show why the rounds stopped, then close the bar."""
        if self._bar is not None:
            done = len(search.rounds) - 1
            self._bar.set_postfix_str(f"rounds={done}, best={self._best(search):.10g}, "
                                      f"stop={stop}", refresh=True)
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False
