package io.audiopq.audio;

import java.util.Map;

/**
 * The full decoder fuzz run (not part of the unit tests):
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.audiopq.audio.DecoderFuzzMain
 * -Dexec.args="[casesPerFormat] [seed] [formats, e.g. flac,mp3]"}. Defaults: 25,000 cases per format (100,000 in all with
 * four formats), seed 20240917, 2 s hang limit. Prints a table per format and the first failures;
 * exits with status 1 when any case failed.
 */
public final class DecoderFuzzMain {

    private DecoderFuzzMain() {}

    public static void main(String[] args) throws Exception {
        long perFormat = args.length > 0 ? Long.parseLong(args[0]) : 25_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 20240917L;
        AudioFuzzer fuzzer = new AudioFuzzer();
        java.util.List<AudioFormat> formats = args.length > 2
            ? java.util.Arrays.stream(args[2].split(",")).map(id -> AudioFormat.valueOf(id.toUpperCase(java.util.Locale.ROOT))).toList()
            : fuzzer.formats();
        if (fuzzer.oggNote() != null) {
            System.out.println(fuzzer.oggNote());
        }
        long start = System.nanoTime();
        Map<AudioFormat, DecoderFuzz.Stats> stats;
        long printed;
        int abandoned;
        try (DecoderFuzz fuzz = new DecoderFuzz(2_000)) {
            stats = fuzz.run(fuzzer, seed, perFormat, formats);
            printed = fuzz.printedBytes();
            abandoned = fuzz.abandonedWorkers();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "decoder fuzz: seed %d, %d cases per format, %.1f s, %d bytes printed to stdout/stderr by decoders%n",
            seed, perFormat, seconds, printed);
        System.out.print(DecoderFuzz.table(stats));
        long failures = 0;
        for (Map.Entry<AudioFormat, DecoderFuzz.Stats> e : stats.entrySet()) {
            failures += e.getValue().failuresTotal();
            System.out.println("slowest " + e.getKey().id() + ": " + e.getValue().slowest);
            for (String f : e.getValue().failures) {
                System.out.println("FAIL " + f);
            }
        }
        System.out.flush();
        System.exit(failures == 0 && printed == 0 && abandoned == 0 ? 0 : 1);
    }
}
