"""The item classes and their attributes, as data (schema v12.11 of Apple's keychain database).

Everything the engine knows about an attribute (its kind, whether it is part of the uniqueness
constraint, whether its column stores a SHA-1, its default on add, whether it is returned) is read
from these tables; a fidelity fix is a one-line change in :mod:`keychainsim.schema.tables`.
"""

from keychainsim.schema.model import Attr, Default, ItemClass, Kind
from keychainsim.schema.tables import CERT, CLASSES, GENP, IDNT_ATTRIBUTES, INET, KEYS, item_class

__all__ = [
    "CERT",
    "CLASSES",
    "GENP",
    "IDNT_ATTRIBUTES",
    "INET",
    "KEYS",
    "Attr",
    "Default",
    "ItemClass",
    "Kind",
    "item_class",
]
