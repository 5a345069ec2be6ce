"""The selected talent's assets as a Qt item model, and the filter/sort proxy the grid and the
list share.

Built for 10,000 rows (DR026): a row's texts, sort keys and filter key are worked out once, when
the row arrives, not on every ``data`` call; an asset's row is a dict look-up; the decoded
thumbnails held are the most recently shown few screenfuls (an LRU), never one per asset.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QIdentityProxyModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap

from studio.core import settings
from studio.core.assets import AssetRecord
from studio.ui.formatting import key_figures, kind_label, size_text, status_label

COLUMNS = (QT_TRANSLATE_NOOP("AssetModel", "Name"), QT_TRANSLATE_NOOP("AssetModel", "Kind"),
           QT_TRANSLATE_NOOP("AssetModel", "Status"), QT_TRANSLATE_NOOP("AssetModel", "Format"),
           QT_TRANSLATE_NOOP("AssetModel", "Size"), QT_TRANSLATE_NOOP("AssetModel", "Key figures"),
           QT_TRANSLATE_NOOP("AssetModel", "Added"))
ASSET_ROLE = Qt.UserRole + 1
SORT_ROLE = Qt.UserRole + 2
THUMBNAILS_HELD = settings.THUMBNAILS_HELD  # decoded icons kept at least, by default: a few screenfuls (64 KB each at 128 px: 16 MB)
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
    """Every asset of the talent (``assets``); the rows shown are those the filters let through,
    in the order chosen. Filtering and sorting are one Python pass over keys worked out once,
    never a call back into Python for each row or pair of rows (as a QSortFilterProxyModel
    makes: seconds for 10,000 rows, DR026)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._all: list[_Row] = []
        self._known: set[str] = set()
        self._rows: list[_Row] = []
        self._index: dict[str, int] = {}
        self.thumbnails = Thumbnails()
        self.placeholders: dict[str, QIcon] = {}
        self.missing: set[str] = set()  # ids a visible item asked a thumbnail for (the panel fetches them)
        self._order: tuple[int, Qt.SortOrder] = (-1, Qt.AscendingOrder)
        self._all_order: tuple[int, Qt.SortOrder] | None = None
        self._filters: tuple[str | None, str | None, str] = (None, None, "")

    @property
    def assets(self) -> list[AssetRecord]:
        """All the talent's assets, shown or filtered out."""
        return [r.asset for r in self._all]

    @property
    def total(self) -> int:
        """How many assets the talent has, shown or filtered out."""
        return len(self._all)

    # -- content -------------------------------------------------------------------------------
    def _filtered(self, rows: list[_Row]) -> list[_Row]:
        kind, status, text = self._filters
        if kind or status or text:
            rows = [r for r in rows if (kind is None or r.asset.kind == kind)
                    and (status is None or r.asset.status == status)
                    and (not text or text in r.match or text in r.asset.id)]
        return rows

    def _all_sorted(self) -> list[_Row]:
        """Every row in the order chosen (kept so: a filter changed later is one pass, no sort)."""
        if self._all_order != self._order:
            self._all = _sorted(self._all, *self._order)
            self._all_order = self._order
        return self._all

    def _reindex(self) -> None:
        self._index = {r.asset.id: i for i, r in enumerate(self._rows)}

    def set_assets(self, assets: list[AssetRecord] | list[_Row]) -> None:
        """Show ``assets`` (or rows :func:`make_rows` made of them) instead."""
        rows = assets if assets and isinstance(assets[0], _Row) else make_rows(assets)
        self.beginResetModel()
        self._all, self._all_order = list(rows), None
        self._known = {r.asset.id for r in self._all}
        self._rows = list(self._filtered(self._all_sorted()))
        self._reindex()
        self.endResetModel()

    def append_assets(self, assets: list[AssetRecord] | list[_Row]) -> None:
        """More of the same talent's assets (a listing arrives in chunks). Rows that sort after
        every row shown are appended; others re-sort the view."""
        rows = assets if assets and isinstance(assets[0], _Row) else make_rows(assets)
        rows = [r for r in rows if r.asset.id not in self._known]
        if not rows:
            return
        rows = _sorted(rows, *self._order)
        if self._all and self._order[0] >= 0 and _before(rows[0], self._all[-1], *self._order):
            self._all_order = None  # out of order: sorted again when a filter or sort needs it
        self._all.extend(rows)
        self._known.update(r.asset.id for r in rows)
        shown = self._filtered(rows)
        if not shown:
            return
        first = len(self._rows)
        if first and self._order[0] >= 0 and _before(shown[0], self._rows[-1], *self._order):
            self._relayout(_sorted(self._rows + shown, *self._order))
            return
        self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
        self._rows.extend(shown)
        for i, r in enumerate(shown, first):
            self._index[r.asset.id] = i
        self.endInsertRows()

    def _relayout(self, rows: list[_Row]) -> None:
        """Show ``rows`` (the same rows, or some of them) in their new order; the selection and
        the current item follow their asset (or go, when it is filtered out)."""
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[i.row()].asset.id if 0 <= i.row() < len(self._rows) else None for i in before]
        self._rows = rows
        self._reindex()
        after = [self.index(self._index[aid], i.column()) if aid in self._index else QModelIndex()
                 for aid, i in zip(ids, before)]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:  # Qt API
        self._order = (column, order)
        if column >= 0 and self._rows:
            self._relayout(list(self._filtered(self._all_sorted())))

    def set_filters(self, kind: str | None, status: str | None, text: str) -> None:
        self._filters = (kind, status, text.casefold().strip())
        self.beginResetModel()
        self._rows = list(self._filtered(self._all_sorted()))
        self._reindex()
        self.endResetModel()

    def set_thumbnail(self, asset_id: str, pixmap: QPixmap) -> None:
        self.thumbnails.put(asset_id, QIcon(pixmap))
        row = self.row_of(asset_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [Qt.DecorationRole])

    def has(self, asset_id: str) -> bool:
        """Whether the asset is the talent's and listed here (shown or filtered out)."""
        return asset_id in self._known

    def asset_at(self, row: int) -> AssetRecord:
        """The asset shown in ``row`` (no round trip through a model index)."""
        return self._rows[row].asset

    def row_of(self, asset_id: str) -> int | None:
        """The row an asset is shown in (None: filtered out, or not the talent's)."""
        return self._index.get(asset_id)

    def asset(self, asset_id: str) -> AssetRecord | None:
        row = self._index.get(asset_id)
        if row is not None:
            return self._rows[row].asset
        return next((r.asset for r in self._all if r.asset.id == asset_id), None)

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
        r = self._rows[index.row()]
        if role == Qt.DisplayRole:
            return r.texts[index.column()]
        if role == Qt.DecorationRole:
            if index.column():
                return None
            a = r.asset
            icon = self.thumbnails.touch(a.id)
            if icon is None:
                self.missing.add(a.id)
                return self.placeholders.get(a.kind)
            return icon
        if role == ASSET_ROLE:
            return r.asset
        if role == SORT_ROLE:
            return r.keys[index.column()]
        if role == Qt.ToolTipRole:
            if r.tip is None:
                a = r.asset
                r.tip = f"{a.original_name}\n{a.id}\n{r.texts[5]}" + (
                    "\n⚠ " + "\n⚠ ".join(a.warnings) if a.warnings else "")
            return r.tip
        if role == Qt.ForegroundRole and index.column() == 2 and r.asset.status == "rejected":
            return REJECTED
        return None


class AssetFilter(QIdentityProxyModel):
    """What the grid and the list show: the model's rows as they are (the model filters and
    sorts, DR026); the views' sort requests and the filters go to it."""

    def set_filters(self, kind: str | None, status: str | None, text: str) -> None:
        self.sourceModel().set_filters(kind, status, text)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:  # Qt API
        self.sourceModel().sort(column, order)
