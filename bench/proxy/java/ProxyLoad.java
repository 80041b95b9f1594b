import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.session.Session;
import com.datastax.oss.driver.internal.core.context.InternalDriverContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The proxy benchmark's load generator with the Apache Cassandra Java driver 4.x: the workload of
 * bench/proxy/load.ts (prepared INSERT of five columns under a random key, prepared SELECT by a
 * random key, 90% writes by default; closed loop at a concurrency, or a fixed rate with at most
 * that many in flight), with the protocol version and compression chosen on the command line.
 *
 * <pre>
 * java -cp CLASSPATH ProxyLoad run   OPTIONS   one run (after a warm-up), its result as one JSON object
 * java -cp CLASSPATH ProxyLoad serve OPTIONS   connects, prints {"ready": …}, then runs what stdin asks:
 *     run concurrency=32 durationMs=5000 [requests=N] [rate=R] [seed=S] [writeRatio=0.9] [keys=100000]
 *         [payloadBytes=64] [samples=FILE]       → one line of JSON per run
 *     quit                                       → closes the sessions and exits
 *
 * OPTIONS: --mode direct|client-dual-write|proxy  --origin HOST:PORT  [--target HOST:PORT]
 *          --protocol V4|V5  --compression none|lz4  [--connections 1]  [--dc datacenter1]
 *          [--username U --password P]
 *          run only: [--concurrency 32] [--duration-s 20 | --requests N] [--rate R] [--warmup-s 3]
 *                    [--write-ratio 0.9] [--keys 100000] [--payload-bytes 64] [--seed 1]
 * </pre>
 *
 * direct and proxy drive one endpoint (--origin); client-dual-write drives two, writing each row
 * to both with one client timestamp and waiting for both, reading from --origin: the baseline the
 * proxy replaces. A run's result has the fields of load.ts's LoadResult; with samples=FILE, every
 * request's latency is also written there as a little-endian double of nanoseconds (negative for
 * reads), so that the caller can merge runs exactly.
 */
public final class ProxyLoad {
  static final String KEYSPACE = "bench_proxy";
  static final String TABLE = "kv";
  static final String INSERT = "INSERT INTO " + KEYSPACE + "." + TABLE + " (id, name, score, payload, updated) VALUES (?, ?, ?, ?, ?)";
  static final String SELECT = "SELECT id, name, score, payload, updated FROM " + KEYSPACE + "." + TABLE + " WHERE id = ?";
  static final int POOL = 1024;

  private final String mode;
  private final CqlSession primary;
  private final CqlSession secondary;
  private final PreparedStatement insert;
  private final PreparedStatement select;
  private final PreparedStatement secondaryInsert;
  private final AtomicLong lastTimestamp = new AtomicLong();

  private ProxyLoad(String mode, CqlSession primary, CqlSession secondary) {
    this.mode = mode;
    this.primary = primary;
    this.secondary = secondary;
    this.insert = primary.prepare(INSERT);
    this.select = primary.prepare(SELECT);
    this.secondaryInsert = secondary == null ? null : secondary.prepare(INSERT);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("run") || args[0].equals("serve"))) usage("the first argument is run or serve");
    Map<String, String> options = options(args);
    String mode = options.getOrDefault("mode", "proxy");
    if (!mode.equals("direct") && !mode.equals("client-dual-write") && !mode.equals("proxy")) usage("unknown --mode " + mode);
    if (!options.containsKey("origin")) usage("--origin HOST:PORT is required");
    if (mode.equals("client-dual-write") && !options.containsKey("target")) usage("client-dual-write needs --target HOST:PORT");
    String protocol = options.getOrDefault("protocol", "V4").toUpperCase();
    if (!protocol.equals("V4") && !protocol.equals("V5")) usage("--protocol is V4 or V5");
    String compression = options.getOrDefault("compression", "none").toLowerCase();
    if (!compression.equals("none") && !compression.equals("lz4")) usage("--compression is none or lz4");

    CqlSession primary = null;
    CqlSession secondary = null;
    int status = 0;
    try {
      primary = connect(options.get("origin"), protocol, compression, options);
      secondary = mode.equals("client-dual-write") ? connect(options.get("target"), protocol, compression, options) : null;
      // A run from the command line makes the table if need be; the benchmark has made it before serving.
      if (args[0].equals("run")) for (CqlSession session : secondary == null ? List.of(primary) : List.of(primary, secondary)) createSchema(session);
      ProxyLoad load = new ProxyLoad(mode, primary, secondary);
      if (args[0].equals("run")) load.once(options);
      else load.serve();
    } catch (Exception error) {
      error.printStackTrace();
      status = 1;
    } finally {
      if (primary != null) primary.close();
      if (secondary != null) secondary.close();
    }
    System.exit(status);
  }

  private static void createSchema(CqlSession session) {
    session.execute("CREATE KEYSPACE IF NOT EXISTS " + KEYSPACE + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session.execute("CREATE TABLE IF NOT EXISTS " + KEYSPACE + "." + TABLE + " (id int, name text, score int, payload blob, updated timestamp, PRIMARY KEY (id))");
  }

  private static void usage(String problem) {
    System.err.println("ProxyLoad: " + problem);
    System.err.println("usage: ProxyLoad run|serve --mode direct|client-dual-write|proxy --origin HOST:PORT [--target HOST:PORT] --protocol V4|V5 --compression none|lz4 [...]");
    System.exit(2);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) usage("expected --name value, got " + args[i]);
      out.put(args[i].substring(2), args[++i]);
    }
    return out;
  }

  private static CqlSession connect(String hostPort, String protocol, String compression, Map<String, String> options) {
    int colon = hostPort.lastIndexOf(':');
    InetSocketAddress address = new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    ProgrammaticDriverConfigLoaderBuilder config = DriverConfigLoader.programmaticBuilder()
        .withString(DefaultDriverOption.PROTOCOL_VERSION, protocol)
        .withString(DefaultDriverOption.PROTOCOL_COMPRESSION, compression)
        .withInt(DefaultDriverOption.CONNECTION_POOL_LOCAL_SIZE, Integer.parseInt(options.getOrDefault("connections", "1")))
        // As the Node driver's defaults and metadata: false in load.ts: no schema or token metadata.
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(12))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(10))
        .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
        .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
    String username = options.get("username");
    if (username != null) {
      config = config
          .withString(DefaultDriverOption.AUTH_PROVIDER_CLASS, "PlainTextAuthProvider")
          .withString(DefaultDriverOption.AUTH_PROVIDER_USER_NAME, username)
          .withString(DefaultDriverOption.AUTH_PROVIDER_PASSWORD, options.getOrDefault("password", ""));
    }
    return CqlSession.builder()
        .addContactPoint(address)
        .withLocalDatacenter(options.getOrDefault("dc", "datacenter1"))
        .withConfigLoader(config.build())
        .build();
  }

  // ── the two ways to run ──────────────────────────────────────────────────────────────────

  private void once(Map<String, String> options) throws Exception {
    Map<String, String> run = new HashMap<>();
    run.put("concurrency", options.getOrDefault("concurrency", "32"));
    for (String[] pair : new String[][] {{"rate", "rate"}, {"write-ratio", "writeRatio"}, {"keys", "keys"}, {"payload-bytes", "payloadBytes"}, {"seed", "seed"}}) {
      if (options.containsKey(pair[0])) run.put(pair[1], options.get(pair[0]));
    }
    double warmupS = Double.parseDouble(options.getOrDefault("warmup-s", "3"));
    if (warmupS > 0) {
      Map<String, String> warm = new HashMap<>(run);
      warm.put("durationMs", String.valueOf(Math.round(warmupS * 1000)));
      warm.put("seed", "99");
      warm.remove("rate");
      run(warm);
    }
    if (options.containsKey("requests")) run.put("requests", options.get("requests"));
    if (!options.containsKey("requests") || options.containsKey("duration-s")) {
      run.put("durationMs", String.valueOf(Math.round(Double.parseDouble(options.getOrDefault("duration-s", "20")) * 1000)));
    }
    System.out.println(run(run));
  }

  private void serve() throws IOException {
    InternalDriverContext context = (InternalDriverContext) primary.getContext();
    String compression = context.getCompressor() == null ? "none" : context.getCompressor().algorithm();
    System.out.println("{\"ready\":true,\"mode\":" + quote(mode) + ",\"driver\":" + quote(Session.OSS_DRIVER_COORDINATES.getName() + " " + Session.OSS_DRIVER_COORDINATES.getVersion())
        + ",\"protocolVersion\":" + context.getProtocolVersion().getCode() + ",\"compression\":" + quote(compression == null ? "none" : compression)
        + ",\"java\":" + quote(System.getProperty("java.vm.name") + " " + System.getProperty("java.version")) + "}");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      line = line.trim();
      if (line.isEmpty()) continue;
      if (line.equals("quit")) return;
      String[] words = line.split("\\s+");
      String answer;
      if (!words[0].equals("run")) {
        answer = "{\"failed\":" + quote("unknown command " + words[0]) + "}";
      } else {
        Map<String, String> run = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
          int eq = words[i].indexOf('=');
          if (eq > 0) run.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        try {
          answer = run(run);
        } catch (Exception error) {
          answer = "{\"failed\":" + quote(String.valueOf(error)) + "}";
        }
      }
      System.out.println(answer);
      System.out.flush();
    }
  }

  // ── one run ──────────────────────────────────────────────────────────────────────────────

  private String run(Map<String, String> options) throws Exception {
    int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "32"));
    long limit = options.containsKey("requests") ? Long.parseLong(options.get("requests")) : Long.MAX_VALUE;
    double durationMs = options.containsKey("durationMs") ? Double.parseDouble(options.get("durationMs")) : Double.NaN;
    if (limit == Long.MAX_VALUE && Double.isNaN(durationMs)) throw new IllegalArgumentException("give durationMs or requests");
    double rate = Double.parseDouble(options.getOrDefault("rate", "0"));
    Workload workload = new Workload(
        Double.parseDouble(options.getOrDefault("writeRatio", "0.9")),
        Integer.parseInt(options.getOrDefault("keys", "100000")),
        Integer.parseInt(options.getOrDefault("payloadBytes", "64")),
        Long.parseLong(options.getOrDefault("seed", "1")));

    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long started = System.nanoTime();
    long deadline = Double.isNaN(durationMs) ? Long.MAX_VALUE : started + Math.round(durationMs * 1e6);
    Tally tally = new Tally();
    Recorder[] recorders;
    double[] lag = null;
    if (rate > 0) {
      Recorder recorder = new Recorder();
      recorders = new Recorder[] {recorder};
      lag = fixedRate(workload, concurrency, rate, limit, started, deadline, recorder, tally);
    } else {
      recorders = closedLoop(workload, concurrency, limit, deadline, tally);
    }
    double elapsedMs = (System.nanoTime() - started) / 1e6;
    long cpuNs = os.getProcessCpuTime() - cpuBefore;

    Recorder all = Recorder.merge(recorders);
    if (options.containsKey("samples")) all.write(Path.of(options.get("samples")));
    long[] everything = all.values(0);
    long[] writes = all.values(1);
    long[] reads = all.values(-1);
    int requests = everything.length;
    int errors = tally.errors.get();
    StringBuilder out = new StringBuilder(1024);
    out.append("{\"mode\":").append(quote(mode))
        .append(",\"concurrency\":").append(concurrency)
        .append(",\"requests\":").append(requests)
        .append(",\"writes\":").append(writes.length)
        .append(",\"reads\":").append(reads.length)
        .append(",\"errors\":").append(errors)
        .append(",\"errorMessages\":{");
    boolean first = true;
    for (Map.Entry<String, AtomicInteger> e : tally.messages.entrySet()) {
      out.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(e.getValue().get());
      first = false;
    }
    out.append("},\"elapsedMs\":").append(Math.round(elapsedMs))
        .append(",\"throughput\":").append(Math.round(requests / elapsedMs * 1000));
    if (lag != null) out.append(",\"scheduleLagMs\":{\"mean\":").append(round3(lag[0])).append(",\"max\":").append(round3(lag[1])).append('}');
    out.append(",\"clientCpuPerRequestUs\":").append(requests + errors == 0 ? 0 : Math.round(cpuNs / 1000.0 / (requests + errors) * 100) / 100.0)
        .append(",\"latency\":").append(summary(everything))
        .append(",\"writeLatency\":").append(summary(writes))
        .append(",\"readLatency\":").append(summary(reads))
        .append('}');
    return out.toString();
  }

  /** `concurrency` chains, each sending its next request as its previous one completes. */
  private Recorder[] closedLoop(Workload workload, int concurrency, long limit, long deadline, Tally tally) throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    CountDownLatch done = new CountDownLatch(concurrency);
    Recorder[] recorders = new Recorder[concurrency];
    for (int i = 0; i < concurrency; i++) {
      Recorder recorder = new Recorder();
      recorders[i] = recorder;
      new Chain(workload, issued, limit, deadline, recorder, tally, done).next();
    }
    done.await();
    return recorders;
  }

  private final class Chain {
    private final Workload workload;
    private final AtomicLong issued;
    private final long limit;
    private final long deadline;
    private final Recorder recorder;
    private final Tally tally;
    private final CountDownLatch done;

    Chain(Workload workload, AtomicLong issued, long limit, long deadline, Recorder recorder, Tally tally, CountDownLatch done) {
      this.workload = workload;
      this.issued = issued;
      this.limit = limit;
      this.deadline = deadline;
      this.recorder = recorder;
      this.tally = tally;
      this.done = done;
    }

    void next() {
      for (;;) {
        long start = System.nanoTime();
        if (start >= deadline) break;
        long i = issued.getAndIncrement();
        if (i >= limit) break;
        boolean write = workload.isWrite(i);
        CompletableFuture<?> sent = send(workload, i, write).toCompletableFuture();
        if (sent.isDone()) {
          settle(sent, start, write);
          continue;
        }
        sent.whenComplete((result, error) -> {
          completed(error, start, write);
          next();
        });
        return;
      }
      done.countDown();
    }

    private void settle(CompletableFuture<?> sent, long start, boolean write) {
      Throwable error = null;
      try {
        sent.join();
      } catch (Throwable e) {
        error = e;
      }
      completed(error, start, write);
    }

    private void completed(Throwable error, long start, boolean write) {
      long ns = System.nanoTime() - start;
      if (error == null) recorder.add(write ? ns : -ns);
      else tally.error(error);
    }
  }

  /** Request i is due at start + i / rate; at most `concurrency` are in flight. Returns the schedule lag, mean and max (ms). */
  private double[] fixedRate(Workload workload, int concurrency, double rate, long limit, long started, long deadline, Recorder recorder, Tally tally) throws InterruptedException {
    Semaphore slots = new Semaphore(concurrency);
    double intervalNs = 1e9 / rate;
    double lagSum = 0;
    double lagMax = 0;
    long n = 0;
    for (long i = 0; i < limit; i++) {
      long due = started + Math.round(i * intervalNs);
      if (due >= deadline) break;
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) LockSupport.parkNanos(wait);
      slots.acquire();
      long start = System.nanoTime();
      double lag = Math.max(0, start - due) / 1e6;
      lagSum += lag;
      lagMax = Math.max(lagMax, lag);
      n++;
      boolean write = workload.isWrite(i);
      send(workload, i, write).whenComplete((result, error) -> {
        long ns = System.nanoTime() - start;
        if (error == null) recorder.add(write ? ns : -ns);
        else tally.error(error);
        slots.release();
      });
    }
    slots.acquire(concurrency);
    return new double[] {n == 0 ? 0 : lagSum / n, lagMax};
  }

  private CompletionStage<?> send(Workload workload, long i, boolean write) {
    int id = workload.key(i);
    if (!write) return primary.executeAsync(select.bind(id));
    Object[] row = workload.row(id);
    if (secondary == null) return primary.executeAsync(insert.bind(row));
    long timestamp = nextTimestamp();
    BoundStatement toOrigin = insert.bind(row).setQueryTimestamp(timestamp);
    BoundStatement toTarget = secondaryInsert.bind(row).setQueryTimestamp(timestamp);
    return CompletableFuture.allOf(primary.executeAsync(toOrigin).toCompletableFuture(), secondary.executeAsync(toTarget).toCompletableFuture());
  }

  /** Microseconds since the epoch, never the same twice: one per dual write, sent to both clusters. */
  private long nextTimestamp() {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    for (;;) {
      long last = lastTimestamp.get();
      long next = micros > last ? micros : last + 1;
      if (lastTimestamp.compareAndSet(last, next)) return next;
    }
  }

  // ── the workload ─────────────────────────────────────────────────────────────────────────

  /** The request mix: request i's kind and key depend on the seed and i only, so every mode of one seed gets the same requests. */
  static final class Workload {
    private final double writeRatio;
    private final int keys;
    private final long seed;
    private final String[] names = new String[POOL];
    private final int[] scores = new int[POOL];
    private final ByteBuffer[] payloads = new ByteBuffer[POOL];
    private final Instant[] updated = new Instant[POOL];

    Workload(double writeRatio, int keys, int payloadBytes, long seed) {
      this.writeRatio = writeRatio;
      this.keys = keys;
      this.seed = seed;
      for (int i = 0; i < POOL; i++) {
        names[i] = "name-" + Integer.toString(i, 36) + "-" + "x".repeat(i % 24);
        scores[i] = i * 7;
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) (i & 0xff));
        payloads[i] = ByteBuffer.wrap(payload).asReadOnlyBuffer();
        updated[i] = Instant.ofEpochMilli(1_700_000_000_000L + i * 1000L);
      }
    }

    private long mix(long i, long salt) {
      long z = seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L + salt;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }

    boolean isWrite(long i) {
      return (mix(i, 1) >>> 11) * 0x1.0p-53 < writeRatio;
    }

    int key(long i) {
      return (int) ((mix(i, 2) >>> 11) * 0x1.0p-53 * keys);
    }

    Object[] row(int id) {
      int t = id & (POOL - 1);
      return new Object[] {id, names[t], scores[t], payloads[t].duplicate(), updated[t]};
    }
  }

  // ── what a run measured ──────────────────────────────────────────────────────────────────

  static final class Tally {
    final AtomicInteger errors = new AtomicInteger();
    final Map<String, AtomicInteger> messages = new ConcurrentHashMap<>();

    void error(Throwable error) {
      errors.incrementAndGet();
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
      String message = String.valueOf(cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage());
      if (message.length() > 200) message = message.substring(0, 200);
      AtomicInteger count = messages.get(message);
      if (count == null && messages.size() < 10) count = messages.computeIfAbsent(message, k -> new AtomicInteger());
      if (count != null) count.incrementAndGet();
    }
  }

  /** Latencies in nanoseconds, negative for reads, in a growing array. */
  static final class Recorder {
    private long[] data = new long[1 << 14];
    private int length;

    synchronized void add(long signedNs) {
      if (length == data.length) data = Arrays.copyOf(data, data.length * 2);
      data[length++] = signedNs;
    }

    static Recorder merge(Recorder[] recorders) {
      Recorder out = new Recorder();
      int total = 0;
      for (Recorder r : recorders) total += r.length;
      out.data = new long[Math.max(1, total)];
      for (Recorder r : recorders) {
        synchronized (r) {
          System.arraycopy(r.data, 0, out.data, out.length, r.length);
          out.length += r.length;
        }
      }
      return out;
    }

    /** Sorted latencies (positive): all (0), writes (1) or reads (-1). */
    long[] values(int which) {
      int n = 0;
      long[] out = new long[length];
      for (int i = 0; i < length; i++) {
        long v = data[i];
        if (which == 0 || (which > 0) == (v >= 0)) out[n++] = Math.abs(v);
      }
      out = Arrays.copyOf(out, n);
      Arrays.sort(out);
      return out;
    }

    void write(Path file) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate(length * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < length; i++) buffer.putDouble(data[i]);
      buffer.flip();
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        while (buffer.hasRemaining()) channel.write(buffer);
      }
    }
  }

  /** Nearest-rank percentiles of sorted nanoseconds, in ms to the µs, as load.ts's Samples.summary. */
  static String summary(long[] sorted) {
    int n = sorted.length;
    double sum = 0;
    for (long v : sorted) sum += v;
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("meanMs", n == 0 ? 0 : ms(sum / n));
    out.put("p50Ms", at(sorted, 0.5));
    out.put("p90Ms", at(sorted, 0.9));
    out.put("p99Ms", at(sorted, 0.99));
    out.put("p999Ms", at(sorted, 0.999));
    out.put("maxMs", n == 0 ? 0 : ms(sorted[n - 1]));
    StringBuilder s = new StringBuilder("{\"count\":").append(n);
    for (Map.Entry<String, Double> e : out.entrySet()) s.append(",\"").append(e.getKey()).append("\":").append(e.getValue());
    return s.append('}').toString();
  }

  private static double at(long[] sorted, double q) {
    int n = sorted.length;
    if (n == 0) return 0;
    return ms(sorted[(int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]);
  }

  private static double ms(double ns) {
    return Math.round(ns / 1000) / 1000.0;
  }

  private static double round3(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }
}
