#!/usr/bin/env bash
# Runs Laurel's tests: checks the system packages, builds, runs every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --build-tests
swift test --skip-build "$@"
