"""The brand's outputs awaiting the talent in a review kit (DR053): listed with who asks, shown
full size in the middle, approved or rejected one by one. Mixed into
:class:`studio.ui.talent_window.TalentWindow`."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListWidgetItem, QStyle

from studio.core.kits.kit_file import OUTPUT_KINDS
from studio.ui.formatting import size_text
from studio.ui.talent_choices import ASSET_ROLE, Pending

THUMB = 64  # a list's icon size (assets and outputs)


class TalentOutputs:
    """The tab *Outputs to approve* and what the middle shows of the selected output."""

    def _outputs_of(self, kit: dict) -> list[tuple[dict, dict, bool]]:
        """(request, output, carried) for every output awaiting the talent, as the kit lists them."""
        return [(r, o, True) for r in kit.get("approvals") or [] for o in r["outputs"]] + \
               [(r, o, False) for r in kit.get("approvals") or [] for o in r["omitted"]]

    def _fill_outputs(self, kit: dict) -> None:
        self.outputs.clear()
        style = self.style()
        for r, o, carried in self._outputs_of(kit):
            item = QListWidgetItem(self._output_line(r, o, carried))
            item.setData(ASSET_ROLE, (r["id"], o["sha256"], carried))
            item.setToolTip(o["name"])
            if o["media_type"].startswith("audio/"):
                item.setIcon(style.standardIcon(QStyle.SP_MediaVolume))
            else:
                pixmap = QPixmap()
                data = self.shown.opened.files.get(o.get("file", "")) if carried else None
                item.setIcon(QIcon(pixmap) if data and pixmap.loadFromData(data) else
                             style.standardIcon(QStyle.SP_FileIcon))
            self.outputs.addItem(item)
        self.outputs.setIconSize(QSize(THUMB, THUMB))
        count = sum(1 for *_, carried in self._outputs_of(kit) if carried)
        self.tabs.setTabText(self.outputs_tab, self.tr("Outputs to approve ({count})").format(count=count)
                             if count else self.tr("Outputs to approve"))
        self.output_info.setText(self.tr("No output awaits you in this kit.") if not self.outputs.count() else "")

    def _output_line(self, r: dict, o: dict, carried: bool) -> str:
        line = f"{o['name']}\n{r['brand']} · {o['media_type']} · {size_text(o['size'])}"
        if not carried:
            return line + "\n" + self.tr("not in this kit: it cannot be decided from it")
        choice = next((p for p in self.pending if p.kind in OUTPUT_KINDS and p.subject == o["sha256"]), None)
        if choice is not None:
            line += "\n→ " + (self.tr("you approve") if choice.kind == "approve_output" else self.tr("you reject"))
        return line

    def current_output(self) -> tuple[dict, dict, bool] | None:
        item = self.outputs.currentItem()
        if item is None or self.shown is None:
            return None
        return self._output_of(item)

    def _output_of(self, item: QListWidgetItem) -> tuple[dict, dict, bool]:
        """(request, output, carried) of an item of the outputs list, from the shown kit."""
        rid, sha, carried = item.data(ASSET_ROLE)
        r = next(r for r in self.shown.kit.get("approvals") or [] if r["id"] == rid)
        o = next(o for o in r["outputs" if carried else "omitted"] if o["sha256"] == sha)
        return r, o, carried

    def _output_selected(self) -> None:
        """Show the selected output full size in the middle (an image; a voice line in the player)
        and, in the tab, who asks and for what use."""
        current = self.current_output()
        if current is None:
            self._show_kit_state()
            return
        r, o, carried = current
        use = r["use"]
        self.output_info.setText(self.tr(
            "<b>{brand}</b> asks, under grant {grant}:<br><i>{description}</i><br>purpose {purpose} · media {media} · "
            "territory {territory}<br><span style='color:gray'>{summary}</span><br>"
            "<span style='color:gray'>request {request} · SHA-256 {sha}</span>").format(
                brand=html.escape(r["brand"]), grant=r["grant"], description=html.escape(use.get("description", "")),
                purpose=html.escape(use.get("purpose", "")), media=html.escape(use.get("media", "")),
                territory=html.escape(use.get("territory", "")),
                summary=html.escape(r.get("grant_summary", "")).replace("\n", "<br>"), request=r["id"],
                sha=o["sha256"]))
        self.showing_output = True
        self.assets.clearSelection()  # the middle shows the output: no asset looks chosen
        self.voice.clear()
        self.scan.clear()
        self.name.setText(o["name"])
        self.header.setText(html.escape(f"{o['media_type']} · {size_text(o['size'])} · {r['brand']}") + (
            "" if carried else "<br>" + self.tr("Not in the kit: {reason}. It cannot be decided from this kit; ask "
                                                "the studio for a new one.").format(reason=html.escape(o["reason"]))))
        data = self.shown.opened.files.get(o.get("file", "")) if carried else None
        if data is None:
            self.stack.setCurrentWidget(self.placeholder)
        elif o["media_type"].startswith("audio/"):
            self.stack.setCurrentWidget(self.voice)
            self.voice.show_take(o["name"], data, o["media_type"], {}, {}, [])
        else:
            self.stack.setCurrentWidget(self.image)
            self.image.set_image(data)
        self._show_kit_state()

    def choose_output(self, kind: str) -> None:
        current = self.current_output()
        if current is None or not current[2]:
            return
        r, o, _ = current
        label = (self.tr("Approve output {name} for {brand}") if kind == "approve_output" else
                 self.tr("Reject output {name} for {brand}")).format(name=o["name"], brand=r["brand"])
        choice = Pending(kind, o["sha256"], label)
        if kind == "reject_output":
            self._ask_reason(self.tr("Reject “{name}”").format(name=o["name"]),
                             self.tr("Why do you reject <b>{name}</b>? {brand} reads your note.").format(
                                 name=html.escape(o["name"]), brand=html.escape(r["brand"])),
                             False, lambda: self._add(choice))
            return
        self._add(choice)
