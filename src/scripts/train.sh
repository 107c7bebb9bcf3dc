#!/usr/bin/env bash
# Trains a learned-quantisation head (io.audiopq.train.TrainCommand: DQN, DTQ or Space-Shuttle, with
# DJL's PyTorch engine, offline) on a labelled audio collection embedded by the mn04 backbone, and
# writes an audio bundle (backbone + head.onnx + codebook.pq + model.json + MODEL_CARD.md) to
# target/bundles/NAME/. Defaults: ESC-10 and mn04 from ../shared. docs/training.md.
# The epoch count is chosen on an inner validation split of the training labels (--no-select: as
# configured); when a collapse is detected no bundle is written (exit 3, the criteria printed) unless --force.
# `train.sh distill [...]` instead distils mn04 into a student backbone on the training corpus
# (io.audiopq.train.DistillCommand; docs/training.md, "Distilling mn04").
set -euo pipefail
source "$(dirname "$0")/tool-env.sh"
main=io.audiopq.train.TrainCommand
if [ "${1:-}" = distill ]; then
  main=io.audiopq.train.DistillCommand
  shift
fi
AUDIOPQ_JAVA_OPTS="${AUDIOPQ_JAVA_OPTS:--Xmx4g}" run_tool src/train "$main" "$@"
