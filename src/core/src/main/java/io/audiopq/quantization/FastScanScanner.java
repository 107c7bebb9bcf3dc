package io.audiopq.quantization;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 4-bit PQ fast scan (André et al., "Cache locality is not enough", and FAISS's
 * {@code IndexPQFastScan}): the quantised ADC table of a subquantiser is 16 bytes, small enough
 * to live in a SIMD register, so one byte shuffle ({@code ByteVector.selectFrom}, compiled to
 * pshufb / vpermb) looks up 16 codes at once. Codes come in {@link FastScanCodes} blocks of 32.
 *
 * <p>Per block and group of G subquantisers (G = vector bytes / 16: 1, 2 or 4), one load brings
 * G rows; the low and high nibbles index the G tables side by side. The looked-up bytes are
 * accumulated as unsigned 16-bit lanes without widening: adding a byte pair as one 16-bit lane
 * sums the even bytes in the low half (the odd bytes' carry spills into the high half), and a
 * second accumulator of the lane shifted right by 8 sums the odd bytes; the even sums are then
 * recovered as {@code A − (B << 8)} modulo 2^16. Sums are exact integers, so the vector path and
 * {@link #scoreBlocksScalar} agree bit for bit; only de-quantisation is approximate (see
 * {@link QuantizedAdcTable}).
 *
 * <p>The vector width is the preferred shape capped at 256 bits, or the system property
 * {@code audiopq.fastscan.bits} (128, 256 or 512). 512 needs AVX-512 VBMI (vpermb: Ice Lake, Zen 4
 * and later), which the Vector API cannot query: on AVX-512 CPUs without it a 512-bit byte
 * shuffle is not compiled to one instruction and the scan becomes far slower, so it is opt-in.
 */
public final class FastScanScanner {

    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_PREFERRED.withShape(chooseShape());
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED.withShape(BYTES.vectorShape());
    /** Subquantisers per vector. */
    private static final int G = BYTES.length() / FastScanCodes.ROW_BYTES;
    /** Lane l indexes the table of subquantiser l/16 within the vector's group of G. */
    private static final ByteVector GROUP_OFFSETS = ByteVector.zero(BYTES).addIndex(1).lanewise(VectorOperators.AND, (byte) 0xF0);
    private static final VectorShuffle<Short> ROTATE_HALF = VectorShuffle.fromOp(SHORTS, i -> (i + SHORTS.length() / 2) % SHORTS.length());
    private static final VectorShuffle<Short> ROTATE_QUARTER = VectorShuffle.fromOp(SHORTS, i -> (i + SHORTS.length() / 4) % SHORTS.length());
    private static final VectorMask<Short> FIRST_8 = VectorMask.fromLong(SHORTS, 0xFFL);
    /** Sums per block written to the output. */
    public static final int BLOCK = FastScanCodes.BLOCK;

    private FastScanScanner() {}

    private static VectorShape chooseShape() {
        String bits = System.getProperty("audiopq.fastscan.bits");
        int preferred = Math.max(128, Math.min(256, VectorShape.preferredShape().vectorBitSize()));
        int size = bits == null ? preferred : Integer.parseInt(bits);
        if (size != 128 && size != 256 && size != 512) {
            throw new IllegalArgumentException("audiopq.fastscan.bits must be 128, 256 or 512, got " + bits);
        }
        return VectorShape.forBitSize(size);
    }

    /** The vector width in bits the kernel uses on this JVM. */
    public static int vectorBits() {
        return BYTES.vectorBitSize();
    }

    /**
     * Writes the unsigned 16-bit sums of blocks {@code fromBlock .. toBlock-1} to {@code out}:
     * vector v of block b at {@code out[(b - fromBlock) * 32 + v]} (read it with {@code & 0xFFFF}).
     */
    public static void scoreBlocks(QuantizedAdcTable table, FastScanCodes codes, int fromBlock, int toBlock, short[] out) {
        scoreBlocks(load(table), codes, fromBlock, toBlock, out);
    }

    /**
     * A quantised table loaded into vectors once, for scoring many separate runs of blocks with it
     * (the inverted lists of an IVF search share one table unless codes are residual L2 codes).
     */
    public static final class LoadedTable {
        private final QuantizedAdcTable table;
        private final ByteVector[] luts;

        private LoadedTable(QuantizedAdcTable table) {
            this.table = table;
            this.luts = loadTables(table);
        }

        public QuantizedAdcTable table() {
            return table;
        }
    }

    /** Loads {@code table} for {@link #scoreBlocks(LoadedTable, FastScanCodes, int, int, short[])}. */
    public static LoadedTable load(QuantizedAdcTable table) {
        return new LoadedTable(table);
    }

    /** As {@link #scoreBlocks(QuantizedAdcTable, FastScanCodes, int, int, short[])} with a table loaded beforehand. */
    public static void scoreBlocks(LoadedTable table, FastScanCodes codes, int fromBlock, int toBlock, short[] out) {
        checkBlocks(table.table, codes, fromBlock, toBlock, out.length);
        for (int b = fromBlock; b < toBlock; b++) {
            scoreBlock(table.luts, codes.data(), b * codes.blockBytes(), out, (b - fromBlock) * BLOCK);
        }
    }

    /** Reference for {@link #scoreBlocks}: the same sums, one nibble at a time. */
    public static void scoreBlocksScalar(QuantizedAdcTable table, FastScanCodes codes, int fromBlock, int toBlock, short[] out) {
        checkBlocks(table, codes, fromBlock, toBlock, out.length);
        byte[] lut = table.lut();
        byte[] data = codes.data();
        for (int b = fromBlock; b < toBlock; b++) {
            int base = b * codes.blockBytes();
            for (int v = 0; v < BLOCK; v++) {
                int inRow = FastScanCodes.byteInRow(v);
                int shift = FastScanCodes.isHighNibble(v) ? 4 : 0;
                int sum = 0;
                for (int j = 0; j < table.mPadded(); j++) {
                    int code = ((data[base + j * FastScanCodes.ROW_BYTES + inRow] & 0xFF) >>> shift) & 15;
                    sum += lut[j * QuantizedAdcTable.KSUB + code] & 0xFF;
                }
                out[(b - fromBlock) * BLOCK + v] = (short) sum;
            }
        }
    }

    /**
     * Which of the 32 sums of one block, {@code sums[offset .. offset + 32)} read unsigned, reach
     * {@code limit}: bit v is set when sum v ≤ limit (lower is better) or ≥ limit (higher is
     * better). One vector comparison per 8–32 sums, so a scan can skip the many blocks that hold no
     * candidate at all; {@code limit} may lie outside 0..65535 (nothing or everything passes).
     */
    public static int candidates(short[] sums, int offset, int limit, boolean higherIsBetter) {
        if (higherIsBetter ? limit <= 0 : limit >= 65535) {
            return -1;
        }
        if (higherIsBetter ? limit > 65535 : limit < 0) {
            return 0;
        }
        // An unsigned comparison done as a signed one with the sign bits flipped: the unsigned
        // comparison constants were renamed after JDK 21, so no name links on every JDK.
        short bound = (short) (limit ^ 0x8000);
        int mask = 0;
        for (int v0 = 0; v0 < BLOCK; v0 += SHORTS.length()) {
            ShortVector flipped = ShortVector.fromArray(SHORTS, sums, offset + v0).lanewise(VectorOperators.XOR, Short.MIN_VALUE);
            // Constant operators in each branch: the JIT only intrinsifies a compare whose operator it can see.
            long lanes = higherIsBetter
                ? flipped.compare(VectorOperators.GE, bound).toLong()
                : flipped.compare(VectorOperators.LE, bound).toLong();
            mask |= (int) (lanes << v0);
        }
        return mask;
    }

    private static ByteVector[] loadTables(QuantizedAdcTable table) {
        ByteVector[] luts = new ByteVector[table.mPadded() / G];
        for (int i = 0; i < luts.length; i++) {
            luts[i] = ByteVector.fromArray(BYTES, table.lut(), i * G * QuantizedAdcTable.KSUB);
        }
        return luts;
    }

    private static void scoreBlock(ByteVector[] luts, byte[] data, int base, short[] out, int outOffset) {
        ShortVector aLo = ShortVector.zero(SHORTS), bLo = aLo, aHi = aLo, bHi = aLo;
        int step = BYTES.length();
        for (int i = 0, pos = base; i < luts.length; i++, pos += step) {
            ByteVector packed = ByteVector.fromArray(BYTES, data, pos);
            ByteVector lo = packed.lanewise(VectorOperators.AND, (byte) 0x0F).lanewise(VectorOperators.OR, GROUP_OFFSETS);
            ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.OR, GROUP_OFFSETS);
            ShortVector rLo = lo.selectFrom(luts[i]).reinterpretAsShorts();
            ShortVector rHi = hi.selectFrom(luts[i]).reinterpretAsShorts();
            aLo = aLo.add(rLo);
            bLo = bLo.add(rLo.lanewise(VectorOperators.LSHR, 8));
            aHi = aHi.add(rHi);
            bHi = bHi.add(rHi.lanewise(VectorOperators.LSHR, 8));
        }
        // Layout: vectors 0-7 are the even bytes of the low nibbles, 8-15 the odd bytes, 16-31 likewise for the high nibbles.
        if (G == 1) {
            aLo.sub(bLo.lanewise(VectorOperators.LSHL, 8)).intoArray(out, outOffset);
            bLo.intoArray(out, outOffset + 8);
            aHi.sub(bHi.lanewise(VectorOperators.LSHL, 8)).intoArray(out, outOffset + 16);
            bHi.intoArray(out, outOffset + 24);
        } else {
            fold(aLo.sub(bLo.lanewise(VectorOperators.LSHL, 8))).intoArray(out, outOffset, FIRST_8);
            fold(bLo).intoArray(out, outOffset + 8, FIRST_8);
            fold(aHi.sub(bHi.lanewise(VectorOperators.LSHL, 8))).intoArray(out, outOffset + 16, FIRST_8);
            fold(bHi).intoArray(out, outOffset + 24, FIRST_8);
        }
    }

    /**
     * Adds the G 128-bit parts of {@code v} (each holds 8 partial sums over different
     * subquantisers) into its first 8 lanes. Rotating lanes measured faster than splitting the
     * vector into halves with reinterpretShape.
     */
    private static ShortVector fold(ShortVector v) {
        v = v.add(v.rearrange(ROTATE_HALF));
        if (G == 4) {
            v = v.add(v.rearrange(ROTATE_QUARTER));
        }
        return v;
    }

    private static void checkBlocks(QuantizedAdcTable table, FastScanCodes codes, int fromBlock, int toBlock, int outCapacity) {
        if (table.m() != codes.m()) {
            throw new IllegalArgumentException("table has M=" + table.m() + " but the codes have M=" + codes.m());
        }
        if (fromBlock < 0 || toBlock < fromBlock || toBlock > codes.blocks()) {
            throw new IllegalArgumentException("bad block range [" + fromBlock + ", " + toBlock + ") of " + codes.blocks() + " blocks");
        }
        if (outCapacity < (toBlock - fromBlock) * BLOCK) {
            throw new IllegalArgumentException("output holds " + outCapacity + " sums, the blocks have " + (toBlock - fromBlock) * BLOCK);
        }
    }
}
