"""Where Twin Studio keeps things on this machine: one place for every folder, so the CLI, the
vault and the UI agree. Each folder is the platform's usual one (platformdirs) unless a
``STUDIO_*`` environment variable names another; the tests point them all at temporary folders.

========================  ===========================================  =========================
variable                  what                                         default (Linux)
========================  ===========================================  =========================
``STUDIO_VAULT``          the vault folder used when none is given     ``~/.local/share/TwinStudio/vault``
``STUDIO_DATA_DIR``       the app's data folder (holds the default     ``~/.local/share/TwinStudio``
                          vault)
``STUDIO_CONFIG_DIR``     settings (``settings.json``)                 ``~/.config/TwinStudio``
``STUDIO_CACHE_DIR``      things that can be rebuilt                   ``~/.cache/TwinStudio``
========================  ===========================================  =========================

The folders are only named here, never created: whoever writes into one makes it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "TwinStudio"
#: Every override this module reads, with what it names (the README's table lists the same).
OVERRIDES = {"STUDIO_VAULT": "vault folder", "STUDIO_DATA_DIR": "data folder",
             "STUDIO_CONFIG_DIR": "settings folder", "STUDIO_CACHE_DIR": "cache folder"}


def _override(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    return _override("STUDIO_DATA_DIR") or Path(platformdirs.user_data_dir(APP_NAME, APP_NAME))


def vault_dir() -> Path:
    """The vault used when the user names none (``--vault`` or the GUI's choice win over it)."""
    return _override("STUDIO_VAULT") or data_dir() / "vault"


def config_dir() -> Path:
    return _override("STUDIO_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME, APP_NAME))


def cache_dir() -> Path:
    return _override("STUDIO_CACHE_DIR") or Path(platformdirs.user_cache_dir(APP_NAME, APP_NAME))


def documents_dir() -> Path:
    """The user's Documents folder, or their home folder when there is none: where a file
    dialog opens before the user has chosen a place (never the process's working folder)."""
    documents = Path(platformdirs.user_documents_dir())
    return documents if documents.is_dir() else Path.home()
