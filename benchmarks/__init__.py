"""Side-by-side benchmarks against peer tools (``benchmarks/run.py``; see README.md).

``harness`` measures and runs children; one module per benchmark (``ingest``, ``preview``,
``package``) builds its inputs with ``tests.generators``, runs each side in its own process and
prints its table; the code its child processes run lives next to it (``*_children``).
"""
