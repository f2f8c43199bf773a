"""Hand a certificate chain and a private key to Python's ssl module without leaving them on disk.

``ssl.SSLContext.load_cert_chain`` reads only files. On Linux the files are anonymous memory
(``memfd_create``), opened by OpenSSL through ``/proc/self/fd/N``: nothing ever reaches a file system.
Elsewhere they are written 0600 into a private (0700) temporary directory and removed, directory and
all, when the block ends, also on an exception.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = "keychainsim-tls-"
"""Prefix of the temporary directory used where anonymous memory files are not available."""


def _memfd_available() -> bool:
    return hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir()


@contextmanager
def credential_files(certificate_chain_pem: bytes, private_key_pem: bytes) -> Iterator[tuple[str, str]]:
    """``(certfile, keyfile)`` paths readable by this process only, valid inside the block.

    Args:
        certificate_chain_pem: the leaf first, then the intermediates, as PEM.
        private_key_pem: the private key as unencrypted PKCS#8 PEM.
    """
    if _memfd_available():
        fds: list[int] = []
        try:
            paths = []
            for name, data in (("certificate", certificate_chain_pem), ("key", private_key_pem)):
                fd = os.memfd_create(f"keychainsim-{name}", os.MFD_CLOEXEC)
                fds.append(fd)
                os.write(fd, data)
                paths.append(f"/proc/self/fd/{fd}")
            yield paths[0], paths[1]
        finally:
            for fd in fds:
                os.close(fd)
        return
    directory = tempfile.mkdtemp(prefix=TEMP_PREFIX)  # mode 0700
    try:
        paths = []
        for name, data in (("certificate.pem", certificate_chain_pem), ("key.pem", private_key_pem)):
            path = os.path.join(directory, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            paths.append(path)
        yield paths[0], paths[1]
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_private_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data`` (for files a server process must read)."""
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
