"""Command functions for ``keychainsim enroll``, ``keychainsim mtls-check`` and ``keychainsim demo-mtls``.

Plain functions with typer annotations, using the CLI's global options and helpers
(:mod:`keychainsim.cli.state`); ``app`` registers them for mounting with ``app.add_typer(enroll_cli.app)``.
They parse, call :func:`keychainsim.enroll.enroll` / :func:`~keychainsim.enroll.mtls_check`, and print the
result; exit code 0 when the flow worked, 1 when a finding says it did not, 2 for an option value outside
its choices, 5 for malformed input.
Nothing heavy is imported at module level: ``keychainsim --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from keychainsim.cli.state import EXIT_INPUT, choice, emit_json, fail, guard, open_keychain, options, usage_error

app = typer.Typer(rich_markup_mode=None)
PANEL = "Enrollment and mTLS"


def _subject(text: str) -> dict[str, str]:
    """``CN=device-1,O=Example`` as the CSR's subject mapping."""
    subject: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            fail(f"--subject: {part!r} is not NAME=VALUE (e.g. CN=device-1,O=Example)", EXIT_INPUT)
        subject[name.strip().upper()] = value.strip()
    return subject


def _key_parameters(key_type: str, bits: int | None, tag: str) -> dict[str, Any]:
    from keychainsim.cli.key_options import key_type_and_bits
    from keychainsim.constants import (
        kSecAttrApplicationTag,
        kSecAttrIsPermanent,
        kSecAttrKeySizeInBits,
        kSecAttrKeyType,
        kSecPrivateKeyAttrs,
    )

    raw_type, size = key_type_and_bits("--key-type", key_type, bits)
    return {
        kSecAttrKeyType: raw_type,
        kSecAttrKeySizeInBits: size,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag.encode("utf-8")},
    }


def _print(result: Any, as_json: bool, trace: Any = None) -> None:
    if as_json:
        body = result.to_dict()
        if trace is not None:
            body["trace"] = trace.to_dict()
        emit_json(body)
        return
    typer.echo(str(result))
    if trace is not None:
        typer.echo("\ntrace:")
        typer.echo(trace.render("text"))


@app.command("enroll", rich_help_panel=PANEL)
def enroll_command(
    ctx: typer.Context,
    url: str = typer.Option(..., "--url", help="The registration endpoint (https; loopback unless --allow-remote)."),
    template: str = typer.Option("pem", "--template", help="pem, der, json, or a template file (JSON/YAML)."),
    token_env: str | None = typer.Option(
        None, "--token-env", metavar="VAR", help="Environment variable holding a bearer token."
    ),
    label: str = typer.Option("com.example.client-identity", "--label", help="kSecAttrLabel of the identity."),
    subject: str = typer.Option("O=keychainsim,CN=device-1", "--subject", help="The CSR's subject: NAME=VALUE,..."),
    key_type: str = typer.Option("ec", "--key-type", help="ec or rsa."),
    bits: int | None = typer.Option(None, "--bits", help="Key size in bits (default: 256 for ec, 2048 for rsa)."),
    tag: str = typer.Option("com.example.keychainsim.enrollment-key", "--tag", help="kSecAttrApplicationTag."),
    ca_file: str | None = typer.Option(
        None, "--ca-file", metavar="PATH", help="CA certificate(s) verifying the server (PEM)."
    ),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Permit a non-loopback endpoint."),
    show_trace: bool = typer.Option(False, "--trace", help="Print every Sec* call with the items after it."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a key, send its CSR, import the answer, look the identity up: as an app enrolls."""
    opts = options(ctx)
    with guard():
        from keychainsim.enroll import enroll
        from keychainsim.probe import trace

        names, key_params = _subject(subject), _key_parameters(key_type, bits, tag)  # checked before any call
        kc = open_keychain(opts)
        with trace(kc) as recorded:
            result = enroll(
                kc,
                url,
                template=template,
                token_env=token_env,
                label=label,
                subject=names,
                key_params=key_params,
                ca_file=ca_file,
                allow_remote=allow_remote,
            )
        _print(result, json_output or opts.json, recorded if show_trace else None)
    raise typer.Exit(result.exit_code)


def _stored_chain(kc: Any, certificate: Any) -> list[Any]:
    """The stored certificates that chain the identity's certificate up (what enrollment imported)."""
    from keychainsim.constants import kSecClass, kSecClassCertificate, kSecMatchLimit, kSecMatchLimitAll, kSecReturnRef
    from keychainsim.enroll import inspect

    status, stored = kc.SecItemCopyMatching(
        {kSecClass: kSecClassCertificate, kSecReturnRef: True, kSecMatchLimit: kSecMatchLimitAll}
    )
    if status != 0:
        return []
    parsed = [(c, inspect.load(c.der)) for c in stored]
    chain: list[Any] = []
    current = inspect.load(certificate.der)
    for _ in range(8):  # bounded: a chain longer than this is not an enrollment chain
        if current is None or current.issuer == current.subject:
            break
        issuer = next(
            (
                (c, p)
                for c, p in parsed
                if p is not None and p.subject == current.issuer and c not in chain and c != certificate
            ),
            None,
        )
        if issuer is None:
            break
        chain.append(issuer[0])
        current = issuer[1]
    return chain


def _read_cas(path: str) -> list[bytes]:
    from keychainsim.cli.state import read_input
    from keychainsim.crypto.pem import split_pem_bundle

    return split_pem_bundle(read_input(path), "CERTIFICATE", path).ders()


@app.command("mtls-check", rich_help_panel=PANEL)
def mtls_check_command(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="The mTLS endpoint (https; loopback unless --allow-remote)."),
    identity: str = typer.Option(..., "--identity", help="kSecAttrLabel of the identity to present."),
    ca_file: Annotated[
        list[str] | None,
        typer.Option(
            "--ca-file",
            metavar="PATH",
            help="CA certificates the app trusts (PEM); repeat. Default: the identity's stored chain.",
        ),
    ] = None,
    server_name: str | None = typer.Option(None, "--server-name", help="Host name to verify and send as SNI."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Permit a non-loopback endpoint."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Open a TLS connection presenting the identity; say whether the server accepted it, and why not."""
    opts = options(ctx)
    with guard():
        from keychainsim.enroll import identity_query, mtls_check
        from keychainsim.enroll.client import explain_quietly
        from keychainsim.enroll.network import check_url

        target = check_url(url, allow_remote=allow_remote)  # before the keychain is read: malformed input first
        kc = open_keychain(opts)
        query = identity_query(identity)
        status, found = kc.SecItemCopyMatching(query)
        if status != 0 or found is None:
            report = explain_quietly(kc, query, "SecItemCopyMatching")
            if json_output or opts.json:
                emit_json({"ok": False, "identity": identity, "explain": report.to_dict()})
            else:
                typer.echo(f"no identity labelled {identity!r}:\n{report}")
            raise typer.Exit(1)
        cas: list[Any] = (
            [der for path in ca_file for der in _read_cas(path)] if ca_file else _stored_chain(kc, found.certificate)
        )
        result = mtls_check(
            found, url, ca_certificates=cas, server_name=server_name, allow_remote=allow_remote, checked=target
        )
        _print(result, json_output or opts.json)
    raise typer.Exit(result.exit_code)


def _check_server_options(faults: list[str] | None, nginx: str) -> None:
    """--fault names and the --nginx choice, refused as usage errors before any server starts."""
    from keychainsim.servers.registration import parse_faults

    choice("--nginx", nginx, ("auto", "yes", "no"))
    try:
        parse_faults(faults or ())
    except ValueError as error:
        usage_error(f"--fault: {error}")


@app.command("demo-mtls", rich_help_panel=PANEL)
def demo_mtls_command(
    ctx: typer.Context,
    fault: Annotated[
        list[str] | None, typer.Option("--fault", metavar="NAME", help="A registration server fault; repeat.")
    ] = None,
    nginx: str = typer.Option("auto", "--nginx", help="auto (nginx if installed), yes, or no (the Python server)."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Start the reference servers on 127.0.0.1, enroll an in-memory keychain, and prove it with mTLS."""
    opts = options(ctx)
    _check_server_options(fault, nginx)
    with guard():
        from keychainsim.servers.demo import run_demo

        code = run_demo(faults=fault or (), nginx=nginx, as_json=json_output or opts.json, echo=typer.echo)
    raise typer.Exit(code)


@app.command("servers", rich_help_panel=PANEL)
def servers_command(
    ctx: typer.Context,
    fault: Annotated[
        list[str] | None, typer.Option("--fault", metavar="NAME", help="A registration server fault; repeat.")
    ] = None,
    nginx: str = typer.Option("auto", "--nginx", help="auto (nginx if installed), yes, or no (the Python server)."),
    token: str | None = typer.Option(
        None, "--token", metavar="TOKEN", help="Require this bearer token at the registration server."
    ),
    ca_file: str | None = typer.Option(
        None,
        "--ca-file",
        metavar="PATH",
        help="Write the servers' root CA here (and keep it); default: a temporary file removed at the end.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the URLs and the CA file as one JSON line."),
) -> None:
    """Run the reference registration server and an mTLS endpoint on 127.0.0.1 until Ctrl-C or SIGTERM,
    for testing your own client: it enrolls at the registration URL trusting the CA file, then presents
    the identity it formed to the mTLS endpoint."""
    opts = options(ctx)
    _check_server_options(fault, nginx)
    with guard():
        from keychainsim.servers.nginx import NginxNotFound
        from keychainsim.servers.reference import ReferenceServers
        from keychainsim.servers.running import serve_until_stopped

        servers = ReferenceServers(fault or (), nginx=nginx, token=token)
        try:
            serve_until_stopped(servers, ca_file, json_output or opts.json, echo=typer.echo)
        except NginxNotFound as error:
            usage_error(f"--nginx yes: {error}")
