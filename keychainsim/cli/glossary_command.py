"""``keychainsim glossary [NAME]``: what a short name, constant, value code, class, status or finding means."""

from __future__ import annotations

from typing import Annotated

import typer

from keychainsim.cli.state import EXIT_OK, EXIT_UNEXPECTED_STATUS, emit_json, fail, guard, options

app = typer.Typer(rich_markup_mode=None)
PANEL = "Learning"


@app.command(rich_help_panel=PANEL)
def glossary(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="A short name (labl), constant (kSecAttrLabel), value code (ak, 73), class (genp), "
            "status (errSecItemNotFound; a number as 25300 or -- -25300) or finding code.",
        ),
    ] = None,
    kind: str | None = typer.Option(
        None, "--kind", metavar="KIND", help="List only this kind (attribute, class, status, finding, ...)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Look a term up: its meaning, Apple's name and header, the classes that carry it, its uniqueness role.

    Without NAME, list every term. Exit 0 when found; 1 when NAME is unknown (with the closest names).
    """
    opts = options(ctx)
    with guard():
        from keychainsim.glossary import KINDS, all_terms, lookup, suggest
        from keychainsim.render.glossary import listing_lines, term_lines

        if kind is not None and kind not in KINDS:
            fail(f"--kind: unknown kind {kind!r}; one of: {', '.join(KINDS)}", 2)
        if name is None:
            terms = [t for t in all_terms() if kind is None or t.kind == kind]
        else:
            terms = [t for t in lookup(name) if kind is None or t.kind == kind]
        if not terms:
            close = suggest(name or "")
            hint = f"; did you mean {', '.join(close)}?" if close else "; `keychainsim glossary` lists every term"
            if json_output or opts.json:
                emit_json({"name": name, "terms": [], "suggestions": close})
            fail(f"glossary: no term {name!r}{hint}", EXIT_UNEXPECTED_STATUS)
        if json_output or opts.json:
            emit_json({"name": name, "terms": [t.to_dict() for t in terms]})
        elif name is None:
            for line in listing_lines(terms):
                typer.echo(line)
        else:
            for index, term in enumerate(terms):
                if index:
                    typer.echo("")
                for line in term_lines(term):
                    typer.echo(line)
    raise typer.Exit(EXIT_OK)
