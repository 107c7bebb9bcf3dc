import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FilterLeafReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run by check-index.sh (source-file mode, on the distribution's lib/*.jar plus the plugin's jars).
 *
 * <pre>
 *   CheckIndexMain --vector-fields INDEX_DIR      every vector field per segment, with the format that wrote it
 *   CheckIndexMain INDEX_DIR [CheckIndex options] org.apache.lucene.index.CheckIndex.main, unchanged
 * </pre>
 *
 * Both first set up Elasticsearch's logging as the node does: the Elasticsearch codecs and vectors
 * formats that SPI instantiates next to the plugin's log through it, and fail to load without it.
 */
public final class CheckIndexMain {
    public static void main(String[] args) throws Exception {
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(Settings.EMPTY);
        if (args.length == 2 && args[0].equals("--vector-fields")) {
            vectorFields(Path.of(args[1]));
        } else {
            CheckIndex.main(args);
        }
    }

    /** Per segment: each vector field, its PerFieldKnnVectorsFormat format (AudioPqVectors1 for pq_vector), dims, similarity, count. */
    static void vectorFields(Path path) throws Exception {
        try (Directory dir = FSDirectory.open(path); DirectoryReader reader = DirectoryReader.open(dir)) {
            System.out.println("index " + path + ": " + reader.leaves().size() + " segments, " + reader.maxDoc() + " documents ("
                + reader.numDocs() + " live)");
            for (LeafReaderContext leaf : reader.leaves()) {
                SegmentReader segment = (SegmentReader) FilterLeafReader.unwrap(leaf.reader());
                String prefix = "  segment " + segment.getSegmentName() + " (codec " + segment.getSegmentInfo().info.getCodec().getName() + ")";
                int fields = 0;
                for (FieldInfo field : leaf.reader().getFieldInfos()) {
                    if (field.getVectorDimension() == 0) {
                        continue;
                    }
                    fields++;
                    FloatVectorValues values = leaf.reader().getFloatVectorValues(field.name);
                    System.out.println(prefix + ": vector field [" + field.name + "] format ["
                        + field.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY) + "] dims " + field.getVectorDimension()
                        + " similarity " + field.getVectorSimilarityFunction() + " encoding " + field.getVectorEncoding() + " vectors "
                        + (values == null ? 0 : values.size()));
                }
                if (fields == 0) {
                    System.out.println(prefix + ": no vector fields");
                }
            }
        }
    }
}
