"""YAML read into plain Python values that remember their line numbers.

A scenario error must name the file and the line (issue 5); PyYAML's composed nodes carry start marks,
so the document is built from the node tree: mappings become :class:`LineDict`, sequences
:class:`LineList`, both knowing the line of every entry. Scalars are resolved by PyYAML's safe rules
(``true``, ``12``, ``null``, dates), and duplicate keys are refused, since PyYAML would keep the last
one silently.

Scenario and query files are shared between people, so reading one is bounded: the values the document
expands to are counted (an alias each time it is used) before any is built, nesting is limited, tags other than YAML's
standard ones are refused, and every reader or parser error becomes a :class:`ScenarioError` with the line.
"""

from __future__ import annotations

from typing import Any

import yaml

from keychainsim.errors import ScenarioError


class LineDict(dict):
    """A mapping from YAML: ``line`` is where it starts, ``lines[key]`` where each key sits (1-based)."""

    line: int = 0
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML: ``line`` is where it starts, ``lines[i]`` where each entry starts."""

    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (or of the container), when it came from YAML."""
    if key is not None and isinstance(container, LineDict | LineList):
        return container.line_of(key)
    return getattr(container, "line", None)


MAX_NODES = 20_000
"""The most values one document may build, every alias expansion counted. The largest shipped scenario
builds under 200; an "alias bomb" (each anchor repeating the one before ten times) would build billions,
and is refused after this many, within a fraction of a second and a few megabytes."""

MAX_DEPTH = 100
"""The deepest nesting of mappings and sequences accepted; deeper input is refused, not recursed into."""

STANDARD_TAGS = {
    "mapping": frozenset({"tag:yaml.org,2002:map"}),
    "sequence": frozenset({"tag:yaml.org,2002:seq"}),
    "scalar": frozenset(
        f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
    ),
}
"""The tags a document may carry, explicitly or resolved: YAML's standard types with a plain meaning here.
Any other tag (``!custom``, ``!!python/object``, ``!!set``, ``!!omap``) is refused rather than dropped,
since dropping it would read a different document than its author wrote."""


def load_yaml(text: str, path: str) -> Any:
    """Parse ``text`` into LineDict/LineList/scalars, bounded in size and depth.

    Raises:
        ScenarioError: the YAML does not parse (a reader error such as a control character included), is
            empty, nests deeper than :data:`MAX_DEPTH`, expands past :data:`MAX_NODES` values, carries a
            tag other than YAML's standard ones, or repeats a key; always with the line when there is one.
    """
    loader: Any = None
    try:
        loader = _BoundedLoader(text, path)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text, path) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or str(error)
        raise ScenarioError(path, f"not valid YAML: {problem}", line, "check indentation and quoting") from None
    except yaml.YAMLError as error:
        raise ScenarioError(path, f"not valid YAML: {error}", None, "check indentation and quoting") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise ScenarioError(path, "the file is empty", 1, "a scenario is a mapping with at least `steps:`")
    _check_expansion(node, path)
    return _Builder(path, loader).build(node)


def _check_expansion(root: Any, path: str) -> None:
    """Refuse a document whose values, aliases expanded, number more than :data:`MAX_NODES`.

    PyYAML composes an alias as the anchored node itself, so the node graph stays as small as the text;
    the expanded size is counted on that graph, once per distinct node, before anything is built. The
    line reported is that of the innermost collection that is too big by itself (usually an anchor).
    """
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        sizes[id(node)] = total
        return total

    if size(root) <= MAX_NODES:
        return
    culprit = root
    while True:
        children = _children(culprit)
        too_big = next((child for child in children if sizes[id(child)] > MAX_NODES), None)
        if too_big is None:
            break
        culprit = too_big
    raise ScenarioError(
        path,
        f"the document expands to more than {MAX_NODES:,} values (YAML aliases repeating anchors)",
        culprit.start_mark.line + 1,
        "write the values out, or use fewer aliases",
    )


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _reader_error(error: Any, text: str, path: str) -> ScenarioError:
    """A character YAML does not allow (a control character, a lone surrogate), at its line."""
    position = error.position if isinstance(error.position, int) else 0
    line = text.count("\n", 0, position) + 1
    character = error.character
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return ScenarioError(
        path,
        f"not valid YAML: character U+{code:04X} is not allowed ({error.reason})",
        line,
        "remove the control character, or write it as an escape inside double quotes",
    )


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than :data:`MAX_DEPTH` while composing (its composer
    recurses once per level, so a deep document would otherwise end in RecursionError)."""

    def __init__(self, text: str, path: str) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise ScenarioError(
                self.path, f"nested more than {MAX_DEPTH} levels deep", mark.line + 1, "a scenario is a few levels deep"
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Builder:
    """Builds plain values from composed nodes (the expansion already checked), refusing other tags."""

    def __init__(self, path: str, loader: Any) -> None:
        self.path = path
        self.loader = loader

    def build(self, node: Any) -> Any:
        line = node.start_mark.line + 1
        kind = (
            "mapping"
            if isinstance(node, yaml.MappingNode)
            else "sequence"
            if isinstance(node, yaml.SequenceNode)
            else "scalar"
        )
        if node.tag not in STANDARD_TAGS[kind]:
            if node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioError(self.path, "YAML merge keys (<<) are not supported", line)
            raise ScenarioError(
                self.path,
                f"the tag {node.tag!r} is not allowed here",
                line,
                "remove the tag: values are read by their text (kSec... names, utf8:, hex:, int:, ...)",
            )
        if kind == "mapping":
            return self._mapping(node, line)
        if kind == "sequence":
            seq = LineList(self.build(child) for child in node.value)
            seq.line, seq.lines = line, [child.start_mark.line + 1 for child in node.value]
            return seq
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise ScenarioError(self.path, f"bad value: {error}", line) from None
        except (ValueError, TypeError, AttributeError, OverflowError) as error:
            # PyYAML's constructors let these through for text that its tag cannot hold (`!!int abc`, a
            # number past Python's digit limit, `!!timestamp yesterday`).
            raise ScenarioError(self.path, f"bad value {node.value[:40]!r} for {node.tag}: {error}", line) from None

    def _mapping(self, node: Any, line: int) -> LineDict:
        out = LineDict()
        out.line, out.lines = line, {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioError(self.path, "YAML merge keys (<<) are not supported", key_line)
            key = self.build(key_node)
            if isinstance(key, dict | list):
                raise ScenarioError(self.path, "a mapping key must be a plain value", key_line)
            if key in out:
                raise ScenarioError(
                    self.path,
                    f"key {key!r} appears twice in one mapping",
                    key_line,
                    f"first at line {out.lines[key]}",
                )
            out[key] = self.build(value_node)
            out.lines[key] = key_line
        return out
