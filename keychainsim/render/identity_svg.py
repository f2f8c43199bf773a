"""A picture of identity formation as inline SVG: certificates and keys as boxes, the joining hash as
arrows, the halves that pair with nothing, and an identity query's attributes on the half they filter.

The facts come from the probe (:class:`keychainsim.probe.Dump`: its pairs and unpaired halves, from the
engine's own join; :func:`keychainsim.probe.identity_query.identity_query_terms`: which half each query
attribute filters). Nothing is recomputed here: no hash is compared, no rule applied; this module places
boxes and escapes text. Every string drawn is escaped (labels are the user's data), and what a box has
no room for is cut with "…" and kept whole in the element's ``<title>`` (a tooltip).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from keychainsim.probe.names import key_noun
from keychainsim.render.values import display_value, short_hash

if TYPE_CHECKING:
    from keychainsim.probe.dumps import Dump, DumpItem, Pair
    from keychainsim.probe.identity_query import QueryTerm

WIDTH = 920
BOX_WIDTH = 330
LEFT = 16
RIGHT = WIDTH - 16 - BOX_WIDTH
LINE = 17
BOX_PAD = 10
GAP = 26
CHAR_WIDTH = 7.3
"""Width of a character at the picture's monospace size (12 px; DejaVu Sans Mono is 7.22 px)."""
CHARS = int((BOX_WIDTH - 2 * BOX_PAD) / CHAR_WIDTH)
"""Characters a box line holds."""
HASHES = ("klbl", "pkhh")
"""Hash attributes, shown by their first and last four bytes (whole in the tooltip and the findings)."""

SIDE_NAMES = {"cert": "the certificate", "keys": "the key", "none": "no column of the join (refused)"}


@dataclass
class _Box:
    entry: DumpItem
    x: int
    y: int = 0
    lines: list[tuple[str, str]] = field(default_factory=list)
    """(text, css class) of each line under the title."""

    @property
    def height(self) -> int:
        return BOX_PAD * 2 + LINE * (1 + len(self.lines))

    @property
    def middle(self) -> int:
        return self.y + self.height // 2


def identity_svg(dump: Dump, terms: Sequence[QueryTerm] = (), query_title: str = "identity query") -> str:
    """The SVG element (a string) for ``dump``'s certificates and keys, pairs and unpaired halves, with
    ``terms`` (an identity query's attributes) drawn on the half each one filters."""
    certificates = _ordered([p.certificate for p in dump.pairs], dump.by_class("cert"))
    keys = _ordered([p.key for p in dump.pairs], dump.by_class("keys"))
    queried = {side: {t.key for t in terms if t.side == side} for side in ("cert", "keys")}
    unpaired = {u.item.rowid: u for u in dump.unpaired}
    top = 40 + (_query_height(terms) + 40 if terms else 0)
    cert_boxes = _stack([_box(e, LEFT, queried["cert"], queried["keys"], unpaired) for e in certificates], top)
    key_boxes = _stack([_box(e, RIGHT, queried["keys"], queried["cert"], unpaired) for e in keys], top)
    by_row = {b.entry.rowid: b for b in (*cert_boxes, *key_boxes)}
    bottom = max([b.y + b.height for b in by_row.values()], default=top) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="identity-picture" width="{WIDTH}" height="{bottom}" '
        f'viewBox="0 0 {WIDTH} {bottom}" role="img" aria-label="identity formation">',
        _DEFS,
        _header("certificates (kSecClassCertificate)", LEFT, top - 12),
        _header("keys (kSecClassKey)", RIGHT, top - 12),
    ]
    if terms:
        parts.append(_query(terms, query_title, top))
    for pair in dump.pairs:
        parts.append(_pair_arrow(pair, by_row[pair.certificate.rowid], by_row[pair.key.rowid]))
    for half in dump.unpaired:
        for near in half.near:
            if near.item.rowid in by_row:
                parts.append(_near_line(by_row[half.item.rowid], by_row[near.item.rowid], near.why))
    parts += [_box_svg(b, unpaired) for b in (*cert_boxes, *key_boxes)]
    if not by_row:
        parts.append(_text(WIDTH // 2, top + 20, "no certificates or keys in the keychain", "empty", anchor="middle"))
    parts.append("</svg>")
    return "\n".join(parts)


def _ordered(first: list[DumpItem], every: tuple[DumpItem, ...]) -> list[DumpItem]:
    """Paired items in pair order (so a pair's boxes face each other), then the rest by row."""
    seen: dict[int, DumpItem] = {}
    for entry in [*first, *every]:
        seen.setdefault(entry.rowid, entry)
    return list(seen.values())


def _stack(boxes: list[_Box], top: int) -> list[_Box]:
    y = top
    for box in boxes:
        box.y = y
        y += box.height + GAP
    return boxes


def _box(entry: DumpItem, x: int, queried: set[str], elsewhere: set[str], unpaired: dict[int, Any]) -> _Box:
    """A box's lines: the attributes a reader needs, those the query filters on this half highlighted, and
    those the query names but filters on the other half marked as not read here (a label on the key)."""
    attrs = entry.attrs
    keys = ("labl", "pkhh", "agrp") if entry.item_class == "cert" else ("labl", "atag", "klbl", "agrp")
    box = _Box(entry, x)
    for key in dict.fromkeys([*keys, *sorted(queried & set(attrs)), *sorted(elsewhere & set(attrs))]):
        if key not in attrs and key not in queried:
            continue
        shown = _shown(entry.item_class, key, attrs[key]) if key in attrs else "<not set>"
        if key in queried:
            box.lines.append((f"{key} {shown}", "attr queried"))
        elif key in elsewhere:
            box.lines.append((f"{key} {shown}", "attr elsewhere"))
            other = "keys" if entry.item_class == "cert" else "cert"
            box.lines.append((f"↑ not read: {key} filters {SIDE_NAMES[other]}", "elsewhere-note"))
        else:
            box.lines.append((f"{key} {shown}", "attr"))
    if entry.item_class == "keys":
        box.lines.append((f"kcls {attrs.get('kcls', '-')} · priv {attrs.get('priv', '-')}", "attr"))
    for reason in entry.hidden:
        box.lines.append((f"hidden: {reason.code}", "hidden"))
    if entry.rowid in unpaired:
        box.lines.append((_unpaired_text(unpaired[entry.rowid]), "unpaired-note"))
    return box


def _shown(item_class: str, key: str, value: Any) -> str:
    return short_hash(value) if key in HASHES else display_value(item_class, key, value)


def _unpaired_text(half: Any) -> str:
    if half.kind == "certificate":
        return "✗ no private key has klbl = this pkhh"
    return "✗ no certificate has pkhh = this klbl"


def _title(entry: DumpItem) -> str:
    noun = "certificate" if entry.item_class == "cert" else key_noun(entry.attrs.get("kcls"))
    where = " · file-based keychain" if entry.keychain == "file" else ""
    return f"{noun} row {entry.rowid}{where}"


def _box_svg(box: _Box, unpaired: dict[int, Any]) -> str:
    entry = box.entry
    classes = ["item", "cert" if entry.item_class == "cert" else "key"]
    if entry.rowid in unpaired:
        classes.append("unpaired")
    if not entry.visible:
        classes.append("hidden-item")
    full = "\n".join([_title(entry), *(text for text, _ in box.lines)])
    out = [
        f'<g class="{" ".join(classes)}" data-class="{entry.item_class}" data-rowid="{entry.rowid}" '
        f'data-keychain="{escape(entry.keychain)}">',
        f"<title>{escape(full)}</title>",
        f'<rect x="{box.x}" y="{box.y}" width="{BOX_WIDTH}" height="{box.height}" rx="6" class="box"/>',
        _text(box.x + BOX_PAD, box.y + BOX_PAD + 12, _title(entry), "box-title"),
    ]
    if entry.rowid in unpaired:
        out.append(f'<rect x="{box.x + BOX_WIDTH - 86}" y="{box.y + 6}" width="78" height="18" rx="4" class="badge"/>')
        out.append(_text(box.x + BOX_WIDTH - 47, box.y + 19, "unpaired", "badge-text", anchor="middle"))
    for number, (text, css) in enumerate(box.lines, start=1):
        out.append(_text(box.x + BOX_PAD, box.y + BOX_PAD + 12 + number * LINE, _fit(text), css))
    out.append("</g>")
    return "\n".join(out)


def _pair_arrow(pair: Pair, cert: _Box, key: _Box) -> str:
    x1, y1 = cert.x + BOX_WIDTH, cert.middle
    x2, y2 = key.x, key.middle
    public = pair.key_is_public
    label = "✗ a public key: cannot sign" if public else "pkhh = klbl"
    classes = "pair public-key" if public else "pair"
    mid_x, mid_y = (x1 + x2) // 2, (y1 + y2) // 2
    return "\n".join(
        [
            f'<g class="{classes}" data-cert="{pair.certificate.rowid}" data-key="{pair.key.rowid}" '
            f'data-hash="{pair.hash.hex()}">',
            f"<title>{escape(f'certificate row {pair.certificate.rowid} pairs with key row {pair.key.rowid}: ')}"
            f"{escape(f'pkhh = klbl = {pair.hash.hex()}')}</title>",
            f'<line x1="{x1}" y1="{y1}" x2="{x2 - 4}" y2="{y2}" class="arrow" '
            f'marker-end="url(#{"bad-head" if public else "head"})"/>',
            _text(mid_x, mid_y - 8, label, "arrow-label", anchor="middle"),
            _text(mid_x, mid_y + 14, short_hash(pair.hash), "arrow-hash", anchor="middle"),
            "</g>",
        ]
    )


def _near_line(half: _Box, other: _Box, why: str) -> str:
    if half.x < other.x:
        x1, x2 = half.x + BOX_WIDTH, other.x
    else:
        x1, x2 = half.x, other.x + BOX_WIDTH
    y1, y2 = half.middle, other.middle
    return "\n".join(
        [
            f'<g class="near" data-from="{half.entry.rowid}" data-to="{other.entry.rowid}">',
            f"<title>{escape('shares the hash but does not pair: ' + why)}</title>",
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" class="near-line"/>',
            _text((x1 + x2) // 2, (y1 + y2) // 2 - 6, "same hash, no pair", "near-label", anchor="middle"),
            "</g>",
        ]
    )


def _query_height(terms: Sequence[QueryTerm]) -> int:
    return BOX_PAD * 2 + LINE * (1 + len(terms))


QUERY_CHARS = int((WIDTH - 2 * BOX_WIDTH - 2 * BOX_PAD) / CHAR_WIDTH) + 2 * CHARS // 3
"""The most a query line holds: the box may reach two thirds into each column's width."""


def _term_text(term: QueryTerm) -> str:
    """``key value → the half``: the value is what gets cut when the line is too long, never the half."""
    side = f" → {SIDE_NAMES[term.side]}"
    value = _fit(_shown("idnt", term.key, term.value), max(8, QUERY_CHARS - len(term.key) - 1 - len(side)))
    return f"{term.key} {value}{side}"


def _query(terms: Sequence[QueryTerm], title: str, top: int) -> str:
    texts = [_term_text(term) for term in terms]
    title = _fit(title, QUERY_CHARS)
    chars = max(len(text) for text in [title, *texts])
    width, height = int(chars * CHAR_WIDTH) + 2 * BOX_PAD + 4, _query_height(terms)
    x, y = (WIDTH - width) // 2, 12
    out = [
        '<g class="query">',
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="6" class="query-box"/>',
        _text(x + BOX_PAD, y + BOX_PAD + 12, title, "box-title"),
    ]
    for number, (term, text) in enumerate(zip(terms, texts, strict=True), start=1):
        line_y = y + BOX_PAD + 12 + number * LINE
        value = display_value("idnt", term.key, term.value)
        out.append(f'<g class="term" data-key="{escape(term.key)}" data-side="{escape(term.side)}">')
        out.append(f"<title>{escape(f'{term.key} = {value}: filters {SIDE_NAMES[term.side]}')}</title>")
        out.append(_text(x + BOX_PAD, line_y, text, "term-text"))
        if term.side in ("cert", "keys"):
            target = LEFT + BOX_WIDTH // 2 if term.side == "cert" else RIGHT + BOX_WIDTH // 2
            start = x if term.side == "cert" else x + width
            out.append(
                f'<path d="M {start} {line_y - 4} L {target} {line_y - 4} L {target} {top - 28}" '
                f'class="term-arrow" marker-end="url(#term-head)"/>'
            )
        out.append("</g>")
    out.append("</g>")
    return "\n".join(out)


def _header(text: str, x: int, y: int) -> str:
    return _text(x, y, text, "column-title")


def _text(x: int, y: int, text: str, css: str, anchor: str = "start") -> str:
    return f'<text x="{x}" y="{y}" class="{css}" text-anchor="{anchor}">{escape(text)}</text>'


def _fit(text: str, chars: int = CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


_DEFS = """<defs>
<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto">
<path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"/></marker>
<marker id="bad-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto">
<path d="M 0 0 L 10 5 L 0 10 z" class="bad-head"/></marker>
<marker id="term-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
<path d="M 0 0 L 10 5 L 0 10 z" class="term-head"/></marker>
</defs>"""
