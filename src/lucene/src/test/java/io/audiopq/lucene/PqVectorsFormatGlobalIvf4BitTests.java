package io.audiopq.lucene;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's conformance suite for the format with global IVF and 4-bit codes: every segment
 * (and merge) of a field uses one provided IVF-PQ model ({@link GlobalIvfModels}; residual or
 * direct codes by dimension), so every segment has lists, at any size. All lists are probed.
 */
public class PqVectorsFormatGlobalIvf4BitTests extends BaseKnnVectorsFormatTestCase {

    @Override
    protected Codec getCodec() {
        PqFormatConfig config = PqFormatConfig.DEFAULT.withCodebookProvider(new GlobalIvfModels(4)).withNprobe(GlobalIvfModels.NLIST);
        return TestUtil.alwaysKnnVectorsFormat(new PqVectorsFormat(config));
    }

    /** As in {@link PqVectorsFormatTests}: raw vectors are kept per field, so there is no quantised fallback to test. */
    @Override
    protected boolean supportsFloatVectorFallback() {
        return false;
    }
}
