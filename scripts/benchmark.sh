#!/usr/bin/env bash
# Runs the benchmarks from a release build; the figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build -c release --product laurel-bench >&2
# The scale and lsp benchmarks run the real laurel executable, release-built too.
if [[ "${1:-}" == scale || "${1:-}" == lsp ]]; then swift build -c release --product laurel >&2; fi
exec .build/release/laurel-bench "${@:-validate}"
