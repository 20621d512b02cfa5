"""A progress bar for long shrinks: the stage and the variables left (tqdm)."""

from __future__ import annotations

__all__ = ["Progress"]


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
