package io.audiopq.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Human-readable progress on a stream (standard error by default): timestamped messages and
 * progress bars that redraw in place on a terminal and print every 10 % otherwise (logs stay short).
 */
public final class Progress {

    private final PrintStream out;
    private final boolean terminal;
    private final boolean quiet;
    private final long start = System.nanoTime();

    public Progress(PrintStream out, boolean terminal, boolean quiet) {
        this.out = out;
        this.terminal = terminal;
        this.quiet = quiet;
    }

    public static Progress stderr() {
        return new Progress(System.err, System.console() != null, false);
    }

    /** Prints nothing (tests). */
    public static Progress silent() {
        return new Progress(System.err, false, true);
    }

    public void message(String text) {
        if (quiet == false) {
            synchronized (out) {
                out.printf(Locale.ROOT, "[%7.1fs] %s%n", (System.nanoTime() - start) / 1e9, text);
            }
        }
    }

    public Bar bar(String label, int total) {
        return new Bar(label, total);
    }

    /** A bar of {@code total} steps; {@link #step()} is thread-safe. */
    public final class Bar {
        private final String label;
        private final int total;
        private final AtomicInteger done = new AtomicInteger();
        private volatile int lastDecile = -1;
        private final long barStart = System.nanoTime();

        private Bar(String label, int total) {
            this.label = label;
            this.total = Math.max(1, total);
        }

        public void step() {
            int d = done.incrementAndGet();
            if (quiet) {
                return;
            }
            int decile = d * 10 / total;
            if (terminal || decile != lastDecile) {
                lastDecile = decile;
                draw(d, terminal ? "\r" : "", terminal ? "" : "\n");
            }
        }

        public void done() {
            if (quiet == false && terminal) {
                synchronized (out) {
                    out.println();
                }
            }
        }

        private void draw(int d, String prefix, String suffix) {
            int width = 30, filled = (int) ((long) d * width / total);
            double elapsed = (System.nanoTime() - barStart) / 1e9;
            double eta = d == 0 ? 0 : elapsed * (total - d) / d;
            synchronized (out) {
                out.printf(Locale.ROOT, "%s%s [%s%s] %d/%d %.0fs, eta %.0fs%s", prefix, label, "#".repeat(filled), ".".repeat(width - filled), d, total,
                    elapsed, eta, suffix);
                out.flush();
            }
        }
    }
}
