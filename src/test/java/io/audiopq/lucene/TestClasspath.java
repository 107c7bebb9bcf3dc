package io.audiopq.lucene;

import org.elasticsearch.common.logging.LogConfigurator;

/**
 * The test classpath carries the Elasticsearch jar, whose {@code KnnVectorsFormat} SPI providers
 * log from their static initialisers. Outside an Elasticsearch test case nobody installs
 * Elasticsearch's logger factory, so Lucene's first SPI lookup would fail; the Lucene-layer tests
 * call {@link #init()} before anything touches codecs. The production code does not need this.
 */
final class TestClasspath {

    private static boolean done;

    private TestClasspath() {}

    static synchronized void init() {
        if (done == false) {
            LogConfigurator.configureESLogging();
            done = true;
        }
    }
}
