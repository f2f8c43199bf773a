"""The device's own identity join, as a device dump records it, held against the model's.

Identities are never stored: securityd forms them by joining certificates and private keys
(``cert.pkhh = keys.klbl``, pitfalls catalog R6). A device dump (``probes/device/KeychainDump.swift``)
asks the device for ``kSecClassIdentity`` too, so the loaded dump carries the device's answer: ground
truth for the model's join. :func:`compare` runs the same query on the loaded keychain and names every
identity one side forms and the other does not; a disagreement means the model (or the dump) is wrong,
and it is reported rather than hidden.

The document field (``device_identities``, FORMAT.md)::

    {"status": 0, "identities": [{"certificate": 2, "key": 1, "klbl": "0a1b...", "label": "client"}]}

``certificate`` and ``key`` are the row ids of the halves among the dump's items (null when the probe
found no such row, e.g. a dump limited to other classes); ``klbl`` is the private key's application label.

On a Mac the two keychains form identities apart: a query reaches the data protection keychain or the
file-based one (``kSecUseDataProtectionKeychain``, SecItem.cpp ``SecItemCategorizeQuery``), and each joins
its own certificates and keys. ``device_identities`` is the data protection keychain's answer; a dump that
includes the file-based keychain carries that keychain's answer as ``file_identities``, in the same shape,
its rows among the dump's file-based items, and each is held against the model's answer in the same
keychain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keychainsim.errors import InputError

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain
    from keychainsim.model.item import Item

_FIELDS = {"certificate", "key", "klbl", "label"}

IDENTITY_QUERY: dict[str, Any] = {
    "class": "idnt",
    "m_Limit": "m_LimitAll",
    "r_Ref": True,
    "r_Attributes": True,
    "sync": "syna",
}
"""What the device probe asks (KeychainDump.swift): every identity, synchronizable or not, with its ref."""


@dataclass(frozen=True)
class DeviceIdentity:
    """One identity the device returned: the rows of its certificate and private key."""

    certificate: int | None
    key: int | None
    klbl: bytes | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "certificate": self.certificate,
            "key": self.key,
            "klbl": None if self.klbl is None else self.klbl.hex(),
            "label": self.label,
        }

    def describe(self) -> str:
        cert = "an unknown certificate" if self.certificate is None else f"certificate row {self.certificate}"
        key = "an unknown private key" if self.key is None else f"private key row {self.key}"
        label = f" (label {self.label!r})" if self.label else ""
        return f"{cert}{label} with {key}"


@dataclass(frozen=True)
class DeviceIdentities:
    """The device's answer to :data:`IDENTITY_QUERY`: its status and the identities it returned."""

    status: int
    identities: tuple[DeviceIdentity, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"identities": [i.to_dict() for i in self.identities], "status": self.status}


KEYCHAIN_FIELDS = {"dp": "device_identities", "file": "file_identities"}
"""The document field that holds the device's identities in each keychain."""


@dataclass(frozen=True)
class IdentityComparison:
    """The device's identities against the model's answer to the same query on the loaded items."""

    device: DeviceIdentities
    model_status: int
    model: tuple[DeviceIdentity, ...]
    only_device: tuple[DeviceIdentity, ...]
    only_model: tuple[DeviceIdentity, ...]
    keychain: str = "dp"
    """Which keychain the query reached: ``dp`` (data protection) or ``file`` (a Mac's file-based one)."""

    @property
    def in_keychain(self) -> str:
        """Where the query ran, for a sentence: nothing for the data protection keychain (the only one on
        iOS), " in the file-based keychain" for a Mac's other one."""
        return " in the file-based keychain" if self.keychain == "file" else ""

    @property
    def agrees(self) -> bool:
        return self.device.status == self.model_status and not self.only_device and not self.only_model

    def disagreements(self) -> list[str]:
        """One sentence per disagreement, naming the rows; empty when the model agrees with the device."""
        out: list[str] = []
        where = self.in_keychain
        if self.device.status != self.model_status:
            out.append(
                f"the device answered the identity query{where} with {_status(self.device.status)}, "
                f"the model with {_status(self.model_status)}"
            )
        out.extend(
            f"the device forms an identity from {i.describe()}; the model's join does not" for i in self.only_device
        )
        out.extend(
            f"the model forms an identity from {i.describe()}; the device returned none" for i in self.only_model
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "agrees": self.agrees,
            "device": self.device.to_dict(),
            "disagreements": self.disagreements(),
            "model": {"identities": [i.to_dict() for i in self.model], "status": self.model_status},
        }


def parse(raw: Any, items: dict[int, Item], source: str, keychain: str = "dp") -> DeviceIdentities:
    """Check and decode a dump's ``device_identities`` (or, for ``keychain="file"``, ``file_identities``)
    against its items; a row of ``file_identities`` must be a file-based item.

    Raises:
        InputError: naming ``source`` and the field (a row that is not a certificate or a key, or not in
            the file-based keychain; bad hex).
    """
    field = KEYCHAIN_FIELDS[keychain]
    if not isinstance(raw, dict) or set(raw) != {"status", "identities"}:
        raise InputError(source, f"{field} must be an object with exactly 'status' and 'identities'")
    status = raw["status"]
    if not isinstance(status, int) or isinstance(status, bool):
        raise InputError(source, f"{field}.status {status!r} is not an OSStatus number")
    entries = raw["identities"]
    if not isinstance(entries, list):
        raise InputError(source, f"{field}.identities must be an array")
    in_keychain = "file" if keychain == "file" else None
    identities: list[DeviceIdentity] = []
    for index, entry in enumerate(entries):
        where = f"{field}.identities[{index}]"
        if not isinstance(entry, dict) or not set(entry) <= _FIELDS or not {"certificate", "key"} <= set(entry):
            raise InputError(source, f"{where} must be an object with certificate, key (and optional klbl, label)")
        cert, key = entry["certificate"], entry["key"]
        _check_row(cert, "cert", items, f"{where}.certificate", source, in_keychain)
        _check_row(key, "keys", items, f"{where}.key", source, in_keychain)
        klbl = entry.get("klbl")
        try:
            label_bytes = None if klbl is None else bytes.fromhex(klbl)
        except (TypeError, ValueError):
            raise InputError(source, f"{where}.klbl {klbl!r} is not hex") from None
        label = entry.get("label")
        if label is not None and not isinstance(label, str):
            raise InputError(source, f"{where}.label must be a string")
        identities.append(DeviceIdentity(cert, key, label_bytes, label))
    return DeviceIdentities(status, tuple(identities))


def _check_row(
    rowid: Any, item_class: str, items: dict[int, Item], where: str, source: str, keychain: str | None
) -> None:
    if rowid is None:
        return
    if not isinstance(rowid, int) or isinstance(rowid, bool):
        raise InputError(source, f"{where} {rowid!r} is not a row id")
    item = items.get(rowid)
    if item is None or item.item_class != item_class:
        what = "no item" if item is None else f"a {item.item_class} item"
        raise InputError(source, f"{where}: row {rowid} is {what}, expected a {item_class} item of this dump")
    if keychain is not None and item.keychain != keychain:
        raise InputError(source, f"{where}: row {rowid} is in the {item.keychain} keychain, expected {keychain}")


def compare(kc: Keychain, device: DeviceIdentities, keychain: str = "dp") -> IdentityComparison:
    """Ask the loaded keychain the device probe's identity query, in ``keychain`` as the probe asked it,
    and hold its answer against the device's."""
    from keychainsim import tracing

    query = dict(IDENTITY_QUERY)
    if kc.platform == "macos":
        # kSecUseDataProtectionKeychain, as KeychainDump.swift sets it for each keychain it reads.
        query["nleg"] = keychain == "dp"
    with tracing.inside():
        status, result = kc.SecItemCopyMatching(query)
    model = tuple(_rows_of(kc, entry, keychain) for entry in (result or [])) if int(status) == 0 else ()
    device_pairs = {(i.certificate, i.key) for i in device.identities}
    model_pairs = {(i.certificate, i.key) for i in model}
    return IdentityComparison(
        device=device,
        model_status=int(status),
        model=model,
        only_device=tuple(i for i in device.identities if (i.certificate, i.key) not in model_pairs),
        only_model=tuple(i for i in model if (i.certificate, i.key) not in device_pairs),
        keychain=keychain,
    )


_CERTIFICATE_NAMES = ("pkhh", "labl", "issr", "slnr", "subj", "skid", "ctyp", "cenc")
"""Certificate attributes an identity's attribute dictionary repeats: what names its certificate row when
the dictionary holds neither the certificate's data nor a ref (a file-based identity whose certificate
does not parse)."""


def _rows_of(kc: Keychain, entry: dict[str, Any], keychain: str) -> DeviceIdentity:
    """The rows of a model identity: the certificate by its DER, the private key by its application label,
    among the items of ``keychain``, as the device probe finds them (it can only compare what the API
    returns). A loaded dump's keys carry no key material, so the model's result may hold no ref; its
    attributes still name both halves (the certificate by the attributes it repeats, when its data is not
    among them)."""
    identity = entry.get("v_Ref")
    cert_der = entry.get("certdata") or (identity.certificate.der if identity is not None else None)
    klbl = entry.get("klbl") or (identity.private_key.application_label if identity is not None else None)
    if klbl is None:
        # A file-based identity's dictionary is its certificate's (SecItem.cpp AddItemResults): the key is
        # the one the join paired with it, whose application label is the certificate's public key hash.
        klbl = entry.get("pkhh")
    named = {key: entry[key] for key in _CERTIFICATE_NAMES if key in entry}
    cert_row = key_row = None
    for item in sorted(kc.all_items(), key=lambda i: i.rowid):
        if item.keychain != keychain:
            continue
        if cert_row is None and item.item_class == "cert":
            if item.get("v_Data") == cert_der if cert_der is not None else _repeats(item, named):
                cert_row = item.rowid
        elif key_row is None and item.item_class == "keys" and item.get("klbl") == klbl and item.get("kcls") == 1:
            key_row = item.rowid
    label = entry.get("labl")
    return DeviceIdentity(cert_row, key_row, klbl, label if isinstance(label, str) else None)


def _repeats(item: Item, named: dict[str, Any]) -> bool:
    return bool(named) and all(item.get(key) == value for key, value in named.items())


def _status(code: int) -> str:
    from keychainsim.status import OSStatus

    return f"{OSStatus(code).name} ({code})" if code in OSStatus._value2member_map_ else str(code)
