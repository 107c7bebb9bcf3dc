package io.audiopq.elasticsearch.mapper;

import io.audiopq.elasticsearch.NodeBundles;
import io.audiopq.lucene.PqFormatConfig;
import io.audiopq.model.ModelBundle;
import io.audiopq.model.ModelDescriptor;
import io.audiopq.model.Similarity;
import io.audiopq.quantization.IvfPqQuantizer;

import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.index.IndexMode;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.codec.CodecService;
import org.elasticsearch.index.engine.EngineConfig;
import org.elasticsearch.index.mapper.DocumentParserContext;
import org.elasticsearch.index.mapper.FieldMapper;
import org.elasticsearch.index.mapper.Mapper;
import org.elasticsearch.index.mapper.MapperBuilderContext;
import org.elasticsearch.index.mapper.MapperParsingException;
import org.elasticsearch.index.mapper.MappingParserContext;
import org.elasticsearch.index.mapper.ObjectMapper;
import org.elasticsearch.index.mapper.SourceLoader;
import org.elasticsearch.index.mapper.vectors.DenseVectorFieldMapper;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code pq_vector}: a float vector stored as a product-quantisation code of a model bundle's
 * codebook.
 *
 * <pre>{"type": "pq_vector", "model": "my-vectors", "similarity": "cosine", "store_raw": true,
 *  "ivf": {"nlist": 256, "nprobe": 16}}</pre>
 *
 * <p>The mapping names a bundle; dimensions, M, bits and the default similarity come from it, and
 * the bundle's checksum is recorded in the mapping ({@code model_checksum}, set when the mapping is
 * created) together with those values, so the mapping stays self-describing. Explicit
 * {@code dims}, {@code m} or {@code bits} must equal the bundle's.
 *
 * <p>Internally the field owns a child {@code dense_vector} at {@code <field>.pq} whose vectors
 * format is the plugin's {@link io.audiopq.lucene.PqVectorsFormat} (through a
 * {@link PqVectorsFormatProvider}): Elasticsearch routes custom vector formats only to
 * {@code dense_vector} mappers. The parent validates each value and hands it to the child, which
 * indexes it; native {@code knn} therefore works on {@code <field>.pq}, and {@code pq_knn} on
 * {@code <field>}.
 *
 * <p>{@code _source}: with {@code store_raw} and {@code index.mapping.exclude_source_vectors} (true
 * by default on 9.x indices) the stored {@code _source} leaves the vector out, as for
 * {@code dense_vector}, and {@link #syntheticVectorsLoader()} rebuilds it from the raw vectors.
 * Without raw vectors the JSON stays: the codes would only give back PQ reconstructions, which
 * updates and reindexing would then index as if they were the vectors.
 */
public final class PqVectorFieldMapper extends FieldMapper {

    public static final String CONTENT_TYPE = "pq_vector";
    /** Leaf name of the child {@code dense_vector}. */
    public static final String CHILD_NAME = "pq";
    /** index.codec values whose codec routes vector fields through their mappers (anything else would bypass the PQ format). */
    public static final Set<String> ELASTICSEARCH_CODECS = Set.of(
        CodecService.DEFAULT_CODEC,
        CodecService.BEST_COMPRESSION_CODEC,
        CodecService.LEGACY_DEFAULT_CODEC,
        CodecService.LEGACY_BEST_COMPRESSION_CODEC
    );
    private static final Pattern CHECKSUM = Pattern.compile("[0-9a-f]{64}");

    private static PqVectorFieldMapper toType(FieldMapper in) {
        return (PqVectorFieldMapper) in;
    }

    /**
     * The type parser: parses the options, checks the index codec, then resolves the options
     * against this node's copy of the bundle (see {@link Builder#resolveBundle}).
     */
    public static Mapper.TypeParser parser(NodeBundles bundles) {
        return (name, node, context) -> {
            if (context.isWithinMultiField()) {
                throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "] can't be used in multi-fields");
            }
            checkIndexVersion(name, context.indexVersionCreated());
            Builder builder = new Builder(
                name,
                bundles,
                context.indexVersionCreated(),
                context.getIndexSettings().getMode(),
                IndexSettings.INDEX_MAPPING_EXCLUDE_SOURCE_VECTORS_SETTING.get(context.getIndexSettings().getSettings())
            );
            builder.parse(name, context, node);
            checkCodec(name, context.getIndexSettings());
            builder.resolveBundle(context);
            return builder;
        };
    }

    /**
     * The child {@code dense_vector} must be indexed, and {@code dense_vector} is indexed by default
     * (with no way for a plugin to ask otherwise) only in indices created by 8.11 or later.
     */
    static void checkIndexVersion(String field, IndexVersion created) {
        if (created.before(DenseVectorFieldMapper.INDEXED_BY_DEFAULT_INDEX_VERSION)) {
            throw new MapperParsingException(
                // The constant's own release string reads "8.10.5-8.11.0": the version is shared by two releases.
                "field [" + field + "] of type [" + CONTENT_TYPE + "] needs an index created by Elasticsearch 8.11 or later, "
                    + "but this index was created by ["
                    + created.toReleaseVersion() + "]; reindex into a new index to add the field"
            );
        }
    }

    static void checkCodec(String field, IndexSettings settings) {
        String codec = settings.getValue(EngineConfig.INDEX_CODEC_SETTING);
        if (ELASTICSEARCH_CODECS.contains(codec) == false) {
            throw new MapperParsingException(
                "field ["
                    + field
                    + "] of type ["
                    + CONTENT_TYPE
                    + "] needs an Elasticsearch codec, but index ["
                    + settings.getIndex().getName()
                    + "] has [index.codec: "
                    + codec
                    + "]: Lucene's own codecs ignore per-field vector formats, so the vectors would be stored without PQ codes; "
                    + "use one of "
                    + ELASTICSEARCH_CODECS.stream().sorted().toList()
                    + " (the default is [default])"
            );
        }
    }

    public static final class Builder extends FieldMapper.Builder {

        private final Parameter<String> model = new Parameter<>(
            "model",
            false,
            () -> null,
            (n, c, o) -> parseModelName(n, o),
            m -> toType(m).model,
            XContentBuilder::field,
            Objects::toString
        ).addValidator(v -> {
            if (v == null) {
                throw new IllegalArgumentException("field [" + leafName() + "] of type [" + CONTENT_TYPE + "]: [model] is required");
            }
        });
        private final Parameter<Similarity> similarity = new Parameter<>(
            "similarity",
            false,
            () -> null,
            (n, c, o) -> parseSimilarity(n, o),
            m -> toType(m).similarity,
            (b, n, v) -> b.field(n, v.jsonName()),
            v -> v == null ? "null" : v.jsonName()
        ).setSerializerCheck((includeDefaults, isConfigured, v) -> v != null);
        private final Parameter<Boolean> storeRaw = Parameter.boolParam("store_raw", false, m -> toType(m).storeRaw, true)
            .alwaysSerialize();
        private final Parameter<IvfOptions> ivf = new Parameter<>(
            "ivf",
            false,
            () -> null,
            (n, c, o) -> IvfOptions.parse(n, o),
            m -> toType(m).ivf,
            (b, n, v) -> v.toXContent(b, n),
            v -> v == null ? "null" : v.toString()
        ).setSerializerCheck((includeDefaults, isConfigured, v) -> v != null);
        private final Parameter<Integer> dims = intOrNull("dims", 1, ModelDescriptor.MAX_DIMENSIONS, m -> toType(m).dims);
        private final Parameter<Integer> m = intOrNull("m", 1, ModelDescriptor.MAX_DIMENSIONS, mapper -> toType(mapper).m);
        private final Parameter<Integer> bits = intOrNull("bits", 4, 8, m -> toType(m).bits).addValidator(v -> {
            if (v != null && v != 4 && v != 8) {
                throw new IllegalArgumentException("field [" + leafName() + "] of type [" + CONTENT_TYPE + "]: [bits] must be 4 or 8, got [" + v + "]");
            }
        });
        private final Parameter<String> modelChecksum = new Parameter<>(
            "model_checksum",
            false,
            () -> null,
            (n, c, o) -> parseChecksum(n, o),
            m -> toType(m).checksum,
            XContentBuilder::field,
            Objects::toString
        ).setSerializerCheck((includeDefaults, isConfigured, v) -> v != null);
        private final Parameter<Map<String, String>> meta = Parameter.metaParam();

        private final NodeBundles bundles;
        private final IndexVersion indexVersionCreated;
        private final IndexMode indexMode;
        private final boolean excludeSourceVectorsSetting;

        /**
         * @param excludeSourceVectorsSetting the index's {@code index.mapping.exclude_source_vectors}
         *        (true by default on indices created by Elasticsearch 9.x), as {@code dense_vector} takes it
         */
        public Builder(
            String name,
            NodeBundles bundles,
            IndexVersion indexVersionCreated,
            IndexMode indexMode,
            boolean excludeSourceVectorsSetting
        ) {
            super(name);
            this.bundles = bundles;
            this.indexVersionCreated = indexVersionCreated;
            this.indexMode = indexMode;
            this.excludeSourceVectorsSetting = excludeSourceVectorsSetting;
        }

        private static Parameter<Integer> intOrNull(
            String name,
            int min,
            int max,
            java.util.function.Function<FieldMapper, Integer> initializer
        ) {
            return new Parameter<Integer>(name, false, () -> null, (n, c, o) -> {
                if (o instanceof Integer == false) {
                    throw new MapperParsingException(
                        "field [" + n + "] of type [" + CONTENT_TYPE + "]: [" + name + "] must be an integer, got [" + o + "]"
                    );
                }
                int v = (Integer) o;
                if (v < min || v > max) {
                    throw new MapperParsingException(
                        "field [" + n + "] of type [" + CONTENT_TYPE + "]: [" + name + "] must be in [" + min + ", " + max + "], got [" + v + "]"
                    );
                }
                return v;
            }, initializer, (b, n, v) -> b.field(n, v), Objects::toString).setSerializerCheck((includeDefaults, isConfigured, v) -> v != null);
        }

        @Override
        protected Parameter<?>[] getParameters() {
            return new Parameter<?>[] { model, similarity, dims, m, bits, storeRaw, ivf, modelChecksum, meta };
        }

        @Override
        public String contentType() {
            return CONTENT_TYPE;
        }

        /**
         * Completes the options from this node's bundle. A mapping without {@code model_checksum}
         * is being created: the bundle must be loaded here; explicit {@code dims}/{@code m}/{@code bits}
         * must equal the bundle's; the checksum, the shape and the default similarity are filled in.
         * A mapping with a checksum was created before (or copied from elsewhere) and is taken as
         * recorded, so that a node lacking the bundle can still hold the index; such a node refuses
         * to index and search the field instead (see {@link NodeBundles#requireMatching}).
         */
        void resolveBundle(MappingParserContext context) {
            String name = leafName();
            if (multiFieldsBuilder.hasMultiFields()) {
                throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "] does not support multi-fields");
            }
            if (copyTo.copyToFields().isEmpty() == false) {
                throw new MapperParsingException("field [" + name + "] of type [" + CONTENT_TYPE + "] does not support [copy_to]");
            }
            String recorded = modelChecksum.get();
            ModelBundle bundle = bundles.loaded(model.get());
            if (recorded == null) {
                if (bundle == null) {
                    throw new MapperParsingException(
                        "field [" + name + "] of type [" + CONTENT_TYPE + "]: model bundle [" + model.get() + "] is not available on node ["
                            + bundles.nodeName() + "]: " + bundles.describeMissing(model.get())
                    );
                }
                // Every kind of bundle carries the PQ codebook for its vectors (an audio bundle's for the
                // embeddings its backbone produces), so any kind can back a field.
            }
            if (bundle != null && (recorded == null || recorded.equals(bundle.checksum()))) {
                ModelDescriptor d = bundle.descriptor();
                checkAgainstBundle(dims, d.dimensions(), bundle);
                checkAgainstBundle(m, d.pq().m(), bundle);
                checkAgainstBundle(bits, d.pq().bits(), bundle);
                dims.setValue(d.dimensions());
                m.setValue(d.pq().m());
                bits.setValue(d.pq().bits());
                if (similarity.get() == null) {
                    similarity.setValue(d.similarity());
                }
                modelChecksum.setValue(bundle.checksum());
            }
            if (ivf.get() != null) {
                // Only a bundle that matches the mapping may fill in or check its lists.
                boolean matching = bundle != null && (recorded == null || recorded.equals(bundle.checksum()));
                ivf.setValue(ivf.get().resolve(name, matching ? bundle : null, recorded == null));
            }
            if (recorded == null && bundle.ivf() != null && bundle.ivf().encoding() == IvfPqQuantizer.Encoding.RESIDUAL
                && (ivf.get() == null || IvfOptions.BUNDLE.equals(ivf.get().centroids()) == false)) {
                throw new MapperParsingException(
                    "field [" + name + "] of type [" + CONTENT_TYPE + "]: model bundle [" + bundle.name() + "] has a codebook trained on IVF "
                        + "residuals, which only encodes with its centroids: map the field with [ivf] (centroids from the bundle)"
                );
            }
            for (Parameter<?> p : List.of(dims, m, bits, similarity)) {
                if (p.get() == null) {
                    throw new MapperParsingException(
                        "field [" + name + "] of type [" + CONTENT_TYPE + "] records [model_checksum] but not [" + p.name
                            + "]: a mapping with a recorded checksum must carry [dims], [m], [bits] and [similarity] too "
                            + "(as Elasticsearch writes them)"
                    );
                }
            }
            if (dims.get() % m.get() != 0) {
                throw new MapperParsingException(
                    "field [" + name + "] of type [" + CONTENT_TYPE + "]: [m] = " + m.get() + " must divide [dims] = " + dims.get()
                );
            }
        }

        private void checkAgainstBundle(Parameter<Integer> param, int bundleValue, ModelBundle bundle) {
            Integer explicit = param.get();
            if (explicit != null && explicit != bundleValue) {
                throw new MapperParsingException(
                    "field [" + leafName() + "] of type [" + CONTENT_TYPE + "]: [" + param.name + "] is [" + explicit + "] but model bundle ["
                        + bundle.name() + "] has " + param.name + " = " + bundleValue + "; leave [" + param.name
                        + "] out to take it from the bundle"
                );
            }
        }

        @Override
        public PqVectorFieldMapper build(MapperBuilderContext context) {
            String fullName = context.buildFullName(leafName());
            if (modelChecksum.get() == null || dims.get() == null || m.get() == null || bits.get() == null || similarity.get() == null) {
                // Only a builder that went through the type parser (or a mapper's merge builder) can be built.
                throw new IllegalStateException("field [" + fullName + "] of type [" + CONTENT_TYPE + "] was not resolved against its model bundle");
            }
            PqVectorsFormatProvider provider = new PqVectorsFormatProvider(
                fullName,
                model.get(),
                modelChecksum.get(),
                storeRaw.get(),
                ivf.get(),
                bundles
            );
            DenseVectorFieldMapper.Builder child = new DenseVectorFieldMapper.Builder(
                CHILD_NAME,
                indexVersionCreated,
                indexMode,
                false, // the vector belongs to the parent's _source path: the parent strips and restores it, never the child
                false,
                List.of(provider),
                false
            );
            child.elementType(DenseVectorFieldMapper.ElementType.FLOAT)
                .dimensions(dims.get())
                .similarity(toElasticsearch(similarity.get()))
                .indexOptions(hnswIndexOptions(fullName + "." + CHILD_NAME, indexVersionCreated));
            DenseVectorFieldMapper childMapper = child.build(context.createChildContext(leafName(), ObjectMapper.Dynamic.FALSE));
            PqVectorFieldType fieldType = new PqVectorFieldType(
                fullName,
                meta.get(),
                model.get(),
                modelChecksum.get(),
                similarity.get(),
                dims.get(),
                m.get(),
                bits.get(),
                bundles
            );
            // As dense_vector: not with synthetic _source (which rebuilds the whole document anyway).
            // Only with raw vectors: codes alone would give back PQ reconstructions (see the README).
            boolean excludeSourceVectors = excludeSourceVectorsSetting && context.isSourceSynthetic() == false && storeRaw.get();
            return new PqVectorFieldMapper(
                leafName(),
                fieldType,
                builderParams(this, context),
                this,
                childMapper,
                excludeSourceVectors
            );
        }
    }

    /**
     * Non-null, non-flat index options for the child: with none Elasticsearch ignores the extra
     * format providers, and with flat ones it runs an exact scan that never reaches the PQ reader.
     * Plain {@code hnsw} (no Elasticsearch quantisation, so no Elasticsearch-side rescoring); the
     * provider replaces the HNSW format anyway.
     */
    private static DenseVectorFieldMapper.DenseVectorIndexOptions hnswIndexOptions(String field, IndexVersion version) {
        return DenseVectorFieldMapper.VectorIndexType.fromString("hnsw")
            .orElseThrow(() -> new IllegalStateException("Elasticsearch has no [hnsw] vector index type"))
            .parseIndexOptions(field, new HashMap<>(), version, false);
    }

    static DenseVectorFieldMapper.VectorSimilarity toElasticsearch(Similarity similarity) {
        return switch (similarity) {
            case L2_NORM -> DenseVectorFieldMapper.VectorSimilarity.L2_NORM;
            case COSINE -> DenseVectorFieldMapper.VectorSimilarity.COSINE;
            case DOT_PRODUCT -> DenseVectorFieldMapper.VectorSimilarity.DOT_PRODUCT;
        };
    }

    private static String parseModelName(String field, Object value) {
        if (value instanceof String name && ModelDescriptor.NAME_PATTERN.matcher(name).matches()) {
            return name;
        }
        throw new MapperParsingException(
            "field [" + field + "] of type [" + CONTENT_TYPE + "]: [model] must be a bundle name (" + ModelDescriptor.NAME_PATTERN.pattern()
                + "), got [" + value + "]"
        );
    }

    private static Similarity parseSimilarity(String field, Object value) {
        return Similarity.fromJsonName(String.valueOf(value))
            .orElseThrow(
                () -> new MapperParsingException(
                    "field [" + field + "] of type [" + CONTENT_TYPE + "]: unknown [similarity] [" + value + "]; expected one of "
                        + Similarity.jsonNames()
                )
            );
    }

    private static String parseChecksum(String field, Object value) {
        if (value instanceof String s && CHECKSUM.matcher(s).matches()) {
            return s;
        }
        throw new MapperParsingException(
            "field [" + field + "] of type [" + CONTENT_TYPE + "]: [model_checksum] must be a lowercase hex SHA-256 (64 characters), got ["
                + value + "]; it is set automatically when the mapping is created, leave it out"
        );
    }

    /**
     * The {@code ivf} option: {@code {"nlist": <lists>, "nprobe": <lists a query visits by default>,
     * "centroids": "bundle" | "per_segment"}}. With {@code bundle} every segment files its vectors
     * under the bundle's coarse centroids (global IVF: merges keep them, nlist is the bundle's); with
     * {@code per_segment}, the fallback for bundles without centroids, each segment trains its own
     * (segments with fewer than {@link PqFormatConfig#MIN_VECTORS_PER_LIST} × nlist vectors are then
     * written without lists). Codes stay those of the bundle's codebook. At creation a missing
     * {@code centroids} becomes {@code bundle} when the bundle has centroids; a recorded mapping
     * without it predates bundle centroids and means {@code per_segment}. {@code null} (absent,
     * {@code false} or {@code {"enabled": false}}): exhaustive.
     *
     * @param nlist     0 until resolved when not given (bundle centroids fix it)
     * @param nprobe    0 until resolved when not given (min(16, nlist))
     * @param centroids {@link #BUNDLE} or {@link #PER_SEGMENT}; null until resolved when not given
     */
    public record IvfOptions(int nlist, int nprobe, String centroids) {

        public static final String BUNDLE = "bundle";
        public static final String PER_SEGMENT = "per_segment";
        static final Set<String> KEYS = Set.of("enabled", "nlist", "nprobe", "centroids");

        static IvfOptions parse(String field, Object value) {
            String prefix = prefix(field);
            if (value == null || Boolean.FALSE.equals(value)) {
                return null;
            }
            if (value instanceof Map<?, ?> == false) {
                throw new MapperParsingException(
                    prefix + "[ivf] must be an object {\"nlist\": <lists>, \"nprobe\": <lists probed>} (or {\"enabled\": false}), got ["
                        + value + "]"
                );
            }
            Map<?, ?> map = (Map<?, ?>) value;
            for (Object key : map.keySet()) {
                if (KEYS.contains(key) == false) {
                    throw new MapperParsingException(
                        prefix + "unknown [ivf] option [" + key + "]; expected [nlist], [nprobe], [centroids] or [enabled]"
                    );
                }
            }
            Object enabled = map.get("enabled");
            if (enabled != null && enabled instanceof Boolean == false) {
                throw new MapperParsingException(prefix + "[ivf.enabled] must be a boolean, got [" + enabled + "]");
            }
            if (Boolean.FALSE.equals(enabled)) {
                if (map.size() > 1) {
                    throw new MapperParsingException(prefix + "[ivf] with [enabled: false] takes no other options, got " + map);
                }
                return null;
            }
            Object centroidsValue = map.get("centroids");
            if (centroidsValue != null && BUNDLE.equals(centroidsValue) == false && PER_SEGMENT.equals(centroidsValue) == false) {
                throw new MapperParsingException(
                    prefix + "[ivf.centroids] must be [" + BUNDLE + "] (the model bundle's) or [" + PER_SEGMENT + "] (trained per segment), got ["
                        + centroidsValue + "]"
                );
            }
            Object nlistValue = map.get("nlist");
            int nlist = nlistValue == null ? 0 : intOption(prefix, "ivf.nlist", nlistValue, 1, PqFormatConfig.MAX_NLIST);
            Object nprobeValue = map.get("nprobe");
            int nprobe = nprobeValue == null ? 0 : intOption(prefix, "ivf.nprobe", nprobeValue, 1, nlist == 0 ? PqFormatConfig.MAX_NLIST : nlist);
            return new IvfOptions(nlist, nprobe, (String) centroidsValue);
        }

        /**
         * Completes the options: at creation ({@code creating}) from the bundle, otherwise as recorded
         * (a recorded mapping without [centroids] trains per segment).
         */
        IvfOptions resolve(String field, ModelBundle bundle, boolean creating) {
            String prefix = prefix(field);
            String origin = centroids;
            if (origin == null) {
                origin = creating && bundle != null && bundle.ivf() != null ? BUNDLE : PER_SEGMENT;
            }
            int lists = nlist;
            if (BUNDLE.equals(origin) && bundle != null) {
                if (bundle.ivf() == null) {
                    throw new MapperParsingException(
                        prefix + "[ivf.centroids] is [" + BUNDLE + "] but model bundle [" + bundle.name()
                            + "] has no IVF centroids; make the bundle with them or use [" + PER_SEGMENT + "]"
                    );
                }
                int bundleLists = bundle.ivf().nlist();
                if (nlist != 0 && nlist != bundleLists) {
                    throw new MapperParsingException(
                        prefix + "[ivf.nlist] is [" + nlist + "] but the centroids of model bundle [" + bundle.name() + "] make " + bundleLists
                            + " lists; leave [ivf.nlist] out to take it from the bundle, or use [ivf.centroids: " + PER_SEGMENT + "]"
                    );
                }
                lists = bundleLists;
            }
            if (lists == 0) {
                throw new MapperParsingException(prefix + "[ivf.nlist] is required (the number of inverted lists per segment)");
            }
            if (nprobe > lists) {
                throw new MapperParsingException(prefix + "[ivf.nprobe] must be in [1, " + lists + "] (1 to ivf.nlist), got [" + nprobe + "]");
            }
            return new IvfOptions(lists, nprobe == 0 ? Math.min(PqFormatConfig.DEFAULT_NPROBE, lists) : nprobe, origin);
        }

        private static String prefix(String field) {
            return "field [" + field + "] of type [" + CONTENT_TYPE + "]: ";
        }

        private static int intOption(String prefix, String name, Object value, int min, int max) {
            if (value instanceof Integer == false) {
                throw new MapperParsingException(prefix + "[" + name + "] must be an integer, got [" + value + "]");
            }
            int v = (Integer) value;
            if (v < min || v > max) {
                throw new MapperParsingException(
                    prefix + "[" + name + "] must be in [" + min + ", " + max + "]" + (name.equals("ivf.nprobe") ? " (1 to ivf.nlist)" : "")
                        + ", got [" + v + "]"
                );
            }
            return v;
        }

        void toXContent(XContentBuilder builder, String name) throws IOException {
            builder.startObject(name).field("nlist", nlist).field("nprobe", nprobe);
            if (centroids != null) {
                builder.field("centroids", centroids);
            }
            builder.endObject();
        }
    }

    private final String model;
    private final String checksum;
    private final Similarity similarity;
    private final int dims;
    private final int m;
    private final int bits;
    private final boolean storeRaw;
    private final IvfOptions ivf;
    private final NodeBundles bundles;
    private final IndexVersion indexVersionCreated;
    private final IndexMode indexMode;
    private final DenseVectorFieldMapper child;
    private final boolean excludeSourceVectorsSetting;
    /** Whether the stored {@code _source} leaves the vector out and reads rebuild it from the raw vectors. */
    private final boolean excludeSourceVectors;

    private PqVectorFieldMapper(
        String leafName,
        PqVectorFieldType fieldType,
        BuilderParams params,
        Builder builder,
        DenseVectorFieldMapper child,
        boolean excludeSourceVectors
    ) {
        super(leafName, fieldType, params);
        this.model = builder.model.get();
        this.checksum = builder.modelChecksum.get();
        this.similarity = builder.similarity.get();
        this.dims = builder.dims.get();
        this.m = builder.m.get();
        this.bits = builder.bits.get();
        this.storeRaw = builder.storeRaw.get();
        this.ivf = builder.ivf.get();
        this.bundles = builder.bundles;
        this.indexVersionCreated = builder.indexVersionCreated;
        this.indexMode = builder.indexMode;
        this.child = child;
        this.excludeSourceVectorsSetting = builder.excludeSourceVectorsSetting;
        this.excludeSourceVectors = excludeSourceVectors;
    }

    @Override
    public PqVectorFieldType fieldType() {
        return (PqVectorFieldType) super.fieldType();
    }
    /**
     * Non-null when the index excludes vectors from the stored {@code _source}: Elasticsearch then
     * drops this field's value from the stored {@code _source} (and from {@code _recovery_source})
     * and calls this loader wherever it needs the document whole again (get, update, search with
     * {@code exclude_vectors: false}, operation-based recovery).
     */
    @Override
    public SourceLoader.SyntheticVectorsLoader syntheticVectorsLoader() {
        return excludeSourceVectors ? new RawVectorsSourceLoader(fullPath(), child.fullPath()) : null;
    }

    @Override
    public boolean parsesArrayValue() {
        return true;
    }

    @Override
    protected void parseCreateField(DocumentParserContext context) throws IOException {
        String field = fullPath();
        XContentParser parser = context.parser();
        if (parser.currentToken() == XContentParser.Token.VALUE_NULL) {
            return;
        }
        bundles.requireMatching(field, model, checksum, "index");
        if (context.doc().getByKey(child.fullPath()) != null) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [" + CONTENT_TYPE + "] takes one vector per document; index several as nested objects"
            );
        }
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [" + CONTENT_TYPE + "] takes an array of " + dims + " numbers, got " + describe(parser)
            );
        }
        float[] vector = new float[dims];
        int count = 0;
        for (XContentParser.Token token = parser.nextToken(); token != XContentParser.Token.END_ARRAY; token = parser.nextToken()) {
            if (token != XContentParser.Token.VALUE_NUMBER) {
                throw new IllegalArgumentException(
                    "field [" + field + "] of type [" + CONTENT_TYPE + "] takes an array of " + dims + " numbers, but element [" + count
                        + "] is " + describe(parser)
                );
            }
            float value = parser.floatValue();
            if (count < dims) {
                vector[count] = value;
            }
            if (Float.isFinite(value) == false) {
                throw new IllegalArgumentException(
                    "field [" + field + "] of type [" + CONTENT_TYPE + "]: element [" + count + "] is [" + parser.text()
                        + "], which is not a finite float; values must be finite numbers"
                );
            }
            count++;
        }
        if (count != dims) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [" + CONTENT_TYPE + "] expects vectors of [" + dims + "] dimensions (model bundle [" + model
                    + "]), the document has [" + count + "]"
            );
        }
        VectorChecks.check(field, "document's vector", vector, dims, similarity);
        // The child dense_vector indexes the checked vector (and, for cosine, normalises it as
        // Elasticsearch does), so native knn on <field>.pq sees exactly what pq_knn sees.
        try (XContentBuilder array = JsonXContent.contentBuilder()) {
            array.startArray();
            for (float v : vector) {
                array.value(v);
            }
            array.endArray();
            try (
                XContentParser vectorParser = JsonXContent.jsonXContent.createParser(
                    XContentParserConfiguration.EMPTY,
                    BytesReference.bytes(array).streamInput()
                )
            ) {
                vectorParser.nextToken();
                child.parse(context.switchParser(vectorParser));
            }
        }
    }

    private static String describe(XContentParser parser) throws IOException {
        XContentParser.Token token = parser.currentToken();
        return switch (token) {
            case VALUE_STRING -> "the string [" + parser.text() + "]";
            case VALUE_BOOLEAN -> "the boolean [" + parser.text() + "]";
            case VALUE_NULL -> "[null]";
            case START_ARRAY -> "a nested array";
            case START_OBJECT -> "an object";
            default -> "[" + token + "]";
        };
    }

    /**
     * The child is a mapper of its own, so that lookups find {@code <field>.pq} (native {@code knn}
     * on it); it is the parent's storage, not a field the user declared, so it does not count
     * towards {@code index.mapping.total_fields.limit}: a {@code pq_vector} counts once.
     */
    @Override
    public Iterator<Mapper> iterator() {
        List<Mapper> mappers = new ArrayList<>();
        multiFieldsIterator().forEachRemaining(mappers::add);
        mappers.add(child);
        return mappers.iterator();
    }

    @Override
    public FieldMapper.Builder getMergeBuilder() {
        return new Builder(leafName(), bundles, indexVersionCreated, indexMode, excludeSourceVectorsSetting).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }
}
