package io.audiopq.audio;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.TOO_LARGE;

/**
 * Checks the Vorbis header packets before JOrbis unpacks them, so that no size declared in a
 * header makes it allocate more than the packet can justify:
 * <ul>
 *   <li>comment header: the vendor length, the comment count and every comment length are checked
 *       against the bytes the packet really has (JOrbis allocates {@code byte[vendorLength]} and
 *       {@code byte[count][]} as declared);</li>
 *   <li>setup header: every codebook is walked as the Vorbis I spec lays it out; its length list and
 *       lookup table must fit in the packet, and the memory JOrbis will derive from it (length list,
 *       decode tree and lookup tables, about 32 bytes per entry, plus 4 bytes per entry × dimension
 *       for a value list) is summed and refused beyond {@link #MAX_CODEBOOK_BYTES}. Real encoders
 *       use well under 1 MB.</li>
 * </ul>
 * The floors, residues and mappings after the codebooks are left to JOrbis: their sizes are
 * small fixed-width fields, and the last-resort {@link ThirdPartyErrors} catch covers the rest.
 */
final class VorbisSetupCheck {

    /** Most memory the codebooks and residue decode maps of one stream may make JOrbis allocate. */
    static final long MAX_CODEBOOK_BYTES = 32L << 20;

    private VorbisSetupCheck() {}

    /**
     * @param index 0, 1, 2 for the identification, comment and setup headers
     */
    static void check(byte[] data, int offset, int length, int index) {
        if (offset < 0 || length < 0 || (long) offset + length > data.length) {
            throw new InvalidAudioException(CORRUPT, "ogg_vorbis header packet " + (index + 1) + " has an impossible length");
        }
        if (length < 7) {
            return; // JOrbis rejects it itself, without allocating
        }
        int type = data[offset] & 0xFF;
        Lsb in = new Lsb(data, offset + 7, offset + length);
        if (type == 3) {
            checkComment(in);
        } else if (type == 5) {
            checkSetup(in);
        }
    }

    private static void checkComment(Lsb in) {
        long vendor = in.read(32);
        if (vendor > in.remainingBytes()) {
            throw tooLong("vendor string of " + vendor + " bytes", in);
        }
        in.skipBytes(vendor);
        long count = in.read(32);
        if (count * 4 > in.remainingBytes()) {
            throw tooLong(count + " comments", in);
        }
        for (long i = 0; i < count; i++) {
            long len = in.read(32);
            if (len > in.remainingBytes()) {
                throw tooLong("comment of " + len + " bytes", in);
            }
            in.skipBytes(len);
        }
    }

    private static InvalidAudioException tooLong(String what, Lsb in) {
        return new InvalidAudioException(
            CORRUPT,
            "ogg_vorbis comment header declares a " + what + " but only " + in.remainingBytes() + " bytes remain in the packet"
        );
    }

    private static void checkSetup(Lsb in) {
        int books = (int) in.read(8) + 1;
        long[] dims = new long[books];
        long total = 0;
        for (int n = 0; n < books; n++) {
            if (in.read(24) != 0x564342) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " has a bad sync pattern");
            }
            long dim = in.read(16);
            dims[n] = dim;
            long entries = in.read(24);
            if (dim == 0 || entries == 0) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " has " + entries + " entries of dimension " + dim);
            }
            boolean ordered = in.read(1) == 1;
            if (ordered == false) {
                boolean sparse = in.read(1) == 1;
                // At least 1 bit (sparse) or 5 bits (dense) per entry must be present.
                if (entries * (sparse ? 1 : 5) > in.remainingBits()) {
                    throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " declares " + entries + " entries that the packet cannot hold");
                }
                for (long i = 0; i < entries; i++) {
                    if (sparse == false || in.read(1) == 1) {
                        in.read(5);
                    }
                }
            } else {
                in.read(5);
                long i = 0;
                while (i < entries) {
                    long number = in.read(ilog(entries - i));
                    i += number;
                    if (i > entries) {
                        throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " has more lengths than entries");
                    }
                    in.requireProgress();
                }
            }
            int lookup = (int) in.read(4);
            long bytes = entries * 32;
            if (lookup == 1 || lookup == 2) {
                in.read(32);
                in.read(32);
                int valueBits = (int) in.read(4) + 1;
                in.read(1);
                long values = lookup == 1 ? lookup1Values(entries, dim) : entries * dim;
                if (values * valueBits > in.remainingBits()) {
                    throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " declares a lookup table larger than its packet");
                }
                in.skipBits(values * valueBits);
                bytes += values * 4 + entries * dim * 4;
            } else if (lookup != 0) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis codebook " + n + " has the reserved lookup type " + lookup);
            }
            total += bytes;
            if (total > MAX_CODEBOOK_BYTES) {
                throw new InvalidAudioException(
                    TOO_LARGE,
                    "ogg_vorbis codebooks need more than " + (MAX_CODEBOOK_BYTES >> 20) + " MB to decode (codebook " + n + ": " + entries
                        + " entries of dimension " + dim + ")"
                );
            }
        }
        skipTimeDomainAndFloors(in, books);
        checkResidues(in, dims, total);
    }

    /** The time-domain placeholders and the floor configurations, read only to reach the residues. */
    private static void skipTimeDomainAndFloors(Lsb in, int books) {
        int times = (int) in.read(6) + 1;
        for (int i = 0; i < times; i++) {
            if (in.read(16) != 0) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis setup header has a non-zero time-domain transform");
            }
        }
        int floors = (int) in.read(6) + 1;
        for (int f = 0; f < floors; f++) {
            long type = in.read(16);
            if (type == 0) {
                in.skipBits(8 + 16 + 16 + 6 + 8);
                int floorBooks = (int) in.read(4) + 1;
                in.skipBits(8L * floorBooks);
            } else if (type == 1) {
                int partitions = (int) in.read(5);
                int[] classOf = new int[partitions];
                int maxClass = -1;
                for (int i = 0; i < partitions; i++) {
                    classOf[i] = (int) in.read(4);
                    maxClass = Math.max(maxClass, classOf[i]);
                }
                int[] classDims = new int[maxClass + 1];
                for (int c = 0; c <= maxClass; c++) {
                    classDims[c] = (int) in.read(3) + 1;
                    int subclasses = (int) in.read(2);
                    if (subclasses > 0) {
                        in.read(8);
                    }
                    in.skipBits(8L << subclasses);
                }
                in.read(2);
                int rangeBits = (int) in.read(4);
                for (int i = 0; i < partitions; i++) {
                    in.skipBits((long) classDims[classOf[i]] * rangeBits);
                }
            } else {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis floor " + f + " has the unknown type " + type);
            }
        }
    }

    /**
     * JOrbis allocates {@code classifications^dim} decode-map rows for each residue ({@code dim} of
     * its classbook) before any audio is decoded; a crafted header makes that count astronomic (an
     * OutOfMemoryError on a real node, found by NodeFuzzIT). Bounded here with the codebooks.
     */
    private static void checkResidues(Lsb in, long[] dims, long codebookBytes) {
        int residues = (int) in.read(6) + 1;
        long total = codebookBytes;
        for (int r = 0; r < residues; r++) {
            long type = in.read(16);
            if (type > 2) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis residue " + r + " has the unknown type " + type);
            }
            in.skipBits(24 + 24 + 24);
            long classifications = in.read(6) + 1;
            int classbook = (int) in.read(8);
            if (classbook >= dims.length) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis residue " + r + " names codebook " + classbook + " of " + dims.length);
            }
            int cascadeBooks = 0;
            for (long i = 0; i < classifications; i++) {
                long low = in.read(3);
                long high = in.read(1) == 1 ? in.read(5) : 0;
                cascadeBooks += Long.bitCount(high * 8 + low);
            }
            in.skipBits(8L * cascadeBooks);
            long rows = pow(classifications, dims[classbook]);
            long bytes = rows == Long.MAX_VALUE ? Long.MAX_VALUE : rows * (16 + 4 * dims[classbook]);
            total = bytes == Long.MAX_VALUE ? Long.MAX_VALUE : total + bytes;
            if (total > MAX_CODEBOOK_BYTES) {
                throw new InvalidAudioException(
                    TOO_LARGE,
                    "ogg_vorbis residue " + r + " needs " + (rows == Long.MAX_VALUE ? "more than 2^40" : Long.toString(rows)) + " decode-map rows ("
                        + classifications + " classifications ^ dimension " + dims[classbook] + "), more than "
                        + (MAX_CODEBOOK_BYTES >> 20) + " MB with the codebooks"
                );
            }
        }
    }

    /** Bits needed to hold {@code v} (Vorbis' ilog). */
    private static int ilog(long v) {
        return 64 - Long.numberOfLeadingZeros(v);
    }

    /** The largest r with r^dim <= entries (Vorbis' lookup1_values), without floating point. */
    static long lookup1Values(long entries, long dim) {
        if (dim >= 24) {
            return 1; // 2^24 > entries, so r = 1
        }
        long r = (long) Math.floor(Math.pow(entries, 1.0 / dim));
        while (r > 1 && pow(r, dim) > entries) {
            r--;
        }
        while (pow(r + 1, dim) <= entries) {
            r++;
        }
        return Math.max(r, 1);
    }

    private static long pow(long r, long dim) {
        long acc = 1;
        for (long i = 0; i < dim; i++) {
            acc *= r;
            if (acc > (1L << 40)) {
                return Long.MAX_VALUE;
            }
        }
        return acc;
    }

    /** LSB-first bit reader (Vorbis' packing) that refuses to run past the packet. */
    private static final class Lsb {
        private final byte[] b;
        private final long end; // bits
        private long bit;
        private long lastProgress = -1;

        Lsb(byte[] b, int from, int to) {
            this.b = b;
            this.bit = 8L * from;
            this.end = 8L * to;
        }

        long remainingBits() {
            return end - bit;
        }

        long remainingBytes() {
            return remainingBits() / 8;
        }

        long read(int n) {
            if (n == 0) {
                return 0;
            }
            if (bit + n > end) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis header packet ends inside a field");
            }
            long v = 0;
            for (int i = 0; i < n; i++, bit++) {
                int value = (b[(int) (bit >>> 3)] >>> (bit & 7)) & 1;
                v |= (long) value << i;
            }
            return v;
        }

        void skipBytes(long n) {
            skipBits(8 * n);
        }

        void skipBits(long n) {
            if (n > end - bit) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis header packet ends inside a field");
            }
            bit += n;
        }

        /** Each turn of a loop must have consumed bits. */
        void requireProgress() {
            if (bit <= lastProgress) {
                throw new InvalidAudioException(CORRUPT, "ogg_vorbis header packet makes no progress");
            }
            lastProgress = bit;
        }
    }
}
