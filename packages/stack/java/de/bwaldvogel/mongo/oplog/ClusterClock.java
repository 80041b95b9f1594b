package de.bwaldvogel.mongo.oplog;

import java.time.Clock;
import java.time.Instant;

import de.bwaldvogel.mongo.bson.BsonTimestamp;

/**
 * The server's cluster time as MongoDB keeps it: seconds, and an increment that counts the
 * operations within the second. Never goes back, even when the wall clock does.
 */
public final class ClusterClock {

    private static Clock clock = Clock.systemUTC();
    private static long seconds;
    private static int increment;

    private ClusterClock() {}

    static synchronized void use(Clock source) {
        clock = source;
    }

    /** The time of a new operation: after every time handed out before. */
    public static synchronized BsonTimestamp tick() {
        advance();
        increment++;
        return current();
    }

    /** The time of the last operation (or the start of this second): what a read now sees. */
    public static synchronized BsonTimestamp now() {
        advance();
        return current();
    }

    static synchronized Instant instant() {
        return clock.instant();
    }

    private static void advance() {
        long wall = clock.instant().getEpochSecond();
        if (wall > seconds) {
            seconds = wall;
            increment = 0;
        }
    }

    private static BsonTimestamp current() {
        return new BsonTimestamp(Instant.ofEpochSecond(seconds), increment);
    }
}
