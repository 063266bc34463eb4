#!/usr/bin/env bash
# What building librocketmq needs beyond Rust and a C compiler: OpenSSL's
# headers and pkg-config (the TLS stack is the system's libssl.so.3, found by
# the openssl-sys crate with pkg-config). Installs Debian's libssl-dev and
# pkg-config when they are missing and apt-get can (as root); otherwise
# says what to install and fails.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "build-deps.sh: installing libssl-dev and pkg-config" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends libssl-dev pkg-config >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends libssl-dev pkg-config >/dev/null; }
  pkg-config --exists openssl && exit 0
fi
echo "build-deps.sh: OpenSSL's development files are missing: install them" \
  "(Debian/Ubuntu: apt-get install libssl-dev pkg-config; Fedora: dnf install openssl-devel pkgconf)" >&2
exit 1
