#!/usr/bin/env bash
# Laurel's daemons beside procrastinate and PgQueuer on the timer-burst workload of
# ../shared/bench/pg-peers (its README has the spec): N timers due at one instant, 2 worker
# processes, each timer's effect committed once, and the kill and stop chaos runs. Laurel's
# worker is the real `laurel serve` (release build) on the driver's PostgreSQL 15 cluster; its
# effect row is written in the same transaction as the fire (laurel-bench pg-burst-setup).
#
#   Benchmarks/pg-peers.sh                       the whole suite: smoke, fire, kill, stop; 3 reps, systems alternating
#   Benchmarks/pg-peers.sh --plan fire --reps 1  one part of it
#   Benchmarks/pg-peers.sh --systems external    Laurel alone (the driver calls it "external")
#
# Needs root (the driver starts PostgreSQL as the postgres user), PostgreSQL 15's server binaries
# and Python 3 with PyPI; the peers' packages go into .build/pg-peers-venv. Results go to
# .build/pg-peers-results/<time>/ (summary.txt, one JSON per run, the workers' logs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
peers=${PG_PEERS:-$root/../shared/bench/pg-peers}
[[ -f $peers/bench.py ]] || { echo "no benchmark driver at $peers/bench.py (set PG_PEERS)" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "run as root: the driver starts PostgreSQL as the postgres user" >&2; exit 2; }
ls /usr/lib/postgresql/15/bin/initdb >/dev/null 2>&1 || {
  echo "PostgreSQL 15 is not installed: apt-get install postgresql-15" >&2
  exit 2
}
scripts/ensure-system-packages.sh
swift build -c release --product laurel >&2
swift build -c release --product laurel-bench >&2
venv=$root/.build/pg-peers-venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import procrastinate, pgqueuer, psycopg' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$peers/requirements.txt"
fi
# The daemons' workflow folder: the benchmark's workflow alone.
workflows=$(mktemp -d)
trap 'rm -rf "$workflows"' EXIT
cp Benchmarks/workflows/timer-burst.yaml "$workflows/"
out=$root/.build/pg-peers-results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
laurel=$root/.build/release/laurel
bench=$root/.build/release/laurel-bench
systems=procrastinate,pgqueuer,external
args=()
while (($#)); do
  case $1 in
    --systems) systems=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
# A campaign start costs more than a queue's insert: the driver leaves a longer lead before T.
exec "$venv/bin/python" "$peers/bench.py" suite --systems "$systems" --out "$out" --enqueue-cost-s 0.0005 \
  --ext-setup "$bench pg-burst-setup {dsn} --workflow $workflows/timer-burst.yaml" \
  --ext-enqueue "$bench pg-burst-enqueue {dsn} --count {n} --due-epoch {due} --workflow $workflows/timer-burst.yaml" \
  --ext-worker "$laurel serve --database {dsn} --workflows $workflows --name {name} --log-level notice" \
  --ext-state-sql "SELECT count(*) FILTER (WHERE due < extract(epoch FROM now()) + 86400), 0 FROM due_timer" \
  --ext-config "laurel serve (release), 2 daemons; 50 timers claimed per transaction (FOR UPDATE SKIP LOCKED on the campaign), fired through the engine and committed with the effect row; pool of up to 20 connections; LISTEN/NOTIFY wake-ups, a look at the due index every 0.25 s at most; log level notice (no line per fired timer); session timeout 30 s" \
  "${args[@]}"
