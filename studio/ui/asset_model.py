"""The selected talent's assets as a Qt item model, and the filter/sort proxy the grid and the
list share."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap

from studio.core.assets import AssetRecord
from studio.ui.formatting import key_figures, kind_label, size_text, status_label

COLUMNS = (QT_TRANSLATE_NOOP("AssetModel", "Name"), QT_TRANSLATE_NOOP("AssetModel", "Kind"),
           QT_TRANSLATE_NOOP("AssetModel", "Status"), QT_TRANSLATE_NOOP("AssetModel", "Format"),
           QT_TRANSLATE_NOOP("AssetModel", "Size"), QT_TRANSLATE_NOOP("AssetModel", "Key figures"),
           QT_TRANSLATE_NOOP("AssetModel", "Added"))
ASSET_ROLE = Qt.UserRole + 1
SORT_ROLE = Qt.UserRole + 2


class AssetModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.assets: list[AssetRecord] = []
        self.thumbnails: dict[str, QIcon] = {}
        self.placeholders: dict[str, QIcon] = {}

    def set_assets(self, assets: list[AssetRecord]) -> None:
        self.beginResetModel()
        self.assets = list(assets)
        self.endResetModel()

    def set_thumbnail(self, asset_id: str, pixmap: QPixmap) -> None:
        self.thumbnails[asset_id] = QIcon(pixmap)
        row = self.row_of(asset_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [Qt.DecorationRole])

    def row_of(self, asset_id: str) -> int | None:
        return next((i for i, a in enumerate(self.assets) if a.id == asset_id), None)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.assets)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return QCoreApplication.translate("AssetModel", COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        a = self.assets[index.row()]
        col = index.column()
        if role == ASSET_ROLE:
            return a
        if role == Qt.DisplayRole:
            return (a.original_name, kind_label(a.kind), status_label(a.status),
                    a.format.upper(), size_text(a.size), key_figures(a), a.created_at[:16].replace("T", " "))[col]
        if role == SORT_ROLE:
            return (a.original_name.casefold(), a.kind, a.status, a.format, a.size,
                    a.metrics.get("faces") or a.metrics.get("points") or a.metrics.get("duration_s") or 0,
                    a.created_at)[col]
        if role == Qt.DecorationRole and col == 0:
            return self.thumbnails.get(a.id) or self.placeholders.get(a.kind)
        if role == Qt.ToolTipRole:
            tip = f"{a.original_name}\n{a.id}\n{key_figures(a)}"
            return tip + ("\n⚠ " + "\n⚠ ".join(a.warnings) if a.warnings else "")
        if role == Qt.ForegroundRole and col == 2 and a.status == "rejected":
            return QColor("#c62828")
        return None


class AssetFilter(QSortFilterProxyModel):
    """Filters by kind and status and by a text that matches the name."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind: str | None = None
        self.status: str | None = None
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filters(self, kind: str | None, status: str | None, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.kind, self.status, self.text = kind, status, text.casefold().strip()
            self.endFilterChange()
        else:
            self.kind, self.status, self.text = kind, status, text.casefold().strip()
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802
        a: AssetRecord = self.sourceModel().index(row, 0, parent).data(ASSET_ROLE)
        if a is None:
            return False
        return ((self.kind is None or a.kind == self.kind) and (self.status is None or a.status == self.status)
                and (not self.text or self.text in a.original_name.casefold() or self.text in a.id))
