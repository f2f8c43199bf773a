"""The teaching tests use the command line's fixtures: a store per test and the in-process runner."""

from tests.cli.conftest import cli, store  # noqa: F401  (pytest finds fixtures by name)
