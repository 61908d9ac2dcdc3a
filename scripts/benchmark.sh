#!/usr/bin/env bash
# Runs the benchmarks from a release build; the figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product laurel-bench >&2
# The scale benchmark runs the real daemon: the laurel executable, release-built too.
if [[ "${1:-}" == scale ]]; then swift build -c release --product laurel >&2; fi
exec .build/release/laurel-bench "${@:-validate}"
