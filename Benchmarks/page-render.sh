#!/usr/bin/env bash
# The web pages' render time (docs/performance.md, "Rendering the pages"): a release
# `laurel serve --http` on a new SQLite file holding a running campaign of ENTRIES entries from
# UNITS units (`laurel-bench forecast --start-days-ago 61` makes it: 60 days of history ending yesterday),
# an administrator signed in, and wrk's CLIENTS connections asking for PAGE for SECONDS. Prints:
#   page_render page=... requests_per_s=... p50_ms=... p95_ms=... p99_ms=...
#   Benchmarks/page-render.sh [--seconds 15] [--clients 4] [--entries 100000] [--units 300] [--page campaign|campaigns]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=15 clients=4 entries=100000 units=300 page=campaign
while (($#)); do
  case $1 in
    --seconds) seconds=$2 ;; --clients) clients=$2 ;; --entries) entries=$2 ;; --units) units=$2 ;; --page) page=$2 ;;
    *) echo "unknown option $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
  shift 2
done
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
scripts/ensure-system-packages.sh
swift build -c release --product laurel >&2
swift build -c release --product laurel-bench >&2
work=$(mktemp -d)
trap 'kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/pages.sqlite"
.build/release/laurel-bench forecast --database "$db" --entries "$entries" --units "$units" --repeat 1 \
  --start-days-ago 61 >&2
.build/release/laurel org import organisations/nam-tu-liem-sample.yaml --database "$db" >/dev/null
token=$(.build/release/laurel access grant tran-thi-binh --role administrator --database "$db" \
  | grep -oE 'laurel_t_[A-Za-z0-9_-]+' | head -1)
port=$((20000 + RANDOM % 20000))
.build/release/laurel serve --database "$db" --workflows Benchmarks/workflows --http "127.0.0.1:$port" \
  --log-level warning >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
path=/campaigns/forecast-1
[[ $page == campaigns ]] && path=/campaigns
# The first campaign page works out the forecast (then kept five minutes): not what is measured.
curl -fsS -o /dev/null -H "Cookie: laurel_session=$token" "http://127.0.0.1:$port$path"
wrk -t1 -c"$clients" -d"${seconds}s" --latency -s Benchmarks/page-render.lua "http://127.0.0.1:$port" \
  -- "$token" "$path" >"$work/wrk.txt" 2>"$work/wrk.err"
cat "$work/wrk.txt" >&2
ms() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }' "$work/wrk.txt"; }
rate=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
failed=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt"); failed=${failed:-0}
echo "page_render page=$page entries=$entries units=$units clients=$clients requests_per_s=$rate p50_ms=$(ms 50%) p95_ms=$(grep -oE 'page_p95_ms=[0-9.]+' "$work/wrk.txt" | cut -d= -f2) p99_ms=$(ms 99%) failed=$failed"
[[ -s $work/wrk.err ]] && { echo "wrk reported:" >&2; cat "$work/wrk.err" >&2; }
[[ $failed == 0 ]] || { echo "$failed pages failed" >&2; exit 1; }
