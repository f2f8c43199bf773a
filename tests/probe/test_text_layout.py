"""Text dumps are laid out without rich's per-segment work; the text must be what rich writes for the same
renderable (wrapping with a hanging indent, double-width characters, control characters, narrow widths)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keychainsim.constants import *
from keychainsim.probe.dumps import Dump
from keychainsim.render.console import fixed_console, render_text
from keychainsim.render.dump import DumpView
from keychainsim.render.lines import Lines

from ._keychains import OTHER, add, certificate, keychain, private_key


def through_rich(renderable: object, width: int) -> str:
    console = fixed_console(width)
    console.print(renderable)
    text = console.file.getvalue()
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


spans = st.lists(
    st.text(alphabet=st.sampled_from("abc xyz-·✓漢字\t"), max_size=60) | st.sampled_from(["", "  ", "row 12 · dp · "]),
    min_size=1,
    max_size=5,
)


@pytest.mark.model
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(spans, st.integers(0, 40)), min_size=1, max_size=6), st.integers(5, 90))
def test_lines_are_laid_out_as_rich_lays_them_out(content, width):
    lines = Lines()
    for texts, hang in content:
        lines.add(*texts, hang=hang)
    assert render_text(lines, width) == through_rich(lines, width)


@pytest.mark.model
@pytest.mark.parametrize("width", [30, 60, 100, 160])
def test_a_dump_reads_as_rich_renders_it(width):
    kc = keychain()
    add(
        kc,
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "a long account name " * 6,
            kSecAttrLabel: "漢字のラベル · wide characters",
            kSecAttrGeneric: b"\x00" * 40,
        },
    )
    add(kc, {**private_key(), kSecAttrApplicationTag: b"com.example.key"})
    add(kc, certificate())
    add(kc.with_entitlements([OTHER]), {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "hidden"})
    view = DumpView(Dump.of(kc))
    assert render_text(view, width) == through_rich(view, width)
