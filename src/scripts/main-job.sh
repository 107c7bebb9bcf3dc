#!/usr/bin/env bash
# The main job: build the plugin, start a local Elasticsearch node with it (and the bundles in
# models/), index a folder of audio through the audio_embedding pipeline, search it by sound and by
# sound + text, print the results, stop the node.
#   main-job.sh [AUDIO_FOLDER] [--query FILE] [--text WORDS] [--keep]
#     AUDIO_FOLDER  audio files (wav, flac, ogg, mp3) under it, read in place; none: 12 generated clips
#     --query FILE  the clip to search with (default: the folder's first file, or a generated siren)
#     --text WORDS  the hybrid search's words (default: the words of the query's file name and folder)
#     --keep        leave the node running (stop: bash integTest/node.sh stop)
set -euo pipefail
here=$PWD
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$here/$1" ;; esac; }
args=() keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=true ;;
    --query) args+=("$1" "$(absolute "${2:?--query needs a file}")"); shift ;;
    --text) args+=("$1" "${2:?--text needs words}"); shift ;;
    -*) echo "unknown option $1; usage: main-job.sh [AUDIO_FOLDER] [--query FILE] [--text WORDS] [--keep]" >&2; exit 2 ;;
    *) args+=("$(absolute "$1")") ;;
  esac
  shift
done
cd "$(dirname "$0")/../.."
source src/scripts/java-home.sh
if [ "$(java_feature_version "$JAVA_HOME/bin/java")" -ge 24 ]; then
  # Maven's own Guava warns about sun.misc.Unsafe on JDK 24+: not the job's business.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
export NODE_DIR=$PWD/integTest/target/integ-node
mkdir -p "$NODE_DIR"
log=$NODE_DIR/main-job-build.log
echo "Building the plugin (log: $log; a first build downloads dependencies) ..."
if ! mvn -B -ntp -q -Dstyle.color=never -Pmain-job package -pl integTest -am -DskipUnitTests -DskipTrainedBundle >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  exit 1
fi
log=$NODE_DIR/main-job-node.log
echo "Starting a local Elasticsearch node with the plugin (log: $log) ..."
if ! bash integTest/node.sh start >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  exit 1
fi
[ "$keep" = true ] || trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
java -cp "integTest/target/test-classes:$(cat integTest/target/main-job.classpath)" -Daudiopq.node.dir="$NODE_DIR" \
  io.audiopq.integ.MainJob ${args[@]+"${args[@]}"}
if [ "$keep" = true ]; then
  echo "Node left running at $(bash integTest/node.sh url); stop it with: bash integTest/node.sh stop"
fi
