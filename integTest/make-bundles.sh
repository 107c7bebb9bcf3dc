#!/usr/bin/env bash
# Makes the model bundles the real-node tests expect, with the project's own documented command:
#   integ-vectors  a cosine codebook trained on generated vectors (must load)
#   integ-broken   the same codebook under a model.json that claims another M (must fail, with its error)
#   integ-mn04     with ../shared only: an audio bundle around EfficientAT mn04 (files copied in), its
#                  codebook trained on 40 ESC-10 clips (quick; the ITs use its embeddings and tags, not PQ)
#   integ-mn04-eval-m8, -m16, -m32
#                  with ../shared only: mn04 bundles with codebooks at 64, 128 and 256 bits (M = 8, 16, 32;
#                  8-bit codes), trained on all 400 ESC-10 clips in one embedding pass, for Esc10NodeEvaluationIT
#   integ-mn04-dqn with ../shared only: a DQN head trained by the toolkit (train.sh, 10 % labels, 32 bits),
#                  with its figures (integ-mn04-dqn.json), for TrainedBundleNodeIT
# Output: OUT_DIR (default integTest/target/integ-bundles); integTest/node.sh copies its folders into
# the node's config/audio-pq/models/.
#   make-bundles.sh [CLASSPATH]   Maven passes integTest's test classpath (tools and toolkit
#                                 included), so the tools run without building anything again
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] && export AUDIOPQ_CLASSPATH="$1"
OUT_DIR=${OUT_DIR:-$repo/integTest/target/integ-bundles}
work=$repo/integTest/target/integ-bundles-input
rm -rf "$OUT_DIR" "$work"
mkdir -p "$OUT_DIR" "$work"

# 2000 deterministic 16-dimensional vectors around 8 centres, as JSON lines.
LC_ALL=C awk 'BEGIN {
  srand(42); d = 16
  for (c = 0; c < 8; c++) for (j = 0; j < d; j++) centre[c, j] = rand() * 2 - 1
  for (i = 0; i < 2000; i++) {
    c = i % 8; line = "["
    for (j = 0; j < d; j++) line = line (j ? "," : "") sprintf("%.6f", centre[c, j] + (rand() - 0.5) * 0.1)
    print line "]"
  }
}' > "$work/vectors.jsonl"

bash "$repo/src/scripts/make-bundle.sh" --input "$work/vectors.jsonl" --name integ-vectors \
  --m 4 --bits 8 --similarity cosine --seed 7 --description "integTest bundle" --out "$OUT_DIR"

cp -r "$OUT_DIR/integ-vectors" "$OUT_DIR/integ-broken"
sed -i -e 's/"name": "integ-vectors"/"name": "integ-broken"/' -e 's/"m": 4/"m": 8/' "$OUT_DIR/integ-broken/model.json"
grep -q '"m": 8' "$OUT_DIR/integ-broken/model.json" || { echo "make-bundles.sh: could not break integ-broken" >&2; exit 1; }

shared=$repo/../shared
if [ -f "$shared/models/efficientat-mn04/mn04_as.onnx" ] && [ -f "$shared/data/esc10/esc10_meta.csv" ]; then
  bash "$repo/src/scripts/audio-bundle.sh" mn04 --mn04 "$(cd "$shared/models/efficientat-mn04" && pwd)" \
    --esc10 "$(cd "$shared/data/esc10" && pwd)" --out "$OUT_DIR" --name integ-mn04 --m 16 --bits 8 --max-clips 40 --evaluate false
  bash "$repo/src/scripts/audio-bundle.sh" mn04 --mn04 "$(cd "$shared/models/efficientat-mn04" && pwd)" \
    --esc10 "$(cd "$shared/data/esc10" && pwd)" --out "$OUT_DIR" --name integ-mn04-eval --m 8,16,32 --bits 8 --evaluate false
else
  echo "make-bundles.sh: ../shared (mn04, ESC-10) absent: no integ-mn04 bundle; its ITs skip" >&2
fi
if [ -f "$shared/models/efficientat-mn04/mn04_as.onnx" ] && [ -f "$shared/data/esc10/esc10_meta.csv" ] \
   && { [ -z "${AUDIOPQ_CLASSPATH:-}" ] || [[ "$AUDIOPQ_CLASSPATH" == *audiopq-train* ]]; }; then
  # (-DskipTrainedBundle leaves the toolkit off the classpath: no trained bundle then.)
  # The toolkit's end product, checked through a real node by TrainedBundleNodeIT (docs/training.md).
  bash "$repo/src/scripts/train.sh" --out "$OUT_DIR" --name integ-mn04-dqn --labelled-fraction 0.1 \
    --figures "$OUT_DIR/integ-mn04-dqn.json"
fi
