package io.audiopq.elasticsearch;

import io.audiopq.elasticsearch.action.PutModelAction;
import io.audiopq.model.InvalidBundleException;
import io.audiopq.model.ModelDescriptor;

import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.ClusterChangedEvent;
import org.elasticsearch.cluster.ClusterStateListener;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.util.concurrent.EsRejectedExecutionException;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.gateway.GatewayService;
import org.elasticsearch.logging.LogManager;
import org.elasticsearch.logging.Logger;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.threadpool.ThreadPool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The default audio bundle ({@code models/audiopq-default} of the repository), carried in the
 * plugin's jar and uploaded once by the elected master when the cluster has no bundle of that name,
 * so a fresh cluster can embed audio right after the plugin is installed. It goes through
 * {@code PUT _audio_pq/models/audiopq-default} like any upload: a config-folder bundle of that name
 * or one stored already make it a no-op (409), and it is deletable once no mapping names it (the
 * next elected master uploads it again; {@link #ENABLED} turns this off).
 */
final class DefaultBundle implements ClusterStateListener {

    static final String NAME = "audiopq-default";
    private static final String RESOURCES = "default-bundle/" + NAME + "/";

    /** Whether the elected master uploads the default bundle when the cluster lacks it. */
    static final Setting<Boolean> ENABLED = Setting.boolSetting("audio_pq.models.default_bundle.enabled", true, Setting.Property.NodeScope);

    private static final Logger logger = LogManager.getLogger(DefaultBundle.class);

    private static final TimeValue RETRY = TimeValue.timeValueSeconds(10);

    private final Client client;
    private final ClusterService clusterService;
    private final ThreadPool threadPool;
    private volatile boolean done;
    private volatile boolean running;

    DefaultBundle(Client client, ClusterService clusterService, ThreadPool threadPool) {
        this.client = client;
        this.clusterService = clusterService;
        this.threadPool = threadPool;
    }

    @Override
    public void clusterChanged(ClusterChangedEvent event) {
        if (ModelIndex.exists(event.previousState()) && ModelIndex.exists(event.state()) == false) {
            done = false; // the index itself was deleted (e.g. a feature reset): the cluster lacks the bundle again
        }
        if (done || running || event.localNodeMaster() == false
            || event.state().blocks().hasGlobalBlock(GatewayService.STATE_NOT_RECOVERED_BLOCK)
            || (ModelIndex.exists(event.state()) && ModelIndex.readable(event.state()) == false)) {
            return;
        }
        running = true;
        threadPool.generic().execute(() -> {
            try {
                client.execute(PutModelAction.INSTANCE, new PutModelAction.Request(NAME, archive(), null)).actionGet();
                logger.info("uploaded the default model bundle [{}] carried by the plugin", NAME);
                done = true;
            } catch (RuntimeException e) {
                if (ExceptionsHelper.unwrapCause(e) instanceof ElasticsearchStatusException s && s.status() == RestStatus.CONFLICT) {
                    done = true; // a config folder or the cluster has it already
                } else {
                    logger.warn("cannot upload the default model bundle [" + NAME + "]; retrying in " + RETRY, e);
                    try {
                        threadPool.schedule(
                            () -> clusterChanged(new ClusterChangedEvent("retry", clusterService.state(), clusterService.state())),
                            RETRY,
                            threadPool.generic()
                        );
                    } catch (EsRejectedExecutionException closing) {
                        logger.debug("not retrying the default bundle upload: the node is closing", closing);
                    }
                }
            } finally {
                running = false;
            }
        });
    }

    /** The bundle's model.json and the files it names, zipped from the jar's resources. */
    static byte[] archive() {
        try {
            String json = new String(resource(ModelDescriptor.FILE_NAME), StandardCharsets.UTF_8);
            List<String> files = new ArrayList<>(List.of(ModelDescriptor.FILE_NAME));
            files.addAll(ModelDescriptor.parse(NAME, json).referencedFiles());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (String file : files) {
                    zip.putNextEntry(new ZipEntry(file));
                    zip.write(resource(file));
                    zip.closeEntry();
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidBundleException e) {
            throw new IllegalStateException("the plugin's default bundle is invalid: " + e.getMessage(), e);
        }
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = DefaultBundle.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) {
                throw new IOException("the plugin jar lacks " + RESOURCES + file);
            }
            return in.readAllBytes();
        }
    }
}
