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
repo=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=java-home.sh
source "$repo/src/main/scripts/java-home.sh"
classes=$repo/target/classes
tool=$classes/io/audiopq/tools/CodebookBundleTool.class
cpfile=$repo/target/runtime-classpath.txt
if [ ! -f "$tool" ] || [ -n "$(find "$repo/src/main/java" -name '*.java' -newer "$tool" -print -quit)" ]; then
  echo "make-bundle.sh: compiling the project (mvn compile)" >&2
  (cd "$repo" && mvn -B -ntp -q compile) >&2
fi
if [ ! -f "$cpfile" ] || [ "$repo/pom.xml" -nt "$cpfile" ]; then
  (cd "$repo" && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile") >&2
fi
# jdk.incubator.vector: the quantisation core may use the Vector API (the JVM then warns once that it uses an incubator module).
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$classes:$(cat "$cpfile")" io.audiopq.tools.CodebookBundleTool "$@"
