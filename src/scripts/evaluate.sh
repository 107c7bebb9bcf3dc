#!/usr/bin/env bash
# The learned-quantisation evaluation (io.audiopq.train.EvaluateCommand): embeds a labelled audio
# collection with a backbone (cached under target/train-cache/), then measures query-by-example
# retrieval for the float backbone, unsupervised PQ and trained heads (DQN at every bit rate, DTQ
# and Space-Shuttle at 32 bits) over label fractions and repeats; writes target/evaluation/report.md
# and PNG plots. Defaults: ESC-10 and EfficientAT mn04 from ../shared. docs/training.md lists the options; `--quick` is a ~1-minute smoke run.
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
AUDIOPQ_JAVA_OPTS="${AUDIOPQ_JAVA_OPTS:--Xmx4g}" run_tool src/train io.audiopq.train.EvaluateCommand "$@"
