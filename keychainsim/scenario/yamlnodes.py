"""YAML read into plain Python values that remember their line numbers.

A scenario error must name the file and the line (issue 5); PyYAML's composed nodes carry start marks,
so the document is built from the node tree: mappings become :class:`LineDict`, sequences
:class:`LineList`, both knowing the line of every entry. Scalars are resolved by PyYAML's safe rules
(``true``, ``12``, ``null``, dates), and duplicate keys are refused, since PyYAML would keep the last
one silently.
"""

from __future__ import annotations

from typing import Any

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


def load_yaml(text: str, path: str) -> Any:
    """Parse ``text`` into LineDict/LineList/scalars.

    Raises:
        ScenarioError: the YAML does not parse, is empty, has anchors/tags we do not accept, or repeats a key.
    """
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or str(error)
        raise ScenarioError(path, f"not valid YAML: {problem}", line, "check indentation and quoting") from None
    except yaml.YAMLError as error:
        raise ScenarioError(path, f"not valid YAML: {error}", None, "check indentation and quoting") from None
    finally:
        loader.dispose()
    if node is None:
        raise ScenarioError(path, "the file is empty", 1, "a scenario is a mapping with at least `steps:`")
    return _build(node, path, loader)


def _build(node: Any, path: str, loader: Any) -> Any:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line, out.lines = line, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioError(path, "YAML merge keys (<<) are not supported", key_node.start_mark.line + 1)
            key = _build(key_node, path, loader)
            if isinstance(key, dict | list):
                raise ScenarioError(path, "a mapping key must be a plain value", key_node.start_mark.line + 1)
            if key in out:
                raise ScenarioError(
                    path,
                    f"key {key!r} appears twice in one mapping",
                    key_node.start_mark.line + 1,
                    f"first at line {out.lines[key]}",
                )
            out[key] = _build(value_node, path, loader)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LineList(_build(child, path, loader) for child in node.value)
        seq.line, seq.lines = line, [child.start_mark.line + 1 for child in node.value]
        return seq
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as error:
        raise ScenarioError(path, f"bad value: {error}", line) from None
