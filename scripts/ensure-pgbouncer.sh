#!/usr/bin/env bash
# Builds PgBouncer 1.24.1 (prepared statements in transaction mode, which Debian bookworm's 1.18
# lacks) from Debian trixie's source package into a cache dir, once, for the PgBouncer >= 1.21
# integration test (test/helpers/pgbouncer.ts runs it; `make pgbouncer` too). Prints the binary's
# path on stdout. Never fails the run: when something is unavailable it says why on stderr, prints
# nothing on stdout and exits 0, and the test skips with that reason. Touches nothing outside the
# cache dir except, as root, `apt-get install` of missing build dependencies (Debian's own lists).
set -u

VERSION=${PGBOUNCER_VERSION:-1.24.1}
CACHE=${PGRST_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pgrest-gateway}
PREFIX=$CACHE/pgbouncer-$VERSION
BIN=$PREFIX/bin/pgbouncer
LOG=$CACHE/pgbouncer-$VERSION.log
MIRROR=http://deb.debian.org/debian
# Fallback without apt: the trixie source package fetched from the pool, its .dsc pinned here
# (the .dsc then pins the tarballs). The pool keeps only current versions, so apt comes first.
POOL_DSC=pgbouncer_1.24.1-1+deb13u2.dsc
POOL_DSC_SHA256=dc1bc121e10a7ac2da987e72bb13798c94a7ff162ddc480d93a3f93c19b637a7

skip() {
  echo "note: PgBouncer $VERSION is not available, the PgBouncer >= 1.21 test will skip: $*" >&2
  exit 0
}
cached() {
  if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "PgBouncer $VERSION\b"; then
    echo "$BIN"
    exit 0
  fi
}
cached
mkdir -p "$CACHE" 2>/dev/null || skip "cannot create $CACHE"
command -v flock >/dev/null 2>&1 || skip "flock is missing"
exec 9>"$CACHE/pgbouncer.lock"
flock -w 900 9 || skip "another build holds $CACHE/pgbouncer.lock"
cached # built by whoever held the lock
work=$(mktemp -d "$CACHE/pgbouncer-build.XXXXXX") || skip "cannot write to $CACHE"
trap 'rm -rf "$work"' EXIT
: >"$LOG"
echo "Building PgBouncer $VERSION from Debian trixie's source into $PREFIX (once; log: $LOG)…" >&2

# Build dependencies: compilers and headers, from the system's own apt lists when root.
missing=()
for tool in gcc:gcc make:make pkg-config:pkg-config tar:tar xz:xz-utils patch:patch; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists libevent || missing+=(libevent-dev)
  pkg-config --exists openssl || missing+=(libssl-dev)
else
  missing+=(libevent-dev libssl-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    skip "missing build dependencies (${missing[*]}); install them (needs root and apt-get)"
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${missing[@]}" >>"$LOG" 2>&1; then
    apt-get update -qq >>"$LOG" 2>&1
    apt-get install -y -qq "${missing[@]}" >>"$LOG" 2>&1 || skip "apt-get install ${missing[*]} failed (see $LOG)"
  fi
fi

# The source: apt-get source with a private sources list and private lists/cache (the system's
# apt configuration is not touched); apt checks the files against trixie's signed index.
fetch_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local a=$work/apt
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$work/src" || return 1
  echo "deb-src $MIRROR trixie main" >"$a/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$a/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$a/lists"
    -o "Dir::Cache=$a/cache" -o APT::Get::List-Cleanup=0)
  [ "$(id -u)" = 0 ] && opts+=(-o APT::Sandbox::User=root)
  apt-get -q "${opts[@]}" update >>"$LOG" 2>&1 || return 1
  local v
  v=$(apt-cache "${opts[@]}" showsrc pgbouncer 2>>"$LOG" | sed -n 's/^Version: //p' | awk -v p="$VERSION-" 'index($0, p) == 1' | sort -V | tail -n 1)
  [ -n "$v" ] || { echo "trixie has no pgbouncer $VERSION source" >>"$LOG"; return 1; }
  (cd "$work/src" && apt-get -q "${opts[@]}" source --download-only "pgbouncer=$v") >>"$LOG" 2>&1 || return 1
}

fetch_url() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 2 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
  else return 1; fi
}

# Without apt: the pinned .dsc from the pool, then each file it lists, checked by its SHA-256.
fetch_pool() {
  [ "$VERSION" = 1.24.1 ] || return 1
  command -v sha256sum >/dev/null 2>&1 || return 1
  rm -rf "$work/src" && mkdir -p "$work/src" || return 1
  local base=$MIRROR/pool/main/p/pgbouncer
  fetch_url "$base/$POOL_DSC" "$work/src/$POOL_DSC" >>"$LOG" 2>&1 || return 1
  echo "$POOL_DSC_SHA256  $work/src/$POOL_DSC" | sha256sum -c --quiet >>"$LOG" 2>&1 || return 1
  local sum size name
  while read -r sum size name; do
    fetch_url "$base/$name" "$work/src/$name" >>"$LOG" 2>&1 || return 1
    echo "$sum  $work/src/$name" | sha256sum -c --quiet >>"$LOG" 2>&1 || return 1
  done < <(sed -n '/^Checksums-Sha256:/,/^[^ ]/s/^ \([0-9a-f]\{64\}\) \([0-9]*\) \(.*\)$/\1 \2 \3/p' "$work/src/$POOL_DSC")
}

fetch_apt || fetch_pool || skip "could not download pgbouncer $VERSION's source from $MIRROR (see $LOG)"
orig=$(ls "$work/src"/pgbouncer_"$VERSION".orig.tar.* 2>/dev/null | head -n 1)
deb=$(ls "$work/src"/pgbouncer_"$VERSION"-*.debian.tar.* 2>/dev/null | head -n 1)
[ -n "$orig" ] || skip "no orig tarball among the downloaded files (see $LOG)"

# Unpack, apply Debian's patches (security fixes), build, install only the binary.
tree=$work/pgbouncer-$VERSION
tar -xf "$orig" -C "$work" >>"$LOG" 2>&1 || skip "cannot unpack $orig"
[ -d "$tree" ] || skip "$orig did not unpack to pgbouncer-$VERSION"
if [ -n "$deb" ]; then
  tar -xf "$deb" -C "$tree" >>"$LOG" 2>&1 || skip "cannot unpack $deb"
  if [ -f "$tree/debian/patches/series" ]; then
    while read -r p _; do
      case "$p" in '' | '#'*) continue ;; esac
      patch -d "$tree" -p1 -s <"$tree/debian/patches/$p" >>"$LOG" 2>&1 || skip "Debian patch $p does not apply (see $LOG)"
    done <"$tree/debian/patches/series"
  fi
fi
jobs=$(nproc 2>/dev/null || echo 2)
(cd "$tree" && ./configure --prefix="$PREFIX" --without-cares --without-pam --without-systemd && make -j"$jobs") >>"$LOG" 2>&1 ||
  skip "configure/make failed (see $LOG)"
stage=$PREFIX.new.$$
rm -rf "$stage" && install -D -m 755 "$tree/pgbouncer" "$stage/bin/pgbouncer" || skip "cannot install into $stage"
rm -rf "$PREFIX" && mv "$stage" "$PREFIX" || skip "cannot move $stage to $PREFIX"
cached
skip "the built binary does not report PgBouncer $VERSION (see $LOG)"
