"""LP files, through dimod's LP reader."""

from __future__ import annotations

from pathlib import Path

import dimod

from ._tokens import InstanceFormatError

__all__ = ["read_lp"]


def read_lp(path) -> dimod.ConstrainedQuadraticModel:
    """Read an LP file as a :class:`dimod.ConstrainedQuadraticModel`.

    Uses :func:`dimod.lp.load`; its parse errors are re-raised as
    :class:`~dimod_shrink.io.InstanceFormatError` naming the file.  Only binary
    variables are supported by the shrinking pipeline.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"instance file not found: {path}")
    try:
        cqm = dimod.lp.load(str(path))
    except Exception as exc:  # dimod raises a variety of parse errors
        import re
        m = re.search(r"line (\d+)", str(exc))
        raise InstanceFormatError(path, int(m.group(1)) if m else None,
                                  f"LP parse error: {exc}") from None
    bad = [v for v in cqm.variables if cqm.vartype(v) is not dimod.BINARY]
    if bad:
        raise InstanceFormatError(path, None, f"only binary variables are supported; "
                                              f"{bad[0]!r} is {cqm.vartype(bad[0]).name}")
    return cqm
