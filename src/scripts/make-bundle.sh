#!/usr/bin/env bash
# Makes a model bundle (a PQ codebook) from vectors you already have; docs/model-bundles.md explains the options (or pass --help).
#
#   bash src/scripts/make-bundle.sh --input vectors.jsonl --name my-vectors --m 16 --bits 8 --out DIR
#
# Runs io.audiopq.tools.CodebookBundleTool (module src/tools; no Elasticsearch needed), building
# it first when its sources changed.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
run_tool src/tools io.audiopq.tools.CodebookBundleTool "$@"
