"""snapshot(kc) and diff(a, b): immutable item sets and exactly what changed between them."""

from __future__ import annotations

import dataclasses
import json

import pytest

from keychainsim.constants import *
from keychainsim.probe import Diff, diff, snapshot

from ._keychains import add, keychain


def genp(account, **extra):
    return {kSecClass: kSecClassGenericPassword, kSecAttrAccount: account, **extra}


@pytest.mark.model
def test_snapshot_is_immutable_and_keyed_by_keychain_class_rowid():
    kc = keychain()
    add(kc, genp("a"))
    taken = snapshot(kc)
    assert taken.keys() == (("dp", "genp", 1),)
    assert taken.get(("dp", "genp", 1)).attrs["acct"] == "a"
    assert ("dp", "genp", 1) in taken and ("dp", "keys", 1) not in taken
    with pytest.raises(dataclasses.FrozenInstanceError):
        taken.items = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        taken.get(("dp", "genp", 1)).attrs["acct"] = "b"  # type: ignore[index]
    kc.SecItemUpdate(genp("a"), {kSecAttrLabel: "changed"})
    kc.SecItemDelete(genp("a"))
    assert taken.get(("dp", "genp", 1)).attrs.get("labl") is None and len(taken) == 1


@pytest.mark.model
def test_added_removed_and_changed_with_old_and_new_values():
    kc = keychain()
    add(kc, genp("stays"))
    add(kc, genp("goes"))
    add(kc, genp("changes", **{kSecAttrLabel: "old"}))
    before = snapshot(kc)
    kc.SecItemDelete(genp("goes"))
    kc.SecItemUpdate(genp("changes"), {kSecAttrLabel: "new", kSecAttrComment: "added"})
    add(kc, genp("new"))
    after = snapshot(kc)
    change = diff(before, after)
    assert [i.attrs["acct"] for i in change.added] == ["new"]
    assert [i.attrs["acct"] for i in change.removed] == ["goes"]
    (changed,) = change.changed
    assert changed.key == ("dp", "genp", 3)
    assert changed.attributes["labl"] == ("old", "new")
    assert changed.attributes["icmt"] == (None, "added")
    assert set(changed.attributes) == {"labl", "icmt", "mdat", "sha1"}
    assert bool(change) and not diff(after, after) and diff(after, after) == Diff()


@pytest.mark.model
def test_a_change_of_type_is_a_change():
    """ "tag" and b"tag" match the same query but are different stored values: a diff must show it."""
    kc = keychain()
    add(kc, genp("a", **{kSecAttrLabel: "tag"}))
    before = snapshot(kc)
    kc.SecItemUpdate(genp("a"), {kSecAttrLabel: b"tag"})
    (changed,) = diff(before, snapshot(kc)).changed
    assert changed.attributes["labl"] == ("tag", b"tag")
    text = diff(before, snapshot(kc)).render()
    assert 'labl  kSecAttrLabel             "tag" → data "tag"' in text


@pytest.mark.model
def test_diff_json_and_text_never_show_secrets():
    kc = keychain()
    before = snapshot(kc)
    add(kc, genp("a", **{kSecValueData: b"hunter2"}))
    middle = snapshot(kc)
    kc.SecItemUpdate(genp("a"), {kSecValueData: b"swordfish"})
    for change in (diff(before, middle), diff(middle, snapshot(kc))):
        text = change.render() + change.render(format="json")
        assert "hunter2" not in text and "swordfish" not in text
        assert b"hunter2".hex() not in text and b"swordfish".hex() not in text
    document = json.loads(diff(middle, snapshot(kc)).render(format="json"))
    (changed,) = document["changed"]
    assert changed["attributes"]["v_Data"]["old"] == {
        "length": 7,
        "name": "kSecValueData",
        "sha1_prefix": "f3bbbd66",
        "type": "secret",
    }
    assert changed["attributes"]["v_Data"]["new"]["length"] == 9
    assert (changed["class"], changed["keychain"], changed["rowid"]) == ("genp", "dp", 1)
