package io.audiopq.lucene;

import io.audiopq.quantization.KMeans;
import io.audiopq.quantization.ProductQuantizer;
import java.util.Objects;

/**
 * Write-time configuration of {@link PqVectorsFormat}. Every value is checked here, so a bad one
 * fails when the format is built rather than when the first segment is flushed.
 *
 * @param codebookProvider  where fixed codebooks come from; {@link CodebookProvider#PER_SEGMENT}
 *                          trains one per segment (and per merge)
 * @param defaultM          subquantisers M for per-segment training; the largest divisor of the
 *                          field's dimension D that is at most this value is used
 * @param defaultNbits      bits per subquantiser code for per-segment training: 4 or 8
 * @param storeRaw          keep the raw float vectors (Lucene's flat format) for exact rescoring and
 *                          exact {@code getFloatVectorValues}; without them, vector values are the
 *                          decoded PQ reconstructions
 * @param nlist             IVF coarse lists trained per segment; 0 for an exhaustive scan. A segment with
 *                          fewer than {@link #MIN_VECTORS_PER_LIST} × nlist vectors is written without
 *                          lists (exhaustive: it is small), which its meta records
 * @param nprobe            lists a search visits by default (stored per field; a query may ask for
 *                          another number); clamped to the segment's nlist
 * @param rescoreOversample a search rescoring {@code ceil(k * rescoreOversample)} ADC candidates
 *                          with the raw vectors; 0 turns rescoring off. Stored per field, so that
 *                          readers opened after a restart (through SPI) keep the same behaviour
 * @param trainingParams    k-means parameters for per-segment training
 */
public record PqFormatConfig(
    CodebookProvider codebookProvider,
    int defaultM,
    int defaultNbits,
    boolean storeRaw,
    int nlist,
    int nprobe,
    float rescoreOversample,
    KMeans.Params trainingParams
) {

    public static final int DEFAULT_M = 16;
    public static final int DEFAULT_NBITS = 8;
    public static final float DEFAULT_RESCORE_OVERSAMPLE = 4f;
    public static final int DEFAULT_NPROBE = 16;
    /** The most IVF lists per segment. */
    public static final int MAX_NLIST = 1 << 16;
    /**
     * Per-segment IVF needs this many vectors per list to train its coarse quantiser; smaller
     * segments are written without lists (an exhaustive scan of a small segment is cheap).
     */
    public static final int MIN_VECTORS_PER_LIST = 8;
    /** Rescoring more than this many times k candidates defeats the point of quantising. */
    public static final float MAX_RESCORE_OVERSAMPLE = 100f;
    /** Training points for per-segment training: 64 × 256, enough for 8-bit sub-codebooks (FAISS warns below 39 per centroid). */
    public static final int DEFAULT_MAX_TRAINING_POINTS = 64 * 256;
    /** Lloyd iterations for per-segment training: most of k-means' gain comes in the first few. */
    public static final int DEFAULT_TRAINING_ITERATIONS = 10;
    /**
     * Per-segment training runs on every flush and merge, so it is cheaper than offline training
     * ({@link KMeans.Params#DEFAULT}: 25 iterations on up to 65,536 points): 10 iterations on at most
     * 16,384 points, and it must cope with segments smaller than ksub.
     */
    public static final KMeans.Params DEFAULT_TRAINING = new KMeans.Params(
        DEFAULT_TRAINING_ITERATIONS,
        KMeans.Params.DEFAULT.seed(),
        DEFAULT_MAX_TRAINING_POINTS,
        true
    );

    /** What the no-arg (SPI) format uses: per-segment codebooks, M ≤ 16, 8-bit codes, raw vectors kept. */
    public static final PqFormatConfig DEFAULT = new PqFormatConfig(
        CodebookProvider.PER_SEGMENT,
        DEFAULT_M,
        DEFAULT_NBITS,
        true,
        0,
        DEFAULT_NPROBE,
        DEFAULT_RESCORE_OVERSAMPLE,
        DEFAULT_TRAINING
    );

    public PqFormatConfig {
        Objects.requireNonNull(codebookProvider, "codebookProvider must not be null (use CodebookProvider.PER_SEGMENT)");
        Objects.requireNonNull(trainingParams, "trainingParams must not be null");
        if (defaultM < 1 || defaultM > PqVectorsFormat.MAX_DIMENSIONS) {
            throw new IllegalArgumentException(
                "defaultM must be in [1, " + PqVectorsFormat.MAX_DIMENSIONS + "], got " + defaultM
            );
        }
        if (defaultNbits != 4 && defaultNbits != 8) {
            throw new IllegalArgumentException("defaultNbits must be 4 or 8, got " + defaultNbits);
        }
        if (nlist < 0 || nlist > MAX_NLIST) {
            throw new IllegalArgumentException("nlist must be in [0, " + MAX_NLIST + "] (0: exhaustive scan), got " + nlist);
        }
        if (nprobe < 1) {
            throw new IllegalArgumentException("nprobe must be >= 1, got " + nprobe);
        }
        if (Float.isNaN(rescoreOversample)
            || (rescoreOversample != 0f && (rescoreOversample < 1f || rescoreOversample > MAX_RESCORE_OVERSAMPLE))) {
            throw new IllegalArgumentException(
                "rescoreOversample must be 0 (no rescoring) or in [1, " + MAX_RESCORE_OVERSAMPLE + "], got " + rescoreOversample
            );
        }
        if (rescoreOversample != 0f && storeRaw == false) {
            throw new IllegalArgumentException(
                "rescoreOversample=" + rescoreOversample + " needs the raw vectors: set storeRaw=true or rescoreOversample=0"
            );
        }
    }

    /** The configuration before IVF: {@link #DEFAULT_NPROBE} lists probed by default. */
    public PqFormatConfig(
        CodebookProvider codebookProvider,
        int defaultM,
        int defaultNbits,
        boolean storeRaw,
        int nlist,
        float rescoreOversample,
        KMeans.Params trainingParams
    ) {
        this(codebookProvider, defaultM, defaultNbits, storeRaw, nlist, DEFAULT_NPROBE, rescoreOversample, trainingParams);
    }

    /** Largest divisor of {@code dimension} that is at most {@link #defaultM}: the M used for per-segment training. */
    public int mFor(int dimension) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        for (int m = Math.min(defaultM, dimension); m > 1; m--) {
            if (dimension % m == 0) {
                return m;
            }
        }
        return 1;
    }

    public PqFormatConfig withCodebookProvider(CodebookProvider provider) {
        return new PqFormatConfig(provider, defaultM, defaultNbits, storeRaw, nlist, nprobe, rescoreOversample, trainingParams);
    }

    /** A fixed trained codebook for every field. */
    public PqFormatConfig withCodebook(ProductQuantizer quantizer) {
        return withCodebookProvider(CodebookProvider.fixed(quantizer));
    }

    public PqFormatConfig withDefaultM(int m) {
        return new PqFormatConfig(codebookProvider, m, defaultNbits, storeRaw, nlist, nprobe, rescoreOversample, trainingParams);
    }

    public PqFormatConfig withDefaultNbits(int nbits) {
        return new PqFormatConfig(codebookProvider, defaultM, nbits, storeRaw, nlist, nprobe, rescoreOversample, trainingParams);
    }

    /** Without raw vectors rescoring is impossible, so this also sets rescoreOversample to 0 when {@code store} is false. */
    public PqFormatConfig withStoreRaw(boolean store) {
        return new PqFormatConfig(codebookProvider, defaultM, defaultNbits, store, nlist, nprobe, store ? rescoreOversample : 0f, trainingParams);
    }

    public PqFormatConfig withNlist(int lists) {
        return new PqFormatConfig(codebookProvider, defaultM, defaultNbits, storeRaw, lists, nprobe, rescoreOversample, trainingParams);
    }

    public PqFormatConfig withNprobe(int probes) {
        return new PqFormatConfig(codebookProvider, defaultM, defaultNbits, storeRaw, nlist, probes, rescoreOversample, trainingParams);
    }

    /** A fixed IVF-PQ model (coarse quantiser and product quantiser) for every field. */
    public PqFormatConfig withIvf(io.audiopq.quantization.IvfPqQuantizer ivf) {
        return withCodebookProvider(CodebookProvider.fixedIvf(ivf));
    }

    public PqFormatConfig withRescoreOversample(float oversample) {
        return new PqFormatConfig(codebookProvider, defaultM, defaultNbits, storeRaw, nlist, nprobe, oversample, trainingParams);
    }

    public PqFormatConfig withTrainingParams(KMeans.Params params) {
        return new PqFormatConfig(codebookProvider, defaultM, defaultNbits, storeRaw, nlist, nprobe, rescoreOversample, params);
    }
}
