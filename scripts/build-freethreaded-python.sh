#!/bin/bash
# Build CPython 3.13 with the GIL disabled ("3.13t") from Debian's archive.
#
#   bash scripts/build-freethreaded-python.sh PREFIX [WORKDIR]
#
# Installs PREFIX/bin/python3.13t (with pip). The upstream source tarball is
# taken from Debian trixie's python3.13 source package, fetched through the
# mirror apt is already configured with; apt checks it against the signed
# Sources index. The host's apt configuration is left untouched: the
# deb-src lookup uses its own sources file, state and cache directories
# under WORKDIR. Build dependencies come from the host's normal apt sources.
#
# Exit status: 0 on success; 2 when apt cannot fetch what the build needs
# (mirror unreachable: callers may treat that as "environment unavailable");
# other codes for configure, compile or install failures. Step timings are
# printed at the end.
set -euo pipefail

PREFIX=${1:?usage: build-freethreaded-python.sh PREFIX [WORKDIR]}
WORKDIR=${2:-$(mktemp -d)}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$WORKDIR"
now() { date +%s; }
started=$(now)

find_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources \
    2>/dev/null || true)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=$(find_mirror)

echo "== step 1/5: compiler and library headers"
if ! apt-get update -qq; then
  echo "apt-get update failed: mirror unreachable" >&2
  exit 2
fi
if ! apt-get install -y -qq --no-install-recommends \
  build-essential pkg-config xz-utils libssl-dev libffi-dev zlib1g-dev \
  libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev >/dev/null; then
  echo "apt-get install of the build dependencies failed" >&2
  exit 2
fi
deps_done=$(now)

echo "== step 2/5: python3.13 source package (trixie, private apt state)"
apt_root=$WORKDIR/apt
mkdir -p "$apt_root/state/lists/partial" "$apt_root/cache/archives/partial" \
  "$apt_root/parts" "$apt_root/src"
cat >"$apt_root/parts/trixie-src.sources" <<EOF
Types: deb-src
URIs: $MIRROR
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
private_apt=(apt-get -qq
  -o Dir::Etc::SourceList=/dev/null
  -o Dir::Etc::SourceParts="$apt_root/parts"
  -o Dir::State="$apt_root/state"
  -o Dir::Cache="$apt_root/cache"
  -o APT::Sandbox::User=root)
if ! "${private_apt[@]}" update; then
  echo "deb-src index update failed: mirror unreachable" >&2
  exit 2
fi
(cd "$apt_root/src" && "${private_apt[@]}" source --download-only python3.13 \
  >"$WORKDIR/source.log" 2>&1) || {
  tail -n 20 "$WORKDIR/source.log" >&2
  exit 2
}
tarball=$(ls "$apt_root"/src/python3.13_*.orig.tar.xz | head -n 1)
tar -C "$WORKDIR" -xf "$tarball"
source_dir=$(ls -d "$WORKDIR"/Python-3.13.* | head -n 1)
source_done=$(now)

echo "== step 3/5: configure --disable-gil"
cd "$source_dir"
./configure --disable-gil --prefix="$PREFIX" --with-ensurepip=install \
  >"$WORKDIR/configure.log" 2>&1
configure_done=$(now)

echo "== step 4/5: make -j$JOBS"
make -j"$JOBS" >"$WORKDIR/make.log" 2>&1
make_done=$(now)

echo "== step 5/5: make install"
make install >"$WORKDIR/install.log" 2>&1
install_done=$(now)

"$PREFIX/bin/python3.13t" - <<'EOF'
import sys
import sysconfig

assert sysconfig.get_config_var("Py_GIL_DISABLED") == 1, "not a free-threaded build"
assert not sys._is_gil_enabled(), "GIL is enabled at startup"
import ctypes, ssl, zlib  # noqa: E401,F401  (optional modules must have built)

print(sys.version)
EOF
echo "seconds: deps=$((deps_done - started)) source=$((source_done - deps_done))" \
  "configure=$((configure_done - source_done)) make=$((make_done - configure_done))" \
  "install=$((install_done - make_done)) total=$((install_done - started))"
echo "installed: $PREFIX ($(du -sh "$PREFIX" | cut -f1)); $WORKDIR may be removed"
