"""Locked twin packages: write, verify, open; usage reports; leak tracing."""
