#!/usr/bin/env bash
# Runs every test: unit and Elasticsearch framework tests (Surefire), the tests against a real
# Elasticsearch node (integTest/, Failsafe), then the training toolkit's tests (profile `train`:
# DJL/PyTorch stay out of the plugin build, so they run in a Maven invocation of their own).
# Extra arguments go to both Maven runs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/main/scripts/java-home.sh
echo "Using JDK at $JAVA_HOME"
# Whatever happens to Maven, never leave a node behind.
trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
mvn -B -ntp verify "$@"
mvn -B -ntp -Ptrain test -Dtest='io.audiopq.train.*Tests' -Dsurefire.failIfNoSpecifiedTests=false "$@"
