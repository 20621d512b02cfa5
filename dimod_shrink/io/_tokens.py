"""Error type and a line-aware token reader shared by the instance readers."""

from __future__ import annotations

from pathlib import Path

__all__ = ["InstanceFormatError", "Tokens"]


class InstanceFormatError(ValueError):
    """A malformed instance file; names the file and the line."""

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")


class Tokens:
    """Whitespace-separated tokens with their line numbers."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            raise FileNotFoundError(f"instance file not found: {self.path}") from None
        except UnicodeDecodeError as exc:
            raise InstanceFormatError(self.path, None, f"not a text file ({exc})") from None
        self.items = [(tok, ln) for ln, line in enumerate(text.splitlines(), 1)
                      for tok in line.split()]
        self.pos = 0
        self.last_line = text.count("\n") + 1

    def error(self, message, line=None):
        if line is None:
            line = self.items[self.pos][1] if self.pos < len(self.items) else self.last_line
        return InstanceFormatError(self.path, line, message)

    def _next(self, what):
        if self.pos >= len(self.items):
            raise self.error(f"unexpected end of file while reading {what}")
        tok, ln = self.items[self.pos]
        self.pos += 1
        return tok, ln

    def int(self, what="an integer", minimum=None):
        tok, ln = self._next(what)
        try:
            val = int(tok)
        except ValueError:
            try:
                f = float(tok)
            except ValueError:
                raise self.error(f"expected {what}, found {tok!r}", ln) from None
            if not f.is_integer():
                raise self.error(f"expected {what}, found {tok!r}", ln) from None
            val = int(f)
        if minimum is not None and val < minimum:
            raise self.error(f"{what} must be >= {minimum}, found {val}", ln)
        return val

    def float(self, what="a number"):
        tok, ln = self._next(what)
        try:
            val = float(tok)
        except ValueError:
            raise self.error(f"expected {what}, found {tok!r}", ln) from None
        if val != val or val in (float("inf"), float("-inf")):
            raise self.error(f"expected a finite {what}, found {tok!r}", ln)
        return val

    def floats(self, count, what):
        return [self.float(what) for _ in range(count)]

    @property
    def done(self):
        return self.pos >= len(self.items)

    def expect_end(self):
        if not self.done:
            tok, ln = self.items[self.pos]
            raise self.error(f"unexpected extra data {tok!r}", ln)
