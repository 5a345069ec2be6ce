"""The selected talent's assets as a Qt item model, and the filter/sort proxy the grid and the
list share.

Built for 10,000 rows (DR026): a row's texts, sort keys and filter key are worked out once, when
the row arrives, not on every ``data`` call; an asset's row is a dict look-up; the decoded
thumbnails held are the most recently shown few screenfuls (an LRU), never one per asset.
"""

from __future__ import annotations

from collections import OrderedDict

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
THUMBNAILS_HELD = 256  # decoded icons kept at least: a few screenfuls (64 KB each at 128 px: 16 MB)
REJECTED = QColor("#c62828")


class Thumbnails(OrderedDict):
    """Decoded thumbnails by asset id, least recently shown first; holds at most ``limit``."""

    def __init__(self, limit: int = THUMBNAILS_HELD) -> None:
        super().__init__()
        self.limit = limit

    def put(self, asset_id: str, icon: QIcon) -> None:
        self[asset_id] = icon
        self.move_to_end(asset_id)
        while len(self) > self.limit:
            self.popitem(last=False)

    def touch(self, asset_id: str) -> QIcon | None:
        icon = self.get(asset_id)
        if icon is not None:
            self.move_to_end(asset_id)
        return icon


class _Row:
    """What the views ask of one asset, worked out once."""

    __slots__ = ("asset", "texts", "keys", "match", "tip")

    def __init__(self, a: AssetRecord, kinds: dict[str, str], statuses: dict[str, str]) -> None:
        self.asset = a
        figures = key_figures(a)
        self.texts = (a.original_name, kinds.get(a.kind) or kind_label(a.kind),
                      statuses.get(a.status) or status_label(a.status), a.format.upper(), size_text(a.size), figures,
                      a.created_at[:16].replace("T", " "))
        self.keys = (a.original_name.casefold(), a.kind, a.status, a.format, a.size,
                     a.metrics.get("faces") or a.metrics.get("points") or a.metrics.get("duration_s") or 0,
                     a.created_at)
        self.match = self.keys[0]
        self.tip = None


def _sorted(rows: list[_Row], column: int, order) -> list[_Row]:
    if column < 0:
        return rows
    return sorted(rows, key=lambda r: r.keys[column], reverse=order == Qt.DescendingOrder)


def _before(a: _Row, b: _Row, column: int, order) -> bool:
    """Whether ``a`` sorts strictly before ``b``."""
    x, y = a.keys[column], b.keys[column]
    return x > y if order == Qt.DescendingOrder else x < y


def make_rows(assets: list[AssetRecord]) -> list[_Row]:
    """The model's rows for ``assets``: safe on a worker thread (texts, keys and translated
    labels only), so a long listing is prepared where the GUI does not wait for it."""
    kinds = {k: kind_label(k) for k in ("mesh", "point_cloud", "voice")}
    statuses = {s: status_label(s) for s in ("pending_review", "approved", "rejected")}
    return [_Row(a, kinds, statuses) for a in assets]


class AssetModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.assets: list[AssetRecord] = []
        self._rows: list[_Row] = []
        self._index: dict[str, int] = {}
        self.thumbnails = Thumbnails()
        self.placeholders: dict[str, QIcon] = {}
        self.missing: set[str] = set()  # ids a visible item asked a thumbnail for (the panel fetches them)
        self._order: tuple[int, Qt.SortOrder] = (-1, Qt.AscendingOrder)

    # -- content -------------------------------------------------------------------------------
    def set_assets(self, assets: list[AssetRecord] | list[_Row]) -> None:
        """Show ``assets`` (or rows :func:`make_rows` made of them) instead."""
        rows = assets if assets and isinstance(assets[0], _Row) else make_rows(assets)
        self.beginResetModel()
        self._rows = _sorted(list(rows), *self._order)
        self.assets = [r.asset for r in self._rows]
        self._index = {a.id: i for i, a in enumerate(self.assets)}
        self.endResetModel()

    def append_assets(self, assets: list[AssetRecord] | list[_Row]) -> None:
        """More of the same talent's assets (a listing arrives in chunks); ids already here are
        skipped. Rows that sort after every row here are appended; others re-sort the model."""
        rows = assets if assets and isinstance(assets[0], _Row) else make_rows(assets)
        rows = [r for r in rows if r.asset.id not in self._index]
        if not rows:
            return
        rows = _sorted(rows, *self._order)
        first = len(self._rows)
        in_order = not first or self._order[0] < 0 or not _before(rows[0], self._rows[-1], *self._order)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.assets.extend(r.asset for r in rows)
        for i, r in enumerate(rows, first):
            self._index[r.asset.id] = i
        self.endInsertRows()
        if not in_order:
            self.sort(*self._order)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:  # Qt API: sorting is done here, once
        """Sorts the rows by a column's precomputed keys (one Python sort, not a comparison
        call per pair as a proxy's sort makes: 10,000 rows take milliseconds)."""
        self._order = (column, order)
        if column < 0 or not self._rows:
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        old = {id(r): i for i, r in enumerate(self._rows)}
        self._rows = _sorted(self._rows, column, order)
        self.assets = [r.asset for r in self._rows]
        self._index = {r.asset.id: i for i, r in enumerate(self._rows)}
        where = {old[id(r)]: i for i, r in enumerate(self._rows)}
        self.changePersistentIndexList(before, [self.index(where[i.row()], i.column()) for i in before])
        self.layoutChanged.emit()

    def set_thumbnail(self, asset_id: str, pixmap: QPixmap) -> None:
        self.thumbnails.put(asset_id, QIcon(pixmap))
        row = self.row_of(asset_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [Qt.DecorationRole])

    def row_of(self, asset_id: str) -> int | None:
        return self._index.get(asset_id)

    def asset(self, asset_id: str) -> AssetRecord | None:
        row = self._index.get(asset_id)
        return None if row is None else self.assets[row]

    # -- Qt ----------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return QCoreApplication.translate("AssetModel", COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return r.texts[col]
        if role == ASSET_ROLE:
            return r.asset
        if role == SORT_ROLE:
            return r.keys[col]
        if role == Qt.DecorationRole and col == 0:
            a = r.asset
            icon = self.thumbnails.touch(a.id)
            if icon is None:
                self.missing.add(a.id)
                return self.placeholders.get(a.kind)
            return icon
        if role == Qt.ToolTipRole:
            if r.tip is None:
                a = r.asset
                r.tip = f"{a.original_name}\n{a.id}\n{r.texts[5]}" + (
                    "\n⚠ " + "\n⚠ ".join(a.warnings) if a.warnings else "")
            return r.tip
        if role == Qt.ForegroundRole and col == 2 and r.asset.status == "rejected":
            return REJECTED
        return None

    # -- for the filter ------------------------------------------------------------------------------
    def row_record(self, row: int) -> _Row:
        return self._rows[row]


class AssetFilter(QSortFilterProxyModel):
    """Filters by kind and status and by a text that matches the name; sorts by the keys each
    row worked out once."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind: str | None = None
        self.status: str | None = None
        self.text = ""
        self.sorted_by: tuple[int, Qt.SortOrder] = (-1, Qt.AscendingOrder)

    def set_filters(self, kind: str | None, status: str | None, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.10; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.kind, self.status, self.text = kind, status, text.casefold().strip()
            self.endFilterChange()
        else:
            self.kind, self.status, self.text = kind, status, text.casefold().strip()
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent) -> bool:  # noqa: N802
        if parent.isValid():
            return False
        source = self.sourceModel()
        if not self.kind and not self.status and not self.text:
            return True
        r = source.row_record(row)
        a = r.asset
        return ((self.kind is None or a.kind == self.kind) and (self.status is None or a.status == self.status)
                and (not self.text or self.text in r.match or self.text in a.id))

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:  # noqa: D401 (Qt API)
        """The source model sorts (by keys worked out once); this proxy only filters, so it
        never calls back into Python for each pair of rows."""
        self.sourceModel().sort(column, order)
        self.sorted_by = (column, order)
