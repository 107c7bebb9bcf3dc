package io.audiopq.quantization;

import org.apache.lucene.tests.util.LuceneTestCase;

/** L2 normalisation: in place (a zero vector stays zero) and as a copy (a zero vector is an error). */
public class VectorMathTests extends LuceneTestCase {

    public void testNormalizeScalesInPlace() {
        float[] v = { 3, 4 };
        assertSame(v, VectorMath.normalize(v));
        assertArrayEquals(new float[] { 0.6f, 0.8f }, v, 0f);
        float[] zero = new float[3];
        assertArrayEquals(new float[3], VectorMath.normalize(zero), 0f);
    }

    public void testNormalizedCopiesAndRejectsZero() {
        float[] v = { 0, -2 };
        assertArrayEquals(new float[] { 0, -1 }, VectorMath.normalized(v), 0f);
        assertArrayEquals(new float[] { 0, -2 }, v, 0f);
        expectThrows(IllegalArgumentException.class, () -> VectorMath.normalized(new float[2]));
    }
}
