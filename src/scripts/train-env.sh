# Sourced by train.sh and evaluate.sh: finds a JDK 21+, compiles the project with the Maven profile
# `train` (DJL + PyTorch natives, tribuo's ONNX builder, XChart; none of them reach the plugin zip)
# when the sources changed, and defines train_java to run a class of src/train/java.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
# shellcheck source=java-home.sh
source "$repo/src/main/scripts/java-home.sh"
cpfile=$repo/target/train/classpath.txt
stamp=$repo/target/train/.compiled
# (a build without the profile recompiles target/test-classes without the toolkit: check its classes too)
if [ ! -f "$cpfile" ] || [ ! -f "$stamp" ] || [ "$repo/pom.xml" -nt "$stamp" ] \
   || [ ! -f "$repo/target/test-classes/io/audiopq/train/TrainCommand.class" ] \
   || [ -n "$(find "$repo/src/main/java" "$repo/src/train" -name '*.java' -newer "$stamp" -print -quit)" ]; then
  echo "compiling with the Maven profile train (first time: downloads DJL and the PyTorch CPU natives, ~120 MB)" >&2
  (cd "$repo" && mvn -B -ntp -q -Ptrain test-compile dependency:build-classpath \
     -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=test) >&2
  touch "$stamp"
fi
train_java() {
  # ai.djl.offline: no network probes (DJL otherwise checks for updates/telemetry);
  # ENGINE_CACHE_DIR: PyTorch's natives are unpacked under target/, not $HOME;
  # one PyTorch thread: deterministic results for a seed, and the cores stay shared.
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g -Djava.awt.headless=true \
    -Dai.djl.offline=true -DENGINE_CACHE_DIR="$repo/target/djl" \
    -Dai.djl.pytorch.num_threads="${AUDIOPQ_TORCH_THREADS:-1}" -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$repo/target/classes:$repo/target/test-classes:$(cat "$cpfile")" "$@"
}
