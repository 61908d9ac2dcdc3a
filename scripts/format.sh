#!/usr/bin/env bash
# Formats the Swift code as .swift-format says (4 spaces, 120 columns), with the toolchain's
# swift-format. With --check it changes nothing: it prints what would change and fails if
# anything would (CI runs it so).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Benchmarks plugins Fuzz/Sources Package.swift Fuzz/Package.swift)
if [[ "${1:-}" == "--check" ]]; then
  copy=$(mktemp -d)
  trap 'rm -rf "$copy"' EXIT
  for path in "${paths[@]}"; do mkdir -p "$copy/$(dirname "$path")"; cp -R "$path" "$copy/$path"; done
  cp .swift-format "$copy/"
  (cd "$copy" && swift format format --in-place --parallel --recursive "${paths[@]}")
  status=0
  for path in "${paths[@]}"; do
    diff -ru --exclude=.build "$path" "$copy/$path" || status=1
  done
  if [[ $status -ne 0 ]]; then
    echo "the code is not formatted as .swift-format says: run scripts/format.sh and commit the result" >&2
    exit 1
  fi
  echo "formatting: every file as .swift-format says"
else
  swift format format --in-place --parallel --recursive "${paths[@]}"
fi
