#!/usr/bin/env bash
# Fuzzes what reads files people write, with libFuzzer and AddressSanitizer: the YAML loader and
# the workflow validator (FuzzWorkflow), the organisation reader (FuzzOrganisation) and the CSV
# reader (FuzzCSV). Each runs for SECONDS (default 60), its corpus seeded from the project's own
# files (fixtures, shipped workflows, organisation data). A crash leaves its input as
# Fuzz/crash-*; the script then fails.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/ensure-system-packages.sh
swift build -c debug --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
bin=Fuzz/.build/debug
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$corpus/workflow" "$corpus/organisation" "$corpus/csv"
cp Tests/laurelTests/Fixtures/*/*.yaml workflows/*.yaml "$corpus/workflow/"
cp organisations/* "$corpus/organisation/"
cp organisations/*.csv "$corpus/csv/"
printf 'id,unit,title\nc1,cd-a,"Công ty ""Sao Mai"", Hà Nội"\n' > "$corpus/csv/quoted.csv"
for target in workflow:FuzzWorkflow organisation:FuzzOrganisation csv:FuzzCSV; do
  name=${target#*:}
  echo "== $name, $seconds s" >&2
  # Leak checks are off: the plugins' static declarations (boxed once, kept for the process) read as leaks.
  ASAN_OPTIONS=detect_leaks=0 "$bin/$name" "$corpus/${target%%:*}" -max_total_time="$seconds" -max_len=65536 -timeout=20 -detect_leaks=0 \
    -artifact_prefix=Fuzz/crash- -print_final_stats=1 2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" || true
  if ls Fuzz/crash-* >/dev/null 2>&1; then echo "$name found a crash: $(ls Fuzz/crash-*)" >&2; exit 1; fi
done
