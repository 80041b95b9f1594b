import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Runs mongo-java-server for Cutover's local stack: an in-memory MongoDB-wire server bound to
 * the address we choose, with the oplog on so collection change streams work.
 *
 * <p>mongo-java-server's own versions stop at wire version 8, below what the current Node
 * driver accepts (9, MongoDB 4.4), so the server reports 4.4. Cutover's tests exercise only
 * what the server really implements: CRUD, aggregation and change streams.
 *
 * <p>Usage: {@code MongoLauncher <host> <port>}
 */
public final class MongoLauncher {
    private static final MongoVersion REPORTED = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public String toVersionString() {
            return "4.4.0";
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    private MongoLauncher() {}

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: MongoLauncher <host> <port>");
            System.exit(2);
        }
        MemoryBackend backend = new MemoryBackend();
        backend.version(REPORTED);
        backend.enableOplog();
        MongoServer server = new MongoServer(backend);
        server.bind(args[0], Integer.parseInt(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
        System.out.println("mongo-java-server listening on " + args[0] + ":" + args[1]);
    }
}
