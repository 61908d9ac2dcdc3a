#!/usr/bin/env bash
# Tests the running HTTP API against its committed OpenAPI document with schemathesis (PyPI):
# a `laurel serve --http` on a new SQLite file with the sample organisation and the shipped
# workflows, an administrator's token, and every operation fuzzed (examples, coverage, fuzzing,
# stateful links). It fails on any 5xx, any response that does not match the document (status,
# content type, headers, body schema) and any request the document says is invalid but the
# server accepted. Revoking a grant is fuzzed apart, with a token of its own: it would otherwise
# revoke the token the run uses.
#   scripts/api-conformance.sh [MAX_EXAMPLES]     (default 100; SCHEMATHESIS_SEED to vary the cases)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-100}
seed=${SCHEMATHESIS_SEED:-20261205}
venv=.build/schemathesis-venv
if [[ ! -x $venv/bin/schemathesis ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4.3,<5' \
    || { echo "schemathesis could not be installed from PyPI: pip install schemathesis" >&2; exit 1; }
fi
scripts/ensure-system-packages.sh
swift build --product laurel >&2
laurel=.build/debug/laurel
work=$(mktemp -d)
trap 'kill "$serve" 2>/dev/null || true; rm -rf "$work"' EXIT
database=(--database "$work/api.sqlite")
"$laurel" org import organisations/nam-tu-liem-sample.yaml "${database[@]}" >/dev/null
token() { "$laurel" access grant tran-thi-binh --role administrator "${database[@]}" --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'; }
admin=$(token)
revoker=$(token)
port=$((20000 + RANDOM % 20000))
"$laurel" serve --workflows workflows "${database[@]}" --http "127.0.0.1:$port" --log-level warning >"$work/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
"$laurel" campaign start good-worker-2023 "${database[@]}" >/dev/null
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection
run() {
  (cd "$work" && "$OLDPWD/$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" --checks "$checks" \
    --max-examples "$examples" --seed "$seed" --no-color "$@")
}
run -H "Authorization: Bearer $admin" --exclude-operation-id revokeAccess
run -H "Authorization: Bearer $revoker" --include-operation-id revokeAccess --phases examples,coverage,fuzzing
kill -TERM "$serve"
wait "$serve" || { cat "$work/serve.log" >&2; echo "the server did not stop cleanly" >&2; exit 1; }
if grep -q 'error' "$work/serve.log"; then
  cat "$work/serve.log" >&2
  echo "the server logged errors during the run" >&2
  exit 1
fi
echo "api-conformance: 0 failures against Sources/LaurelHTTP/Resources/openapi.json"
