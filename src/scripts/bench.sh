#!/usr/bin/env bash
# Benchmarks; never part of test.sh or CI. Results also land in target/bench/.
#   bench.sh                    both parts below
#   bench.sh jmh [JMH ARGS]     JMH: scan ns/code for M in {8,16,32,64} (8-bit and 4-bit, N=1M,
#                               one thread) and ADC table build time (D=128, 384). JMH arguments
#                               replace the defaults, e.g. `bench.sh jmh ScanBenchmark -p m=16 -f 2 -i 5`.
#   bench.sh faiss [N] [NQ]     AudioPQ beside FAISS on the same Gaussian-mixture vectors (default
#                               N=1000000, NQ=200, D=128; both sides train on the same 32768
#                               vectors); needs Debian's python3-faiss and python3-numpy.
#   bench.sh es [N] [NQ] [D]    end to end on a real node: pq_knn on pq_vector (exhaustive, IVF from the
#                               bundle's centroids) beside knn on dense_vector (flat, int8_hnsw, bbq_flat,
#                               bbq_hnsw) over the same N=100000 vectors (D=128) and NQ=200 queries;
#                               builds the plugin zip, trains bundles with make-bundle.sh, starts a node
#                               with integTest/node.sh (ES_HEAP, default 2g) and always stops it. Markdown
#                               to target/bench/es-compare.md; records appended to
#                               target/bench/es-results.json (run it at several N for a scale curve).
#                               Not part of `all`.
#   bench.sh ingest [AUDIO_DIR] ingest throughput through a real node: every .ogg/.wav under AUDIO_DIR
#                               (default ../shared/data/esc10) in bulks of 25 through an audio_embedding
#                               pipeline with audiopq-default, 2 bulks in flight (IngestThroughput); node
#                               heap ES_HEAP (default 2g: the audio_pq breaker must hold two clips). Not in `all`.
#   bench.sh rescore-depth [N] [NQ]  recall@10 after exact rescoring of the ADC top R, for R = 10..640 and
#                               pq_knn's default depth, at shard sizes 30k..N (default 1000000) on development
#                               Gaussian mixtures (not the bench's data): the study behind the default
#                               depth (docs/pq-knn.md). Markdown to target/bench/rescore-depth.md.
#   bench.sh pair [ROUNDS]      8-bit scan, M=16, N=1M: FAISS IndexPQ and our kernels alternated
#                               ROUNDS times (default 3), thread CPU time and wall time per code.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/scripts/java-home.sh
mode="${1:-all}"
[ $# -gt 0 ] && shift
mkdir -p target/bench
es_node_dir=$PWD/target/bench/es-node
if [ "$mode" = ingest ]; then
  # The plugin zip, the distribution and integTest's classpath, as for the main job.
  echo "Building the plugin with the JDK at $JAVA_HOME"
  mvn -B -ntp -q -Pmain-job package -pl integTest -am -DskipUnitTests -DskipTrainedBundle
  ingest_node=$PWD/target/bench/ingest-node
  trap 'NODE_DIR="$ingest_node" bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
  NODE_DIR="$ingest_node" ES_ZIP="$(ls "$PWD"/integTest/target/integ-node/elasticsearch-*.zip | head -n 1)" \
    ES_HEAP="${ES_HEAP:-2g}" bash integTest/node.sh start
  java -cp "integTest/target/test-classes:$(cat integTest/target/main-job.classpath)" -Daudiopq.node.dir="$ingest_node" \
    io.audiopq.integ.IngestThroughput "${1:-../shared/data/esc10}" audiopq-default 2 | tee target/bench/ingest.txt
  exit 0
fi
echo "Building benchmarks with the JDK at $JAVA_HOME"
# The benchmark module and everything below it; build-classpath runs last for src/bench (reactor
# order), so the file names the sibling modules' jars: the code the plugin zip ships.
mvn -B -ntp -q -pl src/bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/target/bench/classpath.txt" -Dmdep.includeScope=runtime
if [ "$mode" = es ]; then
  # Also the plugin zip and the Elasticsearch distribution the node runs: the main job's profile
  # fetches the distribution at `package` (a goal named on the command line would also run on the
  # parent pom, which has no such execution).
  mvn -B -ntp -q -Pmain-job package -pl integTest -am -DskipUnitTests -DskipTrainedBundle \
    -Dinteg.node.dir="$es_node_dir"
fi
cp="src/bench/target/classes:$(cat target/bench/classpath.txt)"
java_cmd=(java --add-modules jdk.incubator.vector -cp "$cp")

run_jmh() {
  if [ $# -eq 0 ]; then
    set -- ScanBenchmark AdcTableBenchmark
  fi
  "${java_cmd[@]}" org.openjdk.jmh.Main -rf csv -rff target/bench/jmh.csv "$@"
}

run_faiss() {
  local n="${1:-1000000}" nq="${2:-200}" python=/usr/bin/python3
  if ! "$python" -c 'import faiss, numpy' 2>/dev/null; then
    echo "FAISS for $python is missing: apt-get install -y python3-faiss python3-numpy" >&2
    exit 1
  fi
  local data=target/bench/gmm-$n-$nq.bin
  [ -f "$data" ] || "${java_cmd[@]}" io.audiopq.bench.CompareWithFaiss generate "$data" "$n" "$nq" 32768 128 42
  "$python" src/bench/python/faiss_compare.py "$data" target/bench/gt.bin target/bench/faiss.tsv
  "${java_cmd[@]}" -Xmx6g io.audiopq.bench.CompareWithFaiss run "$data" target/bench/gt.bin target/bench/faiss.tsv \
    | tee target/bench/faiss-compare.md
}

run_es() {
  local n="${1:-100000}" nq="${2:-200}" d="${3:-128}" dir=target/bench/es
  local data=target/bench/gmm-$n-$nq-d$d.bin
  mkdir -p "$dir"
  [ -f "$data" ] || "${java_cmd[@]}" io.audiopq.bench.CompareWithFaiss generate "$data" "$n" "$nq" 32768 "$d" 42
  "${java_cmd[@]}" io.audiopq.bench.EsEndToEnd fvecs "$data" "$dir/train.fvecs"
  rm -rf "$dir/bundles"
  # M=16 8-bit; the 4-bit bundle (M=32) only where 32 divides D. Both with IVF centroids (--nlist auto).
  local bundles=(e2e-pq8)
  bash src/scripts/make-bundle.sh --input "$dir/train.fvecs" --name e2e-pq8 --m 16 --bits 8 \
    --similarity l2_norm --nlist auto --out "$dir/bundles"
  if ((d % 32 == 0)); then
    bash src/scripts/make-bundle.sh --input "$dir/train.fvecs" --name e2e-pq4 --m 32 --bits 4 \
      --similarity l2_norm --nlist auto --out "$dir/bundles"
    bundles+=(e2e-pq4)
  fi
  trap 'NODE_DIR="$es_node_dir" bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
  NODE_DIR="$es_node_dir" EXTRA_BUNDLES="$PWD/$dir/bundles" ES_HEAP="${ES_HEAP:-2g}" \
    PLUGIN_ZIP="$(ls src/plugin/target/audio-pq-*.zip | head -n 1)" bash integTest/node.sh start
  "${java_cmd[@]}" -Xmx2g -Daudiopq.node.dir="$es_node_dir" io.audiopq.bench.EsEndToEnd run "$data" \
    target/bench/es-results.json "${bundles[@]}" | tee target/bench/es-compare.md
}

run_pair() {
  local rounds="${1:-3}" python=/usr/bin/python3
  for ((r = 1; r <= rounds; r++)); do
    "$python" src/bench/python/indexpq_scan.py
    "${java_cmd[@]}" io.audiopq.quantization.KernelDuel 16 10
  done | tee target/bench/pair.txt
}

case "$mode" in
  rescore-depth) "${java_cmd[@]}" -Xmx4g io.audiopq.bench.RescoreDepthStudy "$@" | tee target/bench/rescore-depth.md ;;
  jmh) run_jmh "$@" ;;
  faiss) run_faiss "$@" ;;
  es) run_es "$@" ;;
  pair) run_pair "$@" ;;
  all) run_jmh; run_faiss ;;
  *) echo "usage: bench.sh [all | jmh [JMH ARGS] | faiss [N] [NQ] | pair [ROUNDS] | rescore-depth [N] [NQ] | es [N] [NQ] [D] | ingest [AUDIO_DIR]]" >&2; exit 2 ;;
esac
