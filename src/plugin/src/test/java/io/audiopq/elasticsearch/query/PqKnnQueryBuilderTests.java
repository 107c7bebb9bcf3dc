package io.audiopq.elasticsearch.query;

import io.audiopq.elasticsearch.AudioPqPlugin;
import io.audiopq.elasticsearch.PqTestBundles;

import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.elasticsearch.cluster.metadata.IndexMetadata;
import org.elasticsearch.common.compress.CompressedXContent;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.index.mapper.MapperService;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.search.vectors.VectorSimilarityQuery;
import org.elasticsearch.test.AbstractQueryTestCase;
import io.audiopq.lucene.PqScoringQuery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.instanceOf;

/**
 * Elasticsearch's query builder checks for {@code pq_knn} (JSON and wire round trips, unknown
 * fields and objects, equality, boost and name, cacheability, Lucene query equality) on a
 * {@code pq_vector} field mapped to the real {@code cos16} test bundle. Inputs resolved by a
 * rewrite ({@code like}, {@code query_audio}) are covered by {@link PqKnnQueryParsingTests},
 * {@link QueryAudioTests} and the single-node tests.
 */
public class PqKnnQueryBuilderTests extends AbstractQueryTestCase<PqKnnQueryBuilder> {

    private static final String PQ_FIELD = "pq_emb";
    private static final int DIMS = 16; // PqTestBundles.COSINE

    /** The plugin, with the test bundles written into its node's config folder before it loads them (on first use). */
    public static class PluginWithBundles extends AudioPqPlugin {
        public PluginWithBundles(Settings settings, Path configPath) {
            super(settings, withBundles(configPath));
        }

        // The test framework starts the plugin twice (with and without a mapping type) on one config folder.
        private static synchronized Path withBundles(Path configPath) {
            if (Files.exists(configPath.resolve(AudioPqPlugin.MODELS_PATH).resolve(PqTestBundles.COSINE)) == false) {
                PqTestBundles.writeAll(configPath);
            }
            return configPath;
        }
    }

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PluginWithBundles.class);
    }

    @Override
    protected Settings createTestIndexSettings() {
        // pq_vector indices need an Elasticsearch codec; the plugin is built for the current index version.
        return Settings.builder().put(IndexMetadata.SETTING_VERSION_CREATED, IndexVersion.current()).put("index.codec", "default").build();
    }

    @Override
    protected void initializeAdditionalMappings(MapperService mapperService) throws IOException {
        mapperService.merge("_doc", new CompressedXContent("""
            {"_doc": {"properties": {"%s": {"type": "pq_vector", "model": "%s"}}}}""".formatted(PQ_FIELD, PqTestBundles.COSINE)),
            MapperService.MergeReason.MAPPING_UPDATE);
    }

    @Override
    protected PqKnnQueryBuilder doCreateTestQueryBuilder() {
        float[] vector = new float[DIMS];
        for (int i = 0; i < DIMS; i++) {
            vector[i] = randomFloatBetween(-1f, 1f, true);
        }
        vector[0] += 2f; // never the zero vector, which cosine refuses
        PqKnnQueryBuilder builder = new PqKnnQueryBuilder(PQ_FIELD, vector);
        if (randomBoolean()) {
            int k = randomIntBetween(1, 100);
            builder.k(k);
            if (randomBoolean()) {
                builder.numCandidates(randomIntBetween(k, 1000));
            }
            if (randomBoolean()) {
                builder.oversample(randomBoolean() ? 0f : randomFloatBetween(1f, 100f, true));
            }
            if (randomBoolean()) {
                builder.nprobe(randomIntBetween(1, 64));
            }
        }
        if (randomBoolean()) {
            builder.similarity(randomFloatBetween(-1f, 1f, true));
        }
        for (int i = randomIntBetween(0, 2); i > 0; i--) {
            builder.addFilter(QueryBuilders.termQuery(KEYWORD_FIELD_NAME, randomAlphaOfLength(4)));
        }
        return builder;
    }

    @Override
    protected void doAssertLuceneQuery(PqKnnQueryBuilder builder, Query query, SearchExecutionContext context) {
        if (builder.similarity() != null) {
            assertThat(query, instanceOf(VectorSimilarityQuery.class));
            VectorSimilarityQuery threshold = (VectorSimilarityQuery) query;
            assertEquals(builder.similarity(), threshold.getSimilarity(), 0f);
            query = threshold.getInnerKnnQuery();
        }
        if (builder.k() != null) {
            assertThat(query, instanceOf(AdcExplainedQuery.class));
        } else if (builder.filters().isEmpty()) {
            assertThat(query, instanceOf(PqScoringQuery.class));
        } else {
            assertThat(query, instanceOf(BooleanQuery.class));
            assertEquals(1 + 1, ((BooleanQuery) query).clauses().size()); // the scoring query and one clause for all filters
        }
    }
}
