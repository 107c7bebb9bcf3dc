package io.audiopq.integ;

import io.audiopq.testing.TestAudio;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * Clips the main job makes itself when the user gives no folder: a few kinds of synthetic sound,
 * each placed at a seeded position inside quiet background noise, so that the best segment's
 * time says where the sound is. Deterministic: the same clips on every run.
 */
final class DemoClips {

    static final int SAMPLE_RATE = 16_000;
    static final double CLIP_SECONDS = 4.0;
    static final double EVENT_SECONDS = 1.2;

    /** One generated clip: its title (searchable text), where its event is, and WAV bytes. */
    record Clip(String id, String title, double eventStart, byte[] wav) {}

    /** A kind of sound: a name for titles and a waveform over time in seconds (within the event). */
    private record Kind(String name, DoubleUnaryOperator wave) {}

    private DemoClips() {}

    private static List<Kind> kinds(Random random) {
        double clickPhase = random.nextDouble() * 0.25;
        return List.of(
            new Kind("whistle", t -> 0.5 * Math.sin(2 * Math.PI * 1760 * t)),
            new Kind("low hum", t -> 0.3 * Math.sin(2 * Math.PI * 110 * t) + 0.2 * Math.sin(2 * Math.PI * 220 * t)
                + 0.1 * Math.sin(2 * Math.PI * 330 * t)),
            new Kind("rising chirp", t -> 0.5 * Math.sin(2 * Math.PI * (300 * t + 0.5 * (2700 / EVENT_SECONDS) * t * t))),
            new Kind("two-tone siren", t -> 0.5 * Math.sin(2 * Math.PI * ((int) (t * 4) % 2 == 0 ? 700 : 950) * t)),
            new Kind("ticking clock", t -> ((t + clickPhase) % 0.25) < 0.004 ? 0.8 : 0.0),
            new Kind("beeping alarm", t -> (t % 0.3) < 0.15 ? 0.5 * Math.sin(2 * Math.PI * 1000 * t) : 0.0)
        );
    }

    /** Two variants of every kind (different positions and noise), plus their titles. */
    static List<Clip> catalogue() {
        List<Clip> clips = new ArrayList<>();
        Random random = new Random(20261122L);
        for (int variant = 1; variant <= 2; variant++) {
            for (Kind kind : kinds(random)) {
                double start = 0.3 + random.nextDouble() * (CLIP_SECONDS - EVENT_SECONDS - 0.6);
                String id = kind.name().replace(' ', '-') + "-" + variant;
                clips.add(new Clip(id, kind.name() + " (take " + variant + ")", start, render(kind, start, random.nextLong())));
            }
        }
        return clips;
    }

    /** A fresh recording of the given kind (not in the catalogue), to query with. */
    static Clip query(String kindName) {
        Random random = new Random(7L);
        Kind kind = kinds(random).stream().filter(k -> k.name().equals(kindName)).findFirst().orElseThrow();
        double start = 1.0;
        return new Clip("query-" + kindName.replace(' ', '-'), kindName + " (query)", start, render(kind, start, random.nextLong()));
    }

    /** The sound of the given kind on its own (the event only, over the same quiet noise): what a user would search with. */
    static Clip sound(String kindName) {
        Random random = new Random(11L);
        Kind kind = kinds(random).stream().filter(k -> k.name().equals(kindName)).findFirst().orElseThrow();
        return new Clip("sound-" + kindName.replace(' ', '-'), kindName + " (sound)", 0, render(kind, 0, EVENT_SECONDS, random.nextLong()));
    }

    /** The kind of a catalogue clip, from its title ({@code two-tone siren (take 2)} → {@code two-tone siren}). */
    static String kindOf(Clip clip) {
        return clip.title().replaceAll(" \\(take \\d+\\)$", "");
    }

    private static byte[] render(Kind kind, double eventStart, long seed) {
        return render(kind, eventStart, CLIP_SECONDS, seed);
    }

    private static byte[] render(Kind kind, double eventStart, double seconds, long seed) {
        Random noise = new Random(seed);
        float[] samples = new float[(int) (SAMPLE_RATE * seconds)];
        int first = (int) (eventStart * SAMPLE_RATE), last = first + (int) (EVENT_SECONDS * SAMPLE_RATE);
        for (int i = 0; i < samples.length; i++) {
            double x = noise.nextGaussian() * 0.01;
            if (i >= first && i < last) {
                x += kind.wave().applyAsDouble((i - first) / (double) SAMPLE_RATE);
            }
            samples[i] = (float) x;
        }
        return TestAudio.wav16(samples, SAMPLE_RATE);
    }
}
