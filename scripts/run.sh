#!/usr/bin/env bash
# Runs the Laurel daemon on the shipped workflows with an embedded SQLite file:
#   scripts/run.sh                    -> laurel serve --workflows workflows --database laurel.sqlite
#                                        --http 127.0.0.1:8080 (the daemon and the HTTP API)
#   scripts/run.sh --demo             -> the same on an accelerated clock with generated events
#   scripts/run.sh validate workflows -> any other laurel command
# Stop the daemon with Ctrl-C (SIGINT) or SIGTERM: it finishes the transaction in flight.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product laurel >&2
if (($# == 0)) || [[ $1 == --* ]]; then
  set -- serve --workflows workflows --database laurel.sqlite --http "${LAUREL_HTTP:-127.0.0.1:8080}" "$@"
fi
exec .build/debug/laurel "$@"
