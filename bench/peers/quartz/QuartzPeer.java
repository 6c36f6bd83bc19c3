// Quartz 2.3.2 (Debian's libquartz2-java) as a peer of cohort-bench --peers: a clustered JDBC
// JobStore (JobStoreTX + PostgreSQLDelegate, org.quartz.jobStore.isClustered=true), where
// several scheduler processes share one PostgreSQL database. See bench/peers/README.md for
// the contract and peer.json for the settings.
//
// A job is a non-durable JobDetail of class QuartzPeer$BenchJob whose JobDataMap holds "key"
// and "ms", with one SimpleTrigger of the same name that fires once, now (Quartz's defaults
// otherwise: priority 5, misfire instruction "smart policy", requestsRecovery false).

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.Level;

import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

public final class QuartzPeer {
    /** All processes of a run form one cluster: the same scheduler name, the same tables. */
    static final String SCHEDULER_NAME = "CohortBench";
    static final String GROUP = "bench";
    /** Jobs per scheduleJobs() call (one transaction each). */
    static final int ENQUEUE_BATCH = 2000;
    static final long PROBE_TIMEOUT_NANOS = 60_000_000_000L;
    static final String SCHEMA_RESOURCE = "/org/quartz/impl/jdbcjobstore/tables_postgres.sql";

    /** A bad command line: exit code 2. */
    static final class UsageError extends Exception {
        private static final long serialVersionUID = 1L;
        UsageError(String message) { super(message); }
    }

    /** A failure at run time: exit code 1. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        Failure(String message) { super(message); }
    }

    // ---- the job -------------------------------------------------------------------------

    static volatile FileChannel logChannel;
    static volatile String workerId;

    /** The benchmark's job: S line, sleep ms when > 0 (each job has its own pool thread), E line. */
    public static final class BenchJob implements Job {
        public BenchJob() {}

        @Override
        public void execute(JobExecutionContext context) {
            JobDataMap data = context.getJobDetail().getJobDataMap();
            long key = data.getLong("key");
            long ms = data.getLong("ms");
            logLine("S " + key + " " + micros() + " " + workerId + "\n");
            if (ms > 0) {
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            logLine("E " + key + " " + micros() + " " + workerId + "\n");
        }
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    static FileChannel openLog(String path) throws IOException {
        return FileChannel.open(Paths.get(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    /** One write(2) per line on a channel opened with O_APPEND. */
    static synchronized void logLine(String line) {
        ByteBuffer buffer = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
        try {
            while (buffer.hasRemaining()) {
                logChannel.write(buffer);
            }
        } catch (IOException e) {
            // A lost log line would make the run wrong: say so loudly and stop.
            System.err.println("quartz: cannot write the log: " + e.getMessage());
            Runtime.getRuntime().halt(1);
        }
    }

    // ---- command line --------------------------------------------------------------------

    static final Map<String, Set<String>> OPTIONS = new HashMap<>();
    static {
        OPTIONS.put("setup", new HashSet<>(Arrays.asList("db")));
        OPTIONS.put("enqueue", new HashSet<>(Arrays.asList("db", "count", "first", "job-ms")));
        OPTIONS.put("work", new HashSet<>(Arrays.asList("db", "log", "worker", "concurrency", "variant")));
        OPTIONS.put("probe", new HashSet<>(Arrays.asList("db", "log", "count", "gap-ms", "first")));
    }

    static final class Args {
        final String command;
        final Map<String, String> values = new HashMap<>();

        Args(String[] argv) throws UsageError {
            if (argv.length == 0) {
                throw new UsageError("usage: runner setup|enqueue|work|probe --db DB [options]");
            }
            command = argv[0];
            Set<String> allowed = OPTIONS.get(command);
            if (allowed == null) {
                throw new UsageError("unknown command '" + command + "' (setup, enqueue, work, probe)");
            }
            for (int i = 1; i < argv.length; i++) {
                String arg = argv[i];
                if (!arg.startsWith("--")) {
                    throw new UsageError(command + ": unexpected argument '" + arg + "'");
                }
                String name = arg.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else {
                    if (i + 1 >= argv.length) {
                        throw new UsageError(command + ": option --" + name + " needs a value");
                    }
                    value = argv[++i];
                }
                if (!allowed.contains(name)) {
                    throw new UsageError(command + ": unknown option --" + name);
                }
                if (values.put(name, value) != null) {
                    throw new UsageError(command + ": option --" + name + " given twice");
                }
            }
        }

        String string(String name) throws UsageError {
            String value = values.get(name);
            if (value == null || value.isEmpty()) {
                throw new UsageError(command + ": missing --" + name);
            }
            return value;
        }

        long number(String name, Long fallback, long min, long max) throws UsageError {
            String value = values.get(name);
            if (value == null) {
                if (fallback == null) {
                    throw new UsageError(command + ": missing --" + name);
                }
                return fallback;
            }
            long n;
            try {
                n = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new UsageError(command + ": --" + name + " must be a number, not '" + value + "'");
            }
            if (n < min || n > max) {
                throw new UsageError(command + ": --" + name + " must be between " + min + " and " + max
                        + ", not " + n);
            }
            return n;
        }
    }

    /** postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?jdbc options] */
    static final class Db {
        final String url;
        final String user;
        final String password;

        Db(String spec) throws UsageError {
            if (spec.startsWith("sqlite:")) {
                throw new UsageError("this peer (Quartz JDBC JobStore) supports only PostgreSQL, not " + spec);
            }
            URI uri;
            try {
                uri = new URI(spec);
            } catch (URISyntaxException e) {
                throw new UsageError("bad --db '" + spec + "': " + e.getMessage());
            }
            String scheme = uri.getScheme();
            if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
                throw new UsageError("bad --db '" + spec + "': expected postgresql://USER@HOST:PORT/DATABASE");
            }
            String host = uri.getHost();
            String path = uri.getRawPath();
            if (host == null || path == null || path.length() < 2) {
                throw new UsageError("bad --db '" + spec + "': expected postgresql://USER@HOST:PORT/DATABASE");
            }
            String userInfo = uri.getRawUserInfo();
            String u = "";
            String p = "";
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                u = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
                p = colon >= 0 ? decode(userInfo.substring(colon + 1)) : "";
            }
            if (u.isEmpty()) {
                u = System.getProperty("user.name");
            }
            if (p.isEmpty() && System.getenv("PGPASSWORD") != null) {
                p = System.getenv("PGPASSWORD"); // libpq's convention, for servers that want one
            }
            user = u;
            password = p;
            int port = uri.getPort() > 0 ? uri.getPort() : 5432;
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            url = "jdbc:postgresql://" + h + ":" + port + path
                    + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }
    }

    // ---- Quartz configuration ------------------------------------------------------------

    /**
     * The properties every process of a run shares: one clustered JDBC JobStore. Anything not
     * set here is Quartz's default (tablePrefix QRTZ_, misfireThreshold 60000 ms,
     * clusterCheckinInterval 7500 ms, idleWaitTime 30000 ms, c3p0 connection pool of
     * maxConnections 10, lockOnInsert true, acquireTriggersWithinLock false, useProperties
     * false: the JobDataMap is stored serialized).
     */
    static Properties quartzProperties(Db db, String instanceId) {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", SCHEDULER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", instanceId);
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.dataSource", "bench");
        p.setProperty("org.quartz.dataSource.bench.driver", "org.postgresql.Driver");
        p.setProperty("org.quartz.dataSource.bench.URL", db.url);
        p.setProperty("org.quartz.dataSource.bench.user", db.user);
        p.setProperty("org.quartz.dataSource.bench.password", db.password);
        return p;
    }

    /**
     * Connects once with plain JDBC, so that a wrong --db fails at once with one line instead of
     * after c3p0's 30 acquisition attempts (one a second).
     */
    static void checkConnection(Db db) throws Failure {
        try (Connection conn = DriverManager.getConnection(db.url, db.user, db.password)) {
            conn.isValid(5);
        } catch (java.sql.SQLException e) {
            throw new Failure("cannot connect to " + db.url + ": " + oneLine(e));
        }
    }

    /** A client: a scheduler that is never started and has no threads to run jobs. */
    static Scheduler clientScheduler(Db db, String role) throws SchedulerException {
        Properties p = quartzProperties(db, role + "-" + ProcessHandle.current().pid());
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.ZeroSizeThreadPool");
        return new StdSchedulerFactory(p).getScheduler();
    }

    static JobDetail jobDetail(long key, long ms) {
        return JobBuilder.newJob(BenchJob.class)
                .withIdentity("job-" + key, GROUP)
                .usingJobData("key", key)
                .usingJobData("ms", ms)
                .build();
    }

    static Trigger trigger(JobDetail job) {
        return TriggerBuilder.newTrigger()
                .withIdentity(job.getKey().getName(), GROUP)
                .forJob(job)
                .startNow()
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()) // fires once
                .build();
    }

    // ---- commands ------------------------------------------------------------------------

    static void setup(Args args) throws Exception {
        Db db = new Db(args.string("db"));
        String script;
        try (InputStream in = StdSchedulerFactory.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new Failure("setup: " + SCHEMA_RESOURCE + " is not in the Quartz jar");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Quartz's own tables_postgres.sql, as shipped in quartz2.jar: "--" comment lines,
        // statements ended by ";", and a final COMMIT (we commit ourselves). Its leading
        // DROP TABLE IF EXISTS statements are left out (no-ops on the empty database the
        // contract gives), so that setup on a database that has the tables fails instead of
        // wiping them.
        StringBuilder sql = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.toString().split(";")) {
            String s = statement.trim();
            if (!s.isEmpty() && !s.equalsIgnoreCase("commit")
                    && !s.toUpperCase(java.util.Locale.ROOT).startsWith("DROP TABLE IF EXISTS ")) {
                statements.add(s);
            }
        }
        try (Connection conn = DriverManager.getConnection(db.url, db.user, db.password)) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                for (String s : statements) {
                    st.execute(s);
                }
            }
            // The two rows of Quartz's lock table, which StdRowLockSemaphore would insert on
            // first use (Quartz 1.x's scripts inserted them): without them, workers that start
            // together on a fresh database race to insert STATE_ACCESS and one logs a
            // duplicate-key "ClusterManager: Error managing cluster".
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO QRTZ_LOCKS (SCHED_NAME, LOCK_NAME) VALUES (?, ?)")) {
                for (String lock : new String[] {"TRIGGER_ACCESS", "STATE_ACCESS"}) {
                    ps.setString(1, SCHEDULER_NAME);
                    ps.setString(2, lock);
                    ps.executeUpdate();
                }
            }
            conn.commit();
        }
    }

    static void enqueue(Args args) throws Exception {
        Db db = new Db(args.string("db"));
        long count = args.number("count", null, 0, Integer.MAX_VALUE);
        long first = args.number("first", 0L, 0, Long.MAX_VALUE / 2);
        long ms = args.number("job-ms", 0L, 0, 86_400_000L);
        checkConnection(db);
        Scheduler scheduler = clientScheduler(db, "enqueue");
        try {
            Map<JobDetail, Set<? extends Trigger>> batch = new LinkedHashMap<>();
            for (long i = 0; i < count; i++) {
                JobDetail job = jobDetail(first + i, ms);
                batch.put(job, Set.of(trigger(job)));
                if (batch.size() == ENQUEUE_BATCH || i == count - 1) {
                    scheduler.scheduleJobs(batch, false); // one transaction per call
                    batch.clear();
                }
            }
        } finally {
            scheduler.shutdown(false);
        }
    }

    static void work(Args args) throws Exception {
        Db db = new Db(args.string("db"));
        String log = args.string("log");
        String id = args.string("worker");
        long concurrency = args.number("concurrency", null, 1, 10_000);
        String variant = args.values.getOrDefault("variant", "default");
        if (id.length() > 80 || !id.matches("[A-Za-z0-9_.:-]+")) {
            throw new UsageError("work: --worker must be 1 to 80 characters of [A-Za-z0-9_.:-], not '" + id + "'");
        }
        Properties p = quartzProperties(db, id);
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Long.toString(concurrency));
        // Quartz's documentation (tutorial lesson 9, FAQ): a busy scheduler needs about
        // threadCount + 2 connections; the default pool of 10 is kept when that is enough.
        p.setProperty("org.quartz.dataSource.bench.maxConnections", Long.toString(Math.max(10, concurrency + 2)));
        switch (variant) {
            case "default":
                break;
            case "batched":
                // Quartz's documented batch acquisition: up to C triggers per acquisition
                // (never more than the free threads), which Quartz requires to be done within
                // the TRIGGER_ACCESS lock (its default as soon as the count is > 1).
                p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Long.toString(concurrency));
                p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
                break;
            default:
                throw new UsageError("work: unknown --variant '" + variant + "' (default, batched)");
        }
        checkConnection(db);
        logChannel = openLog(log);
        workerId = id;

        Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        // Fail now, not with a stream of cluster-manager errors, if the database or the
        // tables are not there.
        scheduler.checkExists(JobKey.jobKey("cohort-bench-connection-check", GROUP));

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                scheduler.shutdown(true); // stop acquiring, wait for the running jobs
            } catch (SchedulerException e) {
                System.err.println("quartz: shutdown: " + oneLine(e));
                Runtime.getRuntime().halt(1);
            }
            // A clean stop on SIGTERM is a success: exit 0 rather than the JVM's 143 (our
            // hook is the only one that matters; the log channel needs no flushing).
            Runtime.getRuntime().halt(0);
        }, "cohort-bench-shutdown"));

        scheduler.start();
        System.out.println("ready");
        System.out.flush();
        // The scheduler's threads keep the JVM alive until SIGTERM runs the hook.
    }

    static void probe(Args args) throws Exception {
        Db db = new Db(args.string("db"));
        String log = args.string("log");
        long count = args.number("count", null, 0, Integer.MAX_VALUE);
        long gapMs = args.number("gap-ms", 0L, 0, 3_600_000L);
        long first = args.number("first", 0L, 0, Long.MAX_VALUE / 2);
        logChannel = openLog(log);
        Path path = Paths.get(log);
        checkConnection(db);
        Scheduler scheduler = clientScheduler(db, "probe");
        try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) {
            // Opens the connection (and loads the classes) before the first probe.
            scheduler.checkExists(JobKey.jobKey("cohort-bench-connection-check", GROUP));
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            for (long i = 0; i < count; i++) {
                long key = first + i;
                Thread.sleep(gapMs);
                JobDetail job = jobDetail(key, 0);
                long position = reader.size(); // the S line can only come after the Q line
                logLine("Q " + key + " " + micros() + " probe\n");
                scheduler.scheduleJob(job, trigger(job));
                byte[] wanted = ("S " + key + " ").getBytes(StandardCharsets.US_ASCII);
                long deadline = System.nanoTime() + PROBE_TIMEOUT_NANOS;
                boolean found = false;
                while (!found) {
                    buffer.clear();
                    int n = reader.read(buffer, position);
                    int consumed = 0;
                    if (n > 0) {
                        byte[] bytes = buffer.array();
                        int lineStart = 0;
                        for (int j = 0; j < n; j++) {
                            if (bytes[j] == '\n') {
                                if (startsWith(bytes, lineStart, j, wanted)) {
                                    found = true;
                                    break;
                                }
                                lineStart = j + 1;
                            }
                        }
                        consumed = lineStart; // an unfinished last line is read again
                    }
                    position += consumed;
                    if (found) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new Failure("probe: no S line for key " + key + " after 60 s");
                    }
                    if (consumed == 0 || n < buffer.capacity()) {
                        LockSupport.parkNanos(200_000);
                    }
                }
            }
        } finally {
            scheduler.shutdown(false);
        }
    }

    static boolean startsWith(byte[] bytes, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (bytes[from + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    // ---- main ----------------------------------------------------------------------------

    /** Quartz logs through slf4j (the simple binding), c3p0 through java.util.logging: warnings only. */
    static void quietLogging() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("com.mchange.v2.log.MLog", "com.mchange.v2.log.jdk14logging.Jdk14MLog");
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (Handler h : root.getHandlers()) {
            h.setLevel(Level.WARNING);
        }
    }

    static String oneLine(Throwable t) {
        // The deepest cause usually says what is wrong (connection refused, missing table).
        StringBuilder sb = new StringBuilder();
        Throwable seen = null;
        for (Throwable c = t; c != null && c != seen; seen = c, c = c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
            if (sb.indexOf(m) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
        }
        return sb.toString().replaceAll("\\s+", " ").trim();
    }

    public static void main(String[] argv) {
        quietLogging();
        try {
            Args args = new Args(argv);
            switch (args.command) {
                case "setup": setup(args); break;
                case "enqueue": enqueue(args); break;
                case "probe": probe(args); break;
                case "work": work(args); return; // runs until SIGTERM
                default: throw new UsageError("unknown command '" + args.command + "'");
            }
            System.exit(0);
        } catch (UsageError e) {
            System.err.println("quartz: " + e.getMessage());
            System.exit(2);
        } catch (Failure e) {
            System.err.println("quartz: " + e.getMessage());
            System.exit(1);
        } catch (Throwable t) {
            System.err.println("quartz: " + oneLine(t));
            System.exit(1);
        }
    }
}
