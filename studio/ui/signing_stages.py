"""The stages of a dialog where the talent types their passphrase and signs one decision with
the key the studio holds for them (DR034): unlocking (a read task), then signing (a write task).

A dialog mixes :class:`SigningStages` in before ``QDialog`` and provides ``passphrase``,
``confirm_button``, ``banner``, ``tasks``, ``vault``, plus :meth:`_talent_id`, :meth:`_work` (what
signing with the unlocked key does, run as the write task) and :meth:`_signed` (its result, on
the GUI thread). While a stage runs, the passphrase and :meth:`_stage_inputs` are disabled; once
the write is under way the dialog can no longer be called back (Esc does nothing).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt

from studio.core.consent.talent_keys import TalentKey, unlock_talent_key
from studio.ui.banner import error_text


class SigningStages:
    _stage: str | None = None

    # -- what the dialog provides ----------------------------------------------------------------
    def _talent_id(self) -> str:
        raise NotImplementedError

    def _work(self, key: TalentKey) -> Callable:
        """The write task's function (``fn(task)``), signing with ``key``."""
        raise NotImplementedError

    def _signed(self, result) -> None:
        raise NotImplementedError

    def _stage_inputs(self) -> tuple:
        """Widgets besides the passphrase that are disabled while a stage runs."""
        return ()

    def _can_confirm(self) -> bool:
        return True

    # -- the stages ------------------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        self.confirm_button.setEnabled(bool(text) and self._stage is None and self._can_confirm())

    def _confirm(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase or self._stage is not None:
            return
        self.passphrase.clear()  # kept no longer than the unlock needs it
        self._set_stage("unlocking")
        self.banner.show_message(QCoreApplication.translate("SigningStages", "Checking your passphrase…"), "info")
        vault, tid = self.vault, self._talent_id()
        self.tasks.read(lambda _task: unlock_talent_key(vault, tid, passphrase), self._unlocked, self._failed,
                        what=QCoreApplication.translate("SigningStages", "Unlocking your key"), owner=self)

    def _unlocked(self, key: TalentKey) -> None:
        if self._stage != "unlocking":  # cancelled meanwhile: the key is dropped unused
            return
        self._set_stage("signing")
        self.banner.show_message(QCoreApplication.translate("SigningStages", "Signing…"), "info")
        self.tasks.write(self._work(key), self._done, self._failed,
                         what=QCoreApplication.translate("SigningStages", "Signing your decision"), owner=self)

    def _done(self, result) -> None:
        self._set_stage(None)
        self._signed(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if self._stage is None:
            return
        self._set_stage(None)
        self.banner.show_message(QCoreApplication.translate("SigningStages", "Nothing was signed: {error}")
                                 .format(error=error_text(exc)))
        self.passphrase.setFocus(Qt.OtherFocusReason)

    def _set_stage(self, stage: str | None) -> None:
        self._stage = stage
        self.passphrase.setEnabled(stage is None)
        for widget in self._stage_inputs():
            widget.setEnabled(stage is None)
        self.confirm_button.setEnabled(stage is None and bool(self.passphrase.text()) and self._can_confirm())

    def reject(self) -> None:
        if self._stage == "signing":  # being written now: it can no longer be called back
            return
        self._stage = None
        super().reject()
