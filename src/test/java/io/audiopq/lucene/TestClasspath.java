package io.audiopq.lucene;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.elasticsearch.common.logging.LogConfigurator;

/**
 * The test classpath carries the Elasticsearch jar, whose {@code KnnVectorsFormat} SPI providers
 * log from their static initialisers. Outside an Elasticsearch test case nobody installs
 * Elasticsearch's logger factory, so Lucene's first SPI lookup would fail; the Lucene-layer tests
 * call {@link #init()} before anything touches codecs. Those providers also warn (with a stack
 * trace) that native access is unavailable outside a node, which would trip the test framework's
 * output limit; that logger is quietened. The production code needs none of this.
 */
final class TestClasspath {

    private static boolean done;

    private TestClasspath() {}

    static synchronized void init() {
        if (done == false) {
            LogConfigurator.configureESLogging();
            Configurator.setLevel("org.elasticsearch.nativeaccess", Level.ERROR);
            done = true;
        }
    }
}
