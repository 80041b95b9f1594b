import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.ClusterClock;
import io.netty.channel.Channel;
import java.util.List;

/**
 * Runs mongo-java-server for Cutover's local stack: an in-memory MongoDB-wire server bound to
 * the address we choose, with the oplog on so collection change streams work.
 *
 * <p>mongo-java-server's own versions stop at wire version 8, below what the current Node
 * driver accepts (9, MongoDB 4.4), so the server reports 4.4. Cutover's tests exercise only
 * what the server really implements: CRUD, aggregation and change streams.
 *
 * <p>Replies carry what a MongoDB replica set's do and the server leaves out: every reply its
 * {@code operationTime} (drivers resume change streams from it, pymongo insists on it), and a
 * cursor read with {@code readConcern: {level: "snapshot"}} its {@code atClusterTime}, the
 * cluster time the read sees everything up to (taken before the read: a write during it is
 * after that time, or seen).
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

    private static final class ReplicaSetReplies extends MemoryBackend {
        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            BsonTimestamp before = ClusterClock.now();
            Document reply = super.handleCommand(channel, databaseName, command, query);
            if (reply == null) {
                return null;
            }
            Object concern = query.get("readConcern");
            Object cursor = reply.get("cursor");
            if (concern instanceof Document && "snapshot".equals(((Document) concern).get("level")) && cursor instanceof Document) {
                ((Document) cursor).put("atClusterTime", before);
            }
            reply.put("operationTime", ClusterClock.now());
            return reply;
        }
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: MongoLauncher <host> <port>");
            System.exit(2);
        }
        MemoryBackend backend = new ReplicaSetReplies();
        backend.version(REPORTED);
        backend.enableOplog();
        MongoServer server = new MongoServer(backend);
        server.bind(args[0], Integer.parseInt(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
        System.out.println("mongo-java-server listening on " + args[0] + ":" + args[1]);
    }
}
