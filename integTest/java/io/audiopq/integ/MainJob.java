package io.audiopq.integ;

/**
 * The README's main job, run against the node that integTest/node.sh started: shows what the
 * node loaded. It grows with the product (indexing and searching audio as those features land).
 */
public final class MainJob {

    private MainJob() {}

    public static void main(String[] args) {
        RealNode node = RealNode.fromBuild();
        System.out.println("AudioPQ main job: Elasticsearch " + node.version() + " at " + node.baseUri());
        System.out.println("Plugins loaded (GET _cat/plugins):");
        System.out.print(node.get("/_cat/plugins?v&h=name,component,version").body());
    }
}
