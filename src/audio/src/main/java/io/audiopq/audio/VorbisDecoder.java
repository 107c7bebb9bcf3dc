package io.audiopq.audio;

import com.jcraft.jogg.Packet;
import com.jcraft.jogg.Page;
import com.jcraft.jogg.StreamState;
import com.jcraft.jogg.SyncState;
import com.jcraft.jorbis.Block;
import com.jcraft.jorbis.Comment;
import com.jcraft.jorbis.DspState;
import com.jcraft.jorbis.Info;

import static io.audiopq.audio.InvalidAudioException.Reason.CORRUPT;
import static io.audiopq.audio.InvalidAudioException.Reason.TRUNCATED;

/**
 * Ogg Vorbis decoder on JOrbis ({@code com.googlecode.soundlibs:jorbis}), driven through its
 * libvorbis-style API (the loop of JOrbis' own decode example). JOrbis is used directly rather
 * than through vorbisspi, which only wraps it as a javax.sound service (found by the system class
 * loader, not a plugin's) and would round its float output to 16-bit integers.
 *
 * <p>Only the first logical stream of a chained file is decoded. A stream that ends without its
 * end-of-stream page is reported as truncated.
 *
 * <p>Bounds: every page, packet and feed is reported to the {@link DecodeBudget} (visits bounded
 * by the input length, deadline), every PCM block to the {@link MonoMixer} (duration, sample
 * budget, sample sanity); the header packets are checked by {@link VorbisSetupCheck} against
 * their real length before JOrbis allocates from them. JOrbis' decode path writes nothing to
 * stdout/stderr (its only printing classes are its command-line examples and an unused
 * {@code jogg.Buffer.report}).
 */
final class VorbisDecoder implements FormatDecoder {

    private static final int CHUNK = 8192;

    @Override
    public DecodedAudio decode(byte[] bytes, DecodeLimits limits) {
        DecodeBudget budget = limits.budget(AudioFormat.OGG_VORBIS, bytes.length);
        try {
            return new Run(bytes, budget).decode();
        } catch (InvalidAudioException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidAudioException(CORRUPT, "ogg_vorbis stream is corrupt: " + e, e);
        } catch (OutOfMemoryError | StackOverflowError e) {
            // Last resort only (see ThirdPartyErrors): the setup header is checked by VorbisSetupCheck
            // before JOrbis allocates anything from it; this catch covers what that check cannot foresee.
            throw ThirdPartyErrors.refuse(AudioFormat.OGG_VORBIS, e);
        }
    }

    /** One decoding pass; JOrbis' state objects are not reusable across streams. */
    private static final class Run {
        private final byte[] bytes;
        private final DecodeLimits limits;
        private final DecodeBudget budget;
        private final SyncState sync = new SyncState();
        private final Page page = new Page();
        private final Packet packet = new Packet();
        private int fed;

        Run(byte[] bytes, DecodeBudget budget) {
            this.bytes = bytes;
            this.budget = budget;
            this.limits = budget.limits();
            sync.init();
        }

        /** Next page, feeding input as needed; false at the end of the bytes. */
        private boolean nextPage() {
            while (true) {
                budget.visit(); // every turn either yields a page (>= 27 bytes) or feeds more input
                int result = sync.pageout(page);
                if (result == 1) {
                    return true;
                }
                if (result < 0) {
                    throw new InvalidAudioException(CORRUPT, "ogg_vorbis stream is corrupt: lost page sync at byte " + fed);
                }
                if (fed >= bytes.length) {
                    return false;
                }
                int n = Math.min(CHUNK, bytes.length - fed);
                int at = sync.buffer(n);
                System.arraycopy(bytes, fed, sync.data, at, n);
                sync.wrote(n);
                fed += n;
            }
        }

        DecodedAudio decode() {
            if (nextPage() == false) {
                throw new InvalidAudioException(TRUNCATED, "ogg_vorbis stream is truncated: no complete Ogg page");
            }
            int serial = page.serialno();
            StreamState stream = new StreamState();
            stream.init(serial);
            Info info = new Info();
            info.init();
            Comment comment = new Comment();
            comment.init();
            stream.pagein(page);
            // Three header packets: identification, comment, setup; the last two may span pages.
            int headers = 0;
            while (headers < 3) {
                budget.visit();
                int result = stream.packetout(packet);
                if (result == 0) {
                    if (nextPage() == false) {
                        throw new InvalidAudioException(TRUNCATED, "ogg_vorbis stream is truncated inside its headers");
                    }
                    if (page.serialno() == serial) {
                        stream.pagein(page);
                    }
                    continue;
                }
                if (result > 0) {
                    // Before JOrbis allocates from them: comment counts/lengths and codebook sizes
                    // are checked against the packet's real length.
                    VorbisSetupCheck.check(packet.packet_base, packet.packet, packet.bytes, headers);
                }
                if (result < 0 || info.synthesis_headerin(comment, packet) < 0) {
                    throw new InvalidAudioException(CORRUPT, "ogg_vorbis header packet " + (headers + 1) + " is corrupt");
                }
                if (headers == 0) {
                    DecodeLimits.checkStreamParameters(AudioFormat.OGG_VORBIS, info.channels, info.rate);
                }
                headers++;
            }
            MonoMixer mixer = new MonoMixer(AudioFormat.OGG_VORBIS, budget, info.channels, info.rate, 0);
            DspState dsp = new DspState();
            dsp.synthesis_init(info);
            Block block = new Block(dsp);
            float[][][] pcm = new float[1][][];
            int[] index = new int[info.channels];
            boolean endOfStream = false;
            while (endOfStream == false) {
                int result;
                while ((result = stream.packetout(packet)) != 0) {
                    budget.visit();
                    if (result < 0) {
                        throw new InvalidAudioException(CORRUPT, "ogg_vorbis stream is corrupt: missing or damaged packet");
                    }
                    if (block.synthesis(packet) == 0) {
                        dsp.synthesis_blockin(block);
                    }
                    int samples;
                    while ((samples = dsp.synthesis_pcmout(pcm, index)) > 0) {
                        // Bounded: every turn adds samples, which the mixer meters against the budget.
                        mixer.addPlanar(pcm[0], index, samples);
                        dsp.synthesis_read(samples);
                    }
                }
                if (stream.e_o_s != 0) {
                    endOfStream = true;
                } else if (nextPage() == false) {
                    throw new InvalidAudioException(
                        TRUNCATED,
                        "ogg_vorbis stream is truncated: it ends after " + mixer.frames() + " samples without an end-of-stream page"
                    );
                } else if (page.serialno() == serial) {
                    stream.pagein(page);
                }
            }
            return mixer.finish();
        }
    }
}
