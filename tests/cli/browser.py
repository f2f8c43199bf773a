"""A real headless browser for the HTML report's tests: Debian's chromium, the DOM it builds, a screenshot,
and enough of PNG to count a screenshot's colours (zlib and the five row filters; no imaging library).

Without chromium the tests skip, except under ``CI=true`` (which ``.ci/run`` sets after installing it),
where they fail. Screenshots and pages are kept as artefacts: in ``$KEYCHAINSIM_ARTEFACTS`` when set
(``.ci/run`` sets ``.ci/artefacts``), else in pytest's temporary directory; the path is printed.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")
INSTALL_HINT = "install it with `apt-get install -y chromium` (Debian), as .ci/run does"
ARTEFACTS_ENV = "KEYCHAINSIM_ARTEFACTS"


def find_chromium() -> str:
    """The browser binary, or a skip (a failure under CI=true) saying how to install it."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    reason = f"chromium is not installed; {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


def _run(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # root in a container has no user namespace for chromium's sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, timeout=180)


def dump_dom(browser: str, page: Path, profile: Path) -> str:
    """The DOM chromium built from ``page`` (``--dump-dom``), serialized."""
    done = _run(browser, profile, "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout.decode("utf-8")


def screenshot(browser: str, page: Path, target: Path, profile: Path, size: tuple[int, int]) -> bytes:
    done = _run(
        browser, profile, f"--screenshot={target}", f"--window-size={size[0]},{size[1]}", page.resolve().as_uri()
    )
    assert done.returncode == 0 and target.exists(), done.stderr.decode(errors="replace")[-2000:]
    return target.read_bytes()


def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kept = os.environ.get(ARTEFACTS_ENV)
    directory = Path(kept) / "html-report" if kept else tmp_path_factory.mktemp("html-report-artefacts")
    directory.mkdir(parents=True, exist_ok=True)
    print(f"HTML report artefacts: {directory}")
    return directory


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def get_text(self) -> str:
        return "".join(self.text)


class DOM(HTMLParser):
    """Every element with its attributes and the text inside it (including its descendants')."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "source", "path", "rect", "line"})

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def select(self, tag: str, *classes: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag and set(classes) <= e.classes]

    def text(self) -> str:
        return "".join(t for e in self.elements[:1] for t in e.text)


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    pixels: bytes
    """RGB(A) rows, unfiltered."""
    channels: int

    def count(self, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
        """Pixels within ``tolerance`` of ``rgb`` on every channel."""
        r0, g0, b0 = rgb
        step = self.channels
        data = self.pixels
        found = 0
        for offset in range(0, len(data), step):
            red, green, blue = data[offset], data[offset + 1], data[offset + 2]
            if abs(red - r0) <= tolerance and abs(green - g0) <= tolerance and abs(blue - b0) <= tolerance:
                found += 1
        return found

    def colours(self) -> int:
        step = self.channels
        return len({bytes(self.pixels[o : o + 3]) for o in range(0, len(self.pixels), step * 97)})


def read_png(data: bytes) -> Image:
    """An 8-bit RGB or RGBA PNG decoded (the only kinds chromium writes for screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, idat, header = 8, b"", None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray(stride * height)
    previous = bytearray(stride)
    position = 0
    for row in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1 : position + 1 + stride])
        position += 1 + stride
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out[row * stride : (row + 1) * stride] = line
        previous = line
    return Image(width, height, bytes(out), channels)
