"""load_dump: a keychain holding exactly the items of a dump, so a device's dump can be explained here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from keychainsim.errors import InputError
from keychainsim.probe import engine_state
from keychainsim.probe.document import parse_document

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain


def load_dump(source: str | Path) -> Keychain:
    """An in-memory keychain with the platform, access groups, lock state and items of a dump.

    Args:
        source: the JSON text of a dump, or the path of a file holding one (a ``str`` that starts with
            ``{`` after leading whitespace is taken as text).

    Raises:
        InputError: naming the file (or ``<dump text>``) and what is wrong with it.
    """
    from keychainsim.keychain import Keychain

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
    kc = Keychain(platform=loaded.platform, access_groups=list(loaded.access_groups))
    engine_state.restore(kc, loaded.items, loaded.device)
    return kc
