#!/usr/bin/env bash
# Makes an audio model bundle and measures it on ESC-10 (io.audiopq.tools.AudioBundleTool):
#
#   bash src/main/scripts/audio-bundle.sh default --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#   bash src/main/scripts/audio-bundle.sh mn04 --mn04 DIR --esc10 DIR --out DIR [--name N] [--m M] [--bits B] [--seed S]
#
# Runs from the project's compiled classes and its runtime dependencies (ONNX Runtime, decoders),
# compiling first when the classes are missing or older than the sources. No Elasticsearch needed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=java-home.sh
source "$repo/src/main/scripts/java-home.sh"
classes=$repo/target/classes
tool=$classes/io/audiopq/tools/AudioBundleTool.class
cpfile=$repo/target/runtime-classpath.txt
if [ ! -f "$tool" ] || [ -n "$(find "$repo/src/main/java" -name '*.java' -newer "$tool" -print -quit)" ]; then
  echo "audio-bundle.sh: compiling the project (mvn compile)" >&2
  (cd "$repo" && mvn -B -ntp -q compile) >&2
fi
if [ ! -f "$cpfile" ] || [ "$repo/pom.xml" -nt "$cpfile" ]; then
  (cd "$repo" && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile") >&2
fi
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$classes:$(cat "$cpfile")" io.audiopq.tools.AudioBundleTool "$@"
