#!/usr/bin/env bash
# Regenerates the default audio bundle models/audiopq-default/ from scratch (issue 14), from data
# fetched here and the mn04 teacher in ../shared; ESC-10 is never used for training or fitting, only
# for the figures at the end. Stages (models/README.md):
#   1. corpus   make-corpus.sh: Debian packages fetched by name -> clips, manifest, licences, mn04's targets
#   2. student  train.sh distill: a student backbone distilled from mn04 on the corpus -> WORK/distill/student.onnx
#   3. bundle   audio-bundle.sh student: the student, a PQ codebook (M=48 of 384 dimensions) and IVF centroids on the
#               corpus's clip and segment embeddings -> WORK/audiopq-default, copied to models/audiopq-default
#   4. figures  ESC-10 (evaluation only) and, when present, the spoken-word development set
# With --head dqn two more stages put a general-purpose DQN head between them (PseudoLabels: corpus clips
# grouped by mn04's tag profiles -> WORK/pseudo-labels.csv; train.sh --base-bundle -> WORK/head/): measured
# worse than no head (docs/training-corpus.md), so it is not the default.
# Each stage keeps its output under WORK and a rerun skips a stage whose output is there (delete it to
# redo one; make-corpus.sh and train.sh distill also resume inside a stage), so an interrupted run
# continues where it stopped. Prints every stage's time and the total. CI does not run this.
#
#   bash src/scripts/make-default-bundle.sh [--work DIR] [--corpus DIR] [--mn04 DIR] [--esc10 DIR] [--head dqn] [--m M] [--tags yes]
# --tags yes keeps the student's AudioSet logits as the bundle's tags; off by default: the student's
# top tags are Music or Speech for almost every ESC-10 clip (0 % right, docs/training-corpus.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$repo/target/default-bundle
corpus=
mn04=$repo/../shared/models/efficientat-mn04
esc10=$repo/../shared/data/esc10
head=none
m=48
tags=no
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --mn04) mn04=$2; shift 2 ;;
    --esc10) esc10=$2; shift 2 ;;
    --head) head=$2; shift 2 ;;
    --m) m=$2; shift 2 ;;
    --tags) tags=$2; shift 2 ;;
    *) echo "make-default-bundle: unknown argument [$1]" >&2; exit 2 ;;
  esac
done
if [ ! -f "$mn04/mn04_as.onnx" ]; then
  echo "make-default-bundle: the teacher is missing: no $mn04/mn04_as.onnx (put ../shared beside the checkout or pass --mn04 DIR)" >&2
  exit 1
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
mn04=$(cd "$mn04" && pwd)
corpus=${corpus:-$work/corpus}
labels=$mn04/class_labels_indices.csv
start=$(date +%s)
stage() { # name, then the output whose presence means done
  stage_name=$1 stage_start=$(date +%s)
  if [ -e "$2" ]; then
    echo "make-default-bundle: [$1] done before ($2 exists; delete it to redo)" >&2
    return 1
  fi
  echo "make-default-bundle: [$1] ..." >&2
}
stage_done() {
  echo "make-default-bundle: [$stage_name] $(( $(date +%s) - stage_start )) s" >&2
}

# 1. The corpus resumes by itself, so it always runs (a complete corpus takes ~10 s to confirm).
stage corpus /nonexistent || true
bash "$repo/src/scripts/make-corpus.sh" --out "$corpus"
stage_done

if stage student "$work/distill/student.onnx"; then
  bash "$repo/src/scripts/train.sh" distill --corpus "$corpus" --out "$work/distill" --mn04 "$mn04" --esc10 "$esc10"
  stage_done
fi

if stage bundle "$work/audiopq-default/model.json"; then
  tag_option=()
  [ "$tags" = yes ] && tag_option=(--label-names "$labels")
  bash "$repo/src/scripts/audio-bundle.sh" student --model "$work/distill/student.onnx" "${tag_option[@]}" \
    --min-frames "$(cat "$work/distill/min-frames")" --data "$corpus/clips" --out "$work" --name audiopq-default --m "$m" --evaluate false
  stage_done
fi
made=$work/audiopq-default

if [ "$head" = dqn ]; then
  if stage labels "$work/pseudo-labels.csv"; then
    source "$repo/src/scripts/tool-env.sh"
    run_tool src/tools io.audiopq.tools.corpus.PseudoLabels --corpus "$corpus" --label-names "$labels" --out "$work/pseudo-labels.csv.partial"
    mv "$work/pseudo-labels.csv.partial" "$work/pseudo-labels.csv"
    stage_done
  fi
  if stage head "$work/head/audiopq-default/model.json"; then
    (cd "$repo" && bash src/scripts/train.sh --base-bundle "$work/audiopq-default" --data "$corpus/clips" --labels "$work/pseudo-labels.csv" \
      --method dqn --m 8 --labelled-fraction 1 --codebook-segments --name audiopq-default --out "$work/head")
    stage_done
  fi
  made=$work/head/audiopq-default
elif [ "$head" != none ]; then
  echo "make-default-bundle: --head takes dqn or none, got [$head]" >&2
  exit 2
fi

rm -rf "$repo/models/audiopq-default"
cp -r "$made" "$repo/models/audiopq-default"

stage figures /nonexistent || true
if [ -f "$esc10/esc10_meta.csv" ]; then
  bash "$repo/src/scripts/audio-bundle.sh" evaluate --bundle "$repo/models/audiopq-default" --esc10 "$esc10" | tee "$work/esc10-figures.txt"
else
  echo "make-default-bundle: no ESC-10 at $esc10: ESC-10 figures skipped" >&2
fi
if [ -f "$repo/target/spoken-words/labels.csv" ]; then
  bash "$repo/src/scripts/audio-bundle.sh" evaluate --bundle "$repo/models/audiopq-default" --data "$repo/target/spoken-words" \
    --labels "$repo/target/spoken-words/labels.csv" | tee "$work/spoken-words-figures.txt"
else
  echo "make-default-bundle: no spoken-word set at target/spoken-words (make-spoken-words.sh): its figures skipped" >&2
fi
stage_done

# The model card: what was made from what, the corpus's licences, and the figures just measured.
card=$repo/models/audiopq-default/MODEL_CARD.md
{
  echo "# audiopq-default — model card"
  echo
  echo "Made by \`bash src/scripts/make-default-bundle.sh\` (head: $head, PQ M=$m × 8 bits) on $(date -u +%Y-%m-%d). Nothing in it was fitted on"
  echo "ESC-10; ESC-10 and the spoken-word set are evaluation only. See models/README.md for how it is made and what it is good and bad at."
  echo
  echo "## Training corpus"
  echo
  awk -F'\t' 'NR > 1 && $10 != "" { n = split($10, c, ","); if (!($1 in clips)) order[++np] = $1; if (!($4 in lic)) lorder[++nl] = $4; clips[$1] += n; secs[$1] += $7; lic[$4] += n; total += n; t += $7 }
    END { printf "%d clips from %d Debian packages (manifest: corpus/manifest.tsv, rebuilt by make-corpus.sh; the audio is never committed).\n\n", total, np;
          print "| package | clips | minutes (source files) |"; print "| --- | ---: | ---: |";
          for (p in clips) printf "| %s | %d | %.1f |\n", p, clips[p], secs[p] / 60;
          print ""; print "| licence (copyright stanza of the file) | clips |"; print "| --- | ---: |";
          for (l in lic) printf "| %s | %d |\n", l, lic[l] }' "$corpus/manifest.tsv"
  echo
  echo "## Student (train.sh distill)"
  echo
  sed 's/^# /### /; s/^## /### /' "$work/distill/report.md"
  for f in esc10-figures spoken-words-figures; do
    if [ -f "$work/$f.txt" ]; then
      echo; echo "## This bundle through AudioBundleTool evaluate ($f)"; echo; echo '```'; grep -v '^WARNING' "$work/$f.txt"; echo '```'
    fi
  done
} > "$card"
echo "make-default-bundle: wrote $card" >&2
echo "make-default-bundle: models/audiopq-default made in $(( $(date +%s) - start )) s" >&2
