package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.AudioPqPlugin;
import io.audiopq.elasticsearch.PqTestBundles;
import io.audiopq.lucene.PqVectorsReader;
import io.audiopq.model.ModelBundle;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.store.Directory;
import org.apache.lucene.tests.util.LuceneTestCase;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.BigArrays;
import org.elasticsearch.core.CheckedConsumer;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.codec.CodecService;
import org.elasticsearch.index.mapper.DocumentParsingException;
import org.elasticsearch.index.mapper.LuceneDocument;
import org.elasticsearch.index.mapper.MappedFieldType;
import org.elasticsearch.index.mapper.MapperParsingException;
import org.elasticsearch.index.mapper.MapperService;
import org.elasticsearch.index.mapper.MapperTestCase;
import org.elasticsearch.index.mapper.ParsedDocument;
import org.elasticsearch.index.mapper.SourceToParse;
import org.elasticsearch.index.mapper.TextSearchInfo;
import org.elasticsearch.index.mapper.ValueFetcher;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.search.lookup.Source;
import org.elasticsearch.search.lookup.SourceProvider;
import org.elasticsearch.test.index.IndexVersionUtils;
import org.elasticsearch.xcontent.XContentBuilder;
import org.junit.AfterClass;
import org.junit.AssumptionViolatedException;
import org.junit.BeforeClass;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

/**
 * {@code pq_vector} through Elasticsearch's {@link MapperTestCase}: mapping round trips, merges
 * (every option is fixed once the mapping exists), meta, null and malformed values, fetching,
 * synthetic {@code _source}. The plugin is the real one, reading the small codebook bundles of
 * {@link PqTestBundles} from its config folder, so mappings resolve against real bundles and
 * segments are written in the PQ format. Each test class instance picks one of the three
 * bundles (cosine, l2_norm with 4-bit codes, dot_product).
 */
// The plugin lists its models folder; Lucene's ExtrasFS would add stray extraN entries there.
@LuceneTestCase.SuppressFileSystems("ExtrasFS")
public class PqVectorFieldMapperTests extends MapperTestCase {

    /** A test bundle's shape as its mapping records it. */
    private record Shape(String model, int dims, int m, int bits, String similarity) {}

    private static final List<Shape> SHAPES = List.of(
        new Shape(PqTestBundles.COSINE, 16, 4, 8, "cosine"),
        new Shape(PqTestBundles.L2, 8, 2, 4, "l2_norm"),
        new Shape(PqTestBundles.DOT, 8, 4, 8, "dot_product")
    );
    /** A well-formed checksum no test bundle has: a mapping carrying it was created on a node with another bundle. */
    private static final String FOREIGN_CHECKSUM = "ab".repeat(32);

    private static Path models;
    private static AudioPqPlugin plugin;

    private final Shape shape = randomFrom(SHAPES);

    @BeforeClass
    public static void startPlugin() {
        Path config = createTempDir();
        models = PqTestBundles.writeAll(config);
        plugin = new AudioPqPlugin(Settings.EMPTY, config);
    }

    @AfterClass
    public static void closePlugin() {
        plugin.close();
        plugin = null;
        models = null;
    }

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(plugin);
    }

    private static ModelBundle bundle(String name) {
        return PqTestBundles.load(models, name);
    }

    @Override
    protected void minimalMapping(XContentBuilder b) throws IOException {
        b.field("type", "pq_vector").field("model", shape.model());
    }

    /** The mapping as Elasticsearch records it once the bundle has filled it in (so a mapping with meta serialises to itself). */
    @Override
    protected void metaMapping(XContentBuilder b) throws IOException {
        recordedMapping(b, shape, bundle(shape.model()).checksum());
    }

    private static void recordedMapping(XContentBuilder b, Shape shape, String checksum) throws IOException {
        b.field("type", "pq_vector")
            .field("model", shape.model())
            .field("similarity", shape.similarity())
            .field("dims", shape.dims())
            .field("m", shape.m())
            .field("bits", shape.bits())
            .field("store_raw", true)
            .field("model_checksum", checksum);
    }

    @Override
    protected Object getSampleValueForDocument() {
        return randomVector(shape.dims(), shape.similarity());
    }

    @Override
    protected Object generateRandomInputValue(MappedFieldType ft) {
        PqVectorFieldType pq = (PqVectorFieldType) ft;
        return randomVector(pq.dims(), pq.similarity().jsonName());
    }

    /** A vector every similarity accepts: non-zero, and of unit length for dot_product. */
    private static List<Float> randomVector(int dims, String similarity) {
        float[] v = new float[dims];
        double norm = 0;
        while (norm < 1e-3) {
            norm = 0;
            for (int i = 0; i < dims; i++) {
                v[i] = randomFloat() * 2 - 1;
                norm += (double) v[i] * v[i];
            }
        }
        List<Float> out = new ArrayList<>(dims);
        for (float x : v) {
            out.add(similarity.equals("dot_product") ? (float) (x / Math.sqrt(norm)) : x);
        }
        return out;
    }

    /**
     * Every option is fixed once the mapping exists: the codes on disk were written with the
     * bundle's codebook, in its shape, with or without raw vectors and inverted lists. A mapping
     * with a checksum no local bundle has is taken as recorded (as for an index created on another
     * node), which is how dims, m and bits can differ at all without a second bundle of each shape.
     */
    @Override
    protected void registerParameters(ParameterChecker checker) throws IOException {
        Shape other = SHAPES.get((SHAPES.indexOf(shape) + 1) % SHAPES.size());
        checker.registerConflictCheck(
            "model",
            fieldMapping(this::minimalMapping),
            fieldMapping(b -> b.field("type", "pq_vector").field("model", other.model()))
        );
        checker.registerConflictCheck(
            "similarity",
            b -> b.field("similarity", shape.similarity().equals("l2_norm") ? "cosine" : "l2_norm")
        );
        checker.registerConflictCheck("store_raw", b -> b.field("store_raw", false));
        // The lists are trained into the segments: not even the default nprobe can change.
        checker.registerConflictCheck("ivf", fieldMapping(b -> {
            minimalMapping(b);
            b.startObject("ivf").field("nlist", 64).field("nprobe", 5).endObject();
        }), fieldMapping(b -> {
            minimalMapping(b);
            b.startObject("ivf").field("nlist", 64).field("nprobe", 6).endObject();
        }));
        checker.registerConflictCheck(
            "model_checksum",
            fieldMapping(this::minimalMapping),
            fieldMapping(b -> recordedMapping(b, shape, FOREIGN_CHECKSUM))
        );
        Shape foreign = new Shape(shape.model(), 16, 4, 8, shape.similarity());
        checker.registerConflictCheck(
            "dims",
            fieldMapping(b -> recordedMapping(b, foreign, FOREIGN_CHECKSUM)),
            fieldMapping(b -> recordedMapping(b, new Shape(foreign.model(), 32, 4, 8, foreign.similarity()), FOREIGN_CHECKSUM))
        );
        checker.registerConflictCheck(
            "m",
            fieldMapping(b -> recordedMapping(b, foreign, FOREIGN_CHECKSUM)),
            fieldMapping(b -> recordedMapping(b, new Shape(foreign.model(), 16, 8, 8, foreign.similarity()), FOREIGN_CHECKSUM))
        );
        checker.registerConflictCheck(
            "bits",
            fieldMapping(b -> recordedMapping(b, foreign, FOREIGN_CHECKSUM)),
            fieldMapping(b -> recordedMapping(b, new Shape(foreign.model(), 16, 4, 4, foreign.similarity()), FOREIGN_CHECKSUM))
        );
    }

    @Override
    protected boolean supportsIgnoreMalformed() {
        return false;
    }

    @Override
    protected boolean supportsStoredFields() {
        return false; // no [store] option: the vectors format keeps the raw vectors (store_raw)
    }

    @Override
    protected boolean supportsEmptyInputArray() {
        return false; // [] is a vector of the wrong length, rejected like any other
    }

    @Override
    protected boolean supportsDocValuesSkippers() {
        return false; // no doc values
    }

    /** Indices created before 8.11 do not index {@code dense_vector} by default, which the child needs: refused with a clear error. */
    @Override
    protected Set<IndexVersion> getSupportedVersions() {
        return releasedVersions(true);
    }

    @Override
    protected Set<IndexVersion> getUnsupportedVersions() {
        return releasedVersions(false);
    }

    private static Set<IndexVersion> releasedVersions(boolean supported) {
        return IndexVersionUtils.allReleasedVersions()
            .stream()
            .filter(v -> v.onOrAfter(DenseVectorFieldMapper.INDEXED_BY_DEFAULT_INDEX_VERSION) == supported)
            .collect(Collectors.toSet());
    }

    @Override
    protected IndexVersion boostNotAllowedIndexVersion() {
        return DenseVectorFieldMapper.INDEXED_BY_DEFAULT_INDEX_VERSION; // the oldest index a pq_vector can be added to
    }

    public void testOldIndexVersionIsRefusedWithTheReason() {
        IndexVersion old = randomFrom(getUnsupportedVersions());
        MapperParsingException e = expectThrows(MapperParsingException.class, () -> createMapperService(old, fieldMapping(this::minimalMapping)));
        assertThat(
            e.getMessage(),
            containsString("field [field] of type [pq_vector] needs an index created by Elasticsearch 8.11 or later, but this index was created by [")
        );
    }

    /** Searchable through {@code pq_knn} and {@code exists}, though not a text field. */
    @Override
    protected void assertSearchable(MappedFieldType fieldType) {
        assertThat(fieldType, instanceOf(PqVectorFieldType.class));
        assertTrue(fieldType.isSearchable());
        assertSame(TextSearchInfo.NONE, fieldType.getTextSearchInfo());
    }

    /** The vector is indexed under the child {@code <field>.pq}, which the exists query asks; no {@code _field_names} entry. */
    @Override
    protected void assertExistsQuery(MappedFieldType fieldType, Query query, LuceneDocument fields) {
        assertThat(query, instanceOf(FieldExistsQuery.class));
        assertEquals("field.pq", ((FieldExistsQuery) query).getField());
        assertEquals(shape.dims(), fields.getField("field.pq").fieldType().vectorDimension());
        assertNoFieldNamesField(fields);
    }

    /** pq_vector has no doc values to compare with: the fetched value must be the vector that was sent. */
    @Override
    protected void assertFetch(MapperService mapperService, String field, Object value, String format) throws IOException {
        MappedFieldType ft = mapperService.fieldType(field);
        SearchExecutionContext context = createSearchExecutionContext(mapperService);
        ValueFetcher fetcher = ft.valueFetcher(context, format);
        ParsedDocument doc = mapperService.documentMapper().parse(source(b -> b.field(ft.name(), value)));
        withPqIndex(mapperService, doc, reader -> {
            LeafReaderContext leaf = reader.leaves().get(0);
            Source source = SourceProvider.fromLookup(mapperService.mappingLookup(), null, mapperService.getMapperMetrics().sourceFieldMetrics())
                .getSource(leaf, 0);
            fetcher.setNextReader(leaf);
            // As for dense_vector, the fetched values are the vector's elements.
            assertVectorEquals((List<?>) value, fetcher.fetchValues(source, 0, new ArrayList<>()));
        });
    }

    /** A document holds one vector: several in one array are refused (index several as nested objects). */
    @Override
    protected void assertFetchMany(MapperService mapperService, String field, Object value, String format, int count) throws IOException {
        DocumentParsingException e = expectThrows(
            DocumentParsingException.class,
            () -> mapperService.documentMapper().parse(source(b -> b.field(field, value)))
        );
        assertThat(e.getCause().getMessage(), containsString("but element [0] is a nested array"));
        assertFetch(mapperService, field, ((List<?>) value).get(0), format);
    }

    /**
     * Indexes {@code doc} through the mapping's per-field codec and hands the reader to {@code test}.
     * Not {@link #withLuceneIndex}: its zstd stored fields need the native library that
     * Elasticsearch's own build provides ({@code es.nativelibs.path}) and a Maven build has not;
     * {@code legacy_default} is the same per-field codec with Lucene's stored fields.
     */
    private static void withPqIndex(MapperService mapperService, ParsedDocument doc, CheckedConsumer<DirectoryReader, IOException> test)
        throws IOException {
        Codec codec = new CodecService(mapperService, BigArrays.NON_RECYCLING_INSTANCE, null).codec(CodecService.LEGACY_DEFAULT_CODEC);
        try (Directory dir = newDirectory(); IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig().setCodec(codec))) {
            writer.addDocuments(doc.docs());
            try (DirectoryReader reader = DirectoryReader.open(writer)) {
                test.accept(reader);
            }
        }
    }

    private static void assertVectorEquals(List<?> expected, List<?> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            // cosine vectors come back as the stored unit vector times its magnitude: equal up to float rounding
            assertEquals("element " + i, ((Number) expected.get(i)).floatValue(), ((Number) actual.get(i)).floatValue(), 1e-6f);
        }
    }

    /** Segments written through the mapping's codec hold the child in the PQ format, encoded with the bundle's codebook. */
    public void testSegmentsAreWrittenWithTheBundlesCodebook() throws IOException {
        MapperService mapperService = createMapperService(fieldMapping(this::minimalMapping));
        SourceToParse source = source(b -> b.field("field", getSampleValueForDocument()));
        ParsedDocument doc = mapperService.documentMapper().parse(source);
        withPqIndex(mapperService, doc, reader -> {
            PqVectorsReader pq = PqVectorsReader.forField(reader.leaves().get(0).reader(), "field.pq");
            assertNotNull("field.pq is not in the PQ format", pq);
            assertEquals(bundle(shape.model()).quantizer().id(), pq.codebook("field.pq").id());
        });
        assertThat(mapperService.fieldType("field.pq"), instanceOf(DenseVectorFieldMapper.DenseVectorFieldType.class));
    }

    @Override
    protected SyntheticSourceSupport syntheticSourceSupport(boolean ignoreMalformed) {
        return new SyntheticSourceSupport() {
            @Override
            public SyntheticSourceExample example(int maxValues) {
                // One vector per document, kept as sent.
                Object vector = getSampleValueForDocument();
                return new SyntheticSourceExample(vector, vector, PqVectorFieldMapperTests.this::minimalMapping);
            }

            @Override
            public List<SyntheticSourceInvalidExample> invalidExample() {
                return List.of();
            }
        };
    }

    @Override
    public void testSyntheticSourceKeepArrays() {
        // An array of vectors is refused (see assertFetchMany), so there is no array to keep.
    }

    @Override
    protected IngestScriptSupport ingestScriptSupport() {
        throw new AssumptionViolatedException("pq_vector has no [script] option");
    }

    @Override
    protected List<SortShortcutSupport> getSortShortcutSupport() {
        return List.of(); // not sortable: no doc values (testSortShortcuts checks that sorting is refused)
    }
}
