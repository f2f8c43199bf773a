"""The probe package's public names (style-anchors rule 2): adding or dropping one is a decision."""

from __future__ import annotations

import pytest

import keychainsim.probe as probe


@pytest.mark.model
def test_all_lists_exactly_the_public_names():
    # pytest rewrites assertions in the installed plugin's package, adding "@py_builtins"-style names
    public = {name for name in dir(probe) if name.isidentifier() and not name.startswith("_")}
    submodules = {
        "device_identities",
        "document",
        "identity_query",
        "dumps",
        "jsontext",
        "load",
        "names",
        "snapshots",
        "summary",
        "traces",
        "values",
        "visibility",
    }
    assert sorted(probe.__all__) == probe.__all__
    assert set(probe.__all__) == public - submodules
    assert {"dump", "trace", "snapshot", "diff", "load_dump"} <= set(probe.__all__)
