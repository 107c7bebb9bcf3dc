package io.audiopq.tools.corpus;

import io.audiopq.audio.AudioDecoder;
import io.audiopq.audio.AudioResampler;
import io.audiopq.audio.DecodeLimits;
import io.audiopq.audio.DecodedAudio;
import io.audiopq.audio.InvalidAudioException;
import io.audiopq.model.BundleChecksums;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Turns extracted Debian packages into the training corpus (run by {@code src/scripts/make-corpus.sh},
 * which downloads and extracts them): every audio file (wav, flac, ogg/oga, mp3 by extension) is
 * decoded by the project's own decoders, downmixed, resampled to {@link #CLIP_RATE} (mn04's front-end
 * rate, so the teacher reads clips without resampling) and cut by {@link ClipRules}; each clip is
 * written as 16-bit mono WAV {@code OUT/clips/<id>.wav} and every source file gets a manifest row
 * ({@link CorpusManifest}), dropped ones with the reason. A file identical (SHA-256) to one seen
 * before, in this or an earlier package, is recorded as a duplicate and yields no clips; so is a file
 * identical to an ESC-10 clip ({@code --esc10}), since ESC-10 is evaluation data.
 *
 * <p>Resumable: a file whose SHA-256 the previous manifest lists with all its clips on disk is not
 * decoded again. Output is deterministic: packages in the order given, files in path order.
 *
 * <p>Usage: {@code CorpusBuilder --packages TSV --extracted DIR --out DIR [--esc10 DIR]}; {@code TSV}
 * has one {@code package<TAB>version} line per package, and {@code DIR/<package>/} holds its
 * extracted tree.
 */
public final class CorpusBuilder {

    public static final int CLIP_RATE = 32_000;
    static final Set<String> AUDIO_EXTENSIONS = Set.of("wav", "flac", "ogg", "oga", "mp3");
    /** Long music tracks are allowed; the decoders' per-document budget stays in force. */
    static final DecodeLimits LIMITS = new DecodeLimits(200L * 1024 * 1024, 1800);

    static final String DUPLICATE = "duplicate of ";
    static final String ESC10 = "identical to an ESC-10 clip";

    private CorpusBuilder() {}

    /** What a run found. */
    public record Totals(int packages, int files, int keptFiles, int clips, double clipSeconds, int decodedNow, Map<String, Integer> clipsPerLicence) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d packages, %d audio files (%d kept, %d decoded in this run), %d clips, %.2f h of audio",
                packages, files, keptFiles, decodedNow, clips, clipSeconds / 3600));
            s.append("\nclips per licence:");
            clipsPerLicence.forEach((licence, n) -> s.append(String.format(Locale.ROOT, "%n  %6d  %s", n, licence)));
            return s.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].startsWith("--") == false || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: CorpusBuilder --packages TSV --extracted DIR --out DIR [--esc10 DIR]; bad argument [" + args[i] + "]");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("packages", "extracted", "out")) {
            if (options.containsKey(required) == false) {
                throw new IllegalArgumentException("--" + required + " is required");
            }
        }
        List<String[]> packages = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(options.get("packages")), StandardCharsets.UTF_8)) {
            if (line.isBlank() == false) {
                String[] f = line.split("\t");
                if (f.length != 2) {
                    throw new IllegalArgumentException("--packages: expected package<TAB>version, got [" + line + "]");
                }
                packages.add(f);
            }
        }
        Set<String> esc10 = options.containsKey("esc10") ? sha256s(Path.of(options.get("esc10"))) : Set.of();
        long start = System.nanoTime();
        Totals totals = build(packages, Path.of(options.get("extracted")), Path.of(options.get("out")), esc10, System.err);
        System.err.printf(Locale.ROOT, "make-corpus: %s%nmake-corpus: manifest %s, built in %.1f s%n", totals,
            Path.of(options.get("out")).resolve("manifest.tsv"), (System.nanoTime() - start) / 1e9);
    }

    /** SHA-256 of every file under {@code dir}. */
    static Set<String> sha256s(Path dir) throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.add(BundleChecksums.sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    /**
     * Builds (or updates) {@code out/manifest.tsv} and {@code out/clips/}.
     *
     * @param packages     {package, version} pairs, extracted under {@code extracted/<package>/}
     * @param excludedSha256 SHA-256s of files that must not enter the corpus (ESC-10's)
     */
    public static Totals build(List<String[]> packages, Path extracted, Path out, Set<String> excludedSha256, PrintStream log) throws IOException {
        Path clipsDir = Files.createDirectories(out.resolve("clips"));
        Path manifestFile = out.resolve("manifest.tsv");
        Map<String, CorpusManifest.Entry> previous = new HashMap<>();
        if (Files.exists(manifestFile)) {
            for (CorpusManifest.Entry e : CorpusManifest.read(manifestFile)) {
                // Duplicates and exclusions carry no decoding results; everything else is reused when its clips are all there.
                boolean decoded = e.note().startsWith(DUPLICATE) == false && e.note().startsWith(ESC10) == false;
                if (decoded && e.clips().stream().allMatch(c -> Files.exists(clipsDir.resolve(c.fileName())))) {
                    previous.put(e.sha256(), e);
                }
            }
        }
        AudioDecoder decoder = new AudioDecoder();
        Map<String, String> seen = new HashMap<>(); // sha256 -> package/path of its first occurrence
        List<CorpusManifest.Entry> entries = new ArrayList<>();
        Map<String, Integer> perLicence = new TreeMap<>();
        int files = 0, kept = 0, clips = 0, decodedNow = 0;
        double seconds = 0;
        for (int p = 0; p < packages.size(); p++) {
            String pkg = packages.get(p)[0], version = packages.get(p)[1];
            Path root = extracted.resolve(pkg);
            Path copyrightFile = root.resolve("usr/share/doc/" + pkg + "/copyright");
            DebianCopyright copyright = DebianCopyright.parse(Files.exists(copyrightFile) ? Files.readString(copyrightFile, StandardCharsets.ISO_8859_1) : "");
            String packageLicences = String.join(" | ", copyright.licences());
            List<Path> audio;
            try (Stream<Path> walk = Files.walk(root)) {
                audio = walk.filter(Files::isRegularFile).filter(CorpusBuilder::isAudio).sorted().toList();
            }
            int pkgClips = 0, pkgCached = 0;
            double pkgSeconds = 0;
            for (Path file : audio) {
                String path = root.relativize(file).toString().replace('\\', '/');
                byte[] bytes = Files.readAllBytes(file);
                String sha = BundleChecksums.sha256(bytes);
                String licence = copyright.licenceFor(path);
                files++;
                CorpusManifest.Entry entry;
                String first = seen.putIfAbsent(sha, pkg + "/" + path);
                if (excludedSha256.contains(sha)) {
                    entry = new CorpusManifest.Entry(pkg, version, path, licence, packageLicences, sha, 0, 0, 0, List.of(), ESC10 + " (evaluation data)");
                } else if (first != null) {
                    entry = new CorpusManifest.Entry(pkg, version, path, licence, packageLicences, sha, 0, 0, 0, List.of(), DUPLICATE + first);
                } else if (previous.containsKey(sha)) {
                    CorpusManifest.Entry old = previous.get(sha);
                    entry = new CorpusManifest.Entry(pkg, version, path, licence, packageLicences, sha, old.seconds(), old.sampleRate(), old.channels(),
                        old.clips(), old.note());
                    pkgCached++;
                } else {
                    entry = cut(pkg, version, path, licence, packageLicences, sha, bytes, decoder, clipsDir);
                    decodedNow++;
                }
                entries.add(entry);
                if (entry.clips().isEmpty() == false) {
                    kept++;
                    clips += entry.clips().size();
                    pkgClips += entry.clips().size();
                    perLicence.merge(licence, entry.clips().size(), Integer::sum);
                    for (CorpusManifest.ClipId c : entry.clips()) {
                        seconds += c.seconds();
                        pkgSeconds += c.seconds();
                    }
                }
            }
            log.printf(Locale.ROOT, "make-corpus: [%d/%d] %s %s: %d audio files, %d clips, %.1f min (%d files from the cache); licences: %s%n", p + 1,
                packages.size(), pkg, version, audio.size(), pkgClips, pkgSeconds / 60, pkgCached, packageLicences);
        }
        CorpusManifest.write(manifestFile, entries);
        return new Totals(packages.size(), files, kept, clips, seconds, decodedNow, perLicence);
    }

    /** Decodes one file, cuts it and writes its clips; an undecodable file gets a row saying why. */
    static CorpusManifest.Entry cut(String pkg, String version, String path, String licence, String packageLicences, String sha, byte[] bytes,
        AudioDecoder decoder, Path clipsDir) throws IOException {
        DecodedAudio audio;
        try {
            audio = decoder.decode(bytes, LIMITS);
        } catch (InvalidAudioException e) {
            String reason = e.getMessage().replaceAll("[\\t\\r\\n]+", " ");
            return new CorpusManifest.Entry(pkg, version, path, licence, packageLicences, sha, 0, 0, 0, List.of(), "undecodable: " + reason);
        }
        float[] samples = AudioResampler.resample(audio.samples(), audio.sampleRate(), CLIP_RATE);
        ClipRules.Result result = ClipRules.crops(samples, CLIP_RATE);
        List<CorpusManifest.ClipId> ids = new ArrayList<>();
        for (ClipRules.Crop c : result.crops()) {
            CorpusManifest.ClipId id = CorpusManifest.ClipId.of(sha, c.startMs(CLIP_RATE), c.endMs(CLIP_RATE));
            writeWav(clipsDir.resolve(id.fileName()), samples, c.start(), c.length(), CLIP_RATE);
            ids.add(id);
        }
        return new CorpusManifest.Entry(pkg, version, path, licence, packageLicences, sha, audio.durationSeconds(), audio.sampleRate(),
            audio.channels(), ids, result.note());
    }

    /** Writes {@code length} samples from {@code from} as 16-bit mono PCM WAV (clipped to full scale), through a temporary file. */
    static void writeWav(Path file, float[] samples, int from, int length, int rate) throws IOException {
        ByteBuffer pcm = ByteBuffer.allocate(length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++) {
            pcm.putShort((short) Math.round(Math.max(-1f, Math.min(1f, samples[from + i])) * 32767f));
        }
        javax.sound.sampled.AudioFormat format = new javax.sound.sampled.AudioFormat(rate, 16, 1, true, false);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm.array()), format, length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, partial.toFile());
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static boolean isAudio(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && AUDIO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
