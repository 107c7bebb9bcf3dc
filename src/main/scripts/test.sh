#!/usr/bin/env bash
# Runs every test: unit and Elasticsearch framework tests (Surefire), then the tests against a real
# Elasticsearch node (integTest/, Failsafe). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../../.."
source src/main/scripts/java-home.sh
echo "Using JDK at $JAVA_HOME"
# Whatever happens to Maven, never leave a node behind.
trap 'bash integTest/node.sh stop >/dev/null 2>&1 || true' EXIT
mvn -B -ntp verify "$@"
