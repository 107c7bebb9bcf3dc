package io.audiopq.train;

import io.audiopq.tools.RetrievalMetrics;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The evaluation's markdown tables and PNG plots (XChart). */
final class Report {

    private Report() {}

    static String markdown(List<Evaluation.Cell> cells, Evaluation.Config cfg, String header) {
        StringBuilder s = new StringBuilder(header);
        for (String protocol : List.of("all items", "held-out fold")) {
            Map<String, List<Evaluation.Cell>> systems = Evaluation.bySystem(cells, protocol);
            if (systems.isEmpty()) {
                continue;
            }
            s.append("\n### ").append(protocol.equals("all items") ? "All items query all others (the seed's protocol)" : "Held-out fold (trained on the other folds)")
                .append("\n\n");
            for (double fraction : cfg.fractions()) {
                s.append(String.format(Locale.ROOT, "mAP over the full ranking, mean ± std over %s; trained heads with %.0f %% of the labels:%n%n",
                    protocol.equals("all items") ? cfg.repeats() + " repeats" : "folds", 100 * fraction));
                s.append("| system |");
                for (int b : cfg.bits()) {
                    s.append(' ').append(b).append(" bits |");
                }
                s.append("\n| --- |").append(" ---: |".repeat(cfg.bits().length)).append('\n');
                for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                    List<Evaluation.Cell> row = e.getValue().stream().filter(c -> c.fraction() == 0 || c.fraction() == fraction).toList();
                    if (row.isEmpty()) {
                        continue;
                    }
                    s.append("| ").append(e.getKey()).append(" |");
                    for (int b : cfg.bits()) {
                        Evaluation.Cell c = row.stream().filter(x -> x.bits() == b || x.bits() == 0).findFirst().orElse(null);
                        s.append(' ').append(c == null ? "" : meanStd(c, RetrievalMetrics::map)).append(" |");
                    }
                    s.append('\n');
                }
                s.append('\n');
            }
            int bits = cfg.extraBits();
            s.append(String.format(Locale.ROOT, "At %d bits, mAP by label fraction:%n%n| system |", bits));
            for (double f : cfg.fractions()) {
                s.append(String.format(Locale.ROOT, " %.0f %% |", 100 * f));
            }
            s.append("\n| --- |").append(" ---: |".repeat(cfg.fractions().length)).append('\n');
            for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                s.append("| ").append(e.getKey()).append(" |");
                for (double f : cfg.fractions()) {
                    Evaluation.Cell c = e.getValue().stream().filter(x -> (x.bits() == bits || x.bits() == 0) && (x.fraction() == f || x.fraction() == 0))
                        .findFirst().orElse(null);
                    s.append(' ').append(c == null ? "" : meanStd(c, RetrievalMetrics::map)).append(" |");
                }
                s.append('\n');
            }
            double f0 = cfg.fractions()[0];
            s.append(String.format(Locale.ROOT, "%nAt %d bits and %.0f %% labels, mAP@R and P@k:%n%n| system |", bits, 100 * f0));
            for (int r : RetrievalMetrics.CUTOFFS) {
                s.append(" mAP@").append(r).append(" |");
            }
            for (int k : RetrievalMetrics.CUTOFFS) {
                s.append(" P@").append(k).append(" |");
            }
            s.append("\n| --- |").append(" ---: |".repeat(2 * RetrievalMetrics.CUTOFFS.length)).append('\n');
            for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                Evaluation.Cell c = e.getValue().stream().filter(x -> (x.bits() == bits || x.bits() == 0) && (x.fraction() == f0 || x.fraction() == 0))
                    .findFirst().orElse(null);
                if (c == null) {
                    continue;
                }
                s.append("| ").append(e.getKey()).append(" |");
                for (int i = 0; i < RetrievalMetrics.CUTOFFS.length; i++) {
                    int k = i;
                    s.append(String.format(Locale.ROOT, " %.4f |", c.mean(m -> m.mapAt()[k])));
                }
                for (int i = 0; i < RetrievalMetrics.CUTOFFS.length; i++) {
                    int k = i;
                    s.append(String.format(Locale.ROOT, " %.4f |", c.mean(m -> m.precisionAt()[k])));
                }
                s.append('\n');
            }
            selection(s, systems);
        }
        return s.toString();
    }

    /** Per trained configuration: the epochs model selection chose and the runs where a collapse criterion fired. */
    private static void selection(StringBuilder s, Map<String, List<Evaluation.Cell>> systems) {
        List<Evaluation.Cell> trained = systems.values().stream().flatMap(List::stream).filter(c -> c.selection().isEmpty() == false).toList();
        if (trained.isEmpty()) {
            return;
        }
        s.append("\nModel selection (epoch chosen on an inner validation split of each run's training labels, never on the evaluated items) "
            + "and collapse checks:\n\n| head | bits | labels | chosen epochs (per run) | collapse detected |\n| --- | ---: | ---: | --- | --- |\n");
        for (Evaluation.Cell c : trained) {
            String epochs = String.join(", ", c.selection().stream().map(x -> x.validationItems() == 0 ? x.chosenEpoch() + " (no split)"
                : Integer.toString(x.chosenEpoch())).toList()) + " of " + c.selection().get(0).configuredEpochs();
            List<String> fired = c.selection().stream().filter(x -> x.collapse().collapsed()).map(x -> String.join("; ", x.collapse().criteria())).toList();
            s.append(String.format(Locale.ROOT, "| %s | %d | %.0f %% | %s | %s |%n", c.system().replace(" (float)", ""), c.bits(), 100 * c.fraction(), epochs,
                fired.isEmpty() ? "none" : fired.size() + " of " + c.selection().size() + " runs: " + String.join(" / ", fired)));
        }
    }

    static String meanStd(Evaluation.Cell c, ToDoubleFunction<RetrievalMetrics> f) {
        return c.runs().size() < 2 ? String.format(Locale.ROOT, "%.4f", c.mean(f)) : String.format(Locale.ROOT, "%.4f ± %.4f", c.mean(f), c.std(f));
    }

    /** mAP vs bits, mAP vs label fraction and the mAP@R curve, per protocol. */
    static List<Path> plots(List<Evaluation.Cell> cells, Evaluation.Config cfg, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String protocol : List.of("all items", "held-out fold")) {
            Map<String, List<Evaluation.Cell>> systems = Evaluation.bySystem(cells, protocol);
            if (systems.isEmpty()) {
                continue;
            }
            String tag = protocol.equals("all items") ? "all-items" : "held-out";
            double f0 = cfg.fractions()[0];
            double[] bitsX = Arrays.stream(cfg.bits()).asDoubleStream().toArray();
            XYChart byBits = chart("mAP vs code size (" + protocol + ", heads with " + pct(f0) + " labels)", "bits per item", "mAP");
            for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                List<Evaluation.Cell> row = e.getValue().stream().filter(c -> c.fraction() == 0 || c.fraction() == f0).toList();
                if (row.isEmpty() || (row.get(0).bits() != 0 && row.size() < 2)) {
                    continue;
                }
                double[] y = new double[bitsX.length], err = new double[bitsX.length];
                for (int i = 0; i < bitsX.length; i++) {
                    int b = cfg.bits()[i];
                    Evaluation.Cell c = row.stream().filter(x -> x.bits() == b || x.bits() == 0).findFirst().orElseThrow();
                    y[i] = c.mean(RetrievalMetrics::map);
                    err[i] = c.std(RetrievalMetrics::map);
                }
                byBits.addSeries(e.getKey(), bitsX, y, err).setMarker(SeriesMarkers.CIRCLE);
            }
            out.add(save(byBits, dir.resolve("map-vs-bits-" + tag + ".png")));

            int bits = cfg.extraBits();
            double[] fx = Arrays.stream(cfg.fractions()).map(f -> 100 * f).toArray();
            XYChart byFraction = chart("mAP vs labelled fraction (" + protocol + ", " + bits + " bits)", "labelled items (%)", "mAP");
            for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                double[] y = new double[fx.length], err = new double[fx.length];
                boolean ok = true;
                for (int i = 0; i < fx.length; i++) {
                    double f = cfg.fractions()[i];
                    Evaluation.Cell c = e.getValue().stream().filter(x -> (x.bits() == bits || x.bits() == 0) && (x.fraction() == f || x.fraction() == 0))
                        .findFirst().orElse(null);
                    if (c == null) {
                        ok = false;
                        break;
                    }
                    y[i] = c.mean(RetrievalMetrics::map);
                    err[i] = c.std(RetrievalMetrics::map);
                }
                if (ok) {
                    byFraction.addSeries(e.getKey(), fx, y, err).setMarker(SeriesMarkers.CIRCLE);
                }
            }
            out.add(save(byFraction, dir.resolve("map-vs-labels-" + tag + ".png")));

            double[] rx = Arrays.stream(RetrievalMetrics.CUTOFFS).asDoubleStream().toArray();
            XYChart curve = chart("mAP@R (" + protocol + ", " + bits + " bits, heads with " + pct(f0) + " labels)", "R", "mAP@R");
            for (Map.Entry<String, List<Evaluation.Cell>> e : systems.entrySet()) {
                Evaluation.Cell c = e.getValue().stream().filter(x -> (x.bits() == bits || x.bits() == 0) && (x.fraction() == f0 || x.fraction() == 0))
                    .findFirst().orElse(null);
                if (c == null) {
                    continue;
                }
                double[] y = new double[rx.length];
                for (int i = 0; i < rx.length; i++) {
                    int k = i;
                    y[i] = c.mean(m -> m.mapAt()[k]);
                }
                curve.addSeries(e.getKey(), rx, y).setMarker(SeriesMarkers.CIRCLE);
            }
            out.add(save(curve, dir.resolve("map-at-r-" + tag + ".png")));
        }
        return out;
    }

    private static String pct(double f) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * f);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setErrorBarsColorSeriesColor(true);
        c.getStyler().setYAxisDecimalPattern("0.00");
        return c;
    }

    private static Path save(XYChart chart, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
