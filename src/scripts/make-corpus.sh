#!/usr/bin/env bash
# Builds the project's broad training corpus (issue 14) from Debian packages that carry freely
# licensed sounds: game sound effects and music, voice prompts in four languages (Asterisk's
# English, Spanish, French and Russian prompts; Hedgewars' voice packs), instrument and drum samples
# (Sonic Pi), desktop sound themes. Packages are fetched by name with `apt-get download` (nothing is
# installed) and unpacked with `dpkg-deb -x`; CorpusBuilder (src/tools) then decodes every audio file
# with the project's decoders, drops files shorter than 0.5 s and silent ones, cuts long ones into
# crops of at most 10 s (30 per file at most), writes each clip as 16-bit mono WAV at 32 kHz and a
# manifest (package, version, path, licence from the package's copyright file, SHA-256, duration,
# rate, clip ids). See docs/training-corpus.md.
#
# ESC-10 is NEVER part of the corpus: it is the evaluation set (issue 14). No package here carries it,
# and when ../shared/data/esc10 exists every file identical to one of its clips is dropped as well,
# and (with the teacher) corpus clips that sound like an ESC-10 clip are listed in esc10-overlap.tsv.
#
#   bash src/scripts/make-corpus.sh [--out DIR] [--packages p1,p2,...] [--teacher yes|no]
#
# Default DIR target/corpus (never committed: target/ is ignored); debs/ holds the downloads,
# extracted/<package>/ the unpacked trees (a stamp file marks a complete one), clips/ and
# manifest.tsv the result, teacher-mn04.bin the teacher's targets (TeacherTargets: mn04's 384-d
# embedding and 527 logits per clip and per 1 s segment; skipped with a message when
# ../shared/models/efficientat-mn04 is absent, or with --teacher no). A rerun reuses all of them: it
# downloads only missing packages, unpacks only new ones, decodes only files the manifest does not
# list with their clips and runs the teacher only on clips its file lacks (an interrupted run
# resumes). Needs apt-get (with bookworm's lists; `apt-get update` is run once when a package is
# unknown), dpkg-deb and a JDK 21+. Augmentation is not a step here: it is applied when training
# reads a clip (io.audiopq.tools.corpus.Augmenter).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/target/corpus
# Chosen for many varied sounds under free licences at a moderate download (~330 MB in all, see the docs page).
packages=sound-theme-freedesktop,oxygen-sounds,yaru-theme-sound,deepin-sound-theme,gnome-audio,sound-icons,\
asterisk-core-sounds-en-wav,asterisk-core-sounds-es-wav,asterisk-core-sounds-fr-wav,asterisk-core-sounds-ru-wav,\
hedgewars-data,frozen-bubble-data,pingus-data,chromium-bsu-data,tuxpaint-data,extremetuxracer-data,sonic-pi-samples
teacher=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --packages) packages=$2; shift 2 ;;
    --teacher) teacher=$2; shift 2 ;;
    *) echo "make-corpus: unknown argument [$1]" >&2; exit 2 ;;
  esac
done
for tool in apt-get dpkg-deb; do
  command -v $tool > /dev/null || { echo "make-corpus: $tool is needed (a Debian or Ubuntu system)" >&2; exit 4; }
done
start=$(date +%s)
mkdir -p "$out/debs" "$out/extracted"
out=$(cd "$out" && pwd)
IFS=, read -r -a names <<< "$packages"
for name in "${names[@]}"; do
  case "${name,,}" in *esc10*|*esc-10*|*esc50*|*esc-50*) echo "make-corpus: [$name] looks like ESC data, which is evaluation data and never part of the corpus" >&2; exit 2 ;; esac
done

# 1. Downloads: only packages without a .deb in debs/ (apt-get names them PKG_VERSION_ARCH.deb).
missing=()
for name in "${names[@]}"; do
  compgen -G "$out/debs/${name}_*.deb" > /dev/null || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "make-corpus: downloading ${#missing[@]} package(s): ${missing[*]}" >&2
  fetch() { # apt-get's own exit status; its warning about the unsandboxed download (run as root) is dropped
    (cd "$out/debs" && apt-get download "$@") > "$out/download.log" 2>&1 && rc=0 || rc=$?
    grep -v '^W: Download is performed unsandboxed' "$out/download.log" | tail -n 3 >&2 || true
    return $rc
  }
  if ! fetch "${missing[@]}"; then
    echo "make-corpus: apt-get download failed; updating the package lists once and retrying" >&2
    apt-get update > /dev/null
    fetch "${missing[@]}"
  fi
fi

# 2. Extraction: one tree per package; the stamp names the .deb it came from, so a new version is unpacked again.
list=$out/packages.tsv
: > "$list.partial"
bytes=0
for name in "${names[@]}"; do
  debs=("$out/debs/${name}"_*.deb)
  [ ${#debs[@]} -eq 1 ] || { echo "make-corpus: expected one .deb for $name in $out/debs, found ${#debs[@]}" >&2; exit 1; }
  deb=${debs[0]}
  version=$(dpkg-deb -f "$deb" Version)
  bytes=$((bytes + $(stat -c %s "$deb")))
  tree=$out/extracted/$name
  if [ "$(cat "$tree.stamp" 2>/dev/null)" != "$(basename "$deb")" ]; then
    echo "make-corpus: unpacking $(basename "$deb")" >&2
    rm -rf "$tree" "$tree.stamp"
    mkdir -p "$tree"
    dpkg-deb -x "$deb" "$tree"
    basename "$deb" > "$tree.stamp"
  fi
  printf '%s\t%s\n' "$name" "$version" >> "$list.partial"
done
mv "$list.partial" "$list"
echo "make-corpus: ${#names[@]} packages, $((bytes / 1000000)) MB of .deb files in $out/debs" >&2

# 3. Decoding, cutting, manifest.
esc10=()
[ -d "$repo/../shared/data/esc10" ] && esc10=(--esc10 "$repo/../shared/data/esc10")
# shellcheck source=tool-env.sh
source "$repo/src/scripts/tool-env.sh"
run_tool src/tools io.audiopq.tools.corpus.CorpusBuilder --packages "$list" --extracted "$out/extracted" --out "$out" "${esc10[@]}"

# 4. Teacher targets for distillation: mn04's embedding and logits per clip and per 1 s segment (read in place, never copied).
mn04=$repo/../shared/models/efficientat-mn04
if [ "$teacher" = no ]; then
  echo "make-corpus: teacher targets skipped (--teacher no)" >&2
elif [ ! -f "$mn04/mn04_as.onnx" ]; then
  echo "make-corpus: teacher targets skipped: no mn04 model at $mn04 (../shared is absent)" >&2
else
  run_tool src/tools io.audiopq.tools.corpus.TeacherTargets --corpus "$out" --mn04 "$mn04" --out "$out/teacher-mn04.bin"
  # 5. ESC-10 by sound: corpus clips whose 1 s segments come close to an ESC-10 segment, listed for a look (none dropped).
  # Cached like the other stages: redone only when the targets changed since the last report.
  if [ ${#esc10[@]} -gt 0 ] && [ ! "$out/esc10-overlap.tsv" -nt "$out/teacher-mn04.bin" ]; then
    run_tool src/tools io.audiopq.tools.corpus.Esc10Overlap --targets "$out/teacher-mn04.bin" --esc10 "${esc10[1]}" --mn04 "$mn04" \
      --out "$out/esc10-overlap.tsv"
  fi
fi
echo "make-corpus: done in $(( $(date +%s) - start )) s" >&2
