"""A fast block of styled text lines, wrapped with a hanging indent.

rich's Table measures every cell of every row; a dump of 1,000 items holds some 30,000 attribute
rows, which takes seconds that way. Dump rows are laid out in fixed columns computed once per class,
so this renderable only has to cut over-long lines at the console width and yield segments, keeping a
1,000-item dump well under a second (issue 4, item 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

Span = tuple[str, Style | None]


@dataclass
class Line:
    """One logical line: styled spans, and the column a wrapped continuation starts at."""

    spans: list[Span]
    hang: int = 0

    @property
    def width(self) -> int:
        return sum(cell_len(text) for text, _ in self.spans)


@dataclass
class Lines:
    """Lines rendered as they are, wrapped (never truncated) past the console width."""

    lines: list[Line] = field(default_factory=list)

    def add(self, *spans: Span | str, hang: int = 0) -> None:
        self.lines.append(Line([(s, None) if isinstance(s, str) else s for s in spans], hang))

    def add_spans(self, spans: list[Span], hang: int = 0) -> None:
        """:meth:`add` for spans already paired with their styles (the list is kept, not copied)."""
        self.lines.append(Line(spans, hang))

    def extend(self, lines: Iterable[Line]) -> None:
        self.lines.extend(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        width = max(options.max_width, 20)
        newline = Segment.line()
        for line in self.lines:
            segments = [Segment(text, style) for text, style in line.spans if text]
            if line.width <= width:
                yield from segments
                yield newline
                continue
            hang = line.hang if line.hang <= max(width // 2, width - 30) else _indent(line) + 2
            for number, piece in enumerate(Segment.divide(segments, _cuts(line, width, hang))):
                if number:
                    yield Segment(" " * hang)
                yield from piece
                yield newline

    def plain_lines(self, width: int) -> list[str] | None:
        """The lines :meth:`__rich_console__` lays out on a colourless console ``width`` cells wide, as
        text, without rich's work per segment (a dump of 10,000 items is some 150,000 lines).

        None when rich must do it: a line with control characters (which rich interprets), a wrapped line
        with double-width characters (cut by cells, not characters), or a console narrower than a line's
        shortest wrap (rich crops there).
        """
        if width < 20:
            return None
        out: list[str] = []
        for line in self.lines:
            text = "".join([t for t, _ in line.spans])
            if not text.isprintable():
                return None
            cells = len(text) if text.isascii() else cell_len(text)
            if cells <= width:
                out.append(text)
                continue
            if cells != len(text):
                return None
            hang = line.hang if line.hang <= max(width // 2, width - 30) else _indent(line) + 2
            start = 0
            for number, end in enumerate(_cuts(line, width, hang)):
                out.append((" " * hang if number else "") + text[start:end])
                start = end
        return out

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((line.width for line in self.lines), default=0)
        return Measurement(min(widest, 20), min(widest, options.max_width))


def _cuts(line: Line, width: int, hang: int) -> list[int]:
    """Cell positions to break ``line`` at: after the last space that fits, else at the width.

    Breaking at spaces keeps words and hex strings whole where possible; text with wide characters is
    cut by cells only, since its character and cell positions differ.
    """
    text = "".join(t for t, _ in line.spans)
    total = line.width
    words = len(text) == total
    cuts: list[int] = []
    start, room = 0, width
    while total - start > room:
        end = start + room
        if words:
            # only spaces inside the wrapped part count: the first line's columns before the hang stay whole
            space = text.rfind(" ", max(start, hang if start == 0 else start), end)
            if space > start and (space >= start + room // 2 or _fits(text, space + 1, width - hang)):
                # break at the last space; in the first half of the line only if the word after it
                # then fits on a line of its own (a longer one, such as hex, is cut where the line ends)
                end = space + 1
        cuts.append(end)
        start, room = end, width - hang
    cuts.append(total)
    return cuts


def _fits(text: str, start: int, room: int) -> bool:
    """Whether the word starting at ``start`` is at most ``room`` characters long."""
    end = text.find(" ", start)
    return (len(text) if end < 0 else end) - start <= room


def _indent(line: Line) -> int:
    """The line's leading spaces: where its continuation goes when its hang would leave too little room
    (on a narrow terminal)."""
    text = "".join(t for t, _ in line.spans)
    return len(text) - len(text.lstrip(" "))
