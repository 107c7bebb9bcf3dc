package io.audiopq.elasticsearch;

import org.elasticsearch.plugins.Plugin;

/**
 * Entry point Elasticsearch loads for the {@code audio-pq} plugin (named in
 * plugin-descriptor.properties). It registers the plugin's extensions as they land; until then
 * it registers nothing.
 */
public class AudioPqPlugin extends Plugin {
    /** The plugin's name as users see it in {@code _cat/plugins}. */
    public static final String NAME = "audio-pq";
}
