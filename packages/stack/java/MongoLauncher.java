import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
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
 * <p>Its oplog never rolls over, where a real one does once it is full. {@code {trimOplog: 1}}
 * (on any database; not a MongoDB command) makes it as if it had rolled over now: a change
 * stream opened from a point before is refused as MongoDB refuses it, with
 * ChangeStreamHistoryLost (286). Tests use it; nothing else should.
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
        /** Change streams cannot start before this: the oplog rolled over (trimOplog). */
        private volatile long trimmed;

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            if (command.equalsIgnoreCase("trimOplog")) {
                trimmed = ClusterClock.now().getValue();
                Document reply = new Document("ok", 1.0);
                reply.put("operationTime", ClusterClock.now());
                return reply;
            }
            if (command.equalsIgnoreCase("aggregate")) {
                Long start = changeStreamStart(query);
                if (start != null && start < trimmed) {
                    throw new MongoServerError(286, "ChangeStreamHistoryLost", "Resume of change stream was not possible, as the resume point may no longer be in the oplog");
                }
            }
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

        /** Where a change stream pipeline starts (its resume token's or start time's cluster time), or null. */
        private static Long changeStreamStart(Document query) {
            Object pipeline = query.get("pipeline");
            if (!(pipeline instanceof List) || ((List<?>) pipeline).isEmpty() || !(((List<?>) pipeline).get(0) instanceof Document)) {
                return null;
            }
            Object stage = ((Document) ((List<?>) pipeline).get(0)).get("$changeStream");
            if (!(stage instanceof Document)) {
                return null;
            }
            Document options = (Document) stage;
            for (String key : List.of("resumeAfter", "startAfter")) {
                if (options.get(key) instanceof Document) {
                    return Long.parseLong((String) ((Document) options.get(key)).get("_data"), 16);
                }
            }
            Object time = options.get("startAtOperationTime");
            return time instanceof BsonTimestamp ? ((BsonTimestamp) time).getValue() : null;
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
