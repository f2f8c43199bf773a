"""Probe tests: dump, load_dump, snapshots, diffs, traces and their rendering."""
