"""Error type, text checks and streaming line / token readers shared by the instance readers.

Every reader goes through :func:`open_instance` (a missing file, a directory or
a non-text file is refused with the file name) and then reads the file as a
stream of lines (:func:`iter_lines`) or of whitespace-separated tokens
(:class:`Tokens`), so no reader ever holds more than one block of the file
and its own result in memory.  Declared sizes are checked against what the
file can hold before anything is allocated.
"""

from __future__ import annotations

import codecs
import math
import re
from pathlib import Path

import numpy as np

__all__ = ["InstanceFormatError", "Tokens", "open_instance", "check_text", "iter_lines",
           "iter_blocks", "count_tokens", "line_count", "line_heads", "is_blank", "BLOCK",
           "tokens_per_line", "check_line_breaks"]

#: Bytes read at a time.  A line longer than this is refused by the line-based
#: readers (DIMACS, Max-Cut) and split at whitespace by :class:`Tokens`.
BLOCK = 1 << 20


class InstanceFormatError(ValueError):
    """A malformed instance file; names the file and, where known, the line.

    Attributes:
        path: The file, as a string.
        line: The 1-based line of the first problem, or ``None`` when the
            problem concerns the whole file (e.g. a directory, an empty file).

    Examples:
        >>> err = InstanceFormatError("graph.dimacs", 3, "self-loop e 2 2")
        >>> str(err)
        'graph.dimacs, line 3: self-loop e 2 2'
        >>> isinstance(err, ValueError), err.line
        (True, 3)
    """

    def __init__(self, path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep (path, line, message) through pickling
        return (type(self), (self.path, self.line, self.message))


def open_instance(path) -> Path:
    """Check that ``path`` names a readable regular file; return it as a :class:`Path`.

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: ``path`` is a directory or not a regular file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"instance file not found: {path}")
    if path.is_dir():
        raise InstanceFormatError(path, None, "is a directory; give the path of an instance "
                                              "file inside it")
    if not path.is_file():
        raise InstanceFormatError(path, None, "is not a regular file")
    return path


def _binary_error(path, line, raw: bytes, pos: int, what: str):
    byte = raw[pos:pos + 1].hex() or "??"
    return InstanceFormatError(path, line, f"not a text file (byte 0x{byte} at column "
                                           f"{pos + 1}); expected {what}")


#: Control bytes that no instance file holds (all of C0 but tab, newline,
#: vertical tab, form feed and carriage return).  Refusing them keeps ``str``
#: and ``bytes`` whitespace splitting identical on ASCII text.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
_CONTROL_BYTES = bytes(range(0, 9)) + bytes(range(14, 32))


def _control(raw: bytes):
    """The first control byte's match, or ``None`` (a fast C-level test first)."""
    if len(raw.translate(None, _CONTROL_BYTES)) == len(raw):
        return None
    return _CONTROL.search(raw)


def _decode(path, line, raw: bytes, what: str) -> str:
    bad = _control(raw)
    if bad:
        raise _binary_error(path, line, raw, bad.start(), what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _binary_error(path, line, raw, exc.start, what) from None


def check_text(path, what: str = "a text file") -> Path:
    """Refuse, naming the file and line, any file that is not UTF-8 text.

    A NUL byte, another control byte (other than tab, line feed, vertical
    tab, form feed and carriage return) or invalid UTF-8 is refused.  Streams
    the file in blocks of :data:`BLOCK` bytes: a 50 MB file takes a fraction
    of a second and constant memory.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io._tokens import check_text
        >>> path = os.path.join(tempfile.mkdtemp(), "blob.lp")
        >>> with open(path, "wb") as fh:
        ...     _ = fh.write(b"Minimize\\n obj: x\\n\\x89PNG\\x00\\n")
        >>> try:
        ...     check_text(path)
        ... except ValueError as err:
        ...     print(err.line, str(err).split(": ", 1)[1])
        3 not a text file (byte 0x89 at column 1); expected a text file
    """
    path = open_instance(path)
    dec = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            final = not block
            ctl = _control(block)
            cut = ctl.start() if ctl else len(block)
            try:
                dec.decode(block[:cut], final=final)
            except UnicodeDecodeError as exc:
                # exc.start is relative to the decoder's buffer (pending bytes + block)
                pending = len(exc.object) - cut
                cut = max(exc.start - pending, 0)
                ctl = True
            if ctl:
                ln = line + block.count(b"\n", 0, cut)
                col = cut - (block.rfind(b"\n", 0, cut) + 1)
                raise _binary_error(path, ln, block[cut - col:], col, what)
            if final:
                return path
            line += block.count(b"\n")


def iter_lines(path, what: str = "a text file", *, split_long: bool = False):
    """Yield ``(line_number, text)`` for each line of ``path``, decoded as UTF-8.

    Reads blocks of :data:`BLOCK` bytes.  A line longer than a block is refused
    (:class:`InstanceFormatError`), unless ``split_long`` is true: then it is
    yielded in pieces cut at whitespace, each with the same line number.
    A NUL byte or invalid UTF-8 raises :class:`InstanceFormatError` naming the
    line.
    """
    path = open_instance(path)
    ln = 1
    buf = b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            if not block:
                break
            buf += block
            lines = buf.split(b"\n")
            buf = lines.pop()
            for raw in lines:
                yield ln, _decode(path, ln, raw, what)
                ln += 1
            if len(buf) > BLOCK:
                if not split_long:
                    raise InstanceFormatError(path, ln, f"line longer than {BLOCK} bytes; "
                                                        f"expected {what}")
                cut = max(buf.rfind(b" "), buf.rfind(b"\t"), buf.rfind(b"\r"))
                if cut <= 0:
                    _decode(path, ln, buf, what)
                    raise InstanceFormatError(path, ln, f"a token longer than {BLOCK} bytes; "
                                                        f"expected {what}")
                yield ln, _decode(path, ln, buf[:cut], what)
                buf = buf[cut:]
    if buf:
        yield ln, _decode(path, ln, buf, what)


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


def count_tokens(path) -> int:
    """Number of whitespace-separated tokens in ``path`` (streamed, counted with numpy)."""
    total = 0
    prev_space = True
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            if not block:
                return total
            space = _SPACE[np.frombuffer(block, dtype=np.uint8)]
            starts = ~space
            starts[1:] &= space[:-1]
            starts[0] &= prev_space
            total += int(np.count_nonzero(starts))
            prev_space = bool(space[-1])


def iter_blocks(path, what: str, *, split_long: bool = False):
    """Yield ``(first_line, text)`` blocks of about :data:`BLOCK` bytes, cut at line ends.

    A line longer than a block is refused (:class:`InstanceFormatError`), or,
    with ``split_long``, cut at whitespace (its pieces keep their line
    number; for readers of whitespace-separated tokens only).  Invalid UTF-8
    or a control byte raises :class:`InstanceFormatError` naming the line.
    """
    ln = 1
    carry = b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(BLOCK)
            data = carry + block
            if not block:
                if data:
                    yield ln, _decode(path, ln, data, what)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > BLOCK and not split_long:
                raise InstanceFormatError(path, ln, f"line longer than {BLOCK} bytes; "
                                                    f"expected {what}")
            if cut == 0 and len(data) > BLOCK:  # one long line: cut at whitespace
                cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r")) + 1
                if cut == 0:
                    raise InstanceFormatError(path, ln, f"a token longer than {BLOCK} bytes; "
                                                        f"expected {what}")
            if cut == 0:
                carry = data
                continue
            head, carry = data[:cut], data[cut:]
            try:
                text = _decode(path, ln, head, what)
            except InstanceFormatError:
                # name the line of the bad byte precisely
                for k, raw in enumerate(head.split(b"\n")):
                    _decode(path, ln + k, raw, what)
                raise
            yield ln, text
            ln += head.count(b"\n")


def tokens_per_line(text: str) -> np.ndarray:
    """Number of whitespace-separated tokens on each line of a block (vectorised).

    One entry per line as :func:`line_count` counts them: a block ending in
    ``\\n`` has no extra empty last line.

    Examples:
        >>> tokens_per_line("1 2 3\\n\\n4 5\\n").tolist()
        [3, 0, 2]
        >>> tokens_per_line("1 2\\n 3").tolist()
        [2, 1]
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    nl = np.flatnonzero(b == 10)
    space = _SPACE[b]
    starts = ~space
    starts[1:] &= space[:-1]
    counts = np.bincount(np.searchsorted(nl, np.flatnonzero(starts)), minlength=nl.size + 1)
    return counts if b.size and b[-1] != 10 else counts[:-1]


def check_line_breaks(path, what: str, breaks, describe):
    """Refuse a file in which a line holds the tokens on both sides of a break.

    Formats read as a stream of numbers (QAPLIB, OR-Library mknap) still have
    a line structure: a header alone on its line, each matrix row starting on
    a new line (a long row may continue over several lines).  ``breaks`` are
    the 0-based token indices that must start a new line: for each ``b``, the
    tokens ``b - 1`` and ``b`` must not be on the same line.  A file whose
    rows are misaligned (a number missing on one line and one too many on
    another) is refused here, naming the line, instead of being silently
    re-paired.

    Args:
        path: The file (already checked to be text).
        what: What the file should be, for error messages.
        breaks: Increasing token indices (an iterable of ints).
        describe: ``describe(b)`` -> the error message for break ``b`` (what
            ends and what starts there, and what to check).

    Raises:
        InstanceFormatError: Naming the first line that holds a break.
    """
    breaks = np.asarray(list(breaks) if not isinstance(breaks, np.ndarray) else breaks,
                        dtype=np.int64)
    if breaks.size == 0:
        return
    line_start = 0  # tokens before the line now being read
    pos = 0  # tokens before the current block
    nxt = 0  # first break not yet checked
    for first, text in iter_blocks(path, what, split_long=True):
        counts = tokens_per_line(text)
        ends = pos + np.cumsum(counts)  # tokens through each line (or piece) of the block
        closed = ends[:-1] if text and not text.endswith("\n") else ends
        starts = np.concatenate(([line_start], closed))[:ends.size]
        pos = int(ends[-1]) if ends.size else pos
        hi = np.searchsorted(breaks, pos, side="left")
        if hi > nxt:  # breaks strictly before the tokens after this block
            b = breaks[nxt:hi]
            k = np.searchsorted(ends, b, side="left")  # the line holding token b - 1
            k = np.minimum(k, ends.size - 1)
            bad = (starts[k] < b) & (b < ends[k])
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise InstanceFormatError(path, first + int(k[j]), describe(int(b[j])))
            nxt = hi
        if closed.size:
            line_start = int(closed[-1])
    # breaks at or after the last token are line ends (the end of the file)


def line_count(text: str) -> int:
    """Number of lines in a block (a last line without ``\\n`` counts)."""
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def line_heads(text: str) -> tuple[np.ndarray, np.ndarray]:
    """First and second byte of every line of a block, as ``uint8`` arrays.

    A line shorter than two bytes is padded with ``\\n`` (10).  Lets a reader
    classify a whole block of lines (comment, blank, data) with numpy instead
    of a Python loop.
    """
    b = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if b.size == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(b == 10) + 1))
    if b[-1] == 10:
        starts = starts[:-1]
    padded = np.concatenate((b, [10, 10])).astype(np.uint8)
    return padded[starts], padded[starts + 1]


def is_blank(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Lines that are empty (``\\n`` or ``\\r\\n``), from :func:`line_heads`."""
    return (first == 10) | ((first == 13) & (second == 10))


class Tokens:
    """Whitespace-separated tokens of a text file, streamed by blocks, with line numbers.

    The file is checked to be text first (the error names the line), and its
    tokens are counted once up front so that declared sizes can be checked
    with :meth:`require` before anything is allocated.  Values are converted
    a block at a time (:meth:`floats`), so a 50 MB file is read in about a
    second and in constant memory beyond the result.

    Args:
        path: The file.
        what: What the file should be, for error messages (``"a QAPLIB file"``).
        total: The token count from an earlier pass over the same file (skips
            the text check and the count).
    """

    def __init__(self, path, what: str = "a text file", *, total: int | None = None):
        self.path = check_text(path, what) if total is None else open_instance(path)
        self.what = what
        self.total = count_tokens(self.path) if total is None else total
        self.pos = 0
        self._blocks = iter_blocks(self.path, what, split_long=True)
        self._text = ""
        self._toks: list[str] = []
        self._i = 0
        self._start = 1
        self._starts = None  # token offsets in the current block, computed on demand
        self.last_line = 1

    def _fill(self) -> bool:
        while self._i >= len(self._toks):
            try:
                self._start, self._text = next(self._blocks)
            except StopIteration:
                return False
            text = self._text
            # ASCII text splits alike as str and bytes (control bytes are refused)
            self._toks = text.split() if text.isascii() else \
                [t.decode("utf-8") for t in text.encode("utf-8").split()]
            self._i = 0
            self._starts = None
            self.last_line = self._start + max(line_count(text) - 1, 0)
        return True

    def _line_at(self, i: int) -> int:
        """Line of token ``i`` of the current block."""
        if self._starts is None:
            self._starts = [m.start() for m in re.finditer(r"\S+", self._text, re.ASCII)]
        return self._start + self._text.count("\n", 0, self._starts[i])

    def peek_line(self) -> int | None:
        """Line of the next token, ``None`` at the end."""
        return self._line_at(self._i) if self._fill() else None

    def error(self, message, line=None):
        if line is None:
            line = self.peek_line() or self.last_line
        return InstanceFormatError(self.path, line, message)

    def require(self, count: int, what: str):
        """Refuse early when fewer than ``count`` tokens remain in the file."""
        left = self.total - self.pos
        if count > left:
            raise self.error(f"{what} needs {count:,} more numbers but only {left:,} remain "
                             "before the end of file; the file is truncated or its counts "
                             "are wrong")

    def _next(self, what):
        if not self._fill():
            raise self.error(f"unexpected end of file while reading {what}; the file is "
                             "truncated or its counts are wrong", self.last_line)
        self._i += 1
        self.pos += 1
        return self._toks[self._i - 1], self._i - 1

    def int(self, what="an integer", minimum=None, maximum=None):
        tok, i = self._next(what)
        try:
            val = int(tok)
        except ValueError:
            try:
                f = float(tok)
            except ValueError:
                raise self.error(f"expected {what}, found {tok[:40]!r}", self._line_at(i)) \
                    from None
            if not f.is_integer():
                raise self.error(f"expected {what}, found {tok[:40]!r}", self._line_at(i)) \
                    from None
            val = int(f)
        if minimum is not None and val < minimum:
            raise self.error(f"{what} must be >= {minimum}, found {val}", self._line_at(i))
        if maximum is not None and val > maximum:
            raise self.error(f"{what} must be <= {maximum:,}, found {val:,}", self._line_at(i))
        return val

    def float(self, what="a number"):
        tok, i = self._next(what)
        try:
            val = float(tok)
        except ValueError:
            raise self.error(f"expected {what}, found {tok[:40]!r}", self._line_at(i)) from None
        if not math.isfinite(val):
            raise self.error(f"expected a finite {what}, found {tok[:40]!r}", self._line_at(i))
        return val

    def floats(self, count, what) -> np.ndarray:
        """``count`` finite numbers as a float array (checked against the file first)."""
        self.require(count, what)
        out = np.empty(count)
        k = 0
        while k < count:
            if not self._fill():
                raise self.error(f"unexpected end of file while reading {what}",
                                 self.last_line)
            take = min(count - k, len(self._toks) - self._i)
            chunk = self._toks[self._i:self._i + take]
            try:
                vals = np.array(chunk, dtype=float)
                ok = bool(np.isfinite(vals).all())
            except ValueError:
                ok = False
            if not ok:  # locate the bad token, with its line
                for _ in range(take):
                    out[k] = self.float(what)
                    k += 1
                continue
            out[k:k + take] = vals
            k += take
            self._i += take
            self.pos += take
        return out

    def skip(self, count: int, what: str):
        """Pass over ``count`` tokens without converting them (checked against the file first)."""
        self.require(count, what)
        while count:
            if not self._fill():
                raise self.error(f"unexpected end of file while reading {what}",
                                 self.last_line)
            take = min(count, len(self._toks) - self._i)
            self._i += take
            self.pos += take
            count -= take

    @property
    def done(self):
        return not self._fill()

    def expect_end(self):
        if self._fill():
            tok = self._toks[self._i]
            raise self.error(f"unexpected extra data {tok[:40]!r} after {self.pos:,} numbers; "
                             "the counts in the file do not match its contents")
