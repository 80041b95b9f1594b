package de.bwaldvogel.mongo.oplog;

import java.time.Clock;
import java.time.Instant;

import de.bwaldvogel.mongo.bson.BsonTimestamp;

/**
 * Takes the place of mongo-java-server's own OplogClock (it comes first on the classpath) so
 * that the oplog's times are MongoDB's: the increment starts again each second, where the
 * original counts up for the server's whole life (and passes 999,999, beyond what a real
 * MongoDB reaches in a second). Every oplog of the server shares the one ClusterClock, which
 * the launcher also reads to stamp replies with their operationTime.
 */
class OplogClock {

    OplogClock(Clock clock) {
        ClusterClock.use(clock);
    }

    BsonTimestamp incrementAndGet() {
        return ClusterClock.tick();
    }

    BsonTimestamp now() {
        return ClusterClock.now();
    }

    Instant instant() {
        return ClusterClock.instant();
    }
}
