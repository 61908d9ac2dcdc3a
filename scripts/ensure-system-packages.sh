#!/usr/bin/env bash
# Checks the system packages Laurel builds against and installs what is missing when it can.
# Laurel needs: libyaml (pkg-config yaml-0.1, Debian/Ubuntu package libyaml-dev) and pkg-config.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists yaml-0.1; then
  missing+=(libyaml-dev)
elif ! command -v pkg-config >/dev/null 2>&1; then
  missing+=(libyaml-dev)
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
else
  echo "Install libyaml's development files (the package is named libyaml-dev on Debian and Ubuntu," >&2
  echo "libyaml-devel on Fedora, libyaml on Homebrew) and pkg-config, then run this again." >&2
  exit 1
fi
