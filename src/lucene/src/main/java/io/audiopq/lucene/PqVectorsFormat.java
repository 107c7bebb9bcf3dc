package io.audiopq.lucene;

import java.io.IOException;
import java.util.Objects;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * A {@link KnnVectorsFormat} that stores each float vector as a product-quantisation (PQ) code and
 * searches the codes with asymmetric distance computation (ADC), optionally rescoring the best
 * candidates exactly with the raw vectors.
 *
 * <p>Files, per segment (and per-field-format suffix):
 * <ul>
 *   <li>{@code .vemp} (meta): per PQ field its number, similarity, dimension, whether raw vectors
 *       were kept, default rescore oversample, the segment's IVF list count (0: exhaustive, also
 *       for a segment too small for its configured lists), default nprobe, vector count; then, when
 *       there are vectors, the code layout id ({@link CodeLayout}), the codebook's id and bytes
 *       ({@link io.audiopq.quantization.ProductQuantizer#toBytes()}), the offset and length of its
 *       codes; for IVF fields the encoding (residual/direct), since version 1 the centroids' origin
 *       (0: trained for this segment, 1: provided, i.e. global: the same in every segment), the
 *       coarse quantiser's id and bytes ({@link io.audiopq.quantization.CoarseQuantizer#toBytes()}),
 *       the nlist list sizes and the offset of the position maps; finally the ord→doc configuration.
 *       Ends with {@code -1}.</li>
 *   <li>{@code .vpq} (codes): per field, the codes (n × M bytes ord-major for 8-bit codes; 4-bit
 *       codes in transposed, nibble-packed blocks of 32; IVF fields list by list, 8-bit codes one
 *       byte each, 4-bit codes since version 1 in blocks of 32 per list, each list's last block
 *       padded), for IVF fields the position→ord and ord→position int arrays, then the ord→doc
 *       structures for sparse fields.</li>
 *   <li>{@code .vec}/{@code .vemf}: Lucene's {@link Lucene99FlatVectorsFormat}, holding the raw
 *       vectors of fields written with {@code storeRaw} and all byte-vector fields.</li>
 * </ul>
 * Every file starts with {@link org.apache.lucene.codecs.CodecUtil#writeIndexHeader} and ends with
 * a checksum footer.
 *
 * <p>Byte vectors ({@link org.apache.lucene.index.VectorEncoding#BYTE}) are not quantised: they go
 * to the flat format unchanged and are searched exactly by a scan.
 *
 * <p>The format name {@value #NAME} is permanent once an index has been written with it: a change
 * of layout gets a new version constant, and old versions stay readable.
 */
public final class PqVectorsFormat extends KnnVectorsFormat {

    /** SPI name, recorded in every segment written with this format. */
    public static final String NAME = "AudioPqVectors1";

    static final String META_CODEC_NAME = "AudioPqVectorsFormatMeta";
    static final String CODES_CODEC_NAME = "AudioPqVectorsFormatCodes";
    static final String META_EXTENSION = "vemp";
    static final String CODES_EXTENSION = "vpq";

    static final int VERSION_START = 0;
    /**
     * Adds, per IVF field, where its coarse centroids came from ({@link PqIvf.Centroids}), and lets
     * IVF fields with 4-bit codes keep each list in fast-scan blocks (before, lists held one byte per
     * code). No release has shipped version 0; it stays readable all the same.
     */
    static final int VERSION_GLOBAL_IVF = 1;
    static final int VERSION_CURRENT = VERSION_GLOBAL_IVF;

    static final int DIRECT_MONOTONIC_BLOCK_SHIFT = 16;

    /** Matches Elasticsearch's {@code dense_vector} limit, through which this format is mostly used. */
    public static final int MAX_DIMENSIONS = 4096;

    private static final FlatVectorsFormat RAW_VECTOR_FORMAT =
        new Lucene99FlatVectorsFormat(FlatVectorScorerUtil.getLucene99FlatVectorsScorer());

    private final PqFormatConfig config;

    /** The SPI constructor: per-segment codebooks with {@link PqFormatConfig#DEFAULT}. Readers need nothing else. */
    public PqVectorsFormat() {
        this(PqFormatConfig.DEFAULT);
    }

    /** @param config write-time configuration, validated by its own constructor */
    public PqVectorsFormat(PqFormatConfig config) {
        super(NAME);
        this.config = Objects.requireNonNull(config, "config");
    }

    public PqFormatConfig config() {
        return config;
    }

    @Override
    public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
        return new PqVectorsWriter(state, config, RAW_VECTOR_FORMAT.fieldsWriter(state));
    }

    @Override
    public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
        return new PqVectorsReader(state, RAW_VECTOR_FORMAT.fieldsReader(state));
    }

    @Override
    public int getMaxDimensions(String fieldName) {
        return MAX_DIMENSIONS;
    }

    @Override
    public String toString() {
        String codebooks = config.codebookProvider() == CodebookProvider.PER_SEGMENT ? "perSegment" : "provided";
        return "PqVectorsFormat(name=" + NAME
            + ", codebooks=" + codebooks
            + ", defaultM=" + config.defaultM()
            + ", defaultNbits=" + config.defaultNbits()
            + ", storeRaw=" + config.storeRaw()
            + ", nlist=" + config.nlist()
            + ", nprobe=" + config.nprobe()
            + ", rescoreOversample=" + config.rescoreOversample()
            + ", training=" + config.trainingParams()
            + ", rawVectorFormat=" + RAW_VECTOR_FORMAT
            + ")";
    }
}
