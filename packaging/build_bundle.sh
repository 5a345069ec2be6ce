#!/usr/bin/env bash
# Builds the self-contained app folder with PyInstaller (packaging/twin-studio.spec) and, on Linux,
# the tarball a studio installs from (DR042):
#   bash packaging/build_bundle.sh [DIST [WORK]]     default: dist/ and build/pyinstaller/
# → DIST/twin-studio/                                  the app: DIST/twin-studio/twin-studio is `twin-studio`
# → DIST/twin-studio-<version>-linux-<arch>.tar.gz     that folder, the desktop entry, the AppStream
#                                                      metadata, the icons and install.sh
# WORK keeps PyInstaller's analysis: a second build after a small change reuses it.
# $PYTHON: the interpreter with Twin Studio and PyInstaller installed (default .venv/bin/python).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dist="$(realpath -m "${1:-$root/dist}")"
work="$(realpath -m "${2:-$root/build/pyinstaller}")"
python="${PYTHON:-$root/.venv/bin/python}"
app_id="io.twinstudio.TwinStudio"

cd "$root"
"$python" -m PyInstaller --noconfirm --log-level WARN --distpath "$dist" --workpath "$work" packaging/twin-studio.spec

if [ "$(uname -s)" = "Linux" ]; then
  version=$("$python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' pyproject.toml)
  name="twin-studio-$version-linux-$(uname -m)"
  # one top folder, $name/, holding the app folder and what install.sh puts on the desktop
  tar -czf "$dist/$name.tar.gz" --owner=0 --group=0 --transform "s,^\./,$name/," \
      -C "$dist" ./twin-studio \
      -C "$root/packaging" "./$app_id.desktop" "./$app_id.metainfo.xml" ./install.sh \
      -C "$root/studio/resources" ./icons
  echo "built $dist/twin-studio/ and $dist/$name.tar.gz"
else
  echo "built $dist/twin-studio/"
fi
