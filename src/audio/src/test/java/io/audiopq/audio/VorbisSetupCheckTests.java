package io.audiopq.audio;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Setup headers built bit by bit: the residue decode map JOrbis allocates before decoding
 * ({@code classifications^dim} rows) is bounded, as NodeFuzzIT found it unbounded on a real node.
 */
public class VorbisSetupCheckTests extends LuceneTestCase {

    public void testAstronomicResidueDecodeMapIsRefusedBeforeJOrbisAllocatesIt() {
        // 64 classifications over a classbook of dimension 16: 64^16 rows.
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> check(setup(16, 64)));
        assertEquals(InvalidAudioException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("residue 0") && e.getMessage().contains("64 classifications ^ dimension 16"));
    }

    public void testOrdinaryResidueDecodeMapPasses() {
        check(setup(2, 10)); // 10^2 rows, as real encoders write
    }

    public void testResidueNamingAMissingCodebookIsCorrupt() {
        InvalidAudioException e = expectThrows(InvalidAudioException.class, () -> check(setup(2, 10, 3)));
        assertEquals(InvalidAudioException.Reason.CORRUPT, e.reason());
    }

    private static void check(byte[] packet) {
        VorbisSetupCheck.check(packet, 0, packet.length, 2);
    }

    private static byte[] setup(int classbookDim, int classifications) {
        return setup(classbookDim, classifications, 0);
    }

    /** One codebook (2 entries of {@code dim}), one time-domain placeholder, one empty floor 1, one residue. */
    private static byte[] setup(int dim, int classifications, int classbook) {
        Bits b = new Bits();
        b.write(0, 8); // codebooks - 1
        b.write(0x564342, 24).write(dim, 16).write(2, 24).write(0, 1).write(0, 1).write(0, 5).write(0, 5).write(0, 4);
        b.write(0, 6).write(0, 16); // time domain
        b.write(0, 6).write(1, 16).write(0, 5).write(0, 2).write(0, 4); // one floor 1 without partitions
        b.write(0, 6).write(0, 16).write(0, 24).write(0, 24).write(0, 24).write(classifications - 1, 6).write(classbook, 8);
        for (int i = 0; i < classifications; i++) {
            b.write(0, 3).write(0, 1); // no cascade books
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(5);
        out.writeBytes("vorbis".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(b.bytes());
        return out.toByteArray();
    }

    /** LSB-first bit writer (Vorbis' packing). */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current, used;

        Bits write(long value, int bits) {
            for (int i = 0; i < bits; i++) {
                current |= (int) ((value >>> i) & 1) << used;
                if (++used == 8) {
                    out.write(current);
                    current = used = 0;
                }
            }
            return this;
        }

        byte[] bytes() {
            if (used > 0) {
                out.write(current);
                current = used = 0;
            }
            out.write(0); // padding so the last field never ends exactly at the packet's end
            return out.toByteArray();
        }
    }
}
