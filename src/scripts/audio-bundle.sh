#!/usr/bin/env bash
# Makes an audio model bundle and measures it on ESC-10 (io.audiopq.tools.AudioBundleTool):
#
#   bash src/scripts/audio-bundle.sh default --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#   bash src/scripts/audio-bundle.sh mn04 --mn04 DIR --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#
# Runs from module src/tools (ONNX Runtime, decoders; no Elasticsearch), built first when its
# sources changed.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
run_tool src/tools io.audiopq.tools.AudioBundleTool "$@"
