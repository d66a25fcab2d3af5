#!/usr/bin/env bash
# Installs dandori's build and test dependencies from Debian's archive when missing.
# Safe to run repeatedly: it only calls apt-get when a package is absent.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  antlr4 libantlr4-runtime-dev
  protobuf-compiler libprotobuf-dev
  libfmt-dev catch2 libcli11-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev postgresql
  libyaml-cpp-dev libcpp-httplib-dev libssl-dev libmicrohttpd-dev
  ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  curl
  chromium fonts-dejavu-core
)
# chromium: the web view's test drives it headless (tests/web, over the DevTools protocol).
# The editor grammar test (editors/test/run.sh) needs node and npm; any install will do.
if ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to apt-get install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
