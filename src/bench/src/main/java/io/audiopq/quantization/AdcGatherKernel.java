package io.audiopq.quantization;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * ADC scan with the Vector API: lanes are subspaces, so one code's L table entries are fetched
 * with one hardware gather (L = float lanes of the preferred shape, 16 with AVX-512) and summed
 * across lanes. The lane sum adds in a different order than {@link AdcTable#distance}, so results
 * differ from it by float rounding only. Needs M to be a multiple of L.
 *
 * <p>Kept beside {@link AdcScan}'s scalar kernel because which one wins depends on the CPU's
 * gather throughput; the scan benchmark measures both.
 */
final class AdcGatherKernel {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final int L = FLOATS.length();
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(L * Byte.SIZE));

    private AdcGatherKernel() {}

    /** Whether this kernel can scan codes of {@code m} subquantisers. */
    static boolean supports(int m) {
        return L >= 8 && m % L == 0;
    }

    static void distances(AdcTable table, byte[] codes, int from, int to, float[] out) {
        AdcScan.checkRange(table, codes, from, to, out.length);
        int m = table.m();
        if (supports(m) == false) {
            throw new IllegalArgumentException("the gather kernel needs M to be a multiple of " + L + ", got " + m);
        }
        float[] t = table.values();
        int ksub = table.ksub();
        int groups = m / L;
        IntVector[] rowOffsets = new IntVector[groups];
        int[] offsets = new int[L];
        for (int g = 0; g < groups; g++) {
            for (int l = 0; l < L; l++) {
                offsets[l] = (g * L + l) * ksub;
            }
            rowOffsets[g] = IntVector.fromArray(INTS, offsets, 0);
        }
        // The gather API takes its indices from an int[]: the index vector makes a round trip.
        int[] index = new int[L];
        for (int i = from; i < to; i++) {
            int c = i * m;
            FloatVector sum = FloatVector.zero(FLOATS);
            for (int g = 0; g < groups; g++, c += L) {
                IntVector idx = (IntVector) ByteVector.fromArray(BYTES, codes, c).convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0);
                idx.add(rowOffsets[g]).intoArray(index, 0);
                sum = sum.add(FloatVector.fromArray(FLOATS, t, 0, index, 0));
            }
            out[i - from] = sum.reduceLanes(VectorOperators.ADD);
        }
    }
}
