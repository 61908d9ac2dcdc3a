#!/usr/bin/env bash
# Runs the Laurel daemon on the shipped workflows with an embedded SQLite file:
#   scripts/run.sh                    -> laurel serve --workflows workflows --database laurel.sqlite
#                                        --http 127.0.0.1:8080 --audit-key laurel-audit.key (the daemon,
#                                        the HTTP API and the web pages, audit checkpoints; the key is
#                                        made on first run)
#   scripts/run.sh --demo             -> the same on demo.sqlite with the demo organisation, an
#                                        accelerated clock (a day a minute; --speed N to change it) and
#                                        generated events; prints sign-in links for the web pages
#   scripts/run.sh validate workflows -> any other laurel command
# Stop the daemon with Ctrl-C (SIGINT) or SIGTERM: it finishes the transaction in flight.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-system-packages.sh
swift build --product laurel >&2
laurel=.build/debug/laurel
if (($# > 0)) && [[ $1 != --* ]]; then exec $laurel "$@"; fi

address=${LAUREL_HTTP:-127.0.0.1:8080}
database=laurel.sqlite
demo=false
speed_given=false
previous=""
for argument in "$@"; do
  [[ $argument == --demo ]] && demo=true
  [[ $argument == --speed || $argument == --speed=* ]] && speed_given=true
  [[ $previous == --database ]] && database=$argument
  [[ $argument == --database=* ]] && database=${argument#--database=}
  previous=$argument
done
extra=()
if $demo; then
  # The demo keeps to a file of its own unless told otherwise (a later --database wins).
  [[ $database == laurel.sqlite ]] && { database=demo.sqlite; extra+=(--database demo.sqlite); }
  # A day a minute: a phase of weeks passes while you watch, a council's window stays open long
  # enough to score by hand.
  $speed_given || extra+=(--speed 1440)
  $laurel org import organisations/demo.yaml --database "$database" >&2
  link() { $laurel access grant "$@" --link --expires PT12H --database "$database" | grep -oE '/signin\?code=[A-Za-z0-9_=-]+' | head -1; }
  {
    echo
    echo "Laurel demo: open the web pages with one of these one-time sign-in links (valid 12 hours):"
    echo "  administrator  (Trần Thị Bình):   http://$address$(link tran-thi-binh --role administrator)"
    echo "  unit officer   (Nguyễn Văn An):   http://$address$(link nguyen-van-an --role unit-officer --unit cd-my-dinh-1)"
    echo "  council member (Đặng Thị Mai):    http://$address$(link jury/dang-thi-mai --role council-member)"
    echo "A council member's page opens while their council's step is open; run ./scripts/run.sh --demo again for new links."
    echo
  } >&2
fi
# The audit log's checkpoints are signed with a key kept beside the database, made once.
if [[ ! -f laurel-audit.key ]]; then $laurel audit key --out laurel-audit.key >&2; fi
exec $laurel serve --workflows workflows --database laurel.sqlite --http "$address" --audit-key laurel-audit.key \
  "${extra[@]}" "$@"
