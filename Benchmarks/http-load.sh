#!/usr/bin/env bash
# The HTTP API under load (docs/performance.md, "The HTTP API under load"): a release
# `laurel serve --http` on SQLite, a district's campaign of ENTRIES entries, and wrk's CLIENTS
# connections submitting new entries as a unit officer for SECONDS, each submission committed,
# while the daemon fires the deadlines of TIMERS other campaigns. Prints one line:
#   http_load submissions_per_s=... p50_ms=... p99_ms=... refused=... timers_fired=...
# and fails when a submission was refused or the daemon fired no timer meanwhile.
#   Benchmarks/http-load.sh [--seconds 30] [--clients 50] [--entries 100000] [--timers 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30 clients=50 entries=100000 timers=20000
while (($#)); do
  case $1 in
    --seconds) seconds=$2 ;; --clients) clients=$2 ;; --entries) entries=$2 ;; --timers) timers=$2 ;;
    *) echo "unknown option $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
  shift 2
done
if ! command -v wrk >/dev/null; then
  runner=(); [[ $(id -u) -ne 0 ]] && runner=(sudo -n)
  "${runner[@]}" apt-get install -y -qq wrk >/dev/null 2>&1 || { "${runner[@]}" apt-get update -qq && "${runner[@]}" apt-get install -y -qq wrk; } \
    || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
fi
scripts/ensure-system-packages.sh
swift build -c release --product laurel >&2
swift build -c release --product laurel-bench >&2
work=$(mktemp -d)
trap 'kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
.build/release/laurel-bench http-setup --database "$work/load.sqlite" --entries "$entries" --timers "$timers" \
  --over "$((seconds + 10))" --after 3 --token-file "$work/token"
port=$((20000 + RANDOM % 20000))
.build/release/laurel serve --database "$work/load.sqlite" --workflows Benchmarks/workflows \
  --http "127.0.0.1:$port" --log-level warning >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
wrk -t2 -c"$clients" -d"${seconds}s" --latency -s Benchmarks/http-submit.lua "http://127.0.0.1:$port" \
  -- "$(cat "$work/token")" "load$$" http-submissions-1 cd-my-dinh-1 >"$work/wrk.txt" 2>"$work/wrk.err"
kill -TERM "$serve"; wait "$serve" || { cat "$work/serve.log" >&2; echo "the daemon did not stop cleanly" >&2; exit 1; }
cat "$work/wrk.txt" >&2
rate=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }' "$work/wrk.txt"; }
refused=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt"); refused=${refused:-0}
fired=$(.build/release/laurel campaign list --database "$work/load.sqlite" --format json \
  | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["workflow"] == "timer-burst" and c["state"] != "phase1"))')
stored=$(.build/release/laurel campaign status http-submissions-1 --database "$work/load.sqlite" --format json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
echo "http_load clients=$clients seconds=$seconds entries_before=$entries entries_after=$stored submissions_per_s=$rate p50_ms=$(ms 50%) p99_ms=$(ms 99%) refused=$refused timers_fired=$fired"
[[ -s $work/wrk.err ]] && { echo "wrk reported:" >&2; cat "$work/wrk.err" >&2; }
[[ $refused == 0 ]] || { echo "$refused submissions were refused" >&2; exit 1; }
((fired > 0)) || { echo "the daemon fired no timer during the load" >&2; exit 1; }
