"""Secrets and the process environment.

A variable such as ``STUDIO_PASSPHRASE`` is a convenience for scripts, but anything left in
``os.environ`` is copied into every child process (render service, Open3D viewer) and can be read
there from outside (``/proc/PID/environ`` on Linux). So a secret is taken out of the environment
when it is read (:func:`take_secret`), and a child starts while the environment holds no secret
at all (:func:`secrets_withheld`, :func:`clean_environ`). DR010.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator, Mapping

# names that carry a secret: ours (STUDIO_PASSPHRASE, STUDIO_TALENT_PASSPHRASE, …) and anyone
# else's (a cloud SDK's key, a CI token) — none of them is any use to a render child
_SECRET = re.compile(r"PASSPHRASE|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY",
                     re.IGNORECASE)
_OURS = "STUDIO_"
_LOCK = threading.Lock()  # one child start at a time edits os.environ


def is_secret(name: str) -> bool:
    return bool(_SECRET.search(name))


def take_secret(name: str) -> str | None:
    """The value of the variable ``name``, removed from this process's environment (so no child
    started later inherits it); None when it is not set."""
    with _LOCK:
        return os.environ.pop(name, None)


def clean_environ(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) without any secret: the ``env=`` for a
    child started through :mod:`subprocess`."""
    return {k: v for k, v in (os.environ if base is None else base).items() if not is_secret(k)}


@contextlib.contextmanager
def secrets_withheld() -> Iterator[None]:
    """Around starting a :mod:`multiprocessing` child, which copies ``os.environ`` and takes no
    environment of its own: no secret is in the environment while it starts. The studio's own
    secrets (``STUDIO_*``) are not put back — they have no business there; others' are, for this
    process's own use."""
    with _LOCK:
        withheld = {k: os.environ.pop(k) for k in list(os.environ) if is_secret(k)}
        try:
            yield
        finally:
            for k, v in withheld.items():
                if not k.upper().startswith(_OURS):
                    os.environ[k] = v
