"""Edit ▸ Preferences… (issue 15): what is set is saved in the settings file, read back by a new
session of the app, and in effect at once where it can be (a dark theme's palette, the thumbnails
kept, the preview's quality while turning, the LOD sizes of the next import)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from studio.core.ingest.limits import LodSizes
from studio.ui.settings import Settings
from studio.ui.theme import apply_theme, is_dark


@pytest.fixture
def system_theme(qapp):
    """The app's own theme back after the test (a dark one would leak into later tests)."""
    original = QPalette(qapp.palette())
    yield
    apply_theme(qapp, "system")
    qapp.setPalette(original)


def _preferences(qtbot, window):
    window.open_preferences()
    dialog = window.preferences_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_preferences_round_trip_and_take_effect(qtbot, make_window, system_theme):
    window = make_window()
    assert not is_dark(QApplication.palette())
    dialog = _preferences(qtbot, window)
    assert dialog.theme.currentData() == "system" and dialog.auto_lock.value() == 15  # the defaults
    dialog.location.setText("/srv/studio/vault")
    dialog.auto_lock.setValue(5)
    dialog.motion_scale.setCurrentIndex(dialog.motion_scale.findData(0.75))
    dialog.lod_faces.setValue(50_000)
    dialog.lod_fine_faces.setValue(2_000_000)
    dialog.thumbnails.setValue(512)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.buttons.button(QDialogButtonBox.Ok).click()

    assert is_dark(QApplication.palette())  # at once
    assert window.library.model.thumbnails.limit >= 512 and window.activity.lod_sizes == LodSizes(50_000, 2_000_000)
    assert window.tasks.renders._motion_scale == 0.75

    again = Settings()  # the app's next start reads them back from the file
    assert (str(again.vault_folder()), again.auto_lock_minutes, again.motion_scale, again.lod_sizes(),
            again.thumbnails_held, again.theme, again.language) == (
        "/srv/studio/vault", 5, 0.75, LodSizes(50_000, 2_000_000), 512, "dark", "en")
    reopened = _preferences(qtbot, window)
    assert (reopened.location.text(), reopened.auto_lock.value(), reopened.theme.currentData(),
            reopened.lod_faces.value()) == ("/srv/studio/vault", 5, "dark", 50_000)
    reopened.theme.setCurrentIndex(reopened.theme.findData("system"))
    reopened.buttons.button(QDialogButtonBox.Ok).click()
    assert not is_dark(QApplication.palette()) and Settings().theme == "system"


def test_when_a_preference_is_not_valid_then_the_banner_says_so_and_nothing_is_saved(qtbot, make_window):
    window = make_window()
    dialog = _preferences(qtbot, window)
    dialog.location.setText("relative/vault")
    dialog.auto_lock.setValue(30)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert dialog.isVisible() and "absolute" in dialog.banner.text()
    assert Settings().auto_lock_minutes == 15 and not (window.settings._file.path).exists()
    dialog.buttons.button(QDialogButtonBox.RestoreDefaults).click()
    assert dialog.location.text() == "" and dialog.auto_lock.value() == 15
    dialog.close()


def test_ctrl_comma_opens_the_preferences(qtbot, make_window):
    window = make_window()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
    qtbot.keyClick(window, Qt.Key_Comma, Qt.ControlModifier)
    qtbot.waitUntil(lambda: getattr(window, "preferences_dialog", None) is not None
                    and window.preferences_dialog.isVisible(), timeout=10_000)
    window.preferences_dialog.close()
