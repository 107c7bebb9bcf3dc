#!/usr/bin/env bash
# Regenerates the default audio bundle models/audiopq-default/ (see models/README.md) from the
# ESC-10 clips in ../shared/data/esc10 (or the folder given as the first argument), and prints its
# ESC-10 retrieval mAP (float and PQ) and throughput. Deterministic: the same clips give a
# byte-identical bundle (same checksum) on the same machine.
#
#   bash src/main/scripts/make-default-bundle.sh [ESC10_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
esc10=${1:-$repo/../shared/data/esc10}
if [ ! -f "$esc10/esc10_meta.csv" ]; then
  echo "make-default-bundle.sh: no ESC-10 at $esc10 (esc10_meta.csv missing); pass its folder as the first argument" >&2
  exit 1
fi
exec bash "$repo/src/main/scripts/audio-bundle.sh" default --esc10 "$(cd "$esc10" && pwd)" --out "$repo/models" --name audiopq-default
