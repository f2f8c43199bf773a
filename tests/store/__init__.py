"""Tests of the persistent store (keychainsim.store): behaviour of keychainsim itself, marked ``model``."""
