#!/usr/bin/env bash
# Runs Laurel on the shipped workflows. Until the daemon exists this validates them:
#   scripts/run.sh                    -> laurel validate workflows/
#   scripts/run.sh plugins            -> any other laurel command
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product laurel >&2
if (($# == 0)); then set -- validate workflows/; fi
exec .build/debug/laurel "$@"
