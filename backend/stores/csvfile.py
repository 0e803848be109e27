"""Read an untrusted CSV upload row by row, in bounded memory, with line numbers."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

MAX_LINE_CHARS = 8_192  # far beyond any honest row; longer lines are cut and reported
MAX_FIELD_CHARS = 4_096
_CHUNK_BYTES = 64 * 1024


@dataclass
class Row:
    """One CSV record: the physical line it starts on, its cells, or why it is unreadable."""

    line: int
    cells: list[str] = field(default_factory=list)
    problem: str | None = None


class _Lines:
    """Physical lines of a byte stream, decoded as UTF-8 (undecodable bytes kept as
    surrogates so the row can be reported), each cut at MAX_LINE_CHARS."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self._buffer = ""
        self._pos = 0  # where the next line starts in the buffer
        self._eof = False
        self._first = True
        self.count = 0
        self.overlong = False  # a line was cut since the last record

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            end = _line_end(self._buffer, self._pos, MAX_LINE_CHARS + 2, eof=self._eof)
            if end >= 0:
                return self._take(end)
            if len(self._buffer) - self._pos > MAX_LINE_CHARS:
                return self._take_overlong()
            if self._eof:
                if self._pos >= len(self._buffer):
                    raise StopIteration
                return self._take(len(self._buffer))
            self._fill()

    def _fill(self) -> None:
        chunk = self._stream.read(_CHUNK_BYTES)
        rest = self._buffer[self._pos :]
        self._pos = 0
        if not chunk:
            self._buffer = rest + self._decoder.decode(b"", final=True)
            self._eof = True
            return
        text = self._decoder.decode(chunk)
        if self._first and text:
            text = text.removeprefix("\ufeff")  # a byte-order mark some spreadsheets write
            self._first = False
        self._buffer = rest + text

    def _take(self, end: int) -> str:
        line, self._pos = self._buffer[self._pos : end], end
        self.count += 1
        return line

    def _take_overlong(self) -> str:
        line = self._buffer[self._pos : self._pos + MAX_LINE_CHARS]
        self._pos += MAX_LINE_CHARS
        self.count += 1
        self.overlong = True
        # Skip the rest of this physical line without ever holding it in memory.
        while True:
            end = _line_end(self._buffer, self._pos, None, eof=self._eof)
            if end >= 0:
                self._pos = end
                break
            if self._eof:
                self._pos = len(self._buffer)
                break
            keep = self._buffer.endswith("\r")
            self._buffer, self._pos = ("\r" if keep else ""), 0
            self._fill()
        return line + "\n"


def _line_end(text: str, start: int, window: int | None, *, eof: bool) -> int:
    """Where the line starting at `start` ends ("\r\n", "\n" or a lone "\r"), or -1 if not
    yet known: a final "\r" may be the first half of "\r\n" unless the stream has ended."""
    stop = len(text) if window is None else min(len(text), start + window)
    newline, carriage = text.find("\n", start, stop), text.find("\r", start, stop)
    if carriage < 0 or 0 <= newline < carriage:
        return newline + 1 if newline >= 0 else -1
    if carriage + 1 < len(text):
        return carriage + 2 if text[carriage + 1] == "\n" else carriage + 1
    return carriage + 1 if eof else -1


class CsvRows:
    """The CSV records of `stream` (header included), each with its first line number."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = _Lines(stream)

    @property
    def lines_read(self) -> int:
        return self._lines.count

    def __iter__(self) -> Iterator[Row]:
        lines = self._lines
        reader = csv.reader(lines, strict=True)
        while True:
            start = lines.count + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                lines.overlong = False
                yield Row(line=start, problem=f"not valid CSV ({exc}).")
                continue
            if lines.overlong:
                lines.overlong = False
                yield Row(line=start, problem=f"line longer than {MAX_LINE_CHARS} characters.")
                continue
            if any(len(cell) > MAX_FIELD_CHARS for cell in cells):
                yield Row(
                    line=start, problem=f"a field is longer than {MAX_FIELD_CHARS} characters."
                )
                continue
            yield Row(line=start, cells=cells)
