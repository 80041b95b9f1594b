import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.data.CqlDuration;
import com.datastax.oss.driver.api.core.data.CqlVector;
import com.datastax.oss.driver.api.core.data.TupleValue;
import com.datastax.oss.driver.api.core.data.UdtValue;
import com.datastax.oss.driver.api.core.metadata.TokenMap;
import com.datastax.oss.driver.api.core.servererrors.AlreadyExistsException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.SyntaxError;
import com.datastax.oss.driver.api.core.type.TupleType;
import com.datastax.oss.driver.api.core.type.UserDefinedType;
import com.datastax.oss.driver.internal.core.context.InternalDriverContext;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A workload of the Apache Cassandra Java driver 4.x through the Cutover proxy.
 *
 * <pre>java -cp CLASSPATH Workload HOST PORT KEYSPACE VERSION COMPRESSION</pre>
 *
 * VERSION is {@code default} (the driver negotiates, starting at its highest version), {@code 4}
 * or {@code 5}; COMPRESSION is {@code none}, {@code lz4} or {@code snappy}. Runs one statement of
 * each kind and prints one JSON object on stdout with what it observed. A step that fails is
 * recorded as {"error": "..."} and the next step still runs. The steps and their JSON are those
 * of the Go workload (../go/main.go), so one test checks both.
 */
public final class Workload {
  private final CqlSession session;
  private final String ks;
  private final Map<String, Object> observed = new LinkedHashMap<>();
  private PreparedStatement insert;

  private Workload(CqlSession session, String ks) {
    this.session = session;
    this.ks = ks;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: Workload HOST PORT KEYSPACE default|4|5 none|lz4|snappy");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String ks = args[2];
    String version = args[3];
    String compression = args[4];

    ProgrammaticDriverConfigLoaderBuilder config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
        // 2,000 requests in flight on the one connection the driver opens to the one node.
        .withInt(DefaultDriverOption.CONNECTION_MAX_REQUESTS, 2048)
        .withString(DefaultDriverOption.PROTOCOL_COMPRESSION, compression);
    switch (version) {
      case "default" -> { }
      case "4", "5" -> config.withString(DefaultDriverOption.PROTOCOL_VERSION, "V" + version);
      default -> throw new IllegalArgumentException("version must be default, 4 or 5: " + version);
    }

    Map<String, Object> connect = new LinkedHashMap<>();
    CqlSession session;
    try {
      session = CqlSession.builder()
          .addContactPoint(new InetSocketAddress(host, port))
          .withLocalDatacenter("datacenter1")
          .withConfigLoader(config.build())
          .build();
    } catch (Exception error) {
      error.printStackTrace();
      connect.put("connect", failure(error));
      System.out.println(json(connect));
      System.exit(1);
      return;
    }
    Workload workload = new Workload(session, ks);
    try {
      workload.run(compression);
    } finally {
      session.close();
    }
    System.out.println(json(workload.observed));
  }

  private void run(String compression) throws Exception {
    InternalDriverContext context = (InternalDriverContext) session.getContext();
    observed.put("connect", true);
    observed.put("protocol_version", context.getProtocolVersion().getCode());
    // The compressor the driver set up for its connections (none when there is none).
    String algorithm = context.getCompressor() == null ? null : context.getCompressor().algorithm();
    observed.put("compression", algorithm == null ? "none" : algorithm);
    // What the driver read from the proxy's virtual system.local.
    observed.put("cluster_name", session.getMetadata().getClusterName().orElse(null));
    observed.put("partitioner", session.getMetadata().getTokenMap().map(TokenMap::getPartitionerName).orElse(null));

    step("create", this::createSchema);
    step("simple_insert", this::simpleInsert);
    step("prepared_insert", this::preparedInsert);
    step("logged_batch", this::loggedBatch);
    step("unlogged_batch", this::unloggedBatch);
    step("read", () -> rows(session.execute("SELECT id, name, tags, scores, attrs, home FROM " + ks + ".items")));
    step("paged_read", this::pagedRead);
    step("use", this::useKeyspace);
    step("lwt", this::lwt);
    step("counter", this::counter);
    step("types", this::types);
    step("client_timestamps", this::clientTimestamps);
    step("ttl", this::ttl);
    step("errors", this::errors);
    step("concurrent", this::concurrent);
  }

  // ---- the steps ----

  private Object createSchema() {
    List<Boolean> agreed = new ArrayList<>();
    for (String statement : List.of(
        "CREATE KEYSPACE " + ks + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TYPE " + ks + ".address (street text, zip int)",
        "CREATE TABLE " + ks + ".items (id int PRIMARY KEY, name text, tags set<text>, scores list<int>, attrs map<text, int>, home frozen<address>)",
        "CREATE TABLE " + ks + ".pages (p int, c int, v text, PRIMARY KEY (p, c))",
        "CREATE TABLE " + ks + ".counts (id int PRIMARY KEY, hits counter)",
        "CREATE TABLE " + ks + ".kinds (" + Kinds.COLUMNS_DDL + ")")) {
      agreed.add(session.execute(statement).getExecutionInfo().isSchemaInAgreement());
    }
    List<String> tables = new ArrayList<>();
    for (Row row : session.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", ks))) {
      tables.add(row.getString("table_name"));
    }
    tables.sort(null);
    return map("schema_agreed", agreed, "tables", tables);
  }

  private Object simpleInsert() {
    session.execute("INSERT INTO " + ks + ".items (id, name, tags, scores, attrs, home) "
        + "VALUES (1, 'simple', {'a', 'b'}, [1, 2], {'x': 1}, {street: 'Main', zip: 1})");
    return true;
  }

  private UdtValue address(String street, int zip) {
    UserDefinedType type = (UserDefinedType) insert.getVariableDefinitions().get("home").getType();
    return type.newValue(street, zip);
  }

  private Object preparedInsert() {
    insert = session.prepare("INSERT INTO " + ks + ".items (id, name, tags, scores, attrs, home) VALUES (?, ?, ?, ?, ?, ?)");
    session.execute(insert.bind(2, "prepared", Set.of("c"), List.of(3, 4), Map.of("y", 2), address("Elm", 2)));
    return true;
  }

  private Object loggedBatch() {
    var batch = BatchStatement.builder(DefaultBatchType.LOGGED);
    for (int id : new int[] {10, 11, 14, 15}) {
      batch.addStatement(insert.bind(id, "logged " + id, Set.of("tag " + id), List.of(id, id + 1), Map.of("key " + id, id), address(id + " Oak Street", id)));
    }
    session.execute(batch.build());
    return true;
  }

  private Object unloggedBatch() {
    session.execute(BatchStatement.builder(DefaultBatchType.UNLOGGED)
        .addStatement(insert.bind(12, "unlogged", null, null, null, null))
        .addStatement(SimpleStatement.newInstance("INSERT INTO " + ks + ".items (id, name) VALUES (?, ?)", 13, "unlogged simple"))
        .build());
    return true;
  }

  private Object pagedRead() throws Exception {
    PreparedStatement insertPage = session.prepare("INSERT INTO " + ks + ".pages (p, c, v) VALUES (1, ?, ?)");
    List<CompletableFuture<AsyncResultSet>> writes = new ArrayList<>();
    for (int c = 0; c < 250; c++) writes.add(session.executeAsync(insertPage.bind(c, "v" + c)).toCompletableFuture());
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
    List<Integer> pageSizes = new ArrayList<>();
    List<Integer> seen = new ArrayList<>();
    AsyncResultSet page = session.executeAsync(SimpleStatement.newInstance("SELECT c FROM " + ks + ".pages WHERE p = 1").setPageSize(60)).toCompletableFuture().get();
    while (true) {
      int size = 0;
      for (Row row : page.currentPage()) {
        seen.add(row.getInt("c"));
        size++;
      }
      pageSizes.add(size);
      if (!page.hasMorePages()) break;
      page = page.fetchNextPage().toCompletableFuture().get();
    }
    return map("page_sizes", pageSizes, "rows", seen);
  }

  private Object useKeyspace() {
    session.execute("USE " + ks);
    session.execute("INSERT INTO items (id, name) VALUES (20, 'unqualified')");
    return map(
        "keyspace", session.getKeyspace().map(CqlIdentifier::asInternal).orElse(null),
        "read", rows(session.execute("SELECT id, name FROM items WHERE id = 20")));
  }

  private Object lwt() {
    ResultSet first = session.execute("INSERT INTO " + ks + ".items (id, name) VALUES (30, 'lwt') IF NOT EXISTS");
    ResultSet second = session.execute("INSERT INTO " + ks + ".items (id, name) VALUES (30, 'again') IF NOT EXISTS");
    boolean secondApplied = second.wasApplied();
    Row secondRow = second.one();
    return map("first", first.wasApplied(), "second", secondApplied, "second_row", map("name", secondRow == null ? null : secondRow.getString("name")));
  }

  private Object counter() {
    PreparedStatement add = session.prepare("UPDATE " + ks + ".counts SET hits = hits + ? WHERE id = 1");
    session.execute(add.bind(2L));
    session.execute("UPDATE " + ks + ".counts SET hits = hits + 1 WHERE id = 1");
    return Objects.requireNonNull(session.execute("SELECT hits FROM " + ks + ".counts WHERE id = 1").one()).getLong("hits");
  }

  /** Every CQL type: row 1 bound to a prepared statement, row 2 as literals; each read back both ways and compared with what was written. */
  private Object types() {
    PreparedStatement prepared = session.prepare("INSERT INTO " + ks + ".kinds (" + Kinds.NAMES + ") VALUES (" + "?, ".repeat(Kinds.COUNT - 1) + "?)");
    TupleType tupleType = (TupleType) prepared.getVariableDefinitions().get("a_tuple").getType();
    Map<String, Object> expected = Kinds.values(tupleType.newValue(1, "one"));
    Object[] bound = new Object[Kinds.COUNT];
    bound[0] = 1;
    int i = 1;
    for (Object value : expected.values()) bound[i++] = value;
    session.execute(prepared.bind(bound));
    session.execute("INSERT INTO " + ks + ".kinds (" + Kinds.NAMES + ") VALUES (2, " + Kinds.LITERALS + ")");

    List<String> mismatches = new ArrayList<>();
    PreparedStatement select = session.prepare("SELECT * FROM " + ks + ".kinds WHERE id = ?");
    for (int id : new int[] {1, 2}) {
      compare("simple", id, session.execute("SELECT * FROM " + ks + ".kinds WHERE id = " + id).one(), expected, mismatches);
      compare("prepared", id, session.execute(select.bind(id)).one(), expected, mismatches);
    }
    return map("rows", 2, "mismatches", mismatches);
  }

  private static void compare(String how, int id, Row row, Map<String, Object> expected, List<String> mismatches) {
    if (row == null) {
      mismatches.add(how + " read of row " + id + ": no row");
      return;
    }
    for (Map.Entry<String, Object> column : expected.entrySet()) {
      Object got = row.getObject(column.getKey());
      if (!Objects.equals(got, column.getValue())) mismatches.add(how + " read of row " + id + ": " + column.getKey() + " is " + got + ", wrote " + column.getValue());
    }
  }

  /** Timestamps the driver sets on a statement and on a batch, which both clusters must keep. */
  private Object clientTimestamps() {
    PreparedStatement prepared = session.prepare("INSERT INTO " + ks + ".items (id, name) VALUES (?, ?)");
    session.execute(prepared.bind(40, "client timestamp").setQueryTimestamp(1_700_000_000_000_001L));
    session.execute(SimpleStatement.newInstance("INSERT INTO " + ks + ".items (id, name) VALUES (41, 'client timestamp simple')").setQueryTimestamp(1_700_000_000_000_002L));
    session.execute(BatchStatement.builder(DefaultBatchType.LOGGED)
        .addStatement(prepared.bind(42, "client timestamp batch"))
        .addStatement(prepared.bind(43, "client timestamp batch"))
        .setQueryTimestamp(1_700_000_000_000_003L)
        .build());
    Map<String, Object> writetimes = new TreeMap<>();
    for (Row row : session.execute("SELECT id, writetime(name) AS wt FROM " + ks + ".items WHERE id IN (40, 41, 42, 43)")) {
      writetimes.put(String.valueOf(row.getInt("id")), String.valueOf(row.getLong("wt")));
    }
    return writetimes;
  }

  private Object ttl() {
    session.execute(session.prepare("INSERT INTO " + ks + ".items (id, name) VALUES (?, ?) USING TTL ?").bind(50, "ttl prepared", 3600));
    session.execute("INSERT INTO " + ks + ".items (id, name) VALUES (51, 'ttl simple') USING TTL 600");
    Map<String, Object> ttls = new TreeMap<>();
    for (Row row : session.execute("SELECT id, ttl(name) AS ttl FROM " + ks + ".items WHERE id IN (50, 51)")) {
      ttls.put(String.valueOf(row.getInt("id")), row.getInt("ttl"));
    }
    return ttls;
  }

  /** Requests Cassandra refuses: each must come back as the error it is, and the session must go on working. */
  private Object errors() {
    Map<String, Object> errors = new LinkedHashMap<>();
    errors.put("syntax", errorOf(() -> session.execute("INSERT INTO " + ks + ".items (id, name) VALUES (1,")));
    errors.put("unknown_table", errorOf(() -> session.execute("SELECT * FROM " + ks + ".no_such_table")));
    errors.put("prepare_unknown_column", errorOf(() -> session.prepare("INSERT INTO " + ks + ".items (id, no_such_column) VALUES (?, ?)")));
    errors.put("already_exists", errorOf(() -> session.execute("CREATE TABLE " + ks + ".items (id int PRIMARY KEY)")));
    errors.put("after", Objects.requireNonNull(session.execute("SELECT name FROM " + ks + ".items WHERE id = 1").one()).getString("name"));
    return errors;
  }

  private static Object errorOf(Runnable request) {
    try {
      request.run();
      return map("code", null, "message", "the request succeeded");
    } catch (RuntimeException error) {
      int code = error instanceof SyntaxError ? 0x2000
          : error instanceof AlreadyExistsException ? 0x2400
          : error instanceof InvalidQueryException ? 0x2200
          : -1;
      return map("code", code, "message", error.getClass().getSimpleName() + ": " + error.getMessage());
    }
  }

  /** 2,000 prepared writes in flight at once, then read back. */
  private Object concurrent() throws Exception {
    PreparedStatement insertPage = session.prepare("INSERT INTO " + ks + ".pages (p, c, v) VALUES (2, ?, ?)");
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int c = 0; c < 2000; c++) {
      CompletionStage<AsyncResultSet> write = session.executeAsync(insertPage.bind(c, "concurrent " + c));
      all.add(write.handle((result, error) -> {
        if (error == null) {
          ok.incrementAndGet();
        } else {
          failed.incrementAndGet();
          firstError.compareAndSet(null, error.toString());
        }
        return (Void) null;
      }).toCompletableFuture());
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
    long count = Objects.requireNonNull(session.execute("SELECT count(*) AS n FROM " + ks + ".pages WHERE p = 2").one()).getLong("n");
    return map("ok", ok.get(), "failed", failed.get(), "first_error", firstError.get(), "count", count);
  }

  // ---- helpers ----

  private interface Step {
    Object run() throws Exception;
  }

  private void step(String name, Step step) {
    try {
      observed.put(name, step.run());
    } catch (Exception error) {
      System.err.println("step " + name + " failed:");
      error.printStackTrace();
      observed.put(name, failure(error));
    }
  }

  private static Map<String, Object> failure(Throwable error) {
    return map("error", error.getClass().getName() + ": " + error.getMessage());
  }

  /** Rows as JSON objects sorted by id: sets and lists as lists, maps and UDTs as objects, null collections as null. */
  private static List<Object> rows(ResultSet result) {
    List<Object> rows = new ArrayList<>();
    for (Row row : result) {
      Map<String, Object> plain = new LinkedHashMap<>();
      for (int i = 0; i < row.getColumnDefinitions().size(); i++) {
        plain.put(row.getColumnDefinitions().get(i).getName().asInternal(), row.isNull(i) ? null : plain(row.getObject(i)));
      }
      rows.add(plain);
    }
    rows.sort((a, b) -> Integer.compare((Integer) ((Map<?, ?>) a).get("id"), (Integer) ((Map<?, ?>) b).get("id")));
    return rows;
  }

  private static Object plain(Object value) {
    if (value instanceof UdtValue udt) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (int i = 0; i < udt.size(); i++) fields.put(udt.getType().getFieldNames().get(i).asInternal(), udt.isNull(i) ? null : plain(udt.getObject(i)));
      return fields;
    }
    if (value instanceof Set<?> set) return set.stream().map(Workload::plain).sorted((a, b) -> String.valueOf(a).compareTo(String.valueOf(b))).toList();
    if (value instanceof Collection<?> list) return list.stream().map(Workload::plain).toList();
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> plain = new TreeMap<>();
      map.forEach((k, v) -> plain.put(String.valueOf(k), plain(v)));
      return plain;
    }
    return value;
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    return map;
  }

  private static String json(Object value) {
    StringBuilder out = new StringBuilder();
    writeJson(value, out);
    return out.toString();
  }

  private static void writeJson(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) out.append(',');
        first = false;
        writeJson(String.valueOf(entry.getKey()), out);
        out.append(':');
        writeJson(entry.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof Collection<?> list) {
      out.append('[');
      boolean first = true;
      for (Object item : list) {
        if (!first) out.append(',');
        first = false;
        writeJson(item, out);
      }
      out.append(']');
    } else {
      out.append('"');
      for (char c : value.toString().toCharArray()) {
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          default -> {
            if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
          }
        }
      }
      out.append('"');
    }
  }

  /** The kinds table: a column of every CQL type, and the values the workload writes to it. */
  private static final class Kinds {
    static final String COLUMNS_DDL = "id int PRIMARY KEY, a_ascii ascii, a_bigint bigint, a_blob blob, a_boolean boolean, a_date date, "
        + "a_decimal decimal, a_double double, a_duration duration, a_float float, a_inet inet, a_int int, a_smallint smallint, "
        + "a_text text, a_time time, a_timestamp timestamp, a_timeuuid timeuuid, a_tinyint tinyint, a_uuid uuid, a_varchar varchar, "
        + "a_varint varint, a_tuple frozen<tuple<int, text>>, a_nested frozen<map<text, frozen<list<int>>>>, a_vector vector<float, 3>";
    static final String NAMES = "id, a_ascii, a_bigint, a_blob, a_boolean, a_date, a_decimal, a_double, a_duration, a_float, a_inet, a_int, "
        + "a_smallint, a_text, a_time, a_timestamp, a_timeuuid, a_tinyint, a_uuid, a_varchar, a_varint, a_tuple, a_nested, a_vector";
    static final int COUNT = NAMES.split(",").length;
    static final String LITERALS = "'ascii', 9007199254740993, 0xcafebabe, true, '2024-02-29', 12345.6789, 3.5, 1mo2d3ns, 1.25, '127.0.0.9', "
        + "-42, 32767, 'ünïcødé ✓', '12:34:56.789012345', '2024-02-29T12:00:00.123Z', 5c2fb4a0-d6f0-11ee-8000-000000000001, -128, "
        + "1b4e28ba-2fa1-41d2-883f-0016d3cca427, 'varchar', 123456789012345678901234567890, (1, 'one'), {'k': [1, 2]}, [1.0, 2.5, -3.0]";

    static Map<String, Object> values(TupleValue tuple) {
      Map<String, Object> values = new LinkedHashMap<>();
      values.put("a_ascii", "ascii");
      values.put("a_bigint", 9007199254740993L);
      values.put("a_blob", ByteBuffer.wrap(HexFormat.of().parseHex("cafebabe")));
      values.put("a_boolean", true);
      values.put("a_date", LocalDate.of(2024, 2, 29));
      values.put("a_decimal", new BigDecimal("12345.6789"));
      values.put("a_double", 3.5d);
      values.put("a_duration", CqlDuration.newInstance(1, 2, 3));
      values.put("a_float", 1.25f);
      try {
        values.put("a_inet", InetAddress.getByName("127.0.0.9"));
      } catch (java.net.UnknownHostException impossible) {
        throw new AssertionError(impossible);
      }
      values.put("a_int", -42);
      values.put("a_smallint", (short) 32767);
      values.put("a_text", "ünïcødé ✓");
      values.put("a_time", LocalTime.of(12, 34, 56, 789_012_345));
      values.put("a_timestamp", Instant.parse("2024-02-29T12:00:00.123Z"));
      values.put("a_timeuuid", UUID.fromString("5c2fb4a0-d6f0-11ee-8000-000000000001"));
      values.put("a_tinyint", (byte) -128);
      values.put("a_uuid", UUID.fromString("1b4e28ba-2fa1-41d2-883f-0016d3cca427"));
      values.put("a_varchar", "varchar");
      values.put("a_varint", new BigInteger("123456789012345678901234567890"));
      values.put("a_tuple", tuple);
      values.put("a_nested", Map.of("k", List.of(1, 2)));
      values.put("a_vector", CqlVector.newInstance(1.0f, 2.5f, -3.0f));
      return values;
    }
  }
}
