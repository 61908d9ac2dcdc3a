#!/usr/bin/env bash
# The web pages in a real browser: Debian's chromium driven by Playwright for Python (never
# `playwright install`), with axe's accessibility checks (axe-playwright-python ships axe-core).
# Starts a real `laurel serve --http` on a new SQLite file with the sample organisation and
# Tests/browser/workflows, runs Tests/browser/pages_test.py, and keeps screenshots of the main
# pages at phone and desktop width in artifacts/screenshots (or $SCREENSHOTS).
# Installs chromium (apt) and the Python packages (.build/browser-venv) when missing; where no
# browser can be installed it says so and skips, exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x /usr/bin/chromium ]]; then
  runner=(); [[ $(id -u) -ne 0 ]] && runner=(sudo -n)
  if command -v apt-get >/dev/null; then
    { "${runner[@]}" apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { "${runner[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${runner[@]}" apt-get install -y -qq chromium; }; } \
      || true
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    echo "browser tests skipped: chromium is not installed and could not be (apt-get install chromium)" >&2
    exit 0
  fi
fi
venv=.build/browser-venv
if ! "$venv/bin/python" -c "import playwright, axe_playwright_python" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "playwright>=1.40,<2" "axe-playwright-python>=0.1.4" \
    || { echo "browser tests: pip could not install playwright and axe-playwright-python" >&2; exit 1; }
fi
swift build --product laurel >&2
laurel=.build/debug/laurel
work=$(mktemp -d)
trap 'kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/pages.sqlite"
$laurel org import organisations/nam-tu-liem-sample.yaml --database "$db" >/dev/null
code() { $laurel access grant "$@" --link --database "$db" | grep -oE 'laurel_l_[A-Za-z0-9_-]+' | head -1; }
admin=$(code tran-thi-binh --role administrator)
officer=$(code nguyen-van-an --role unit-officer --unit cd-my-dinh-1)
watcher=$(code tran-thi-binh --role administrator)
officer_entries=$(code nguyen-van-an --role unit-officer --unit cd-my-dinh-1)
juror_dung=$(code le-van-dung --role council-member)
juror_ha=$(code dang-thi-ha --role council-member)
results_watcher=$(code tran-thi-binh --role administrator)
start() {
  local id
  id=$($laurel campaign start district-initiatives --input "unit=$1" --workflows Tests/browser/workflows --database "$db")
  $laurel campaign send "$id" launch --database "$db" >/dev/null
  echo "$id"
}
district=$(start nam-tu-liem)
other=$(start cd-xuan-phuong)
for i in $(seq 1 12); do
  $laurel entry submit "$district" --kind initiative --unit cd-my-dinh-1 --field "title=Sáng kiến số $i" \
    --database "$db" >/dev/null
done
# An awards campaign taking entries (three units' already in), and a secret ballot open. The
# server gets a second version of the awards workflow, so a migration's dry run can be shown.
cp -r Tests/browser/workflows "$work/workflows"
awards=$($laurel campaign start district-awards --workflows Tests/browser/workflows --database "$db")
$laurel campaign send "$awards" launch --database "$db" >/dev/null
for unit in cd-dai-mo cd-xuan-phuong cd-ang-tu; do
  $laurel entry submit "$awards" --kind initiative --field "title=Sáng kiến của $unit" --field "unit=$unit" \
    --field savings-vnd=5000000 --database "$db" >/dev/null
done
ballot=$($laurel campaign start district-ballot --workflows Tests/browser/workflows --database "$db")
$laurel campaign send "$ballot" launch --database "$db" >/dev/null
for unit in cd-dai-mo cd-xuan-phuong cd-my-dinh-1; do
  $laurel entry submit "$ballot" --kind nomination --field "name=Gương mặt $unit" --field "unit=$unit" \
    --database "$db" >/dev/null
done
$laurel campaign send "$ballot" close-nominations --database "$db" >/dev/null
port=$((20000 + RANDOM % 20000))
sed -i 's/"Hội đồng chấm điểm"/"Hội đồng chấm điểm sáng kiến"/' "$work/workflows/district-awards.yaml"
$laurel serve --database "$db" --workflows "$work/workflows" --http "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
screenshots=${SCREENSHOTS:-artifacts/screenshots}
mkdir -p "$screenshots"
LAUREL_BASE="http://127.0.0.1:$port" LAUREL_ADMIN_CODE=$admin LAUREL_OFFICER_CODE=$officer LAUREL_WATCHER_CODE=$watcher \
  LAUREL_ENTRIES_CODE=$officer_entries LAUREL_DUNG_CODE=$juror_dung LAUREL_HA_CODE=$juror_ha \
  LAUREL_RESULTS_CODE=$results_watcher LAUREL_AWARDS=$awards LAUREL_BALLOT=$ballot \
  LAUREL_DISTRICT=$district LAUREL_OTHER=$other SCREENSHOTS=$(cd "$screenshots" && pwd) \
  "$venv/bin/python" Tests/browser/pages_test.py || { cat "$work/serve.log" >&2; exit 1; }
