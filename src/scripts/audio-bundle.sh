#!/usr/bin/env bash
# Makes an audio model bundle, its codebook fitted on ESC-10 or on your own audio, and measures it
# on those clips when they are labelled (io.audiopq.tools.AudioBundleTool):
#
#   bash src/scripts/audio-bundle.sh default (--esc10 DIR | --data DIR [--labels CSV]) --out DIR [--name N] [--m M] [--bits B] [--seed S]
#   bash src/scripts/audio-bundle.sh mn04 --mn04 DIR (--esc10 DIR | --data DIR [--labels CSV]) --out DIR [--name N] [--m M] [--bits B] [--seed S]
#   bash src/scripts/audio-bundle.sh student --model STUDENT.onnx [--label-names CSV] [--min-frames N] (--esc10 DIR | --data DIR [--labels CSV]) --out DIR [...]
#   bash src/scripts/audio-bundle.sh evaluate --bundle DIR (--esc10 DIR | --data DIR --labels CSV)
#
# --data: every audio file under DIR, or the files --labels lists (columns filename/file, label/class).
#
# Runs from module src/tools (ONNX Runtime, decoders; no Elasticsearch), built first when its
# sources changed.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
run_tool src/tools io.audiopq.tools.AudioBundleTool "$@"
