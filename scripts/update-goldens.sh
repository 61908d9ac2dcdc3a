#!/usr/bin/env bash
# Rewrites the golden simulation timelines in Tests/laurelTests/Fixtures/simulate/ from the current
# build. Run it after a change that is meant to alter how a shipped campaign runs, then read the
# diff (git diff) before committing: the goldens are what the tests hold the engine to.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product laurel >&2
fixtures=Tests/laurelTests/Fixtures/simulate
for script in "$fixtures"/*.script.yaml; do
  name=$(basename "$script" .script.yaml)
  [[ -f workflows/$name.yaml ]] || continue
  .build/debug/laurel simulate "workflows/$name.yaml" --script "$script" > "$fixtures/$name.script.expected"
done
.build/debug/laurel simulate workflows/capital-initiatives-2022.yaml --seed 1 > "$fixtures/capital-initiatives-2022.seed-1.expected"
.build/debug/laurel graph workflows/capital-initiatives-2022.yaml > "$fixtures/capital-initiatives-2022.mermaid.expected"
git status --short "$fixtures"
