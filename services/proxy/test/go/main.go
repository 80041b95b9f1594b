// A workload of gocql v2 (the Apache Cassandra Go driver) through the Cutover proxy.
//
//	workload HOST PORT KEYSPACE VERSION COMPRESSION
//
// VERSION is "default" (the driver discovers the version, starting at its highest), "4" or "5";
// COMPRESSION is "none", "lz4" or "snappy". Runs one statement of each kind and prints one JSON
// object on stdout with what it observed. A step that fails is recorded as {"error": "..."} and
// the next step still runs. The steps and their JSON are those of the Java workload
// (../java/Workload.java), so one test checks both. Set WORKLOAD_DEBUG=1 for the driver's log.
//
// gocql prepares every SELECT, INSERT, UPDATE, DELETE and BATCH it is given, with or without
// bound values: only DDL and the children of a batch that have no values go as plain queries.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/lz4"
	"github.com/apache/cassandra-gocql-driver/v2/snappy"
	"gopkg.in/inf.v0"
)

type object = map[string]any

// logger prints the driver's errors and warnings (everything with WORKLOAD_DEBUG) on stderr, and
// keeps the protocol version the driver discovered: gocql says it only in its log.
type logger struct {
	debug      bool
	mu         sync.Mutex
	discovered int64
}

func (l *logger) write(level, msg string, fields []gocql.LogField) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if msg == "Discovered protocol version." {
		for _, field := range fields {
			if field.Name == "protocol_version" {
				l.discovered = field.Value.Int64()
			}
		}
	}
	if level == "ERROR" || level == "WARN" || l.debug {
		var line bytes.Buffer
		fmt.Fprintf(&line, "gocql %s: %s", level, msg)
		for _, field := range fields {
			fmt.Fprintf(&line, " %s=%v", field.Name, field.Value.Any())
		}
		fmt.Fprintln(os.Stderr, line.String())
	}
}

func (l *logger) discoveredVersion() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.discovered
}

func (l *logger) Error(msg string, fields ...gocql.LogField)   { l.write("ERROR", msg, fields) }
func (l *logger) Warning(msg string, fields ...gocql.LogField) { l.write("WARN", msg, fields) }
func (l *logger) Info(msg string, fields ...gocql.LogField)    { l.write("INFO", msg, fields) }
func (l *logger) Debug(msg string, fields ...gocql.LogField)   { l.write("DEBUG", msg, fields) }

// measured is a compressor that counts the frames it compresses and decompresses: gocql drops
// the compression it was given, silently, when the server does not list it as supported.
type measured struct {
	gocql.Compressor
	compressed, decompressed *atomic.Int64
}

func (m measured) AppendCompressedWithLength(dst, src []byte) ([]byte, error) {
	m.compressed.Add(1)
	return m.Compressor.AppendCompressedWithLength(dst, src)
}

func (m measured) AppendDecompressedWithLength(dst, src []byte) ([]byte, error) {
	m.decompressed.Add(1)
	return m.Compressor.AppendDecompressedWithLength(dst, src)
}

func (m measured) AppendCompressed(dst, src []byte) ([]byte, error) {
	m.compressed.Add(1)
	return m.Compressor.AppendCompressed(dst, src)
}

func (m measured) AppendDecompressed(dst, src []byte, length uint32) ([]byte, error) {
	m.decompressed.Add(1)
	return m.Compressor.AppendDecompressed(dst, src, length)
}

func failure(err error) object { return object{"error": fmt.Sprintf("%T: %v", err, err)} }

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: workload HOST PORT KEYSPACE default|4|5 none|lz4|snappy")
		os.Exit(2)
	}
	host, ks, version, compression := os.Args[1], os.Args[3], os.Args[4], os.Args[5]
	port, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "PORT must be a number:", err)
		os.Exit(2)
	}
	log := &logger{debug: os.Getenv("WORKLOAD_DEBUG") != ""}
	var compressed, decompressed atomic.Int64

	newCluster := func() *gocql.ClusterConfig {
		cluster := gocql.NewCluster(host)
		cluster.Port = port
		cluster.Logger = log
		cluster.Timeout = 30 * time.Second
		cluster.ConnectTimeout = 30 * time.Second
		switch version {
		case "default":
		case "4", "5":
			cluster.ProtoVersion, _ = strconv.Atoi(version)
		default:
			fmt.Fprintln(os.Stderr, "VERSION must be default, 4 or 5:", version)
			os.Exit(2)
		}
		switch compression {
		case "none":
		case "lz4":
			cluster.Compressor = measured{lz4.LZ4Compressor{}, &compressed, &decompressed}
		case "snappy":
			cluster.Compressor = measured{snappy.SnappyCompressor{}, &compressed, &decompressed}
		default:
			fmt.Fprintln(os.Stderr, "COMPRESSION must be none, lz4 or snappy:", compression)
			os.Exit(2)
		}
		return cluster
	}

	cluster := newCluster()
	session, err := cluster.CreateSession()
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect failed:", err)
		out, _ := json.Marshal(object{"connect": failure(err)})
		fmt.Println(string(out))
		os.Exit(1)
	}
	w := &workload{session: session, ks: ks, observed: object{}, newCluster: newCluster}
	w.observed["connect"] = true
	protocol := int64(cluster.ProtoVersion)
	if protocol == 0 {
		protocol = log.discoveredVersion()
	}
	w.observed["protocol_version"] = protocol
	// What the driver read from the proxy's virtual system.local.
	if hosts := session.GetHosts(); len(hosts) > 0 {
		w.observed["cluster_name"] = hosts[0].ClusterName()
		w.observed["partitioner"] = hosts[0].Partitioner()
	}
	w.run()
	session.Close()
	// The compression the connections used: frames compressed one way and decompressed the other.
	w.observed["compression"] = "none"
	if compressed.Load() > 0 && decompressed.Load() > 0 {
		w.observed["compression"] = cluster.Compressor.Name()
	}
	out, err := json.Marshal(w.observed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot print what was observed:", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

type workload struct {
	session    *gocql.Session
	ks         string
	observed   object
	newCluster func() *gocql.ClusterConfig
	insert     string
}

func (w *workload) step(name string, run func() (any, error)) {
	value, err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "step %s failed: %v\n", name, err)
		w.observed[name] = failure(err)
		return
	}
	w.observed[name] = value
}

func (w *workload) run() {
	w.insert = "INSERT INTO " + w.ks + ".items (id, name, tags, scores, attrs, home) VALUES (?, ?, ?, ?, ?, ?)"
	w.step("create", w.createSchema)
	w.step("simple_insert", w.simpleInsert)
	w.step("prepared_insert", w.preparedInsert)
	w.step("logged_batch", w.loggedBatch)
	w.step("unlogged_batch", w.unloggedBatch)
	w.step("read", func() (any, error) {
		return w.rows(w.session.Query("SELECT id, name, tags, scores, attrs, home FROM " + w.ks + ".items"))
	})
	w.step("paged_read", w.pagedRead)
	w.step("use", w.useKeyspace)
	w.step("lwt", w.lwt)
	w.step("counter", w.counter)
	w.step("types", w.types)
	w.step("client_timestamps", w.clientTimestamps)
	w.step("ttl", w.ttl)
	w.step("errors", w.errors)
	w.step("concurrent", w.concurrent)
}

// ---- the steps ----

func (w *workload) createSchema() (any, error) {
	agreed := []bool{}
	for _, statement := range []string{
		"CREATE KEYSPACE " + w.ks + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
		"CREATE TYPE " + w.ks + ".address (street text, zip int)",
		"CREATE TABLE " + w.ks + ".items (id int PRIMARY KEY, name text, tags set<text>, scores list<int>, attrs map<text, int>, home frozen<address>)",
		"CREATE TABLE " + w.ks + ".pages (p int, c int, v text, PRIMARY KEY (p, c))",
		"CREATE TABLE " + w.ks + ".counts (id int PRIMARY KEY, hits counter)",
		"CREATE TABLE " + w.ks + ".kinds (" + kindsColumns + ")",
	} {
		if err := w.session.Query(statement).Exec(); err != nil {
			return nil, fmt.Errorf("%s: %w", statement, err)
		}
		agreed = append(agreed, w.session.AwaitSchemaAgreement(context.Background()) == nil)
	}
	tables := []string{}
	iter := w.session.Query("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", w.ks).Iter()
	var table string
	for iter.Scan(&table) {
		tables = append(tables, table)
	}
	if err := iter.Close(); err != nil {
		return nil, err
	}
	slices.Sort(tables)
	return object{"schema_agreed": agreed, "tables": tables}, nil
}

func (w *workload) simpleInsert() (any, error) {
	err := w.session.Query("INSERT INTO " + w.ks + ".items (id, name, tags, scores, attrs, home) " +
		"VALUES (1, 'simple', {'a', 'b'}, [1, 2], {'x': 1}, {street: 'Main', zip: 1})").Exec()
	return err == nil, err
}

func address(street string, zip int) map[string]any {
	return map[string]any{"street": street, "zip": zip}
}

func (w *workload) preparedInsert() (any, error) {
	err := w.session.Query(w.insert, 2, "prepared", []string{"c"}, []int{3, 4}, map[string]int{"y": 2}, address("Elm", 2)).Exec()
	return err == nil, err
}

func (w *workload) loggedBatch() (any, error) {
	batch := w.session.Batch(gocql.LoggedBatch)
	for _, id := range []int{10, 11, 14, 15} {
		batch.Query(w.insert, id, fmt.Sprintf("logged %d", id), []string{fmt.Sprintf("tag %d", id)}, []int{id, id + 1},
			map[string]int{fmt.Sprintf("key %d", id): id}, address(fmt.Sprintf("%d Oak Street", id), id))
	}
	err := batch.Exec()
	return err == nil, err
}

func (w *workload) unloggedBatch() (any, error) {
	batch := w.session.Batch(gocql.UnloggedBatch)
	// gocql binds no null to a UDT (it refuses nil): home is left unset, which reads back as null too.
	batch.Query(w.insert, 12, "unlogged", nil, nil, nil, gocql.UnsetValue)
	// No values: the one kind of DML gocql sends unprepared.
	batch.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (13, 'unlogged simple')")
	err := batch.Exec()
	return err == nil, err
}

func (w *workload) pagedRead() (any, error) {
	if err := parallel(250, func(c int) error {
		return w.session.Query("INSERT INTO "+w.ks+".pages (p, c, v) VALUES (1, ?, ?)", c, fmt.Sprintf("v%d", c)).Exec()
	}); err != nil {
		return nil, err
	}
	pageSizes, seen := []int{}, []int{}
	var state []byte
	for {
		// An explicit page state: gocql then fetches one page per query instead of paging by itself.
		iter := w.session.Query("SELECT c FROM " + w.ks + ".pages WHERE p = 1").PageSize(60).PageState(state).Iter()
		next := iter.PageState()
		size := 0
		var c int
		for iter.Scan(&c) {
			seen = append(seen, c)
			size++
		}
		if err := iter.Close(); err != nil {
			return nil, err
		}
		pageSizes = append(pageSizes, size)
		if len(next) == 0 {
			break
		}
		state = next
	}
	return object{"page_sizes": pageSizes, "rows": seen}, nil
}

// gocql refuses USE statements (ErrUseStmt); a session bound to a keyspace sends USE on each
// connection it opens instead.
func (w *workload) useKeyspace() (any, error) {
	cluster := w.newCluster()
	cluster.Keyspace = w.ks
	scoped, err := cluster.CreateSession()
	if err != nil {
		return nil, err
	}
	defer scoped.Close()
	if err := scoped.Query("INSERT INTO items (id, name) VALUES (20, 'unqualified')").Exec(); err != nil {
		return nil, err
	}
	read, err := w.rows(scoped.Query("SELECT id, name FROM items WHERE id = 20"))
	return object{"keyspace": cluster.Keyspace, "read": read}, err
}

func (w *workload) lwt() (any, error) {
	first, err := w.session.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (30, 'lwt') IF NOT EXISTS").MapScanCAS(map[string]any{})
	if err != nil {
		return nil, err
	}
	existing := map[string]any{}
	second, err := w.session.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (30, 'again') IF NOT EXISTS").MapScanCAS(existing)
	if err != nil {
		return nil, err
	}
	return object{"first": first, "second": second, "second_row": object{"name": existing["name"]}}, nil
}

func (w *workload) counter() (any, error) {
	if err := w.session.Query("UPDATE "+w.ks+".counts SET hits = hits + ? WHERE id = 1", int64(2)).Exec(); err != nil {
		return nil, err
	}
	if err := w.session.Query("UPDATE " + w.ks + ".counts SET hits = hits + 1 WHERE id = 1").Exec(); err != nil {
		return nil, err
	}
	var hits int64
	err := w.session.Query("SELECT hits FROM " + w.ks + ".counts WHERE id = 1").Scan(&hits)
	return hits, err
}

// The kinds table: a column of every CQL type, and the values the workload writes to it.
const kindsColumns = "id int PRIMARY KEY, a_ascii ascii, a_bigint bigint, a_blob blob, a_boolean boolean, a_date date, " +
	"a_decimal decimal, a_double double, a_duration duration, a_float float, a_inet inet, a_int int, a_smallint smallint, " +
	"a_text text, a_time time, a_timestamp timestamp, a_timeuuid timeuuid, a_tinyint tinyint, a_uuid uuid, a_varchar varchar, " +
	"a_varint varint, a_tuple frozen<tuple<int, text>>, a_nested frozen<map<text, frozen<list<int>>>>, a_vector vector<float, 3>"

var kindsNames = []string{"a_ascii", "a_bigint", "a_blob", "a_boolean", "a_date", "a_decimal", "a_double", "a_duration", "a_float", "a_inet",
	"a_int", "a_smallint", "a_text", "a_time", "a_timestamp", "a_timeuuid", "a_tinyint", "a_uuid", "a_varchar", "a_varint", "a_tuple", "a_nested", "a_vector"}

const kindsLiterals = "'ascii', 9007199254740993, 0xcafebabe, true, '2024-02-29', 12345.6789, 3.5, 1mo2d3ns, 1.25, '127.0.0.9', " +
	"-42, 32767, 'ünïcødé ✓', '12:34:56.789012345', '2024-02-29T12:00:00.123Z', 5c2fb4a0-d6f0-11ee-8000-000000000001, -128, " +
	"1b4e28ba-2fa1-41d2-883f-0016d3cca427, 'varchar', 123456789012345678901234567890, (1, 'one'), {'k': [1, 2]}, [1.0, 2.5, -3.0]"

type pair struct {
	N int
	S string
}

// kindsValues are the values of the kinds columns, as gocql binds them and as it reads them back.
func kindsValues() []any {
	varint, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	decimal, _ := new(inf.Dec).SetString("12345.6789")
	return []any{
		"ascii",
		int64(9007199254740993),
		[]byte{0xca, 0xfe, 0xba, 0xbe},
		true,
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		decimal,
		3.5,
		gocql.Duration{Months: 1, Days: 2, Nanoseconds: 3},
		float32(1.25),
		net.ParseIP("127.0.0.9").To4(),
		-42,
		int16(32767),
		"ünïcødé ✓",
		12*time.Hour + 34*time.Minute + 56*time.Second + 789012345,
		time.Date(2024, 2, 29, 12, 0, 0, 123_000_000, time.UTC),
		uuid("5c2fb4a0-d6f0-11ee-8000-000000000001"),
		int8(-128),
		uuid("1b4e28ba-2fa1-41d2-883f-0016d3cca427"),
		"varchar",
		varint,
		pair{1, "one"},
		map[string][]int{"k": {1, 2}},
		[]float32{1.0, 2.5, -3.0},
	}
}

func uuid(text string) gocql.UUID {
	id, err := gocql.ParseUUID(text)
	if err != nil {
		panic(err)
	}
	return id
}

func same(got, want any) bool {
	switch want := want.(type) {
	case *big.Int:
		return want.Cmp(got.(*big.Int)) == 0
	case *inf.Dec:
		return want.Cmp(got.(*inf.Dec)) == 0
	case time.Time:
		return want.Equal(got.(time.Time))
	case net.IP:
		return want.Equal(got.(net.IP))
	}
	return reflect.DeepEqual(got, want)
}

// Every CQL type: row 1 bound to a prepared statement, row 2 as literals; each read back and
// compared with what was written.
func (w *workload) types() (any, error) {
	names, marks, bound := "id", "?", []any{1}
	want := kindsValues()
	for i, name := range kindsNames {
		names += ", " + name
		if tuple, ok := want[i].(pair); ok {
			// gocql counts a tuple's elements as bound values of their own (so a whole tuple bound
			// to one marker fails with "expected 25 values send got 24", on Cassandra too): one
			// marker per element.
			marks += ", (?, ?)"
			bound = append(bound, tuple.N, tuple.S)
		} else {
			marks += ", ?"
			bound = append(bound, want[i])
		}
	}
	if err := w.session.Query("INSERT INTO "+w.ks+".kinds ("+names+") VALUES ("+marks+")", bound...).Exec(); err != nil {
		return nil, err
	}
	if err := w.session.Query("INSERT INTO " + w.ks + ".kinds (" + names + ") VALUES (2, " + kindsLiterals + ")").Exec(); err != nil {
		return nil, err
	}
	mismatches := []string{}
	for _, id := range []int{1, 2} {
		// Pointers to values of the written types, for Scan to fill; a tuple's elements are
		// scanned one by one, as gocql reads them.
		dest, got := []any{}, make([]func() any, len(want))
		for i, value := range want {
			if _, ok := value.(pair); ok {
				var tuple pair
				dest = append(dest, &tuple.N, &tuple.S)
				got[i] = func() any { return tuple }
			} else {
				pointer := reflect.New(reflect.TypeOf(value))
				dest = append(dest, pointer.Interface())
				got[i] = func() any { return pointer.Elem().Interface() }
			}
		}
		query := "SELECT " + names[len("id, "):] + " FROM " + w.ks + ".kinds WHERE id = ?"
		if err := w.session.Query(query, id).Scan(dest...); err != nil {
			return nil, fmt.Errorf("reading row %d: %w", id, err)
		}
		for i, value := range want {
			if !same(got[i](), value) {
				mismatches = append(mismatches, fmt.Sprintf("row %d: %s is %v, wrote %v", id, kindsNames[i], got[i](), value))
			}
		}
	}
	return object{"rows": 2, "mismatches": mismatches}, nil
}

// Timestamps the driver sets on a statement and on a batch, which both clusters must keep.
func (w *workload) clientTimestamps() (any, error) {
	insert := "INSERT INTO " + w.ks + ".items (id, name) VALUES (?, ?)"
	if err := w.session.Query(insert, 40, "client timestamp").WithTimestamp(1_700_000_000_000_001).Exec(); err != nil {
		return nil, err
	}
	if err := w.session.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (41, 'client timestamp simple')").WithTimestamp(1_700_000_000_000_002).Exec(); err != nil {
		return nil, err
	}
	batch := w.session.Batch(gocql.LoggedBatch).WithTimestamp(1_700_000_000_000_003)
	batch.Query(insert, 42, "client timestamp batch")
	batch.Query(insert, 43, "client timestamp batch")
	if err := batch.Exec(); err != nil {
		return nil, err
	}
	writetimes := object{}
	iter := w.session.Query("SELECT id, writetime(name) FROM " + w.ks + ".items WHERE id IN (40, 41, 42, 43)").Iter()
	var id int
	var wt int64
	for iter.Scan(&id, &wt) {
		writetimes[strconv.Itoa(id)] = strconv.FormatInt(wt, 10)
	}
	return writetimes, iter.Close()
}

func (w *workload) ttl() (any, error) {
	if err := w.session.Query("INSERT INTO "+w.ks+".items (id, name) VALUES (?, ?) USING TTL ?", 50, "ttl prepared", 3600).Exec(); err != nil {
		return nil, err
	}
	if err := w.session.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (51, 'ttl simple') USING TTL 600").Exec(); err != nil {
		return nil, err
	}
	ttls := object{}
	iter := w.session.Query("SELECT id, ttl(name) FROM " + w.ks + ".items WHERE id IN (50, 51)").Iter()
	var id, ttl int
	for iter.Scan(&id, &ttl) {
		ttls[strconv.Itoa(id)] = ttl
	}
	return ttls, iter.Close()
}

func errorOf(err error) object {
	if err == nil {
		return object{"code": nil, "message": "the request succeeded"}
	}
	var request gocql.RequestError
	if errors.As(err, &request) {
		return object{"code": request.Code(), "message": fmt.Sprintf("%T: %s", err, request.Message())}
	}
	return object{"code": -1, "message": fmt.Sprintf("%T: %v", err, err)}
}

// Requests Cassandra refuses: each must come back as the error it is, and the session must go on working.
func (w *workload) errors() (any, error) {
	result := object{
		"syntax":                 errorOf(w.session.Query("INSERT INTO " + w.ks + ".items (id, name) VALUES (1,").Exec()),
		"unknown_table":          errorOf(w.session.Query("SELECT * FROM " + w.ks + ".no_such_table").Exec()),
		"prepare_unknown_column": errorOf(w.session.Query("INSERT INTO "+w.ks+".items (id, no_such_column) VALUES (?, ?)", 1, 2).Exec()),
		"already_exists":         errorOf(w.session.Query("CREATE TABLE " + w.ks + ".items (id int PRIMARY KEY)").Exec()),
	}
	var name string
	err := w.session.Query("SELECT name FROM " + w.ks + ".items WHERE id = 1").Scan(&name)
	result["after"] = name
	return result, err
}

// 2,000 prepared writes in flight at once, then read back.
func (w *workload) concurrent() (any, error) {
	var ok, failed atomic.Int64
	var firstError atomic.Value
	var wg sync.WaitGroup
	for c := 0; c < 2000; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			if err := w.session.Query("INSERT INTO "+w.ks+".pages (p, c, v) VALUES (2, ?, ?)", c, fmt.Sprintf("concurrent %d", c)).Exec(); err != nil {
				failed.Add(1)
				firstError.CompareAndSwap(nil, err.Error())
			} else {
				ok.Add(1)
			}
		}(c)
	}
	wg.Wait()
	var count int64
	err := w.session.Query("SELECT count(*) FROM " + w.ks + ".pages WHERE p = 2").Scan(&count)
	return object{"ok": ok.Load(), "failed": failed.Load(), "first_error": firstError.Load(), "count": count}, err
}

// ---- helpers ----

// parallel runs n calls of run at once and returns the first error.
func parallel(n int, run func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = run(i)
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// rows reads every row as a JSON object, sorted by id: sets and lists as lists, maps and UDTs as
// objects, null collections as null.
func (w *workload) rows(query *gocql.Query) ([]object, error) {
	iter := query.Iter()
	rows := []object{}
	for {
		row := map[string]any{}
		if !iter.MapScan(row) {
			break
		}
		for column, value := range row {
			if v := reflect.ValueOf(value); (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0 {
				row[column] = nil
			}
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b object) int { return a["id"].(int) - b["id"].(int) })
	return rows, iter.Close()
}
