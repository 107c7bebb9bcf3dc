#!/usr/bin/env bash
# Makes an audio model bundle and measures it on ESC-10 (io.audiopq.tools.AudioBundleTool):
#
#   bash src/main/scripts/audio-bundle.sh default --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#   bash src/main/scripts/audio-bundle.sh mn04 --mn04 DIR --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#
# Runs from the project's compiled classes and its runtime dependencies (ONNX Runtime, decoders),
# compiling first when the classes are missing or older than the sources. No Elasticsearch needed.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
run_tool io.audiopq.tools.AudioBundleTool "$@"
