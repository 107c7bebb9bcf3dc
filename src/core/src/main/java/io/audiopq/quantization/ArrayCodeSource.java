package io.audiopq.quantization;

/**
 * A {@link CodeSource} over codes in memory: what the benchmarks and tests search with
 * {@link PqSearch}, the loops the Lucene reader runs over its files. Reads copy, as the reader's
 * reads from its (memory-mapped) files do.
 */
public final class ArrayCodeSource implements CodeSource {

    private final int m;
    /** Unpacked codes, M bytes each, by position. */
    private final byte[] codes;
    /** Packed 4-bit blocks, or null. */
    private final byte[] blocks;
    /** Position → ord, or null for the identity. */
    private final int[] ords;
    private final byte[] code;

    private ArrayCodeSource(int m, byte[] codes, byte[] blocks, int[] ords) {
        this.m = m;
        this.codes = codes;
        this.blocks = blocks;
        this.ords = ords;
        this.code = new byte[m];
    }

    /** {@code n} unpacked ord-major codes of M bytes (not copied), for an exhaustive 8-bit scan. */
    public static ArrayCodeSource ordMajor(byte[] codes, int n, int m) {
        if ((long) n * m > codes.length) {
            throw new IllegalArgumentException("codes hold " + codes.length + " bytes, fewer than n*M=" + (long) n * m);
        }
        return new ArrayCodeSource(m, codes, null, null);
    }

    /** 4-bit codes (unpacked ord-major, not copied), packed into fast-scan blocks for an exhaustive fast scan. */
    public static ArrayCodeSource fastScan(byte[] codes, int n, int m) {
        return new ArrayCodeSource(m, codes, FastScanCodes.pack(codes, n, m).data(), null);
    }

    /**
     * The codes of {@code lists} by position, for {@link PqSearch#scanLists} with
     * {@code layout}; with {@link IvfLayout#blocks()} each list is packed into its own fast-scan blocks.
     */
    public static ArrayCodeSource lists(InvertedLists lists, IvfLayout layout) {
        int m = lists.codeSize();
        byte[] packed = null;
        if (layout.blocks()) {
            int blockBytes = FastScanCodes.blockBytes(m);
            packed = new byte[Math.multiplyExact(layout.totalBlocks(), blockBytes)];
            for (int l = 0; l < lists.nlist(); l++) {
                int size = lists.listSize(l);
                byte[] list = new byte[size * m];
                System.arraycopy(lists.codes(), lists.listStart(l) * m, list, 0, list.length);
                byte[] data = FastScanCodes.pack(list, size, m).data();
                System.arraycopy(data, 0, packed, layout.firstBlock(l) * blockBytes, data.length);
            }
        }
        return new ArrayCodeSource(m, lists.codes(), packed, lists.ords());
    }

    @Override
    public int m() {
        return m;
    }

    @Override
    public void readCodes(int from, int count, byte[] dest) {
        System.arraycopy(codes, from * m, dest, 0, count * m);
    }

    @Override
    public void readBlocks(int fromBlock, int count, byte[] dest) {
        int blockBytes = FastScanCodes.blockBytes(m);
        System.arraycopy(blocks, fromBlock * blockBytes, dest, 0, count * blockBytes);
    }

    @Override
    public byte[] codeAt(int position) {
        System.arraycopy(codes, position * m, code, 0, m);
        return code;
    }

    @Override
    public int ordAt(int position) {
        return ords == null ? position : ords[position];
    }
}
