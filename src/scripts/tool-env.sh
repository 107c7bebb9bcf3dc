# Sourced by make-bundle.sh and audio-bundle.sh: finds a JDK 21+, compiles the project when its
# classes are missing or older than the sources, writes the runtime classpath once per pom change,
# and defines run_tool to run a class of src/main/java (no Elasticsearch needed).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=java-home.sh
source "$repo/src/main/scripts/java-home.sh"
classes=$repo/target/classes
cpfile=$repo/target/runtime-classpath.txt
run_tool() {
  local main=$1
  shift
  local class_file=$classes/${main//.//}.class
  if [ ! -f "$class_file" ] || [ -n "$(find "$repo/src/main/java" -name '*.java' -newer "$class_file" -print -quit)" ]; then
    echo "$(basename "$0"): compiling the project (mvn compile)" >&2
    (cd "$repo" && mvn -B -ntp -q compile) >&2
  fi
  if [ ! -f "$cpfile" ] || [ "$repo/pom.xml" -nt "$cpfile" ]; then
    (cd "$repo" && mvn -B -ntp -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile") >&2
  fi
  # jdk.incubator.vector: the quantisation core may use the Vector API (the JVM then warns once that it uses an incubator module);
  # native access: ONNX Runtime loads its library.
  exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$classes:$(cat "$cpfile")" "$main" "$@"
}
