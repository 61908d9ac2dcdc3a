#!/usr/bin/env bash
# Regenerates the files that derive from declarations: the JSON Schema, the plugin reference in
# docs/plugins.md and docs/diagnostics.md. The tests fail until these are current.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product laurel >&2
.build/debug/laurel schema > docs/laurel.schema.json
python3 - <<'PY'
import subprocess
reference = subprocess.run([".build/debug/laurel", "plugins", "--format", "markdown"], check=True,
                           capture_output=True, text=True).stdout
path = "docs/plugins.md"
text = open(path, encoding="utf-8").read()
start_marker = "do not edit by hand -->\n"
end_marker = "<!-- end of generated reference -->"
start = text.index(start_marker) + len(start_marker)
end = text.index(end_marker)
open(path, "w", encoding="utf-8").write(text[:start] + reference + text[end:])
PY
python3 scripts/generate-diagnostics-doc.py
