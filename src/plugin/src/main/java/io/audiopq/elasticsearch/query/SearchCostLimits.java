package io.audiopq.elasticsearch.query;

import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.QueryRewriteContext;

import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Bounds on what one search may cost this plugin: how many {@code pq_knn} clauses it holds
 * ({@code audio_pq.search.max_pq_knn_clauses}; each builds ADC tables on every shard) and how many
 * {@code query_audio} clips it asks the coordinating node to embed
 * ({@code audio_pq.search.max_query_audio}; each is a decode and a network pass). Past either the
 * search fails with a 400 naming the setting, before any clip is embedded or any shard is asked.
 *
 * <p>Counted per request where the request is rewritten: one {@link QueryRewriteContext} serves
 * every rewrite round of one search on its coordinating node, and every clause keeps its
 * {@link #newClause() identity} across the copies rewriting makes, so each clause counts once
 * however deeply it is nested (bool, nested, function_score, a pq_knn filter, ...) and however
 * many rounds rewriting takes. Shard-level rewrites count the same clauses again, never more.
 *
 * <p>The limits are node settings, dynamic; the values live here (static) because query builders
 * are made by parsers that have no node to ask.
 */
public final class SearchCostLimits {

    public static final Setting<Integer> MAX_PQ_KNN_CLAUSES = Setting.intSetting(
        "audio_pq.search.max_pq_knn_clauses",
        100,
        1,
        Setting.Property.NodeScope,
        Setting.Property.Dynamic
    );
    public static final Setting<Integer> MAX_QUERY_AUDIO = Setting.intSetting(
        "audio_pq.search.max_query_audio",
        10,
        0,
        Setting.Property.NodeScope,
        Setting.Property.Dynamic
    );

    private static volatile int maxPqKnnClauses = MAX_PQ_KNN_CLAUSES.getDefault(Settings.EMPTY);
    private static volatile int maxQueryAudio = MAX_QUERY_AUDIO.getDefault(Settings.EMPTY);

    /** Per rewrite context: the clauses seen and the clips to embed; weak, so a finished request's entry goes with its context. */
    private static final Map<QueryRewriteContext, Counts> COUNTS = Collections.synchronizedMap(new WeakHashMap<>());

    private record Counts(Set<Object> clauses, Set<Object> audio) {}

    private SearchCostLimits() {}

    /** Reads the node's values and follows their updates. */
    public static void init(Settings settings, ClusterSettings clusterSettings) {
        maxPqKnnClauses = MAX_PQ_KNN_CLAUSES.get(settings);
        maxQueryAudio = MAX_QUERY_AUDIO.get(settings);
        if (clusterSettings != null) {
            clusterSettings.addSettingsUpdateConsumer(MAX_PQ_KNN_CLAUSES, v -> maxPqKnnClauses = v);
            clusterSettings.addSettingsUpdateConsumer(MAX_QUERY_AUDIO, v -> maxQueryAudio = v);
        }
    }

    /** A new clause's identity, kept by every copy of it. */
    static Object newClause() {
        return new Object();
    }

    /** Counts {@code clause} (once per context) and refuses the request once it holds more pq_knn clauses than allowed. */
    static void countClause(QueryRewriteContext context, Object clause) {
        int count = count(context, clause, false);
        int max = maxPqKnnClauses;
        if (count > max) {
            throw new IllegalArgumentException("[" + PqKnnQueryBuilder.NAME + "] this search has more than " + max + " [" + PqKnnQueryBuilder.NAME
                + "] clauses, the most one search may hold on this node [" + MAX_PQ_KNN_CLAUSES.getKey() + "=" + max + "]");
        }
    }

    /** Counts {@code clause}'s clip (once per context) and refuses the request once it asks for more embeddings than allowed. */
    static void countQueryAudio(QueryRewriteContext context, Object clause) {
        int count = count(context, clause, true);
        int max = maxQueryAudio;
        if (count > max) {
            throw new IllegalArgumentException("[" + PqKnnQueryBuilder.NAME + "] [" + QueryAudio.NAME + "] this search asks to embed more than "
                + max + " audio clips, the most one search may on this node [" + MAX_QUERY_AUDIO.getKey() + "=" + max + "]");
        }
    }

    private static int count(QueryRewriteContext context, Object clause, boolean audio) {
        synchronized (COUNTS) {
            Counts counts = COUNTS.computeIfAbsent(context, c -> new Counts(new HashSet<>(), new HashSet<>()));
            Set<Object> set = audio ? counts.audio() : counts.clauses();
            set.add(clause);
            return set.size();
        }
    }
}
