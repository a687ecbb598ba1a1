#!/usr/bin/env bash
# Regenerates the screenshots the README and the docs show. The dashboard's browser tests take them
# (into test-artifacts/screenshots/, with the data each test makes through the API); this copies the
# ones the docs use. Arguments go to pytest (e.g. -k overview).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 manage.py test tests/dashboard -q "$@"
for shot in docs/screenshots/*.png; do
  fresh="test-artifacts/screenshots/$(basename "$shot")"
  if [ -f "$fresh" ]; then cp "$fresh" "$shot"; else echo "kept the old $(basename "$shot"): its test did not run"; fi
done
