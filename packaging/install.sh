#!/bin/sh
# Installs Twin Studio from this unpacked tarball for the current user (DR042):
#   the app folder      → ${XDG_DATA_HOME:-~/.local/share}/twin-studio/app/ (an older one is replaced)
#   `twin-studio`       → ~/.local/bin/twin-studio (a link into the app folder)
#   the launcher entry  → <data>/applications/io.twinstudio.TwinStudio.desktop (Exec: the link above)
#   the icons, metadata → <data>/icons/hicolor/…, <data>/metainfo/io.twinstudio.TwinStudio.metainfo.xml
# Uninstall: remove those. For all users, unpack to /opt and link /usr/local/bin/twin-studio by hand.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
app_id=io.twinstudio.TwinStudio
share="${XDG_DATA_HOME:-$HOME/.local/share}"
bin="$HOME/.local/bin"
app="$share/twin-studio/app"

[ -x "$here/twin-studio/twin-studio" ] || { echo "install.sh: $here/twin-studio/twin-studio is missing: unpack the whole tarball" >&2; exit 1; }
mkdir -p "$share/twin-studio" "$bin" "$share/icons/hicolor" "$share/applications" "$share/metainfo"
# copied beside the old one first, so a failed copy leaves the installed app as it was
rm -rf "$app.new"
cp -R "$here/twin-studio" "$app.new"
rm -rf "$app"
mv "$app.new" "$app"
ln -sfn "$app/twin-studio" "$bin/twin-studio"
cp -R "$here/icons/hicolor/." "$share/icons/hicolor/"
# the entry runs the link by its full path: ~/.local/bin is not on every desktop session's PATH
sed "s|^Exec=twin-studio |Exec=$bin/twin-studio |" "$here/$app_id.desktop" > "$share/applications/$app_id.desktop"
chmod 644 "$share/applications/$app_id.desktop"
cp "$here/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
update-desktop-database -q "$share/applications" 2>/dev/null || true
echo "installed Twin Studio: $bin/twin-studio (the launcher entry: Twin Studio)"
