# Sourced by the tool scripts (make-bundle.sh, audio-bundle.sh, train.sh, evaluate.sh): finds a
# JDK 21+ and defines run_tool MODULE MAIN ARGS…, which runs MAIN on the runtime classpath of
# MODULE (src/tools or src/train). The module and the ones it uses are built with Maven when their
# sources or poms are newer than the last build; AUDIOPQ_CLASSPATH, when set (integTest's
# make-bundles.sh gets it from Maven), is used as it is and nothing is built.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=java-home.sh
source "$repo/src/scripts/java-home.sh"
# Reproducible MKL kernels inside PyTorch (otherwise chosen by memory alignment: one seed, other weights).
export MKL_CBWR=${MKL_CBWR:-COMPATIBLE}

module_classpath() { # prints the runtime classpath of module $1
  local module=$1
  if [ -n "${AUDIOPQ_CLASSPATH:-}" ]; then
    echo "$AUDIOPQ_CLASSPATH"
    return
  fi
  local cpfile=$repo/$module/target/runtime-classpath.txt
  if [ ! -f "$cpfile" ] || [ -n "$(find "$repo/src" "$repo/pom.xml" \( -name '*.java' -o -name pom.xml \) -newer "$cpfile" -print -quit)" ]; then
    echo "$(basename "$0"): building $module and the modules it uses (mvn package -DskipTests)" >&2
    # One reactor run: build-classpath then names the sibling modules' jars; the module itself is last
    # (every module writes the file in turn, so it is moved into place only when the whole build passed).
    # -DskipUnitTests: the pom sets Surefire's skipTests from it, which overrides -DskipTests (the tests ran).
    (cd "$repo" && mvn -B -ntp -q -pl "$module" -am package dependency:build-classpath -DskipTests -DskipUnitTests=true \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile.partial") >&2
    mv "$cpfile.partial" "$cpfile"
  fi
  echo "$repo/$module/target/classes:$(cat "$cpfile")"
}

run_tool() {
  local module=$1 main=$2
  shift 2
  local cp
  cp=$(module_classpath "$module")
  # jdk.incubator.vector: the quantisation core uses the Vector API (the JVM warns once);
  # native access: ONNX Runtime (and PyTorch) load their libraries.
  # ai.djl.offline: no network probes; ENGINE_CACHE_DIR: PyTorch's natives unpack under target/,
  # not $HOME; one PyTorch thread by default: the cores stay shared (AUDIOPQ_TORCH_THREADS).
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    ${AUDIOPQ_JAVA_OPTS:-} -Djava.awt.headless=true \
    -Dai.djl.offline=true -DENGINE_CACHE_DIR="$repo/target/djl" \
    -Dai.djl.pytorch.num_threads="${AUDIOPQ_TORCH_THREADS:-1}" -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$cp" "$main" "$@"
}
