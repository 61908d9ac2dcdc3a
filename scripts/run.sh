#!/usr/bin/env bash
# Runs the Laurel daemon on the shipped workflows with an embedded SQLite file:
#   scripts/run.sh                    -> laurel serve --workflows workflows --database laurel.sqlite
#                                        --http 127.0.0.1:8080 --audit-key laurel-audit.key (the daemon,
#                                        the HTTP API, audit checkpoints; the key is made on first run)
#   scripts/run.sh --demo             -> the same on an accelerated clock with generated events
#   scripts/run.sh validate workflows -> any other laurel command
# Stop the daemon with Ctrl-C (SIGINT) or SIGTERM: it finishes the transaction in flight.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product laurel >&2
if (($# == 0)) || [[ $1 == --* ]]; then
  # The audit log's checkpoints are signed with a key kept beside the database, made once.
  if [[ ! -f laurel-audit.key ]]; then .build/debug/laurel audit key --out laurel-audit.key >&2; fi
  set -- serve --workflows workflows --database laurel.sqlite --http "${LAUREL_HTTP:-127.0.0.1:8080}" \
    --audit-key laurel-audit.key "$@"
fi
exec .build/debug/laurel "$@"
