"""Keys, certificates and identities: keygen, csr, import-cert, import-p12, identity.

Each does what an enrollment flow does on a device, with the step that usually goes wrong made
visible: the klbl of the stored key, the PEM -> DER decoding, the pkhh of the certificate and whether a
stored private key pairs with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from keychainsim.cli.state import (
    EXIT_OK,
    EXIT_UNEXPECTED_STATUS,
    emit_json,
    expected_status,
    fail,
    guard,
    open_keychain,
    options,
    read_input,
    status_exit,
    usage_error,
)

app = typer.Typer(rich_markup_mode=None)
PANEL = "Keys, certificates, identities"

JsonOption = typer.Option(False, "--json", help="Print JSON.")
TAG_HELP = "Application tag (kSecAttrApplicationTag): text, or a typed literal such as hex:0a0b."


def _tag(value: str | None) -> Any:
    from keychainsim.scenario.literals import typed_literal

    if value is None:
        return None
    literal = typed_literal(value)
    return literal.encode("utf-8") if isinstance(literal, str) else literal


@app.command(rich_help_panel=PANEL)
def keygen(
    ctx: typer.Context,
    key_type: str = typer.Option("ec", "--type", help="ec (P-192/224/256/384/521) or rsa (512-8192)."),
    bits: int | None = typer.Option(None, "--bits", help="Key size in bits (default: 256 for ec, 2048 for rsa)."),
    tag: str | None = typer.Option(None, "--tag", help=TAG_HELP),
    label: str | None = typer.Option(None, "--label", help="kSecAttrLabel of the private key."),
    permanent: bool = typer.Option(True, "--permanent/--ephemeral", help="kSecAttrIsPermanent on the private key."),
    json_output: bool = JsonOption,
) -> None:
    """SecKeyCreateRandomKey with the flags in kSecPrivateKeyAttrs (the private key alone is stored)."""
    from keychainsim.cli.key_options import key_type_and_bits

    opts = options(ctx)
    raw_type, size = key_type_and_bits("--type", key_type, bits)
    with guard():
        from keychainsim.cli.show import value_json

        private: dict[str, Any] = {"perm": permanent}
        if tag is not None:
            private["atag"] = _tag(tag)
        if label is not None:
            private["labl"] = label
        parameters = {"type": raw_type, "bsiz": size, "private": private}
        kc = open_keychain(opts)
        key, error = kc.SecKeyCreateRandomKey(parameters)
        body = {
            "call": "SecKeyCreateRandomKey",
            "key": value_json(key) if key is not None else None,
            "error": None if error is None else {"code": error.code, "description": error.description},
            "stored": permanent and key is not None,
        }
        if json_output or opts.json:
            emit_json(body)
        elif key is None:
            typer.echo(f"SecKeyCreateRandomKey failed: {error}")
        else:
            typer.echo(f"SecKeyCreateRandomKey: {key!r}")
            typer.echo(f"  klbl (kSecAttrApplicationLabel) = {key.application_label.hex()}")
            typer.echo("  stored in the keychain" if permanent else "  NOT stored (ephemeral): lookups give -25300")
    raise typer.Exit(EXIT_OK if key is not None else EXIT_UNEXPECTED_STATUS)


def _find_private_key(kc: Any, tag: Any, label: str | None) -> Any:
    """The one private key the tag (parsed) and label name; otherwise the lookup's outcome, as an unexpected
    status (1)."""
    query: dict[str, Any] = {"class": "keys", "kcls": "1", "r_Ref": True, "m_Limit": "m_LimitAll"}
    if tag is not None:
        query["atag"] = tag
    if label is not None:
        query["labl"] = label
    status, keys = kc.SecItemCopyMatching(query)
    if status != 0 or not keys:
        fail(f"--tag/--label: no private key found ({status}); run `keychainsim keygen` first", EXIT_UNEXPECTED_STATUS)
    if len(keys) > 1:
        fail(f"--tag/--label: {len(keys)} private keys match; narrow with --tag or --label", EXIT_UNEXPECTED_STATUS)
    return keys[0]


def _subject(text: str) -> dict[str, str]:
    from keychainsim.errors import InputError

    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise InputError("--subject", f"{part!r} is not NAME=VALUE (e.g. CN=device-1,O=Example)")
        out[name.strip().upper()] = value.strip()
    return out


@app.command(rich_help_panel=PANEL)
def csr(
    ctx: typer.Context,
    subject: str = typer.Option("CN=keychainsim device", "--subject", help="CN=...,O=...,OU=...,C=..."),
    tag: str | None = typer.Option(None, "--tag", help="Find the private key by application tag."),
    label: str | None = typer.Option(None, "--label", help="Find the private key by label."),
    out: Annotated[
        Path | None, typer.Option("--out", "-o", metavar="FILE", help="Write the CSR here (default: stdout).")
    ] = None,
    der: bool = typer.Option(False, "--der", help="Write DER instead of PEM."),
    json_output: bool = JsonOption,
) -> None:
    """A PKCS#10 CSR signed by a stored private key, built the way swift-certificates builds it."""
    opts = options(ctx)
    if der and out is None and not (json_output or opts.json):
        usage_error("--der writes binary DER: give --out FILE as well")
    with guard():
        from keychainsim.crypto.csr import CSRError, create_csr
        from keychainsim.crypto.pem import der_to_pem
        from keychainsim.errors import InputError

        names, tag_value = _subject(subject), _tag(tag)
        kc = open_keychain(opts)
        key = _find_private_key(kc, tag_value, label)
        try:
            request = create_csr(key, names)
        except CSRError as error:
            raise InputError("csr", str(error)) from None
        data = request if der else der_to_pem(request, "CERTIFICATE REQUEST").encode("ascii")
        if out is not None:
            out.write_bytes(data)
        body = {
            "klbl": {"hex": key.application_label.hex()},
            "subject": names,
            "out": str(out) if out else None,
            "format": "der" if der else "pem",
        }
        if json_output or opts.json:
            if out is None:
                body["csr"] = data.hex() if der else data.decode("ascii")
            emit_json(body)
        elif out is None:
            typer.echo(data.decode("ascii").rstrip("\n"))
        else:
            typer.echo(f"CSR for key klbl={key.application_label.hex()} written to {out}")


def _certificate_der(data: bytes, source: str, allow_text: bool) -> tuple[bytes, list[str]]:
    """DER from a PEM or DER file, with the decoding steps as lines the user sees."""
    from keychainsim.crypto.pem import parse_pem, pem_to_der
    from keychainsim.errors import InputError

    steps: list[str] = []
    if b"-----BEGIN" in data:
        bundle = parse_pem(data, source)
        steps.append(f"PEM: {len(bundle.blocks)} block(s): " + ", ".join(b.label for b in bundle.blocks))
        if bundle.outside_text:
            steps.append(f"PEM: text outside the blocks: {bundle.outside_text[0][:40]!r}")
        der = pem_to_der(data, "CERTIFICATE", source, allow_text_outside=allow_text)
        steps.append(f"PEM -> DER: base64 body decoded, {len(der)} bytes (SecCertificateCreateWithData takes DER)")
        return der, steps
    if not data.startswith(b"\x30"):
        raise InputError(source, "is neither PEM (no -----BEGIN line) nor DER (does not start with a SEQUENCE)")
    steps.append(f"DER: {len(data)} bytes")
    return data, steps


@app.command("import-cert", rich_help_panel=PANEL)
def import_cert(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="Certificate file, PEM or DER (- for stdin)."),
    label: str | None = typer.Option(None, "--label", help="kSecAttrLabel (default: the subject summary)."),
    access_group: str | None = typer.Option(None, "--group", help="kSecAttrAccessGroup for the certificate."),
    allow_text: bool = typer.Option(False, "--allow-text", help="Accept text around the PEM block."),
    expect: str | None = typer.Option(None, "--expect", metavar="STATUS", help="Status that counts as success."),
    json_output: bool = JsonOption,
) -> None:
    """PEM/DER -> SecCertificateCreateWithData -> SecItemAdd, then: does a stored private key pair with it?"""
    opts = options(ctx)
    with guard():
        from keychainsim.cli.show import status_json
        from keychainsim.crypto import SecCertificateCreateWithData
        from keychainsim.errors import InputError

        wanted = expected_status(expect)
        source = "stdin" if path == "-" else path
        der, steps = _certificate_der(read_input(path), source, allow_text)
        cert = SecCertificateCreateWithData(der)
        if cert is None:
            raise InputError(source, "SecCertificateCreateWithData returned NULL: the DER is not a certificate")
        steps.append(f"SecCertificateCreateWithData: {cert!r}")
        attributes: dict[str, Any] = {"class": "cert", "v_Ref": cert}
        if label is not None:
            attributes["labl"] = label
        if access_group is not None:
            attributes["agrp"] = access_group
        kc = open_keychain(opts)
        status, _ = kc.SecItemAdd(attributes)
        reason = kc.last_call.reason if kc.last_call is not None else ""
        pkhh = cert.public_key_hash
        pairs = kc.SecItemCopyMatching({"class": "keys", "kcls": "1", "klbl": pkhh})[0] == 0
    code = status_exit(status, wanted)
    if json_output or opts.json:
        emit_json(
            {
                "steps": steps,
                "status": status_json(status),
                "reason": reason,
                "pkhh": {"hex": pkhh.hex()},
                "private_key_pairs": pairs,
            }
        )
    else:
        for line in steps:
            typer.echo(line)
        typer.echo(f"SecItemAdd: {status}")
        if reason:
            typer.echo(f"  refused: {reason}")
        typer.echo(
            f"pkhh = {pkhh.hex()}: "
            + (
                "a stored private key has this klbl: the identity forms"
                if pairs
                else "no visible private key has this klbl: no identity (pitfalls C1, C2: keychainsim glossary C1)"
            )
        )
    raise typer.Exit(code)


@app.command("import-p12", rich_help_panel=PANEL)
def import_p12(
    ctx: typer.Context,
    path: str = typer.Argument(..., help="PKCS#12 file (- for stdin)."),
    passphrase: str = typer.Option("", "--passphrase", "-p", help="kSecImportExportPassphrase."),
    add: bool = typer.Option(False, "--add", help="Then SecItemAdd the identity (what iOS apps must do, C49)."),
    label: str | None = typer.Option(None, "--label", help="kSecAttrLabel for the added identity."),
    json_output: bool = JsonOption,
) -> None:
    """SecPKCS12Import (iOS: in memory only; macOS: also into the keychain), optionally adding the identity."""
    opts = options(ctx)
    with guard():
        from keychainsim.cli.show import status_json, value_json
        from keychainsim.errors import InputError
        from keychainsim.status import OSStatus

        data = read_input(path)
        kc = open_keychain(opts)
        importer = getattr(kc, "SecPKCS12Import", None)
        if importer is None:
            from keychainsim.errors import NotModeledError

            raise NotModeledError("SecPKCS12Import", "the command line", "the keychain's PKCS#12 import has not landed")
        status, items = importer(data, {"passphrase": passphrase})
        if status == OSStatus.errSecDecode:
            # p12_decodeErr: the data is not a PKCS#12 file keychainsim (or Security) can read.
            raise InputError("stdin" if path == "-" else path, f"is not a readable PKCS#12 file ({status})")
        added = None
        if status == 0 and add and items:
            identity = items[0].get("identity")
            attributes: dict[str, Any] = {"v_Ref": identity}
            if label is not None:
                attributes["labl"] = label
            added, _ = kc.SecItemAdd(attributes)
    if json_output or opts.json:
        emit_json(
            {
                "status": status_json(status),
                "items": value_json(items or []),
                "added": None if added is None else status_json(added),
            }
        )
    else:
        typer.echo(f"SecPKCS12Import: {status}")
        for entry in items or []:
            typer.echo(f"  identity: {entry.get('identity')!r}  label: {entry.get('label')!r}")
        if added is not None:
            typer.echo(f"SecItemAdd (identity): {added}")
        elif status == 0 and opts.platform == "ios":
            typer.echo(
                "  note: on iOS nothing was stored; --add stores the identity (pitfall C49: keychainsim glossary C49)"
            )
    failed = status != 0 or (added is not None and added != 0)
    raise typer.Exit(EXIT_UNEXPECTED_STATUS if failed else EXIT_OK)


@app.command(rich_help_panel=PANEL)
def identity(
    ctx: typer.Context,
    label: str | None = typer.Option(None, "--label", help="kSecAttrLabel (the certificate's label)."),
    tag: str | None = typer.Option(None, "--tag", help="kSecAttrApplicationTag (the key's tag)."),
    all_matches: bool = typer.Option(False, "--all", help="kSecMatchLimitAll instead of kSecMatchLimitOne."),
    expect: str | None = typer.Option(None, "--expect", metavar="STATUS", help="Status that counts as success."),
    json_output: bool = JsonOption,
) -> None:
    """The identity lookup of the enrollment flow, with the explanation: on failure why no pair forms, on
    success what is wrong with an identity that came back (a public key in place of the private one)."""
    opts = options(ctx)
    with guard():
        from keychainsim.cli.show import status_json, value_json
        from keychainsim.explain import explain as run_explain

        wanted = expected_status(expect)
        limit = "m_LimitAll" if all_matches else "m_LimitOne"
        query: dict[str, Any] = {"class": "idnt", "r_Ref": True, "m_Limit": limit}
        if label is not None:
            query["labl"] = label
        if tag is not None:
            query["atag"] = _tag(tag)
        kc = open_keychain(opts)
        status, result = kc.SecItemCopyMatching(query)
        report = run_explain(kc, query)
        if status == 0 and not report.findings:
            report = None  # a good identity: nothing to explain
    code = status_exit(status, wanted)
    rows = result if isinstance(result, list) else ([result] if result is not None else [])
    if json_output or opts.json:
        emit_json(
            {
                "status": status_json(status),
                "identities": value_json(rows),
                "explanation": report.to_dict() if report is not None else None,
            }
        )
    else:
        typer.echo(f"SecItemCopyMatching (kSecClassIdentity): {status}")
        for ident in rows:
            cert, key = ident.certificate, ident.private_key
            same = "✓" if cert.public_key_hash == key.application_label else "✗"
            typer.echo(f"identity -> certificate {cert!r}")
            typer.echo(f"         -> key {key!r}  (pkhh == klbl {same})")
        if report is not None:
            from keychainsim.cli.terminal import show
            from keychainsim.render.story import explanation_lines, explanation_text

            text = explanation_text(report)
            if status == 0:
                text = "warning: the lookup succeeded, but the identity it returned is not usable:\n" + text
            show(explanation_lines(text), err=True)
    raise typer.Exit(code)
