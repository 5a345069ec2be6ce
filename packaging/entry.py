"""The frozen app's entry point (packaging/twin-studio.spec): ``twin-studio`` as the wheel installs it.

``multiprocessing.freeze_support()`` comes first: the render and viewer children start with the
``spawn`` method, which in a frozen app runs this same executable again; there it must become the
child (and never parse the command line as ``twin-studio``). A macOS ``.app`` is opened with no
arguments (Finder, the Dock): there the command is ``gui``. DR042."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from studio.cli import main

    argv = sys.argv[1:]
    if not argv and sys.platform == "darwin" and ".app/Contents/MacOS/" in sys.executable:
        argv = ["gui"]
    sys.exit(main(argv))
