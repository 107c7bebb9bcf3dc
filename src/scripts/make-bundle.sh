#!/usr/bin/env bash
# Makes a model bundle (a PQ codebook) from vectors you already have; README "Making a codebook
# bundle" explains the options (or pass --help).
#
#   bash src/main/scripts/make-bundle.sh --input vectors.jsonl --name my-vectors --m 16 --bits 8 --out DIR
#
# Runs io.audiopq.tools.CodebookBundleTool from the project's compiled classes and its runtime
# dependencies (Jackson reads and writes the JSON; no Elasticsearch needed), compiling the classes
# first when they are missing or older than the sources.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
run_tool io.audiopq.tools.CodebookBundleTool "$@"
