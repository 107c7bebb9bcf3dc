#!/usr/bin/env bash
# The full decoder fuzz suite (docs/testing.md "Hostile input"): seeded cases in every format
# through AudioDecoder, each with a hard time limit; prints a table per format and exits non-zero
# on any Error, unexpected exception, hang, non-finite sample or printed byte.
#   bash src/scripts/fuzz.sh [CASES_PER_FORMAT]   (default 25000: 100,000 cases in all)
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/scripts/java-home.sh
cp_file=$PWD/src/audio/target/fuzz-classpath.txt
mvn -B -ntp -q -pl src/audio -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file"
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
  -cp "src/audio/target/test-classes:src/audio/target/classes:$(cat "$cp_file")" \
  io.audiopq.audio.DecoderFuzzMain "${1:-25000}"
