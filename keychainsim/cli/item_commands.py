"""SecItem commands: add, find, update, delete, explain — one call each, on the persistent store."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from keychainsim.cli.call_report import CallReport, copy_matching
from keychainsim.cli.state import (
    EXIT_OK,
    emit_json,
    expected_status,
    guard,
    load_device_dump,
    open_keychain,
    options,
    usage_error,
)

app = typer.Typer(rich_markup_mode=None)
PANEL = "SecItem calls"

FILE_HELP = "JSON or YAML file with the dictionary (constant names as keys); - reads stdin."
ATTR_HELP = "NAME=VALUE entry (kSecAttrLabel=device, kSecAttrApplicationTag=utf8:tag, kSecAttrPort=int:443); repeat."
EXPECT_HELP = "Status that counts as success for the exit code (name or number), e.g. errSecItemNotFound."

FileOption = typer.Option(None, "--file", "-f", metavar="PATH", help=FILE_HELP)
AttrOption = typer.Option(None, "--attr", "-a", metavar="NAME=VALUE", help=ATTR_HELP)
ExpectOption = typer.Option(None, "--expect", metavar="STATUS", help=EXPECT_HELP)
JsonOption = typer.Option(False, "--json", help="Print JSON.")


def _report_call(ctx: typer.Context, report: CallReport, json_output: bool) -> None:
    """Print the report (styled on a terminal; JSON with --json), the hint line when the call failed
    unexpectedly, and exit with the report's code."""
    if json_output or options(ctx).json:
        emit_json(report.json_body())
    else:
        from keychainsim.cli.terminal import show
        from keychainsim.render.story import explanation_lines

        show(explanation_lines(report.text()))
        hint = report.hint()
        if hint is not None:
            typer.echo(hint, err=True)
    raise typer.Exit(report.code)


@app.command(rich_help_panel=PANEL)
def add(
    ctx: typer.Context,
    file: str | None = FileOption,
    attr: list[str] | None = AttrOption,
    expect: str | None = ExpectOption,
    json_output: bool = JsonOption,
) -> None:
    """SecItemAdd the dictionary."""
    from keychainsim.cli.query import build_dictionary

    with guard():
        wanted = expected_status(expect)
        attributes = build_dictionary(file, attr, "attributes", options(ctx).allow_file_outside)
        kc = open_keychain(options(ctx))
        status, result = kc.SecItemAdd(attributes)
        report = CallReport.of(kc, "SecItemAdd", status, wanted, result)
    _report_call(ctx, report, json_output)


@app.command(rich_help_panel=PANEL)
def find(
    ctx: typer.Context,
    file: str | None = FileOption,
    attr: list[str] | None = AttrOption,
    all_matches: bool = typer.Option(False, "--all", help="Add kSecMatchLimit: kSecMatchLimitAll."),
    raw: bool = typer.Option(False, "--raw", help="Send the query as given (no kSecReturnAttributes added)."),
    expect: str | None = ExpectOption,
    json_output: bool = JsonOption,
) -> None:
    """SecItemCopyMatching; adds kSecReturnAttributes: true when the query asks for no result (unless --raw).

    The console script answers a plain ``find`` command line without typer (:mod:`.lean_find`), through
    the same :func:`~keychainsim.cli.call_report.copy_matching` and report; anything unusual, and every
    failure, comes here."""
    with guard():
        report = copy_matching(options(ctx), file, attr, all_matches, raw, expect)
    _report_call(ctx, report, json_output)


@app.command(rich_help_panel=PANEL)
def update(
    ctx: typer.Context,
    file: str | None = FileOption,
    attr: list[str] | None = AttrOption,
    changes_file: str | None = typer.Option(
        None, "--changes", metavar="PATH", help="JSON/YAML file with the attributes to update."
    ),
    set_attr: Annotated[
        list[str] | None, typer.Option("--set", metavar="NAME=VALUE", help="NAME=VALUE to update; repeat.")
    ] = None,
    expect: str | None = ExpectOption,
    json_output: bool = JsonOption,
) -> None:
    """SecItemUpdate every item the query matches with the --set / --changes attributes."""
    from keychainsim.cli.query import build_dictionary

    with guard():
        wanted = expected_status(expect)
        query = build_dictionary(file, attr, allow_file_outside=options(ctx).allow_file_outside)
        changes = build_dictionary(changes_file, set_attr, "attributes to update", options(ctx).allow_file_outside)
        kc = open_keychain(options(ctx))
        status = kc.SecItemUpdate(query, changes)
        report = CallReport.of(kc, "SecItemUpdate", status, wanted)
    _report_call(ctx, report, json_output)


@app.command(rich_help_panel=PANEL)
def delete(
    ctx: typer.Context,
    file: str | None = FileOption,
    attr: list[str] | None = AttrOption,
    expect: str | None = ExpectOption,
    json_output: bool = JsonOption,
) -> None:
    """SecItemDelete every item the query matches (there is no limit for delete)."""
    from keychainsim.cli.query import build_dictionary

    with guard():
        wanted = expected_status(expect)
        query = build_dictionary(file, attr, allow_file_outside=options(ctx).allow_file_outside)
        kc = open_keychain(options(ctx))
        before = len(kc.all_items())
        status = kc.SecItemDelete(query)
        removed = before - len(kc.all_items())
        report = CallReport.of(kc, "SecItemDelete", status, wanted, extra=[f"  items removed: {removed}"])
    _report_call(ctx, report, json_output)


@app.command(rich_help_panel=PANEL)
def explain(
    ctx: typer.Context,
    file: str | None = FileOption,
    attr: list[str] | None = AttrOption,
    as_add: bool = typer.Option(False, "--add", help="Explain the dictionary as a SecItemAdd (errSecDuplicateItem)."),
    as_delete: bool = typer.Option(False, "--delete", help="Explain the dictionary as a SecItemDelete query."),
    changes_file: str | None = typer.Option(
        None,
        "--changes",
        metavar="PATH",
        help="Explain a SecItemUpdate with the attributes to update in this JSON/YAML file.",
    ),
    set_attr: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="NAME=VALUE", help="Explain a SecItemUpdate setting NAME=VALUE; repeat."),
    ] = None,
    codes: bool = typer.Option(
        False, "--codes", help="List every finding code, its meaning and an example scenario, then exit."
    ),
    dump_file: str | None = typer.Option(
        None,
        "--dump",
        metavar="FILE",
        help="Explain against a device dump (KeychainDump.swift) instead of the store; without a query, check "
        "every certificate's identity and the device's identities against the model's (exit 1 if they differ).",
    ),
    json_output: bool = JsonOption,
    html: str | None = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write a self-contained HTML page: the call, its status, findings with evidence, near "
        "misses, and a picture of how identities form.",
    ),
) -> None:
    """Why a call returns what it returns: status, matches, near misses and findings with evidence. The
    dictionary is a SecItemCopyMatching query unless --add, --delete or --set/--changes (an update) say
    otherwise; writes are replayed on a copy, so explaining changes nothing."""
    opts = options(ctx)
    updating = bool(set_attr) or changes_file is not None
    if sum((as_add, as_delete, updating)) > 1:
        usage_error("--add, --delete and --set/--changes name different calls: give one")
    call = "SecItemAdd" if as_add else "SecItemDelete" if as_delete else "SecItemUpdate" if updating else None
    if codes:
        with guard():
            from keychainsim.glossary.codes import finding_codes

            listed = finding_codes()
            if json_output or opts.json:
                emit_json({c.code: c.to_dict() for c in listed})
            else:
                for c in listed:
                    severity = f" ({c.severity})" if c.severity and c.severity != "error" else ""
                    typer.echo(f"{c.code}{severity}")
                    typer.echo(f"    {c.meaning}")
                    typer.echo(
                        f"    example: keychainsim run {c.example}"
                        if c.example
                        else "    no example: " + c.to_dict()["no_example"]
                    )
        return
    from keychainsim.cli.query import build_dictionary

    if html is not None and file is None and not attr:
        usage_error("--html writes the explanation of one call: give its dictionary with --file or --attr")
    with guard():
        from keychainsim.cli.html_report import check_writable
        from keychainsim.explain import explain as run_explain

        report_path = check_writable(html) if html is not None else None
        if dump_file is not None:
            kc, origin = load_device_dump(dump_file, opts.access_groups)
            if file is None and not attr:
                _check_dump_identities(kc, origin, json_output or opts.json)
                return
        outside = options(ctx).allow_file_outside
        query = build_dictionary(file, attr, allow_file_outside=outside)
        changes = build_dictionary(changes_file, set_attr, "attributes to update", outside) if updating else None
        if dump_file is None:
            kc = open_keychain(opts)
        report = run_explain(kc, query, call=call or "SecItemCopyMatching", attributes_to_update=changes)
        if report_path is not None:
            from keychainsim.cli.html_report import explain_report, write_page

            source = f"device dump {dump_file}" if dump_file is not None else f"store {opts.store_path}"
            write_page(report_path, explain_report(kc, report, source))
            typer.echo(f"HTML report: {report_path}", err=True)
        if json_output or opts.json:
            emit_json(report.to_dict())
        else:
            from keychainsim.cli.terminal import show
            from keychainsim.explain.report import row_label
            from keychainsim.render.story import explanation_lines, explanation_text

            near = [f"  near miss {row_label(n.row)}: {n.describe()}" for n in report.near_misses[:10]]
            show(explanation_lines(explanation_text(report, near)))


def _check_dump_identities(kc: Any, origin: Any, as_json: bool) -> None:
    """Each leaf certificate's identity lookup explained, and the device's identities against the model's
    (in each keychain the dump read: a Mac's file-based keychain forms its own)."""
    from keychainsim.explain.certificates import certificate_identities

    comparisons = origin.identity_checks
    checks = certificate_identities(kc)
    disagrees = any(not comparison.agrees for comparison in comparisons)
    if as_json:
        file_check = origin.file_identities
        emit_json(
            {
                "certificates": [
                    {
                        "rowid": c.rowid,
                        "label": c.label,
                        "ca": c.is_ca,
                        "report": None if c.report is None else c.report.to_dict(),
                    }
                    for c in checks
                ],
                "identity_check": None if origin.identities is None else origin.identities.to_dict(),
                **({"file_identity_check": file_check.to_dict()} if file_check is not None else {}),
                "source": origin.source,
            }
        )
        raise typer.Exit(1 if disagrees else EXIT_OK)
    if not checks:
        typer.echo("no certificates in the dump: no identity to explain")
    for check in checks:
        named = f"label {check.label!r}" if check.label else "no label (looked up by its pkhh)"
        if check.report is None:
            typer.echo(f"certificate row {check.rowid}, {named}: a CA certificate (no identity expected)")
            continue
        typer.echo(f"certificate row {check.rowid}, {named}: identity lookup {check.report.status}")
        for finding in check.report.findings:
            typer.echo(f"  {finding.code}: {finding.message}")
    if not comparisons:
        typer.echo("the dump does not carry the device's identities (an older KeychainDump.swift): nothing to compare")
    for comparison in comparisons:
        where = comparison.in_keychain
        if comparison.agrees:
            count = len(comparison.device.identities)
            typer.echo(f"the model agrees with the device{where}: {count} identit{'y' if count == 1 else 'ies'}")
        else:
            problem = "a fidelity problem in keychainsim; please report it"
            typer.echo(f"the model disagrees with the device{where} ({problem}):")
            for sentence in comparison.disagreements():
                typer.echo(f"  {sentence}")
    raise typer.Exit(1 if disagrees else EXIT_OK)
