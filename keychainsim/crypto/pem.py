"""PEM ↔ DER, the conversion an app must do itself before ``SecCertificateCreateWithData``.

Apple's public API takes DER only: PEM text gives NULL from ``SecCertificateCreateWithData`` and
-50 from ``SecKeyCreateWithData`` (keys-certs-identities.md §G.1, §E.2, §J.3 item 5). These helpers
are what a careful app writes, and they say precisely what is wrong with a server's response — a
missing block, the wrong label, a second certificate, text around the block, bad base64 — naming
the input (architecture principle 6). RFC 7468 is the format.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from keychainsim.errors import InputError

_BLOCK = re.compile(
    r"-----BEGIN (?P<label>[^-\r\n]*)-----(?P<body>.*?)-----END (?P<end>[^-\r\n]*)-----",
    re.S,
)
_BEGIN = re.compile(r"-----BEGIN ([^-\r\n]*)-----")


@dataclass(frozen=True)
class PEMBlock:
    """One decoded block: its label, DER bytes, and where it sat in the text."""

    label: str
    der: bytes
    start: int
    end: int


@dataclass(frozen=True)
class PEMBundle:
    """The blocks of a PEM text in order, and any non-blank text found outside them."""

    blocks: tuple[PEMBlock, ...]
    outside_text: tuple[str, ...]

    def ders(self, label: str | None = None) -> list[bytes]:
        """The DER of every block (with ``label``, when given)."""
        return [b.der for b in self.blocks if label is None or b.label == label]


def _text(data: str | bytes, source: str) -> str:
    if isinstance(data, bytes | bytearray):
        try:
            return bytes(data).decode("ascii")
        except UnicodeDecodeError:
            raise InputError(source, "is not PEM text (it contains non-ASCII bytes; is it DER already?)") from None
    if isinstance(data, str):
        return data
    raise TypeError(f"text: expected str or bytes, got {type(data).__name__}")


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_pem(data: str | bytes, source: str = "PEM input") -> PEMBundle:
    """Every PEM block in ``data`` plus the text outside blocks.

    Raises:
        InputError: no block at all, a BEGIN without its END, END label different from BEGIN, or a
            body that is not base64.
    """
    text = _text(data, source)
    blocks: list[PEMBlock] = []
    outside: list[str] = []
    position = 0
    for match in _BLOCK.finditer(text):
        before = text[position : match.start()]
        if _BEGIN.search(before):
            raise InputError(source, f"a BEGIN line at offset {position + _BEGIN.search(before).start()} has no END")
        if before.strip():
            outside.append(before.strip())
        label, end_label = match.group("label"), match.group("end")
        if label != end_label:
            raise InputError(source, f"block 'BEGIN {label}' ends with 'END {end_label}'")
        body = "".join(match.group("body").split())
        try:
            der = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(source, f"the body of the {label} block is not valid base64") from None
        if not der:
            raise InputError(source, f"the {label} block is empty")
        blocks.append(PEMBlock(label, der, match.start(), match.end()))
        position = match.end()
    rest = text[position:]
    if _BEGIN.search(rest):
        raise InputError(source, f"'-----BEGIN {_BEGIN.search(rest).group(1)}-----' has no matching END line")
    if rest.strip():
        outside.append(rest.strip())
    if not blocks:
        raise InputError(source, "contains no PEM block (no '-----BEGIN ...-----' line)")
    return PEMBundle(tuple(blocks), tuple(outside))


def pem_to_der(
    data: str | bytes, expected_label: str = "CERTIFICATE", source: str = "PEM input", allow_text_outside: bool = False
) -> bytes:
    """The DER of the single ``expected_label`` block in ``data``.

    Raises:
        InputError: naming ``source`` and the problem — no block, a block with another label, more than
            one block, text before/after the block (unless ``allow_text_outside``), bad base64.
    """
    bundle = parse_pem(data, source)
    labels = [b.label for b in bundle.blocks]
    if expected_label not in labels:
        raise InputError(source, f"has no {expected_label} block (found: {', '.join(labels)})")
    if len(bundle.blocks) > 1:
        raise InputError(
            source, f"has {len(bundle.blocks)} PEM blocks ({', '.join(labels)}); expected exactly one {expected_label}"
        )
    if bundle.outside_text and not allow_text_outside:
        raise InputError(source, f"has text outside the PEM block: {_snippet(bundle.outside_text[0])}")
    return bundle.blocks[0].der


def der_to_pem(der: bytes, label: str = "CERTIFICATE") -> str:
    """RFC 7468 text: BEGIN line, base64 in 64-character lines, END line, trailing newline."""
    if not isinstance(der, bytes | bytearray):
        raise TypeError(f"der: expected bytes, got {type(der).__name__}")
    body = base64.b64encode(bytes(der)).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def split_pem_bundle(data: str | bytes, label: str = "CERTIFICATE", source: str = "PEM bundle") -> PEMBundle:
    """The blocks of a bundle (e.g. a server's "leaf + chain" response), with text outside them reported,
    not rejected: the caller decides, and can show the user what the server sent around the PEM.

    Raises:
        InputError: as :func:`parse_pem`, or when a block carries another label than ``label``.
    """
    bundle = parse_pem(data, source)
    others = [b.label for b in bundle.blocks if b.label != label]
    if others:
        raise InputError(source, f"contains {', '.join(others)} block(s) besides {label}")
    return bundle
