#!/usr/bin/env bash
# Regenerates the app's source catalogue, studio/ui/i18n/twin_studio.ts, from every module of
# studio/ui (tr() and QCoreApplication.translate calls, QT_TRANSLATE_NOOP marks), and updates any
# language catalogues next to it (twin_studio_<lang>.ts) in place, keeping their translations.
# With --release, also compiles each language catalogue to the .qm file the app loads (DR022).
#
#   bash tools/update_translations.sh            # after changing texts in studio/ui
#   bash tools/update_translations.sh --release  # after translating: make the .qm files
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(dirname "$(command -v python)")
lupdate=$(command -v pyside6-lupdate || echo "$bin/pyside6-lupdate")
lrelease=$(command -v pyside6-lrelease || echo "$bin/pyside6-lrelease")
dir=studio/ui/i18n
mkdir -p "$dir"
shopt -s nullglob
sources=(studio/ui/*.py)
catalogues=("$dir"/twin_studio.ts "$dir"/twin_studio_*.ts)
# -locations relative: file and line of each text, relative to the catalogue; -no-obsolete drops
# texts the code no longer has
"$lupdate" -locations relative -no-obsolete "${sources[@]}" -ts "${catalogues[@]}"
if [[ "${1:-}" == "--release" ]]; then
  for ts in "$dir"/twin_studio_*.ts; do
    "$lrelease" "$ts" -qm "${ts%.ts}.qm"
  done
fi
