package io.audiopq.quantization;

/**
 * 4-bit PQ codes in the layout the fast-scan kernel reads (after FAISS's "pq4" fast-scan
 * layout, simplified): codes are grouped in blocks of {@value #BLOCK} and, inside a block,
 * transposed per subquantiser, so one 16-byte load brings subquantiser j's codes of all 32
 * vectors, two 4-bit codes per byte.
 *
 * <p>Block b occupies {@link #blockBytes()} = 16 × M' bytes from {@code b * blockBytes()}, where
 * M' ({@link #mPadded()}) is M rounded up to a multiple of {@value #M_ALIGN} so that wide vectors
 * always cover whole subquantisers; subquantiser j's row is the 16 bytes from {@code j * 16}.
 * Inside a row, byte {@code 2t + h} (t in 0..7, h in 0..1) holds in its low nibble the code of
 * the block's vector {@code 8h + t} and in its high nibble that of vector {@code 16 + 8h + t}.
 * That order looks odd but is what lets the kernel accumulate pairs of bytes as 16-bit lanes and
 * still write its 32 sums in vector order (see {@link FastScanScanner}). Padding subquantisers
 * and padding vectors (ords at or past {@link #size()}) hold code 0.
 */
public final class FastScanCodes {

    /** Vectors per block. */
    public static final int BLOCK = 32;
    /** M is padded to a multiple of this. */
    public static final int M_ALIGN = 4;
    /** Bytes of one subquantiser's row in a block: 32 codes of 4 bits. */
    public static final int ROW_BYTES = 16;

    private final int size;
    private final int m;
    private final int mPadded;
    private final byte[] data;

    private FastScanCodes(int size, int m, byte[] data) {
        this.size = size;
        this.m = m;
        this.mPadded = paddedM(m);
        this.data = data;
    }

    /**
     * Packs {@code n} unpacked ord-major codes (M bytes each, every byte below 16, as
     * {@link ProductQuantizer#encode} writes for nbits = 4).
     */
    public static FastScanCodes pack(byte[] codes, int n, int m) {
        if (m < 1 || n < 0) {
            throw new IllegalArgumentException("need M >= 1 and n >= 0, got M=" + m + " n=" + n);
        }
        if ((long) n * m > codes.length) {
            throw new IllegalArgumentException("codes hold " + codes.length + " bytes, fewer than n*M=" + (long) n * m);
        }
        int blockBytes = paddedM(m) * ROW_BYTES;
        byte[] data = new byte[Math.multiplyExact(blocks(n), blockBytes)];
        for (int ord = 0; ord < n; ord++) {
            int block = ord / BLOCK;
            for (int j = 0; j < m; j++) {
                int code = codes[ord * m + j] & 0xFF;
                if (code > 15) {
                    throw new IllegalArgumentException("code " + code + " of vector " + ord + ", subquantiser " + j + " does not fit in 4 bits");
                }
                int pos = block * blockBytes + j * ROW_BYTES + byteInRow(ord % BLOCK);
                data[pos] |= (byte) (isHighNibble(ord % BLOCK) ? code << 4 : code);
            }
        }
        return new FastScanCodes(n, m, data);
    }

    /** Wraps an already packed layout (e.g. read back from disk) of {@code n} codes. */
    public static FastScanCodes wrap(byte[] data, int n, int m) {
        if (m < 1 || n < 0) {
            throw new IllegalArgumentException("need M >= 1 and n >= 0, got M=" + m + " n=" + n);
        }
        long expected = (long) blocks(n) * paddedM(m) * ROW_BYTES;
        if (data.length != expected) {
            throw new IllegalArgumentException("packed codes of n=" + n + ", M=" + m + " need " + expected + " bytes, got " + data.length);
        }
        return new FastScanCodes(n, m, data);
    }

    /** Blocks needed for {@code n} codes. */
    public static int blocks(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /** Bytes of one block of codes with M subquantisers: 16 × M rounded up to a multiple of {@value #M_ALIGN}. */
    public static int blockBytes(int m) {
        return paddedM(m) * ROW_BYTES;
    }

    static int paddedM(int m) {
        return (m + M_ALIGN - 1) / M_ALIGN * M_ALIGN;
    }

    /** Which byte of a row holds the code of vector {@code v} (0..31) of the block. */
    static int byteInRow(int v) {
        int low = v & 15; // position among the 16 vectors sharing a nibble
        return 2 * (low & 7) + (low >> 3);
    }

    static boolean isHighNibble(int v) {
        return v >= 16;
    }

    /** Number of codes (without padding). */
    public int size() {
        return size;
    }

    public int m() {
        return m;
    }

    public int mPadded() {
        return mPadded;
    }

    public int blocks() {
        return blocks(size);
    }

    public int blockBytes() {
        return mPadded * ROW_BYTES;
    }

    /** The packed bytes; not copied, do not mutate. */
    public byte[] data() {
        return data;
    }

    /** The 4-bit code of vector {@code ord} for subquantiser {@code j}. */
    public int code(int ord, int j) {
        int v = ord % BLOCK;
        int b = data[(ord / BLOCK) * blockBytes() + j * ROW_BYTES + byteInRow(v)] & 0xFF;
        return isHighNibble(v) ? b >>> 4 : b & 15;
    }

    /** Writes the M unpacked codes of vector {@code ord} to {@code out[offset..]}. */
    public void unpack(int ord, byte[] out, int offset) {
        if (ord < 0 || ord >= size) {
            throw new IndexOutOfBoundsException("ord " + ord + " outside [0, " + size + ")");
        }
        for (int j = 0; j < m; j++) {
            out[offset + j] = (byte) code(ord, j);
        }
    }
}
