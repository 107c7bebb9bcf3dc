#!/usr/bin/env bash
# The main job: build the plugin, start a local Elasticsearch node with it (and the bundles in
# models/), run MainJob against it, print the results, stop the node.
#   main-job.sh [AUDIO_FOLDER] [--keep]   --keep leaves the node running (stop: bash integTest/node.sh stop)
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/scripts/java-home.sh
audio_dir="" keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    *) audio_dir=$(cd "$arg" && pwd) ;;
  esac
done
[ "$keep" = true ] || trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
mvn -B -ntp -q -Pmain-job verify -pl integTest -am -DskipTests -DskipTrainedBundle \
  -Daudiopq.audio.dir="$audio_dir" -Daudiopq.keepNode="$keep"
if [ "$keep" = true ]; then
  echo "Node left running at $(bash integTest/node.sh url); stop it with: bash integTest/node.sh stop"
fi
