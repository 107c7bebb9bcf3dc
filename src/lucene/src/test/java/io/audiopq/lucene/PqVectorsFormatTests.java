package io.audiopq.lucene;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.tests.index.BaseKnnVectorsFormatTestCase;
import org.apache.lucene.tests.util.TestUtil;

/**
 * Lucene's own conformance suite for vector formats, run against the no-arg (SPI) format: per-segment
 * codebooks, raw vectors kept, exact rescoring of ADC candidates.
 */
public class PqVectorsFormatTests extends BaseKnnVectorsFormatTestCase {


    @Override
    protected Codec getCodec() {
        return TestUtil.alwaysKnnVectorsFormat(new PqVectorsFormat());
    }

    /**
     * The "float vector fallback" tests empty Lucene's flat raw-vector file behind the format's back
     * and expect scoring to stay on quantised values. This format instead decides per field, at
     * write time, whether raw vectors are kept ({@code storeRaw}); with them, vector values and
     * their scorer are exact. The no-raw mode is covered by PqIndexBehaviourTests.
     */
    @Override
    protected boolean supportsFloatVectorFallback() {
        return false;
    }
}
