#!/usr/bin/env bash
# Checks the system packages Laurel builds against and installs what is missing when it can.
# Laurel needs: libyaml (pkg-config yaml-0.1, Debian/Ubuntu package libyaml-dev), SQLite's
# development files (pkg-config sqlite3, libsqlite3-dev; GRDB links the system SQLite) and pkg-config.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists yaml-0.1; then
  missing+=(libyaml-dev)
elif ! command -v pkg-config >/dev/null 2>&1; then
  missing+=(libyaml-dev)
fi
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists sqlite3; then
  missing+=(libsqlite3-dev)
elif ! command -v pkg-config >/dev/null 2>&1; then
  missing+=(libsqlite3-dev)
fi
((${#missing[@]} == 0)) && exit 0

echo "Laurel needs these system packages: ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  runner=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      runner=(sudo)
    else
      echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "Installing them with apt-get..." >&2
  "${runner[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq "${missing[@]}" >&2
  pkg-config --exists yaml-0.1 || { echo "libyaml is still not found by pkg-config (yaml-0.1)" >&2; exit 1; }
  pkg-config --exists sqlite3 || { echo "SQLite is still not found by pkg-config (sqlite3)" >&2; exit 1; }
else
  echo "Install the development files of libyaml and SQLite (libyaml-dev and libsqlite3-dev on Debian" >&2
  echo "and Ubuntu, libyaml-devel and sqlite-devel on Fedora) and pkg-config, then run this again." >&2
  exit 1
fi
