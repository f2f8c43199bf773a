"""How ``--help`` reads: rich panels (the commands grouped by ``rich_help_panel``, options in a table),
paragraphs reflowed to the width, and option values named by placeholders a person types (``PATH``,
``NAME=VALUE``), not Python types (``<str>``, ``<list[str]>``), with nothing after a flag.

Usage errors stay one plain line (``Error: No such option: --x``): only help is drawn with rich.
Help text is read as Markdown, which reflows a docstring's lines into paragraphs (and would format
``*emphasis*``: help texts do not use it).

An option that states its ``metavar`` keeps it. Every other one is given one here, once, when the
application is assembled: a flag (a ``bool``) none, a value option its long name in capitals
(``--label`` reads ``--label LABEL``), an argument its parameter name in capitals. Options declared
inside ``Annotated[...]`` in a module with postponed annotations are rebuilt from their text each time
typer reads them, so those state their ``metavar`` where they are declared. ``--help`` itself, which
typer adds to every command, is a flag too (:class:`HelpGroup`).
"""

from __future__ import annotations

import inspect
import os
import types
import typing
from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup
from typer.models import OptionInfo, ParameterInfo


def name_placeholders(app: typer.Typer) -> None:
    """Give every option and argument of ``app`` (and the groups merged into it) a placeholder."""
    for callback in _callbacks(app):
        hints = typing.get_type_hints(callback, include_extras=True)
        for name, parameter in inspect.signature(callback).parameters.items():
            info = _info(parameter.default, hints.get(name))
            if info is None or info.metavar is not None:
                continue
            info.metavar = _placeholder(name, info, hints.get(name))


def _callbacks(app: typer.Typer) -> Iterator[Any]:
    if app.registered_callback is not None and app.registered_callback.callback is not None:
        yield app.registered_callback.callback
    for command in app.registered_commands:
        if command.callback is not None:
            yield command.callback
    for group in app.registered_groups:
        if group.typer_instance is not None:
            yield from _callbacks(group.typer_instance)


def _info(default: Any, hint: Any) -> ParameterInfo | None:
    """The typer.Option / typer.Argument of a parameter: its default, or inside ``Annotated[...]``."""
    if isinstance(default, ParameterInfo):
        return default
    if typing.get_origin(hint) is typing.Annotated:
        return next((m for m in typing.get_args(hint)[1:] if isinstance(m, ParameterInfo)), None)
    return None


def _placeholder(name: str, info: ParameterInfo, hint: Any) -> str:
    if _value_type(hint) is bool:
        return ""  # a flag: it takes no value
    longs = [d for d in info.param_decls or () if d.startswith("--")] if isinstance(info, OptionInfo) else []
    return longs[0].lstrip("-").split("/")[0].upper() if longs else name.upper()


def _value_type(hint: Any) -> Any:
    """``bool`` for ``bool``, ``Annotated[bool, ...]``, ``bool | None`` ... (the value a flag stands for)."""
    while True:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            hint = typing.get_args(hint)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if len(args) != 1:
                return hint
            hint = args[0]
        else:
            return hint


HELP_MARKUP = "markdown"


class HelpGroup(TyperGroup):
    """The root command. Built with ``rich_markup_mode=None`` so that usage errors are plain lines, it
    draws its own help, and that of every command under it, with rich (see the module docstring)."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a reader that went away (``| head``) ends it quietly, from whichever command
        and whether or not the write was inside :func:`keychainsim.cli.state.guard`."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            from keychainsim.cli.state import end_on_closed_pipe

            end_on_closed_pipe()

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.rich_markup_mode = HELP_MARKUP
        _help_console_follows_the_terminal_rules()
        super().format_help(ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _flag(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.rich_markup_mode = HELP_MARKUP  # read by its format_help only; errors go through the root
            if not isinstance(command.format_help, _QuietHelp):
                command.format_help = _QuietHelp(command.format_help)
            _flag(command.get_help_option(ctx))
            for parameter in command.params:
                if not isinstance(parameter, TyperArgument):
                    continue
                # the placeholder names an argument: a type column beside it (<str>) says nothing more
                if hasattr(parameter, "display_type_rich"):
                    parameter.display_type_rich = _no_type  # typer 0.29, in an environment set up before the pin
                elif not isinstance(parameter.type, _Unnamed):
                    parameter.type = _Unnamed(parameter.type)
        return command


class _QuietHelp:
    """A command's ``format_help`` that first makes help's console end quietly on a closed pipe."""

    def __init__(self, format_help: Any) -> None:
        self.format_help = format_help

    def __call__(self, ctx: Any, formatter: Any) -> None:
        _help_console_follows_the_terminal_rules()
        self.format_help(ctx, formatter)


def _help_console_follows_the_terminal_rules() -> None:
    """Help is drawn by typer on a rich console of its own; make it follow :mod:`keychainsim.cli.terminal`'s
    rules: ``NO_COLOR`` removes every escape sequence, bold and dim included (rich alone keeps them), and a
    closed pipe (``--help | head``), on which rich would exit 1, ends as every command does
    (:func:`keychainsim.cli.state.end_on_closed_pipe`). Only help calls this, and help imports rich anyway."""
    from rich.console import Console
    from typer import rich_utils

    from keychainsim.cli.terminal import closed_pipe

    Console.on_broken_pipe = staticmethod(closed_pipe)  # type: ignore[method-assign,assignment]
    if os.environ.get("NO_COLOR", "") != "":
        rich_utils.COLOR_SYSTEM = None


def _flag(option: Any) -> Any:
    if option is not None and option.metavar is None:
        option.metavar = ""
    return option


class _Unnamed:
    """An argument's type, converting and completing as it does, with no name for help to print.

    typer 0.28's help prints an argument's type beside its placeholder (``NAME  <str>``) unless the type
    names itself with an empty metavar; wrapping the type changes that and nothing else.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # name, convert, arity, shell_complete ...: the argument's own

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner(*args, **kwargs)

    def get_metavar(self, param: Any, ctx: Any) -> str:
        return ""


def _no_type(ctx: Any) -> None:
    return None
