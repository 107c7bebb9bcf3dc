#!/usr/bin/env bash
# Runs every test: first the training toolkit's tests (profile `train`: DJL/PyTorch stay out of the
# plugin build, so they run in a Maven invocation of their own) and, with ../shared, the bundle the
# toolkit trains for TrainedBundleNodeIT; then unit and Elasticsearch framework tests (Surefire)
# and the tests against a real Elasticsearch node (integTest/, Failsafe).
# Extra arguments go to both Maven runs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/main/scripts/java-home.sh
echo "Using JDK at $JAVA_HOME"
# Whatever happens to Maven, never leave a node behind.
trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
mvn -B -ntp -Ptrain test -Dtest='io.audiopq.train.*Tests' -Dsurefire.failIfNoSpecifiedTests=false "$@"
rm -rf target/trained-bundles
if [ -f ../shared/models/efficientat-mn04/mn04_as.onnx ] && [ -f ../shared/data/esc10/esc10_meta.csv ]; then
  # The toolkit's end product, checked through a real node by TrainedBundleNodeIT (README "Learned quantisation").
  bash src/main/scripts/train.sh --out target/trained-bundles --name integ-mn04-dqn --labelled-fraction 0.1 \
    --figures target/trained-bundles/integ-mn04-dqn.json
else
  echo "test.sh: ../shared (mn04, ESC-10) absent: no trained bundle; TrainedBundleNodeIT skips" >&2
fi
mvn -B -ntp verify "$@"
