"""Where the store lives when nobody says: the per-user default the command line falls back to."""

from __future__ import annotations

import os

STORE_ENV = "KEYCHAINSIM_STORE"
"""Environment variable naming the store file; the command line's ``--store`` overrides it."""


def default_store_path() -> str:
    """``$KEYCHAINSIM_STORE`` if set, else ``keychainsim/keychain.json`` under the XDG data directory.

    The XDG data directory is ``$XDG_DATA_HOME`` when set to an absolute path (the XDG spec says to
    ignore a relative one), else ``~/.local/share``. ``~`` in ``$KEYCHAINSIM_STORE`` is expanded, since
    a value set in a config file never passed through a shell.
    """
    explicit = os.environ.get(STORE_ENV)
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    data_home = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data_home):
        data_home = os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "keychainsim", "keychain.json")
