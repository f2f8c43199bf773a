"""Swift dictionary literals as they appear in keychain code, read into the dictionaries the API takes.

A developer debugging -25300 has the query in Swift, not in YAML::

    [kSecClass as String: kSecClassIdentity,
     kSecAttrLabel as String: "client",
     kSecAttrApplicationTag as String: "tag".data(using: .utf8)!,
     kSecReturnRef as String: kCFBooleanTrue as Any] as CFDictionary

so the command line (``--file``, ``--attr``) and scenario files accept that text as it is. It is read by a
small tokenizer and a recursive-descent parser into a syntax tree, then evaluated with Swift's meaning of
each form, so that what reaches the engine has the CF type the device would see:

==============================================  ==============================================
``"text"``                                      a string (CFString), exactly as written
``256``, ``-1``, ``0x100``, ``1_000``           an integer (CFNumber)
``1.5``                                         a double (CFNumber)
``true``, ``kCFBooleanTrue``, ``NSNumber(value: true)``  a boolean (CFBoolean)
``NSNull()``, ``kCFNull``                       NSNull (the API's ``None``)
``"t".data(using: .utf8)!``, ``Data("t".utf8)``  data (CFData); also ``.utf16``, ``.ascii``, ...
``Data([0x01, 0x02])``, ``Data(base64Encoded: "AQI=")!``, ``Data()``  data
``Date(timeIntervalSince1970: 0)``              a date (CFDate)
``kSec...``                                     the constant's raw value
``SecAccessControlCreateWithFlags(nil, p, .privateKeyUsage, nil)!``  an access control
``[k: v, ...]``, ``[v, ...]``                   a dictionary (keys: constants) / an array
``x as String``, ``as CFDictionary``, ``as! T``   bridging casts: the value is unchanged, the type checked
==============================================  ==============================================

A leading ``let query: [String: Any] =`` is skipped, comments are allowed. A name that is not a constant
(a variable such as ``tag`` or ``certificate``) is looked up with the caller's resolver (a scenario's saved
results) or refused: keychainsim cannot know a variable's value. Anything else is a
:class:`SwiftLiteralError` naming the line, the column and the text it could not read, never a guess.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from keychainsim.scenario.literals import LiteralError, suggest

Resolver = Callable[[str], Any]
"""Looks a variable up (a scenario's saved result); raises LiteralError when it names none."""

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
"""CFAbsoluteTime's origin (``Date(timeIntervalSinceReferenceDate:)``)."""


class SwiftLiteralError(LiteralError):
    """Swift text keychainsim cannot read: where (1-based line and column), what, and the line itself."""

    def __init__(self, problem: str, text: str, offset: int, hint: str = "") -> None:
        self.line, self.column, self.source_line = _position(text, offset)
        self.offset = offset
        self.bare = problem
        """The problem without its position (callers that know the file's own line numbering use it)."""
        super().__init__(f"line {self.line}, column {self.column}: {problem}", hint)

    @property
    def near(self) -> str:
        """Up to 24 characters of the line from the column on: the text that could not be read."""
        rest = self.source_line[self.column - 1 :].rstrip()
        return rest[:24] + ("..." if len(rest) > 24 else "")

    @property
    def snippet(self) -> str:
        """The offending line (a window of it around the column when it is long) and a caret under the column."""
        line, caret = self.source_line.rstrip(), self.column - 1
        if len(line) > 100:
            start = max(0, caret - 60)
            window = line[start : caret + 40]
            prefix = "..." if start else ""
            line, caret = prefix + window + ("..." if caret + 40 < len(line) else ""), caret - start + len(prefix)
        return f"    {line}\n    {' ' * caret}^"

    def __str__(self) -> str:
        return super().__str__() + "\n" + self.snippet


def _position(text: str, offset: int) -> tuple[int, int, str]:
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line = text.count("\n", 0, offset) + 1
    return line, offset - line_start + 1, text[line_start : line_end if line_end != -1 else len(text)]


# -- tokens -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    """``ident``, ``string``, ``number``, ``punct`` or ``end``."""
    text: str
    offset: int
    value: Any = None


_PUNCTUATION = "[](){}:,.!?=;-+<>&|"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; comments (``//``, nested ``/* */``) and whitespace dropped.

    Raises:
        SwiftLiteralError: an unterminated string or comment, an unknown escape, an interpolation, a
            character no Swift literal contains.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i)
        elif c == '"':
            token, i = _string(text, i)
            tokens.append(token)
        elif c == "#" and text.startswith('#"', i):
            raise SwiftLiteralError('raw strings (#"..."#) are not supported', text, i, 'write a plain "..." string')
        elif c.isdigit():
            token, i = _number(text, i)
            tokens.append(token)
        elif c.isalpha() or c == "_" or c == "$":
            start = i
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("ident", text[start:i], start))
        elif c == "`":
            end = text.find("`", i + 1)
            if end == -1 or not text[i + 1 : end].isidentifier():
                raise SwiftLiteralError("unterminated `name`", text, i)
            tokens.append(Token("ident", text[i + 1 : end], i))
            i = end + 1
        elif c in _PUNCTUATION:
            tokens.append(Token("punct", c, i))
            i += 1
        else:
            raise SwiftLiteralError(f"unexpected character {c!r}", text, i, "paste the dictionary literal itself")
    tokens.append(Token("end", "", n))
    return tokens


def _skip_block_comment(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise SwiftLiteralError("unterminated /* comment", text, start, "close it with */")


_ESCAPES = {"0": "\0", "\\": "\\", "t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'"}


def _string(text: str, start: int) -> tuple[Token, int]:
    if text.startswith('"""', start):
        raise SwiftLiteralError('multi-line strings ("""...""") are not supported', text, start, 'write "..."')
    out: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == '"':
            return Token("string", text[start : i + 1], start, "".join(out)), i + 1
        if c == "\n":
            break
        if c == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and text[i + 2 : i + 3] == "{":
                end = text.find("}", i + 3)
                digits = text[i + 3 : end] if end != -1 else ""
                if not digits or len(digits) > 8 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                    raise SwiftLiteralError("bad \\u{...} escape", text, i, "write \\u{1F600}: 1 to 8 hex digits")
                code = int(digits, 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    raise SwiftLiteralError(f"\\u{{{digits}}} is not a Unicode scalar", text, i)
                out.append(chr(code))
                i = end + 1
                continue
            if nxt == "(":
                raise SwiftLiteralError(
                    "string interpolation \\(...) needs a variable's value", text, i, "paste the resulting text"
                )
            raise SwiftLiteralError(f"unknown escape \\{nxt}", text, i, 'Swift knows \\0 \\\\ \\t \\n \\r \\" \\u{..}')
        out.append(c)
        i += 1
    raise SwiftLiteralError("unterminated string", text, start, 'close it with " on the same line')


def _number(text: str, start: int) -> tuple[Token, int]:
    i, n = start, len(text)
    while i < n and (text[i].isalnum() or text[i] == "_" or (text[i] == "." and _digit_follows(text, i))):
        if text[i] in "eEpP" and i + 1 < n and text[i + 1] in "+-" and not text.startswith(("0x", "0X"), start):
            i += 2
            continue
        i += 1
    raw = text[start:i]
    cleaned = raw.replace("_", "")
    try:
        if cleaned[:2].lower() in ("0x", "0o", "0b"):
            value: int | float = int(cleaned, 0)
        elif any(ch in cleaned for ch in ".eE"):
            value = float(cleaned)
        else:
            value = int(cleaned, 10)
    except ValueError:
        raise SwiftLiteralError(f"{raw!r} is not a number", text, start, "e.g. 256, 0x100, 1_000, 1.5") from None
    return Token("number", raw, start, value), i


def _digit_follows(text: str, i: int) -> bool:
    return i + 1 < len(text) and text[i + 1].isdigit()


# -- syntax tree --------------------------------------------------------------------------------------


@dataclass
class Node:
    """One expression: ``kind`` says which, ``offset`` where it starts in the text."""

    kind: str
    """``dict``, ``array``, ``string``, ``number``, ``name``, ``implicit`` (``.utf8``), ``member`` (``x.y``),
    ``call``, ``force`` (``x!``), ``cast`` (``x as T``), ``negate``, ``inout`` (``&error``)."""
    offset: int
    value: Any = None
    """string/number: the value; name/implicit/member: the name; cast: the type text."""
    children: list[Node] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    """call: the argument labels (None for an unlabelled argument)."""
    cast_kind: str = ""


MAX_DEPTH = 64
"""Deeper nesting is refused: no keychain dictionary nests more than a few levels, and a bound keeps a
hostile text from exhausting the stack."""


class Parser:
    """Recursive descent over the tokens of one Swift expression (a dictionary literal, in practice)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0
        self.depth = 0

    # -- helpers -------------------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.position + ahead, len(self.tokens) - 1)]

    def at(self, text: str) -> bool:
        token = self.current
        return token.kind in ("punct", "ident") and token.text == text

    def advance(self) -> Token:
        token = self.current
        if token.kind != "end":
            self.position += 1
        return token

    def expect(self, text: str, context: str, hint: str = "") -> Token:
        if not self.at(text):
            raise self.error(f"expected {text!r} {context}, found {self.describe(self.current)}", hint)
        return self.advance()

    def error(self, problem: str, hint: str = "", offset: int | None = None) -> SwiftLiteralError:
        return SwiftLiteralError(problem, self.text, self.current.offset if offset is None else offset, hint)

    @staticmethod
    def describe(token: Token) -> str:
        return "the end of the text" if token.kind == "end" else repr(token.text)

    # -- grammar -------------------------------------------------------------------------------------

    def parse_document(self) -> Node:
        """``[let|var NAME [: TYPE] =] EXPRESSION [;]`` and nothing after it."""
        if self.current.kind == "ident" and self.current.text in ("let", "var"):
            self.advance()
            if self.current.kind != "ident":
                raise self.error(f"expected a name after {self.tokens[self.position - 1].text!r}")
            self.advance()
            if self.at(":"):
                self.advance()
                self.parse_type()
            self.expect("=", "before the value")
        node = self.parse_expression()
        if self.at(";"):
            self.advance()
        if self.current.kind != "end":
            raise self.error(
                f"unexpected {self.describe(self.current)} after the end of the value",
                "a missing comma between two entries? paste one dictionary literal",
            )
        return node

    def parse_expression(self) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.error(f"nested more than {MAX_DEPTH} levels deep", "paste one keychain dictionary")
            return self._expression()
        finally:
            self.depth -= 1

    def _expression(self) -> Node:
        node = self.parse_prefix()
        casts = 0
        while self.current.kind == "ident" and self.current.text == "as":
            casts += 1
            if casts > MAX_DEPTH:
                raise self.error(f"more than {MAX_DEPTH} casts in a row")
            start = self.advance().offset
            kind = "as"
            if self.at("!") or self.at("?"):
                kind += self.advance().text
            node = Node("cast", start, self.parse_type(), [node], cast_kind=kind)
        return node

    def parse_prefix(self) -> Node:
        if self.at("&"):
            start = self.advance().offset
            name = self.current
            if name.kind != "ident":
                raise self.error(f"expected a variable after '&', found {self.describe(name)}")
            self.advance()
            return Node("inout", start, name.text)
        if self.at("-"):
            start = self.advance().offset
            if self.at("-"):
                raise self.error("'--' is not a Swift prefix operator", "write a single minus sign")
            operand = self.parse_prefix()
            return Node("negate", start, children=[operand])
        return self.parse_postfix()

    def parse_postfix(self) -> Node:
        node = self.parse_primary()
        for _ in range(MAX_DEPTH + 1):
            token = self.current
            if self.at("."):
                name = self.member_name()
                node = Node("member", name.offset, name.text, [node])
            elif self.at("("):
                node = self.parse_call(node)
            elif self.at("!"):
                self.advance()
                node = Node("force", token.offset, children=[node])
            elif self.at("?"):
                raise self.error("optional chaining (?) is not supported", "unwrap with ! or paste the value")
            else:
                return node
        raise self.error(f"more than {MAX_DEPTH} member accesses, calls or unwraps in a row")

    def member_name(self) -> Token:
        """The name after a ``.`` (the current token)."""
        self.advance()
        name = self.current
        if name.kind != "ident":
            raise self.error(f"expected a member name after '.', found {self.describe(name)}")
        return self.advance()

    def parse_call(self, callee: Node) -> Node:
        self.expect("(", "to start the arguments")
        node = Node("call", callee.offset, children=[callee])
        while not self.at(")"):
            label: str | None = None
            if self.current.kind == "ident" and self.peek().kind == "punct" and self.peek().text == ":":
                label = self.advance().text
                self.advance()
            node.labels.append(label)
            node.children.append(self.parse_expression())
            if not self.at(","):
                break
            self.advance()
        self.expect(")", "to close the argument list")
        return node

    def parse_primary(self) -> Node:
        token = self.current
        if token.kind == "string":
            self.advance()
            return Node("string", token.offset, token.value)
        if token.kind == "number":
            self.advance()
            return Node("number", token.offset, token.value)
        if token.kind == "ident":
            self.advance()
            return Node("name", token.offset, token.text)
        if self.at("."):
            return Node("implicit", token.offset, self.member_name().text)
        if self.at("["):
            return self.parse_collection()
        if self.at("("):
            self.advance()
            inner = self.parse_expression()
            self.expect(")", "to close the parenthesis")
            return inner
        if token.kind == "end":
            raise self.error("the text ends where a value was expected", "is the literal complete?")
        raise self.error(f"expected a value, found {self.describe(token)}")

    def parse_collection(self) -> Node:
        start = self.expect("[", "to open the literal").offset
        if self.at(":") and self.peek().text == "]":
            self.advance()
            self.advance()
            return Node("dict", start)
        if self.at("]"):
            self.advance()
            return Node("array", start)
        first = self.parse_expression()
        if not (self.at(":") or self.at(",") or self.at("]")):
            raise self.error(
                f"expected ':' after the key (or ',' between elements), found {self.describe(self.current)}",
                "each entry is KEY: VALUE",
            )
        if self.at(":"):
            node = Node("dict", start, children=[first])
            self.advance()
            node.children.append(self.parse_expression())
            while self.at(","):
                self.advance()
                if self.at("]"):
                    break
                node.children.append(self.parse_expression())
                self.expect(":", "between the key and its value", "each entry is KEY: VALUE")
                node.children.append(self.parse_expression())
            self.expect("]", "to close the dictionary", "entries are separated by commas")
            return node
        node = Node("array", start, children=[first])
        while self.at(","):
            self.advance()
            if self.at("]"):
                break
            node.children.append(self.parse_expression())
        self.expect("]", "to close the array", "elements are separated by commas")
        return node

    def parse_type(self) -> str:
        """A type after ``as`` or ``:``: ``String``, ``CFString``, ``[String: Any]``, ``Swift.String?``."""
        start = self.current.offset
        if self.at("["):
            self.advance()
            key = self.parse_type()
            if self.at(":"):
                self.advance()
                value = self.parse_type()
                self.expect("]", "to close the dictionary type")
                text = f"[{key}: {value}]"
            else:
                self.expect("]", "to close the array type")
                text = f"[{key}]"
        elif self.current.kind == "ident":
            text = self.advance().text
            while self.at(".") and self.peek().kind == "ident":
                self.advance()
                text += "." + self.advance().text
            if self.at("<"):
                raise self.error("generic types are not supported here", "write [String: Any] or CFDictionary")
        else:
            raise self.error(f"expected a type, found {self.describe(self.current)}", offset=start)
        while self.at("?") or self.at("!"):
            # An optional type in a cast (as? T is the cast kind; T? is the type); the value is unchanged.
            text += self.advance().text
        return text


# -- evaluation ---------------------------------------------------------------------------------------


class _Bytes(bytes):
    """The ``.utf8`` view of a string: only ``Data(...)`` turns it into data."""


class _Optional:
    """``Optional<Data>`` from ``data(using:)`` / ``Data(base64Encoded:)``: bridged as its value."""

    def __init__(self, value: Any) -> None:
        self.value = value


class _Encoding(str):
    """A ``String.Encoding`` member name (``utf8``)."""


class _Flags(int):
    """``SecAccessControlCreateFlags`` bits."""


_ENCODINGS: dict[str, Callable[[str], bytes | None]] = {
    "utf8": lambda s: s.encode("utf-8"),
    "ascii": lambda s: s.encode("ascii") if s.isascii() else None,
    "nonLossyASCII": lambda s: s.encode("ascii") if s.isascii() else None,
    "isoLatin1": lambda s: s.encode("latin-1") if all(ord(c) < 256 for c in s) else None,
    # Foundation writes a byte-order mark and the host's order (little-endian on every Apple device).
    "utf16": lambda s: b"\xff\xfe" + s.encode("utf-16-le"),
    "unicode": lambda s: b"\xff\xfe" + s.encode("utf-16-le"),
    "utf16LittleEndian": lambda s: s.encode("utf-16-le"),
    "utf16BigEndian": lambda s: s.encode("utf-16-be"),
    "utf32": lambda s: b"\xff\xfe\x00\x00" + s.encode("utf-32-le"),
    "utf32LittleEndian": lambda s: s.encode("utf-32-le"),
    "utf32BigEndian": lambda s: s.encode("utf-32-be"),
}

_ACCESS_FLAGS = {
    "userPresence": 1 << 0,
    "biometryAny": 1 << 1,
    "touchIDAny": 1 << 1,
    "biometryCurrentSet": 1 << 3,
    "touchIDCurrentSet": 1 << 3,
    "devicePasscode": 1 << 4,
    "watch": 1 << 5,
    "or": 1 << 14,
    "and": 1 << 15,
    "privateKeyUsage": 1 << 30,
    "applicationPassword": 1 << 31,
}
"""SecAccessControlCreateFlags members by their Swift names (keychain/headers/SecAccessControl.h)."""

_INTEGER_TYPES = ("Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64")

# What each bridging type accepts, by the Python value it arrives as (a cast never changes the value).
_CASTS: dict[str, tuple[type, ...] | None] = {
    **dict.fromkeys(("String", "CFString", "NSString", "Substring"), (str,)),
    **dict.fromkeys(("Data", "CFData", "NSData"), (bytes,)),
    # A Bool bridges to NSNumber (a CFBoolean inside); Python's bool is an int, so the numeric casts refuse
    # it explicitly in Evaluator._cast.
    "NSNumber": (int, float),
    **dict.fromkeys(("CFNumber", *_INTEGER_TYPES, "Double", "Float", "CGFloat"), (int, float)),
    **dict.fromkeys(("Bool", "CFBoolean"), (bool,)),
    **dict.fromkeys(("CFDictionary", "NSDictionary", "Dictionary", "NSMutableDictionary"), (dict,)),
    **dict.fromkeys(("CFArray", "NSArray", "Array"), (list,)),
    **dict.fromkeys(("Date", "CFDate", "NSDate"), (datetime,)),
    **dict.fromkeys(("NSNull", "CFNull"), (type(None),)),
    **dict.fromkeys(("Any", "AnyObject", "AnyHashable", "CFTypeRef", "NSObject"), None),
}
"""Cast targets: the Python types of the values they accept; None accepts anything."""

_REF_TYPES = ("SecKey", "SecCertificate", "SecIdentity", "SecAccessControl", "SecPolicy")


class Evaluator:
    """Gives each syntax-tree node its Swift meaning as a Python value the keychain API takes."""

    def __init__(self, text: str, resolve: Resolver | None) -> None:
        self.text = text
        self.resolve = resolve

    def error(self, node: Node, problem: str, hint: str = "") -> SwiftLiteralError:
        return SwiftLiteralError(problem, self.text, node.offset, hint)

    def value(self, node: Node) -> Any:
        """The node's value as it would be bridged into a CFDictionary."""
        result = self.evaluate(node)
        if isinstance(result, _Optional):
            result = result.value
        if isinstance(result, _Bytes):
            raise self.error(node, "a string's .utf8 view is not data by itself", 'write Data("text".utf8)')
        if isinstance(result, _Encoding | _Flags):
            raise self.error(node, "an encoding or a flag is not a value here", "it belongs in a call")
        return result

    def evaluate(self, node: Node) -> Any:
        method = getattr(self, f"_{node.kind}")
        return method(node)

    # -- literals --------------------------------------------------------------------------------

    def _string(self, node: Node) -> str:
        return node.value

    def _number(self, node: Node) -> int | float:
        return node.value

    def _negate(self, node: Node) -> int | float:
        operand = self.evaluate(node.children[0])
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise self.error(node, "'-' applies to numbers only")
        return -operand

    def _array(self, node: Node) -> list[Any]:
        return [self.value(child) for child in node.children]

    def _dict(self, node: Node) -> dict[str, Any]:
        from keychainsim.constants import NAME_OF

        out: dict[str, Any] = {}
        first_at: dict[str, int] = {}
        for key_node, value_node in zip(node.children[::2], node.children[1::2], strict=True):
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.error(key_node, f"a dictionary key must be a constant such as kSecClass, not {_kind(key)}")
            if _innermost(key_node).kind == "string" and key not in NAME_OF:
                hint = (
                    f"write {key} without quotes: the quoted text is the key {key!r}, not the constant"
                    if key.startswith("kSec")
                    else suggest(key, list(NAME_OF)) or "use a kSec constant name"
                )
                raise self.error(key_node, f"unknown attribute key {key!r}", hint)
            if key in out:
                line = _position(self.text, first_at[key])[0]
                raise self.error(
                    key_node,
                    f"duplicate key {NAME_OF.get(key, key)} (first at line {line})",
                    "Swift stops the app at run time on a dictionary literal with duplicate keys",
                )
            first_at[key] = key_node.offset
            out[key] = self.value(value_node)
        return out

    # -- names -----------------------------------------------------------------------------------

    def _name(self, node: Node) -> Any:
        from keychainsim.constants import VALUE_OF

        name: str = node.value
        if name in ("true", "kCFBooleanTrue"):
            return True
        if name in ("false", "kCFBooleanFalse"):
            return False
        if name == "kCFNull":
            return None
        if name == "nil":
            raise self.error(
                node, "nil cannot be a dictionary value", "Swift refuses it in [String: Any]; write NSNull()"
            )
        if name in VALUE_OF:
            return VALUE_OF[name]
        if name.startswith(("kSec", "kCF", "errSec")):
            known = [k for k in VALUE_OF if k.startswith(name[:4])] + ["kCFBooleanTrue", "kCFBooleanFalse", "kCFNull"]
            raise self.error(node, f"unknown constant {name}", suggest(name, known) or "see keychainsim.constants")
        if self.resolve is not None:
            try:
                return self.resolve(name.removeprefix("$"))
            except LiteralError as error:
                raise self.error(node, f"{name} is not a constant or a saved result", error.hint) from None
        raise self.error(
            node,
            f"{name} is a variable or a name keychainsim does not know",
            "keychainsim cannot know a variable's value: paste the value itself",
        )

    def _inout(self, node: Node) -> Any:
        raise self.error(node, f"&{node.value} is an out-parameter, not a value")

    def _implicit(self, node: Node) -> Any:
        name: str = node.value
        if name in _ENCODINGS:
            return _Encoding(name)
        if name in _ACCESS_FLAGS:
            return _Flags(_ACCESS_FLAGS[name])
        raise self.error(node, f".{name} is not an encoding or SecAccessControlCreateFlags member keychainsim knows")

    def _member(self, node: Node) -> Any:
        base_node, name = node.children[0], node.value
        qualified = _qualified_name(base_node)
        if qualified in ("String.Encoding", "Swift.String.Encoding") and name in _ENCODINGS:
            return _Encoding(name)
        if qualified == "SecAccessControlCreateFlags" and name in _ACCESS_FLAGS:
            return _Flags(_ACCESS_FLAGS[name])
        if qualified in ("Security", "Foundation", "KeychainSim") and base_node.kind == "name":
            return self._name(Node("name", node.offset, name))
        base = self.evaluate(base_node)
        if isinstance(base, str) and not isinstance(base, _Encoding):
            if name == "utf8":
                return _Bytes(base.encode("utf-8"))
            if name == "count":
                return len(base)
        raise self.error(node, f"cannot read .{name} of {_kind(base)}", "paste the value itself")

    # -- calls -----------------------------------------------------------------------------------

    def _force(self, node: Node) -> Any:
        inner = self.evaluate(node.children[0])
        if isinstance(inner, _Optional):
            if inner.value is None:
                raise self.error(node, "this unwraps nil: the app would crash here", "check the text being converted")
            return inner.value
        return inner

    def _call(self, node: Node) -> Any:
        callee, args, labels = node.children[0], node.children[1:], node.labels
        if callee.kind == "member" and callee.value == "data":
            base = self.value(callee.children[0])
            if not isinstance(base, str) or labels != ["using"]:
                raise self.error(node, 'expected "text".data(using: .utf8)')
            encoding = self.evaluate(args[0])
            if not isinstance(encoding, _Encoding):
                raise self.error(args[0], "expected an encoding such as .utf8", "one of: " + ", ".join(_ENCODINGS))
            return _Optional(_ENCODINGS[encoding](base))
        name = _qualified_name(callee)
        handler = _CALLS.get(name or "")
        if handler is None:
            raise self.error(
                node,
                f"keychainsim cannot evaluate the call {name or 'here'}(...)",
                "known: " + ", ".join(sorted(_CALLS)) + ', "text".data(using:)',
            )
        return handler(self, node, args, labels)

    def _cast(self, node: Node) -> Any:
        value = self.value(node.children[0])
        target = node.value.rstrip("?!")
        if target.startswith("["):
            accepted: tuple[type, ...] | None = (dict,) if ":" in target else (list,)
        else:
            short = target.rsplit(".", 1)[-1]
            if short in _REF_TYPES:
                if type(value).__name__ != short:
                    raise self.error(node, f"{_kind(value)} cannot be cast to {short}")
                return value
            if short not in _CASTS:
                raise self.error(node, f"unknown type {target} in a cast", "e.g. as String, as CFDictionary, as Any")
            accepted = _CASTS[short]
        if accepted is not None and not isinstance(value, accepted):
            raise self.error(node, f"{_kind(value)} cannot be cast to {target}", "the value has another type")
        if accepted == (int, float) and isinstance(value, bool) and target.rsplit(".", 1)[-1] != "NSNumber":
            raise self.error(node, f"a Bool is not {target} here", "write 1 or 0, or cast to Bool")
        return value


def _innermost(node: Node) -> Node:
    while node.kind == "cast":
        node = node.children[0]
    return node


def _qualified_name(node: Node) -> str | None:
    """``Data``, ``String.Encoding``: a dotted name, or None when the node is not one."""
    if node.kind == "name":
        return node.value
    if node.kind == "member":
        base = _qualified_name(node.children[0])
        return f"{base}.{node.value}" if base is not None else None
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "NSNull"
    if isinstance(value, bool):
        return "a Bool"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a String"
    if isinstance(value, bytes):
        return "Data"
    if isinstance(value, dict):
        return "a dictionary"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime):
        return "a Date"
    return type(value).__name__


# Each call: (evaluator, call node, argument nodes, labels) -> value.


def _data(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    if not args:
        return b""
    if labels == ["base64Encoded"]:
        text = ev.value(args[0])
        if not isinstance(text, str):
            raise ev.error(args[0], "Data(base64Encoded:) takes a string")
        try:
            return _Optional(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            return _Optional(None)
    if labels == [None]:
        inner = ev.evaluate(args[0])
        if isinstance(inner, _Bytes):
            return bytes(inner)
        if isinstance(inner, bytes):
            return bytes(inner)
        if isinstance(inner, list) and all(isinstance(b, int) and not isinstance(b, bool) for b in inner):
            if any(not 0 <= b <= 255 for b in inner):
                raise ev.error(args[0], "a byte array holds values from 0 to 255")
            return bytes(inner)
        raise ev.error(args[0], 'Data(...) takes "text".utf8, a [UInt8] array or Data')
    raise ev.error(node, "unsupported Data initializer", 'Data("text".utf8), Data([0x01]), Data(base64Encoded: "...")!')


def _number_call(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    name = _qualified_name(node.children[0]) or ""
    if name == "NSNumber":
        if labels != ["value"]:
            raise ev.error(node, "expected NSNumber(value: ...)")
        value = ev.value(args[0])
        if not isinstance(value, int | float):
            raise ev.error(args[0], f"NSNumber(value:) takes a number or a Bool, not {_kind(value)}")
        return value
    if labels != [None]:
        raise ev.error(node, f"expected {name}(number)")
    value = ev.value(args[0])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ev.error(args[0], f"{name}(...) takes a number, not {_kind(value)}")
    if name in ("Double", "Float", "CGFloat"):
        return float(value)
    return int(value)


def _string_call(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    if labels != [None]:
        raise ev.error(node, "expected String(constant)")
    value = ev.value(args[0])
    if not isinstance(value, str):
        raise ev.error(args[0], f"String(...) of {_kind(value)} is not a dictionary key", "write kSecClass as String")
    return value


def _null(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    if args:
        raise ev.error(node, "NSNull() takes no arguments")
    return None


def _date(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    if labels == ["timeIntervalSince1970"] or labels == ["timeIntervalSinceReferenceDate"]:
        seconds = ev.value(args[0])
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ev.error(args[0], "a time interval is a number of seconds")
        epoch = datetime(1970, 1, 1, tzinfo=UTC) if labels[0] == "timeIntervalSince1970" else APPLE_EPOCH
        return epoch + timedelta(seconds=seconds)
    raise ev.error(
        node,
        "only Date(timeIntervalSince1970:) and Date(timeIntervalSinceReferenceDate:) have a fixed value",
        "Date() is the moment the app ran; paste that moment as Date(timeIntervalSince1970: ...)",
    )


def _access_control(ev: Evaluator, node: Node, args: list[Node], labels: list[str | None]) -> Any:
    from keychainsim.model.access_control import VALID_PROTECTIONS, SecAccessControl

    if len(args) != 4:
        raise ev.error(node, "SecAccessControlCreateWithFlags takes (allocator, protection, flags, error)")
    protection = ev.value(args[1])
    if protection not in VALID_PROTECTIONS:
        hint = "e.g. kSecAttrAccessibleWhenUnlocked"
        raise ev.error(args[1], f"{protection!r} is not a kSecAttrAccessible value", hint)
    flags = _flags(ev, args[2])
    return _Optional(SecAccessControl(protection, flags))


def _flags(ev: Evaluator, node: Node) -> int:
    if node.kind == "array":
        total = 0
        for child in node.children:
            total |= _flags(ev, child)
        return total
    value = ev.evaluate(node)
    if isinstance(value, _Flags):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ev.error(node, "expected SecAccessControlCreateFlags such as .privateKeyUsage or [.userPresence]")


_CALLS: dict[str, Callable[[Evaluator, Node, list[Node], list[str | None]], Any]] = {
    "Data": _data,
    "NSData": _data,
    "NSNumber": _number_call,
    **dict.fromkeys(_INTEGER_TYPES, _number_call),
    "Double": _number_call,
    "Float": _number_call,
    "CGFloat": _number_call,
    "String": _string_call,
    "NSString": _string_call,
    "NSNull": _null,
    "Date": _date,
    "SecAccessControlCreateWithFlags": _access_control,
}


# -- entry points -------------------------------------------------------------------------------------


def parse_expression(text: str, resolve: Resolver | None = None) -> Any:
    """The value of one Swift expression (``"tag".data(using: .utf8)!``, ``256``, ``[...]``).

    Raises:
        SwiftLiteralError: naming the line, column and text it could not read.
    """
    tree = Parser(text).parse_document()
    return Evaluator(text, resolve).value(tree)


def parse_dictionary(text: str, resolve: Resolver | None = None) -> dict[str, Any]:
    """A SecItem dictionary from a Swift dictionary literal: raw keys, CF-typed values.

    Raises:
        SwiftLiteralError: the text is not one dictionary literal, or a part of it cannot be read.
    """
    tree = Parser(text).parse_document()
    inner = _innermost(tree)
    if inner.kind != "dict" and not (inner.kind == "array" and not inner.children):
        raise SwiftLiteralError(
            "expected a dictionary literal [KEY: VALUE, ...]", text, inner.offset, "paste the query's [...]"
        )
    value = Evaluator(text, resolve).value(tree)
    if value == []:
        return {}
    return value


def looks_like_swift(text: str) -> bool:
    """Whether a document is a Swift literal rather than JSON or YAML: it opens with ``[``, ``let`` or ``var``
    (after comments). A JSON array or a YAML flow sequence is never a dictionary, so nothing is lost."""
    stripped = text.lstrip()
    while stripped.startswith(("//", "/*")):
        if stripped.startswith("//"):
            newline = stripped.find("\n")
            stripped = "" if newline == -1 else stripped[newline + 1 :].lstrip()
        else:
            end = stripped.find("*/")
            stripped = "" if end == -1 else stripped[end + 2 :].lstrip()
    return stripped.startswith("[") or stripped.startswith(("let ", "var "))
