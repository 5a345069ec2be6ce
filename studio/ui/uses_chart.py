"""A bar chart of uses over time: paid uses (exports and reported uses) per month, with
violations stacked in red on top, drawn with QPainter (no chart library needed)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.ledger.entries import EntryRecord

PAID = QColor("#2e7d5b")
VIOLATION = QColor("#c62828")


def monthly(entries: list[EntryRecord]) -> list[tuple[str, int, int]]:
    """(YYYY-MM, paid uses, violation uses) for every month from the first entry to the last."""
    if not entries:
        return []
    counts: dict[str, list[int]] = {}
    for e in entries:
        slot = counts.setdefault(e.on[:7], [0, 0])
        slot[1 if e.kind == "violation" else 0] += e.count
    first, last = min(counts), max(counts)
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        key = f"{y:04d}-{m:02d}"
        paid, bad = counts.get(key, [0, 0])
        out.append((key, paid, bad))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class UsesChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Uses over time"))
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.months: list[tuple[str, int, int]] = []

    def set_entries(self, entries: list[EntryRecord]) -> None:
        self.months = monthly(entries)
        self.setToolTip("\n".join(self.tr("{month}: %n paid use(s)", "", p).format(month=k)
                                  + (self.tr(", %n in violation", "", b) if b else "") for k, p, b in self.months))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        text = self.palette().color(QPalette.WindowText)
        rect = QRectF(self.rect()).adjusted(36, 10, -10, -24)
        if not self.months:
            p.setPen(text)
            p.drawText(self.rect(), Qt.AlignCenter, self.tr("No uses yet"))
            return
        top = max(max(a + b for _, a, b in self.months), 1)
        p.setPen(text)
        p.drawLine(rect.bottomLeft(), rect.bottomRight())
        p.drawText(QRectF(0, rect.top() - 6, 32, 14), Qt.AlignRight, str(top))
        p.drawText(QRectF(0, rect.bottom() - 8, 32, 14), Qt.AlignRight, "0")
        n = len(self.months)
        slot = rect.width() / n
        bar = min(slot * 0.7, 48)
        every = max(1, int(60 // max(slot, 1)))
        for i, (month, paid, bad) in enumerate(self.months):
            x = rect.left() + i * slot + (slot - bar) / 2
            h_paid = rect.height() * paid / top
            h_bad = rect.height() * bad / top
            p.fillRect(QRectF(x, rect.bottom() - h_paid, bar, h_paid), PAID)
            p.fillRect(QRectF(x, rect.bottom() - h_paid - h_bad, bar, h_bad), VIOLATION)
            if i % every == 0:
                p.setPen(text)
                p.drawText(QRectF(rect.left() + i * slot, rect.bottom() + 4, slot * every, 16), Qt.AlignHCenter,
                           month)
