"""load_dump: a keychain holding exactly the items of a dump, so a device's dump can be explained here.

A device dump says more than its items: where the device put an item added without an access group,
which classes it covers, and the identities the device itself formed. Loading checks the model against
that ground truth (the identity join) and keeps what it found as the keychain's :class:`DumpOrigin`,
which :func:`dump_origin` returns and dumps and explanations show. A disagreement is also raised as a
:class:`DumpDisagreement` warning, so a script that only calls ``load_dump`` hears of it.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from keychainsim.errors import InputError
from keychainsim.probe.document import LoadedDump, parse_document

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain
    from keychainsim.probe.device_identities import IdentityComparison


class DumpDisagreement(UserWarning):
    """The model, given a device dump's items, does not form the identities the device formed."""


@dataclass(frozen=True)
class DumpOrigin:
    """Where a loaded keychain came from, and what loading it found."""

    source: str
    """The file (or ``<dump text>``) the dump was read from."""
    description: str
    """The dump's own ``source`` text (the device probe writes the OS version)."""
    classes: tuple[str, ...]
    default_access_group: str | None
    identities: IdentityComparison | None
    """The device's identities against the model's; None when the dump does not carry them."""
    notes: tuple[str, ...] = ()
    """What loading changed or could not check, in sentences (e.g. the default group moved first)."""
    file_identities: IdentityComparison | None = None
    """The same in a Mac's file-based keychain; None when the dump did not read that keychain."""

    @property
    def identity_checks(self) -> tuple[IdentityComparison, ...]:
        """Every comparison the dump allows: the data protection keychain's, then the file-based one's."""
        return tuple(c for c in (self.identities, self.file_identities) if c is not None)


_ORIGINS: weakref.WeakKeyDictionary[Keychain, DumpOrigin] = weakref.WeakKeyDictionary()


def dump_origin(kc: Keychain) -> DumpOrigin | None:
    """What :func:`load_dump` recorded for ``kc``; None for a keychain that was not loaded from a dump."""
    return _ORIGINS.get(kc)


def load_dump(source: str | Path) -> Keychain:
    """An in-memory keychain with the platform, access groups, lock state and items of a dump.

    When the dump names the device's default access group, that group comes first in the keychain's
    entitlements (an add without kSecAttrAccessGroup goes where it went on the device). When it carries
    the device's identities, the model's answer to the same identity query is compared with them; each
    disagreement is warned about (:class:`DumpDisagreement`) and kept in :func:`dump_origin`.

    Args:
        source: the JSON text of a dump, or the path of a file holding one (a ``str`` that starts with
            ``{`` after leading whitespace is taken as text).

    Raises:
        InputError: naming the file (or ``<dump text>``) and what is wrong with it.
    """
    from keychainsim.keychain import DeviceContents, Keychain
    from keychainsim.store.state import DeviceState

    if isinstance(source, Path) or not source.lstrip().startswith("{"):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(str(path), f"cannot read the dump: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise InputError(str(path), f"not UTF-8 text: {error.reason} at byte {error.start}") from None
        name = str(path)
    else:
        text, name = source, "<dump text>"
    loaded = parse_document(text, name)
    groups, notes = _entitlements(loaded)
    kc = Keychain(platform=loaded.platform, access_groups=groups)
    device = DeviceState(loaded.device.unlocked, loaded.device.unlocked_since_boot, loaded.device.passcode_set)
    kc.restore_contents(DeviceContents(tuple(loaded.items), device))
    from keychainsim.probe.device_identities import compare

    comparisons: dict[str, IdentityComparison] = {}
    for keychain, device_identities in (("dp", loaded.device_identities), ("file", loaded.file_identities)):
        if device_identities is None:
            continue
        comparison = comparisons[keychain] = compare(kc, device_identities, keychain)
        for sentence in comparison.disagreements():
            warnings.warn(DumpDisagreement(f"{name}: {sentence}"), stacklevel=2)
    _ORIGINS[kc] = DumpOrigin(
        name,
        loaded.description,
        loaded.classes,
        loaded.default_access_group,
        comparisons.get("dp"),
        tuple(notes),
        comparisons.get("file"),
    )
    return kc


def _entitlements(loaded: LoadedDump) -> tuple[list[str], list[str]]:
    """The access groups in entitlement order, the device's measured default first, and what moved."""
    groups = list(loaded.access_groups)
    default = loaded.default_access_group
    if default is None or (groups and groups[0] == default):
        return groups, []
    if default in groups:
        groups.remove(default)
        note = f"the device put an item added without an access group in {default!r}, so it comes first"
    else:
        note = f"the device's default access group {default!r} was not among access_groups; it is added first"
    return [default, *groups], [note]
