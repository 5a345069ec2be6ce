"""Screenshots of each main screen, from the real app on real test data.

    .venv/bin/python tools/screenshots.py            # writes docs/screenshots/*.png

Runs offscreen (no display needed): a fresh vault in a temporary folder, two talents, the real
scans and voice takes from ../shared/testdata ingested through the window's drop path, and the
real Open3D preview. Nothing here is mocked up.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TESTDATA = REPO.parent / "shared" / "testdata"
OUT = REPO / "docs" / "screenshots"
PASSPHRASE = "screenshot vault passphrase"
FILES = [TESTDATA / "scans" / "igea.ply", TESTDATA / "scans" / "nefertiti.obj",
         TESTDATA / "scans" / "pointclouds" / "ism_train_michael.pcd",
         TESTDATA / "voice" / "ljspeech_LJ050-0131.wav", TESTDATA / "voice" / "vctk_p226_001.wav",
         TESTDATA / "malformed" / "assimp" / "invalid" / "empty.obj"]


def main() -> int:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp(prefix="twin-screens-"))
    os.environ["STUDIO_CONFIG_DIR"] = str(tmp / "config")
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.ui.app import application
    from studio.ui.main_window import MainWindow
    from studio.ui.vault_dialogs import CreateVaultDialog, UnlockDialog

    app = application()
    OUT.mkdir(parents=True, exist_ok=True)

    def spin(seconds: float, until=None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until()):
            app.processEvents(QEventLoop.AllEvents, 50)
            time.sleep(0.02)

    def save(widget, name: str) -> None:
        spin(0.3)
        path = OUT / f"{name}.png"
        widget.grab().save(str(path))
        print(path.relative_to(REPO))

    create = CreateVaultDialog(tmp / "vault")
    create.show()
    create.passphrase.setText(PASSPHRASE)
    create.repeat.setText(PASSPHRASE)
    save(create, "create-vault")
    create.close()

    vault = Vault.create(tmp / "vault", PASSPHRASE)
    vault.close()
    unlock = UnlockDialog(tmp / "vault")
    unlock.show()
    unlock.passphrase.setText("not the passphrase")
    unlock._unlock()
    spin(30, lambda: unlock.banner.isVisible())
    save(unlock, "unlock-wrong-passphrase")
    unlock.passphrase.setText(PASSPHRASE)
    unlock._unlock()
    spin(30, lambda: unlock.vault is not None)
    vault = unlock.vault

    add_talent(vault, "Ines Duarte", "ines@example.com", "Northside Models")
    add_talent(vault, "Amara Okafor", agency="Lumen Agency")
    window = MainWindow(vault)
    window.resize(1440, 900)
    window.show()
    spin(10, lambda: window.talent is not None)
    window.ingest(FILES)
    spin(300, lambda: not window.activity.running)
    lib = window.library
    stored = len(FILES) - 1  # the malformed one is rejected
    spin(120, lambda: len(lib.model.assets) == stored and all(a.id in lib.model.thumbnails for a in lib.model.assets))
    scan = next(a for a in lib.model.assets if a.original_name == "igea.ply")
    lib.select(scan.id)
    viewport = window.detail.scan.viewport
    spin(120, lambda: viewport.image is not None and not viewport.image_moving)
    save(window, "main-window-scan")

    window.set_library_view("list")
    voice = next(a for a in lib.model.assets if a.kind == "voice")
    lib.select(voice.id)
    spin(20, lambda: window.detail.voice.waveform.duration() > 0)
    save(window, "main-window-voice-list")

    window.set_library_view("grid")
    cloud = next(a for a in lib.model.assets if a.kind == "point_cloud")
    lib.select(cloud.id)
    spin(120, lambda: viewport.image is not None and not viewport.image_moving)
    window.detail.scan.viewport.set_view("three-quarter")
    spin(60, lambda: viewport.image is not None and not viewport.image_moving)
    save(window, "main-window-point-cloud")

    window.close()
    spin(1)
    vault.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
