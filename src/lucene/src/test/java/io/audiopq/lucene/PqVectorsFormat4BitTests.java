package io.audiopq.lucene;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's conformance suite for the format with 4-bit per-segment codebooks: codes in the packed
 * fast-scan layout, searched by the fast-scan kernel with exact re-ranking and exact rescoring.
 */
public class PqVectorsFormat4BitTests extends BaseKnnVectorsFormatTestCase {


    @Override
    protected Codec getCodec() {
        return TestUtil.alwaysKnnVectorsFormat(new PqVectorsFormat(PqFormatConfig.DEFAULT.withDefaultNbits(4)));
    }

    /** As in {@link PqVectorsFormatTests}: raw vectors are kept per field, so there is no quantised fallback to test. */
    @Override
    protected boolean supportsFloatVectorFallback() {
        return false;
    }
}
