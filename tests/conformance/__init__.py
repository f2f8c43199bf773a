"""Conformance suite: the SecItem engine against Apple's regression tests, source and documentation."""
