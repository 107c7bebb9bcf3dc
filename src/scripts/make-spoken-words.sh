#!/usr/bin/env bash
# Synthesises the project's spoken-word development collection with espeak-ng: the spoken digits
# and two short words (yes, no), each said by several synthetic speakers (an espeak-ng accent +
# voice variant + base pitch and speed) in several renditions (pitch and speed jitter, a random
# lead-in, white noise at 10-30 dB SNR, Schroeder reverb on about half the clips). Like real speech
# data, an untrained backbone's neighbours there are mostly the same *speaker*, not the same word:
# the failure mode learned quantisation must fix (docs/training.md, docs/evaluation.md).
#
#   bash src/scripts/make-spoken-words.sh [--out DIR] [--speakers N] [--renditions R] [--words w1,w2,...] [--seed S]
#
# Writes DIR/wav/*.wav (16-bit mono, 22.05 kHz) and DIR/labels.csv (filename,label,fold; the fold
# is the speaker, a string); default DIR target/spoken-words, 10 speakers x 12 words x 8
# renditions = 960 clips (~2.5 min on a loaded 2-core machine). The same arguments give the same
# files, byte for byte, with one espeak-ng version. Never commit the output. Needs espeak-ng and
# python3 (standard library only); espeak-ng is installed with apt-get when missing and this runs
# as root, else the script exits 4 saying how to install it.
set -euo pipefail
out=target/spoken-words speakers=10 renditions=8 seed=1
words=zero,one,two,three,four,five,six,seven,eight,nine,yes,no
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --speakers) speakers=$2; shift 2 ;;
    --renditions) renditions=$2; shift 2 ;;
    --words) words=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "make-spoken-words: unknown argument [$1]" >&2; exit 2 ;;
  esac
done
if ! command -v espeak-ng > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "make-spoken-words: installing espeak-ng (apt-get install -y espeak-ng)" >&2
    (apt-get install -y espeak-ng || (apt-get update && apt-get install -y espeak-ng)) > /dev/null
  else
    echo "make-spoken-words: espeak-ng is not installed; install it with: sudo apt-get install -y espeak-ng (Debian/Ubuntu)" >&2
    exit 4
  fi
fi
command -v python3 > /dev/null || { echo "make-spoken-words: python3 is needed" >&2; exit 4; }
mkdir -p "$out/wav"
python3 - "$out" "$speakers" "$renditions" "$words" "$seed" <<'PY'
import array, math, os, random, subprocess, sys, tempfile, wave

out, speakers, renditions, words, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), int(sys.argv[5])
rng = random.Random(seed)
accents = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029"]
variants = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "klatt", "klatt2", "klatt3",
            "Alex", "Andy", "Annie", "adam", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb", "david", "ed",
            "edward", "grandma", "grandpa", "iven", "john", "kaukovalta", "linda", "max", "michel", "norbert", "quincy",
            "robert", "steph", "travis", "victor", "zac"]
if speakers > len(variants):
    sys.exit("make-spoken-words: at most %d speakers" % len(variants))
chosen = rng.sample(variants, speakers)
voices = []
for i, variant in enumerate(chosen):
    accent = accents[i % len(accents)]
    voices.append(("s%02d-%s-%s" % (i + 1, accent, variant), accent + "+" + variant, rng.randint(25, 75), rng.randint(135, 185)))

def reverb(x, rate, amount):
    # Schroeder: four feedback combs in parallel, two allpasses in series; amount = wet share
    combs = [int(rate * t) for t in (0.0297, 0.0371, 0.0411, 0.0437)]
    g = 0.7 + 0.15 * amount
    wet = [0.0] * len(x)
    for d in combs:
        buf = [0.0] * d
        k = 0
        for n in range(len(x)):
            y = x[n] + g * buf[k]
            buf[k] = y
            k = (k + 1) % d
            wet[n] += y * 0.25
    for d, ga in ((int(rate * 0.005), 0.7), (int(rate * 0.0017), 0.7)):
        buf = [0.0] * d
        k = 0
        for n in range(len(wet)):
            b = buf[k]
            y = -ga * wet[n] + b
            buf[k] = wet[n] + ga * y
            k = (k + 1) % d
            wet[n] = y
    return [(1 - amount) * a + amount * b for a, b in zip(x, wet)]

rows = []
with tempfile.TemporaryDirectory() as tmp:
    raw = os.path.join(tmp, "raw.wav")
    for name, voice, pitch, speed in voices:
        for word in words:
            for r in range(renditions):
                p = max(0, min(99, pitch + rng.randint(-12, 12)))
                s = max(80, speed + rng.randint(-25, 25))
                subprocess.run(["espeak-ng", "-v", voice, "-p", str(p), "-s", str(s), "-w", raw, word], check=True)
                with wave.open(raw) as w:
                    rate = w.getframerate()
                    x = [v / 32768.0 for v in array.array("h", w.readframes(w.getnframes()))]
                x = [0.0] * rng.randint(0, int(0.25 * rate)) + x
                if rng.random() < 0.5:
                    x = reverb(x + [0.0] * int(0.2 * rate), rate, rng.uniform(0.2, 0.6))
                power = sum(v * v for v in x) / max(1, len(x))
                sigma = math.sqrt(power / 10 ** (rng.uniform(10, 30) / 10))
                gain = rng.uniform(0.5, 1.0)
                peak = max(1e-9, max(abs(v) for v in x) + 3 * sigma)
                pcm = array.array("h", (max(-32767, min(32767, int(32767 * gain * (v + rng.gauss(0, sigma)) / peak))) for v in x))
                filename = "wav/%s-%s-%d.wav" % (name, word, r + 1)
                with wave.open(os.path.join(out, filename), "wb") as w:
                    w.setnchannels(1)
                    w.setsampwidth(2)
                    w.setframerate(rate)
                    w.writeframes(pcm.tobytes())
                rows.append((filename, word, name))
with open(os.path.join(out, "labels.csv"), "w") as f:
    f.write("filename,label,fold\n")
    for row in rows:
        f.write(",".join(row) + "\n")
print("make-spoken-words: %d clips (%d speakers x %d words x %d renditions) in %s, labels %s" % (
    len(rows), speakers, len(words), renditions, out, os.path.join(out, "labels.csv")), file=sys.stderr)
PY
