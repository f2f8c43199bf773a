"""An nginx mTLS endpoint in a temporary prefix: ``ssl_verify_client on``, as teams terminate mTLS.

Everything nginx needs lives in a private temporary directory: the configuration, the pid file, the
error log, the temp paths, and the server's certificate and key (0600). The global configuration under
/etc/nginx is never read (``-p`` and ``-c`` point into the prefix, ``-e`` sends startup errors there
too). nginx runs in the foreground (``daemon off``) as a child of this process, stopped by its own pid;
the server key is deleted as soon as nginx has loaded it, and the whole prefix when it stops.

nginx answers a rejected client certificate with HTTP 400 "The SSL certificate error" (or "No required
SSL certificate was sent"); the configuration adds ``X-Client-Verify: $ssl_client_verify`` to every
answer, so the client can read OpenSSL's reason (``FAILED:unable to get local issuer certificate``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from keychainsim.enroll.secrets import write_private_file
from keychainsim.servers.pki import ReferencePKI, ServerCertFault

TEMP_PREFIX = "keychainsim-nginx-"
START_TIMEOUT = 10.0
"""Seconds to wait for nginx to listen."""
STOP_TIMEOUT = 5.0
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
INSTALL_HINT = "install it with `apt-get install -y nginx` (Debian/Ubuntu), as .ci/run does"

CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen {host}:{port} ssl;
        server_name localhost;
        ssl_certificate {prefix}/server-chain.pem;
        ssl_certificate_key {prefix}/server-key.pem;
        ssl_client_certificate {prefix}/client-ca.pem;
        ssl_verify_client on;
        ssl_verify_depth {verify_depth};
        ssl_protocols TLSv1.2 TLSv1.3;
        add_header X-Client-Verify $ssl_client_verify always;
        location / {{
            default_type text/plain;
            return 200 "client subject: $ssl_client_s_dn\\n";
        }}
    }}
}}
"""


class NginxNotFound(RuntimeError):
    """No nginx binary on this machine."""


class NginxStartError(RuntimeError):
    """nginx did not start; the message carries its error log."""


def find_nginx() -> str | None:
    """The nginx binary: on PATH, else the usual sbin locations (often missing from a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in NGINX_CANDIDATES if os.access(c, os.X_OK)), None)


def free_loopback_port(host: str = "127.0.0.1") -> int:
    """A port free on ``host`` right now (the kernel's choice for port 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class NginxServer:
    """nginx requiring client certificates, on a free loopback port, in a temporary prefix.

    Args:
        pki: issues the server certificate; its root is the trusted client CA unless ``client_ca_pem``.
        client_ca_pem: ``ssl_client_certificate`` (default: the root only, so clients must send their
            intermediate, as with a public CA).
        server_cert_fault: a mistake in the server's certificate.
        verify_depth: ``ssl_verify_depth`` (2: leaf, intermediate, root).
        binary: the nginx binary (default: :func:`find_nginx`).

    Raises:
        NginxNotFound: (from :meth:`start`) no nginx binary.
        NginxStartError: (from :meth:`start`) nginx exited or did not listen in time.
    """

    def __init__(
        self,
        pki: ReferencePKI,
        *,
        client_ca_pem: bytes | None = None,
        server_cert_fault: ServerCertFault | str | None = None,
        verify_depth: int = 2,
        binary: str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        if host not in ("127.0.0.1", "::1"):
            raise ValueError(f"the nginx endpoint listens on 127.0.0.1 or ::1 only, not {host!r}")
        self.pki = pki
        self.client_ca_pem = client_ca_pem if client_ca_pem is not None else pki.root_pem
        self.server_cert_fault = server_cert_fault
        self.verify_depth = verify_depth
        self.binary = binary
        self.host = host
        self.port: int | None = None
        self.prefix: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("nginx is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}/"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def error_log(self) -> str:
        """nginx's error log so far (client verification errors are logged at info level)."""
        if self.prefix is None:
            return ""
        try:
            return (self.prefix / "error.log").read_text(errors="replace")
        except OSError:
            return ""

    def start(self) -> NginxServer:
        binary = self.binary or find_nginx()
        if binary is None:
            raise NginxNotFound(f"nginx is not installed; {INSTALL_HINT}")
        prefix = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        self.prefix = prefix
        try:
            self._write_files(prefix)
            self.port = free_loopback_port(self.host)
            config = CONFIG.format(
                prefix=prefix, host=_listen_host(self.host), port=self.port, verify_depth=self.verify_depth
            )
            (prefix / "nginx.conf").write_text(config)
            self._process = subprocess.Popen(
                [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self._wait_listening()
        except BaseException:
            self.stop()
            raise
        # nginx has read its key: it need not stay on disk.
        (prefix / "server-key.pem").unlink(missing_ok=True)
        return self

    def _write_files(self, prefix: Path) -> None:
        for sub in ("tmp",):
            (prefix / sub).mkdir(mode=0o700)
        credentials = self.pki.server_credentials(self.server_cert_fault)
        write_private_file(prefix / "server-chain.pem", credentials.chain_pem)
        write_private_file(prefix / "server-key.pem", credentials.key_pem)
        write_private_file(prefix / "client-ca.pem", self.client_ca_pem)

    def _wait_listening(self) -> None:
        assert self._process is not None and self.port is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                stderr = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                raise NginxStartError(f"nginx exited with {self._process.returncode}: {stderr}{self.error_log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise NginxStartError(
            f"nginx did not listen on {self.host}:{self.port} within {START_TIMEOUT} s: {self.error_log()}"
        )

    def stop(self) -> None:
        """Stop nginx (SIGTERM to the master we started, SIGKILL after a timeout) and remove the prefix."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT)
            if process.stderr is not None:
                process.stderr.close()
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
            self.prefix = None
        self.port = None

    def __enter__(self) -> NginxServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _listen_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def nginx_unavailable_reason() -> str | None:
    """Why the nginx tests cannot run here (None when nginx is installed)."""
    if find_nginx() is None:
        return f"nginx is not installed; {INSTALL_HINT}"
    return None
