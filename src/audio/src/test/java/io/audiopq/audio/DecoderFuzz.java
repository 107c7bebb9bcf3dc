package io.audiopq.audio;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs fuzz cases through the public entry point ({@link AudioDecoder}) on a worker thread with a
 * hard per-case time limit, and classifies each: rejected cleanly ({@link InvalidAudioException}),
 * decoded (every sample must be finite), an {@code Error}, another exception, or a hang. While it
 * runs, System.out and System.err are captured, so that any decoder output is counted.
 */
final class DecoderFuzz implements AutoCloseable {

    /** The limits every case decodes under: the node's defaults. */
    static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 300);

    /** Per-format tallies. */
    static final class Stats {
        long cases, rejected, decoded, errors, otherExceptions, hangs, nonFinite;
        private long[] nanos = new long[1024];
        private int n;
        final List<String> failures = new ArrayList<>();
        String slowest;
        private long slowestNanos = -1;

        void time(long t, String name) {
            if (t > slowestNanos) {
                slowestNanos = t;
                slowest = name;
            }
            time(t);
        }

        void time(long t) {
            if (n == nanos.length) {
                nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = t;
        }

        long failuresTotal() {
            return errors + otherExceptions + hangs + nonFinite;
        }

        double maxMs() {
            return Arrays.stream(nanos, 0, n).max().orElse(0) / 1e6;
        }

        double p99Ms() {
            if (n == 0) {
                return 0;
            }
            long[] s = Arrays.copyOf(nanos, n);
            Arrays.sort(s);
            return s[Math.min(n - 1, (int) Math.ceil(0.99 * n) - 1)] / 1e6;
        }

        void fail(String what) {
            if (failures.size() < 20) {
                failures.add(what);
            }
        }
    }

    /**
     * A wall-clock cap far above the CPU limit: a worker that is merely starved of CPU on a loaded
     * machine is waited for up to this many times the limit before it counts as hung.
     */
    static final int WALL_LIMIT_FACTOR = 30;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long hangLimitMillis;
    private final AudioDecoder decoder = new AudioDecoder();
    private volatile Thread workerThread;
    private ExecutorService worker = newWorker();
    private final List<ExecutorService> abandoned = new ArrayList<>();
    private long printedBytes;

    DecoderFuzz(long hangLimitMillis) {
        this.hangLimitMillis = hangLimitMillis;
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "decoder-fuzz-worker");
            t.setDaemon(true);
            workerThread = t;
            return t;
        });
    }

    /** Bytes the decoders printed to stdout/stderr during the runs so far. */
    long printedBytes() {
        return printedBytes;
    }

    /** Hung worker threads left behind (they cannot be killed). */
    int abandonedWorkers() {
        return abandoned.size();
    }

    /** Runs {@code casesPerFormat} cases of every format the fuzzer has seeds for. */
    Map<AudioFormat, Stats> run(AudioFuzzer fuzzer, long seed, long casesPerFormat) {
        return run(fuzzer, seed, casesPerFormat, fuzzer.formats());
    }

    /** Runs {@code casesPerFormat} cases of each of {@code formats}. */
    Map<AudioFormat, Stats> run(AudioFuzzer fuzzer, long seed, long casesPerFormat, List<AudioFormat> formats) {
        Map<AudioFormat, Stats> out = new EnumMap<>(AudioFormat.class);
        PrintStream stdout = System.out, stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true);
        System.setOut(capture);
        System.setErr(capture);
        try {
            for (AudioFormat format : formats) {
                Stats stats = new Stats();
                out.put(format, stats);
                for (long i = 0; i < casesPerFormat; i++) {
                    AudioFuzzer.Case c = fuzzer.generate(format, seed, i);
                    runCase(c, stats, "seed " + seed + " case " + i + " (" + format.id() + ", " + c.mutation() + ", " + c.bytes().length + " bytes)");
                }
            }
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            printedBytes += captured.size();
        }
        return out;
    }

    /**
     * Waits for a case: the hang limit counts the worker's CPU time, not wall time, so that a decode
     * starved of CPU by other processes is not called a hang (a real hang spins or blocks; blocking
     * is caught by the wall cap).
     */
    private DecodedAudio await(Future<DecodedAudio> f) throws InterruptedException, ExecutionException, TimeoutException {
        long cpuStart = workerCpuNanos();
        long wallDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(hangLimitMillis * WALL_LIMIT_FACTOR);
        while (true) {
            try {
                return f.get(hangLimitMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long cpuMillis = TimeUnit.NANOSECONDS.toMillis(workerCpuNanos() - cpuStart);
                if (cpuMillis >= hangLimitMillis || System.nanoTime() >= wallDeadline) {
                    throw e;
                }
            }
        }
    }

    private long workerCpuNanos() {
        Thread t = workerThread;
        long cpu = t == null ? -1 : THREADS.getThreadCpuTime(t.threadId());
        return Math.max(cpu, 0);
    }

    /** Decodes one input under the hang limit and records the outcome. */
    void runCase(AudioFuzzer.Case c, Stats stats, String name) {
        stats.cases++;
        long start = System.nanoTime();
        Future<DecodedAudio> f = worker.submit(() -> decoder.decode(c.bytes(), LIMITS));
        try {
            DecodedAudio audio = await(f);
            stats.time(System.nanoTime() - start, name);
            stats.decoded++;
            if (AudioChecks.isFinite(audio.samples()) == false) {
                stats.nonFinite++;
                stats.fail(name + ": decoded to non-finite samples");
            }
        } catch (TimeoutException e) {
            stats.time(System.nanoTime() - start);
            stats.hangs++;
            stats.fail(name + ": still decoding after " + hangLimitMillis + " ms of CPU time (or " + WALL_LIMIT_FACTOR + "x that of wall time)");
            f.cancel(true);
            worker.shutdownNow();
            abandoned.add(worker);
            worker = newWorker();
        } catch (ExecutionException e) {
            stats.time(System.nanoTime() - start, name);
            Throwable t = e.getCause();
            if (t instanceof InvalidAudioException) {
                stats.rejected++;
            } else if (t instanceof Error) {
                stats.errors++;
                stats.fail(name + ": " + t);
            } else {
                stats.otherExceptions++;
                stats.fail(name + ": " + t + " at " + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The table: one row per format. */
    static String table(Map<AudioFormat, Stats> stats) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-11s %8s %9s %8s %7s %7s %6s %10s %9s %9s%n", "format", "cases", "rejected", "decoded",
            "Errors", "other", "hangs", "nonfinite", "max ms", "p99 ms"));
        for (Map.Entry<AudioFormat, Stats> e : stats.entrySet()) {
            Stats s = e.getValue();
            row(sb, e.getKey().id(), s, s.maxMs(), s.p99Ms());
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Stats s, double max, double p99) {
        sb.append(String.format(Locale.ROOT, "%-11s %8d %9d %8d %7d %7d %6d %10d %9.1f %9.2f%n", name, s.cases, s.rejected, s.decoded, s.errors,
            s.otherExceptions, s.hangs, s.nonFinite, max, p99));
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdown();
        worker.awaitTermination(10, TimeUnit.SECONDS);
    }
}
