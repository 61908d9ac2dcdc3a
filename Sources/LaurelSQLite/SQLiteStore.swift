import Foundation
public import GRDB
public import LaurelCore
public import LaurelStore
import Synchronization

/// The embedded store: one SQLite file through GRDB, in WAL mode, shared by the daemon and the
/// `laurel` commands (each a separate process).
///
/// Every write is one `BEGIN IMMEDIATE` transaction, so a process killed at any instruction
/// leaves all of it or none; writers from several processes wait for each other (busy timeout)
/// instead of failing. With `synchronous = NORMAL` (the default here) a committed transaction
/// survives the process being killed; `Durability.full` also survives a power cut, at the cost
/// of an fsync per commit (docs/operations.md).
public final class SQLiteStore: CampaignStore {
    public enum Durability: String, Sendable, CaseIterable {
        /// Survives a crash or kill of the process; the last commits may be lost on a power cut.
        case normal
        /// Survives a power cut too: every commit waits for the disk.
        case full
    }

    /// How a process means to use the file.
    public enum Access: Sendable {
        /// Create the file (and its folder) when missing: the daemon, `org import`, `campaign start`.
        case create
        /// The file must exist; the process writes to it (an entry, a score, an event).
        case write
        /// The file must exist; the process only reads, and never takes the write lock.
        case read
    }

    /// Why the store cannot be opened, in words for the person who named the file.
    public struct OpenError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let path: String
    private let pool: DatabasePool
    private let codec: CampaignCodec
    /// Where transactions run: off Swift's cooperative pool, and at once for a task that runs there.
    let thread = ThreadExecutor(name: "laurel-sqlite")

    /// Opens the database at `path` (creating it with `.create`) and brings its schema up to date.
    /// `waiting` is called once when a write has waited a second for another process's write lock
    /// (a command can say so instead of hanging in silence); after 30 s the write fails.
    public init(
        path: String, registry: PluginRegistry, durability: Durability = .normal, access: Access = .create,
        waiting: (@Sendable () -> Void)? = nil
    ) throws {
        self.path = path
        codec = CampaignCodec(registry: registry)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue {
            throw OpenError(
                description:
                    "'\(path)' is a folder, not a database file; name a file, like \((path as NSString).appendingPathComponent("laurel.sqlite"))"
            )
        }
        if !exists, access != .create {
            throw OpenError(
                description:
                    "the database '\(path)' does not exist; check --database, or start with 'laurel serve' or 'laurel campaign start', which create it"
            )
        }
        var configuration = Configuration()
        configuration.readonly = access == .read
        // One wait for the lock at a time per connection: when it began, and whether it was told.
        let wait = Mutex<(began: ContinuousClock.Instant, told: Bool)?>(nil)
        configuration.busyMode = .callback { attempts in
            // SQLite calls this while another process holds the lock; sleep a little and try again.
            let now = ContinuousClock.now
            let (waited, tell) = wait.withLock { state -> (Duration, Bool) in
                if attempts == 0 || state == nil { state = (now, false) }
                let waited = now - state!.began
                let tell = waited > .seconds(1) && !state!.told
                if tell { state!.told = true }
                return (waited, tell)
            }
            if tell { waiting?() }
            guard waited < .seconds(30) else { return false }
            usleep(10_000)
            return true
        }
        configuration.prepareDatabase { db in
            guard !db.configuration.readonly else { return }
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            // A checkpoint copies the log into the database and waits for the disk twice; every
            // 10,000 pages (40 MB of log) rather than SQLite's 1,000, so a stream of small commits
            // waits ten times less (docs/performance.md).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if access == .create, !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // A file nobody may write (a read-only copy, a read-only mount) without a write-ahead log
        // beside it is read as it is: SQLite would otherwise try to create the log's index and fail.
        var location = path
        if access == .read, !FileManager.default.fileExists(atPath: path + "-wal"),
            Foundation.access(path, W_OK) != 0 || Foundation.access(directory.isEmpty ? "." : directory, W_OK) != 0
        {
            location =
                "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
        }
        pool = try DatabasePool(path: location, configuration: configuration)
        if access == .read {
            guard try pool.read({ try Self.migrator(codec: codec).hasCompletedMigrations($0) }) else {
                throw OpenError(
                    description:
                        "the database '\(path)' was written by an older laurel; a command that writes (or 'laurel serve') brings it up to date first"
                )
            }
        } else {
            try Self.migrate(pool, path: path, codec: codec)
        }
    }

    /// Claims the file for one daemon: held until the returned lock is released (or the process
    /// ends, however it ends). A second daemon on the same file is refused, naming the first.
    public func claimForDaemon() throws -> DaemonClaim {
        let lockPath = path + "-daemon.lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot create '\(lockPath)': \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            close(descriptor)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            throw OpenError(
                description:
                    "another 'laurel serve' runs on '\(path)'\(holder.isEmpty ? "" : " (process \(holder))"); one daemon runs per database file: stop it first, or give this one another --database"
            )
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        return DaemonClaim(descriptor: descriptor)
    }

    /// Brings the schema up to date. GRDB's migrator reads which migrations ran, then runs each in
    /// its own transaction: two processes opening a new file at once (the daemon and a command)
    /// would both run the same migration. So a process that finds migrations pending takes an
    /// exclusive `flock` on a lock file beside the database and checks again under it.
    private static func migrate(_ pool: DatabasePool, path: String, codec: CampaignCodec) throws {
        let migrator = migrator(codec: codec)
        if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
        let lockPath = path + "-migration.lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [
                    NSFilePathErrorKey: lockPath,
                    NSLocalizedDescriptionKey: "cannot create \(lockPath): \(String(cString: strerror(errno)))",
                ])
        }
        defer { close(descriptor) }  // closing releases the lock
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { break }
        }
        try migrator.migrate(pool)
    }

    /// The schema, as an ordered list of migrations. A migration, once shipped, never changes;
    /// a change to the schema is a new migration at the end.
    /// `codec` reads the campaigns a migration moves to a newer format.
    static func migrator(codec: CampaignCodec) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: workflow versions, campaigns, event log, due timers, outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE workflow_version (
                        hash TEXT PRIMARY KEY,
                        workflow_id TEXT NOT NULL,
                        file TEXT NOT NULL,
                        source BLOB NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        recorded_order INTEGER NOT NULL
                    );
                    CREATE INDEX workflow_version_by_workflow ON workflow_version(workflow_id, recorded_order);
                    CREATE TABLE campaign (
                        id TEXT PRIMARY KEY,
                        workflow_id TEXT NOT NULL,
                        workflow_version TEXT NOT NULL REFERENCES workflow_version(hash),
                        state TEXT NOT NULL,
                        status TEXT NOT NULL,
                        event_count INTEGER NOT NULL,
                        document BLOB NOT NULL,
                        started_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE campaign_counter (
                        workflow_id TEXT PRIMARY KEY,
                        last INTEGER NOT NULL
                    );
                    CREATE TABLE event (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        campaign_id TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        disposition TEXT NOT NULL,
                        late_by INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        action BLOB NOT NULL
                    );
                    CREATE INDEX event_by_campaign ON event(campaign_id, sequence);
                    CREATE TABLE timer (
                        campaign_id TEXT NOT NULL,
                        timer_id INTEGER NOT NULL,
                        due INTEGER NOT NULL,
                        PRIMARY KEY (campaign_id, timer_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX timer_by_due ON timer(due, campaign_id, timer_id);
                    CREATE TABLE outbox (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        campaign_id TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        effect BLOB NOT NULL,
                        created_at INTEGER NOT NULL,
                        delivered_at INTEGER
                    );
                    CREATE INDEX outbox_pending ON outbox(delivered_at, sequence);
                    """)
        }
        migrator.registerMigration("v2: organisation data") { db in
            try db.execute(
                sql: """
                    CREATE TABLE org_level (
                        position INTEGER PRIMARY KEY,
                        name TEXT NOT NULL
                    );
                    CREATE TABLE org_unit (
                        id TEXT PRIMARY KEY,
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        parent TEXT,
                        level TEXT NOT NULL,
                        counts TEXT NOT NULL
                    );
                    CREATE TABLE org_person (
                        id TEXT PRIMARY KEY,
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        unit TEXT NOT NULL REFERENCES org_unit(id),
                        roles TEXT NOT NULL
                    );
                    CREATE INDEX org_person_by_unit ON org_person(unit);
                    """)
        }
        migrator.registerMigration("v3: organisation version") { db in
            try db.execute(
                sql: """
                    CREATE TABLE org_import (
                        version INTEGER NOT NULL
                    );
                    INSERT INTO org_import (version) VALUES (0);
                    """)
        }
        migrator.registerMigration("v4: recurrence cursors") { db in
            try db.execute(
                sql: """
                    CREATE TABLE recurrence (
                        workflow_id TEXT PRIMARY KEY,
                        last_cycle INTEGER,
                        first_seen INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5: child campaigns") { db in
            try db.execute(
                sql: """
                    CREATE TABLE campaign_parent (
                        child_id TEXT PRIMARY KEY,
                        parent_id TEXT NOT NULL,
                        unit TEXT
                    );
                    CREATE INDEX campaign_parent_by_parent ON campaign_parent(parent_id);
                    """)
        }
        // The due index as one B-tree in due order, rather than a table by campaign and an index
        // by due: a save that re-arms a timer changes one tree, not two (about a page fewer per
        // commit in the lifecycle benchmark). A save finds the campaign's rows to delete from
        // the timers of the campaign as stored, which the rows mirror.
        migrator.registerMigration("v6: due timers in due order") { db in
            try db.execute(
                sql: """
                    CREATE TABLE due_timer (
                        due INTEGER NOT NULL,
                        campaign_id TEXT NOT NULL,
                        timer_id INTEGER NOT NULL,
                        PRIMARY KEY (due, campaign_id, timer_id)
                    ) WITHOUT ROWID;
                    INSERT INTO due_timer (due, campaign_id, timer_id) SELECT due, campaign_id, timer_id FROM timer;
                    DROP TABLE timer;
                    """)
        }
        // Entries out of the document, so a submission writes its own entry rather than a
        // document holding every entry (docs/architecture.md, "Campaigns of any size"). Each
        // entry's id is a row of `entry_id`, whose key refuses an id submitted twice; the entries
        // themselves are in rows of `entry_run`, each the run of entries one save appended (up to
        // 256), keyed by the position of its first entry: a submission writes one of each, a
        // start with 54 entries one run, and reading every entry reads few rows in key order.
        // Every stored campaign's entries move out of its document, written again (LCB 4 then, LCB 5 now).
        migrator.registerMigration("v7: entries as rows") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entry_id (
                        campaign_id TEXT NOT NULL,
                        id TEXT NOT NULL,
                        PRIMARY KEY (campaign_id, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE entry_run (
                        campaign_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (campaign_id, position)
                    ) WITHOUT ROWID;
                    """)
            let transaction = SQLiteTransaction(db: db, codec: codec)
            let ids = try String.fetchAll(db, sql: "SELECT id FROM campaign ORDER BY id")
            for id in ids {
                let document = try Data.fetchOne(db, sql: "SELECT document FROM campaign WHERE id = ?", arguments: [id])
                let campaign = try codec.decode(Array(document ?? Data()))
                try transaction.writeEntries(campaign.entries.pendingRows, of: id, isStored: false)
                try db.execute(
                    sql: "UPDATE campaign SET document = ? WHERE id = ?", arguments: [Data(codec.encode(campaign)), id])
            }
        }
        // Runs in a table with row ids, their key in an index beside it. In a table without row
        // ids a row over about a quarter of a page (a run of 54 entries is 1.5 to 3 KB) goes to
        // overflow pages, and rows added in key order split pages in half: a save wrote about two
        // more pages, a fifth of the lifecycle's time on SQLite (docs/performance.md).
        migrator.registerMigration("v8: entry runs with row ids") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entry_run_v8 (
                        campaign_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        body BLOB NOT NULL,
                        PRIMARY KEY (campaign_id, position)
                    );
                    INSERT INTO entry_run_v8 (campaign_id, position, count, body)
                        SELECT campaign_id, position, count, body FROM entry_run ORDER BY campaign_id, position;
                    DROP TABLE entry_run;
                    ALTER TABLE entry_run_v8 RENAME TO entry_run;
                    """)
        }
        // Step memories in binary rather than JSON (format LCB 5, `MemoryCoder`): every stored
        // campaign's document is read and written again once.
        migrator.registerMigration("v9: step memories in binary") { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM campaign ORDER BY id")
            for id in ids {
                let document = try Data.fetchOne(db, sql: "SELECT document FROM campaign WHERE id = ?", arguments: [id])
                let campaign = try codec.decode(Array(document ?? Data()))
                try db.execute(
                    sql: "UPDATE campaign SET document = ? WHERE id = ?", arguments: [Data(codec.encode(campaign)), id])
            }
        }
        // Outbox leases for delivery, each fenced by a token that only grows (docs/architecture.md,
        // "The outbox"); the last token given is kept in a row of its own.
        migrator.registerMigration("v10: outbox leases") { db in
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN lease_token INTEGER;
                    ALTER TABLE outbox ADD COLUMN leased_until INTEGER;
                    CREATE TABLE outbox_lease (last INTEGER NOT NULL);
                    INSERT INTO outbox_lease (last) VALUES (0);
                    """)
        }
        // Who may do what through the HTTP API: grants with the hash of their secret, never the secret.
        migrator.registerMigration("v11: access grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE access_grant (
                        id TEXT PRIMARY KEY, person TEXT NOT NULL, role TEXT NOT NULL, unit TEXT, council TEXT,
                        secret TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL, revoked_at INTEGER, granted_by TEXT NOT NULL,
                        granted_order INTEGER NOT NULL
                    );
                    """)
        }
        // The audit log: records in the order written, each with its leaf once a checkpoint placed
        // it; the people behind a record's hashes beside it, erasable; signed checkpoints. A record
        // adds two b-trees to a commit, the table and its campaign's index: the leaf index holds
        // placed records only, and with one writer the records not placed are those after the last
        // placed one (no index of their own).
        migrator.registerMigration("v12: audit log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_record (
                        sequence INTEGER PRIMARY KEY, leaf_index INTEGER, campaign_id TEXT,
                        body BLOB NOT NULL, leaf_hash BLOB NOT NULL, salt BLOB, actor TEXT, address TEXT, subject TEXT
                    );
                    CREATE UNIQUE INDEX audit_record_leaf ON audit_record (leaf_index) WHERE leaf_index IS NOT NULL;
                    CREATE INDEX audit_record_campaign ON audit_record (campaign_id) WHERE campaign_id IS NOT NULL;
                    CREATE TABLE audit_checkpoint (
                        size INTEGER PRIMARY KEY, root BLOB NOT NULL, peaks BLOB NOT NULL, signed_at INTEGER NOT NULL,
                        note TEXT NOT NULL, signature BLOB NOT NULL
                    );
                    """)
        }
        // Four eyes: destructive actions an administrator asked for, until a second one decides.
        // A campaign's outbox items (its certificates) are read by campaign.
        migrator.registerMigration("v13: approvals") { db in
            try db.execute(
                sql: """
                    CREATE TABLE approval (
                        id TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, action TEXT NOT NULL, detail BLOB NOT NULL,
                        summary TEXT NOT NULL, version INTEGER NOT NULL, requested_by TEXT NOT NULL,
                        requested_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, decision TEXT, decided_by TEXT,
                        decided_at INTEGER, made_order INTEGER NOT NULL
                    );
                    CREATE INDEX outbox_by_campaign ON outbox(campaign_id, sequence);
                    """)
        }
        return migrator
    }

    // MARK: The store's entry points

    /// Runs `body` on one of GRDB's reader connections (its own dispatch queue, not the caller's
    /// thread), in one read transaction: every query of the body sees the same snapshot.
    deinit {
        thread.stop()
    }

    /// The store's own thread: a task that runs many transactions in a row (the daemon) prefers
    /// it, and pays no thread switch per transaction.
    public var preferredExecutor: (any TaskExecutor)? { thread }

    /// A read on the store's thread when called there; elsewhere on one of GRDB's reader queues,
    /// so reads from several tasks run side by side.
    public func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
        if thread.isCurrent { return try readHere(body) }
        return try await pool.read { [codec] db in try body(SQLiteTransaction(db: db, codec: codec)) }
    }

    /// GRDB's synchronous read, which runs on the calling thread.
    private func readHere<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteTransaction(db: db, codec: codec)) }
    }

    /// Runs `body` on the store's thread, in one `BEGIN IMMEDIATE` transaction on GRDB's writer
    /// connection.
    @discardableResult
    public func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T)
        async throws -> T
    {
        let (result, sealed) = try await thread.run { [pool, codec] in
            try pool.writeWithoutTransaction { db in
                try Self.immediateTransaction(db, end: end) { db in
                    let transaction = SQLiteTransaction(db: db, codec: codec)
                    return (try body(transaction), transaction.heldSecretPaper)
                }
            }
        }
        if sealed, end == .commit { try await forgetBallotHistory() }
        return result
    }

    /// After a commit that took a secret ballot's paper: the write-ahead log still holds the
    /// pages as they were after every earlier paper (the running counts, which paired with the
    /// order of the log's "vote of M" would tell each paper). Copying them into the database,
    /// whose freed space the transaction zeroed (`secure_delete`), and truncating the log leaves
    /// on disk only the counts as they are now (docs/operations.md, "A secret ballot on disk").
    /// It waits for readers, as any write does; if a reader outlasts the wait, the next paper or
    /// ``forgetBallotHistory()`` at the daemon's start finishes the job.
    public func forgetBallotHistory() async throws {
        try await checkpoint()
        try await thread.run { [pool] in
            // Back to SQLite's usual way of freeing space, which writes less.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = \(SQLiteStore.usualSecureDelete)")
            }
        }
    }

    /// Copies the write-ahead log into the database file and empties it, waiting for readers:
    /// afterwards the file's size is the database's.
    public func checkpoint() async throws {
        try await thread.run { [pool] in
            try pool.writeWithoutTransaction { db in _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }

    /// Checkpoints the write-ahead log from a connection of its own every `interval`, so the
    /// writer does not stop for long: a checkpoint waits for the disk twice, and the committing
    /// writer's automatic checkpoint every 10,000 pages held up every request queued behind it
    /// (the HTTP load benchmark's p99: 49 ms). A passive checkpoint copies what it can beside the
    /// writer; the writer's own automatic checkpoint, now every 1,000 pages, finds little left to
    /// copy and lets the log start over, so it stays small (a passive checkpoint alone never
    /// catches up with a steady stream of commits: the log grew to 400 MB). p99 20 ms
    /// (docs/performance.md, "The HTTP API under load"). The daemon and the API start it; it
    /// stops with the store.
    public func startBackgroundCheckpoints(every interval: Duration = .milliseconds(200)) throws {
        let checkpointer = try DatabaseQueue(path: path)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "laurel-sqlite-checkpoint"))
        let nanoseconds =
            Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler {
            try? checkpointer.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
        timer.resume()
        let running = BackgroundCheckpoints(timer: timer)
        backgroundCheckpoints.withLock { $0 = running }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
    }

    private let backgroundCheckpoints = Mutex<BackgroundCheckpoints?>(nil)

    /// The timer of ``startBackgroundCheckpoints(every:)``, cancelled when let go. A dispatch
    /// source may be used from any thread (Dispatch's own guarantee), hence `@unchecked`.
    private final class BackgroundCheckpoints: @unchecked Sendable {
        let timer: any DispatchSourceTimer

        init(timer: any DispatchSourceTimer) {
            self.timer = timer
        }

        deinit {
            timer.cancel()
        }
    }

    /// `secure_delete` as this SQLite build sets it, read once: restored after a secret paper.
    private static let usualSecureDelete: Int = {
        guard let queue = try? DatabaseQueue() else { return 0 }
        return (try? queue.read { try Int.fetchOne($0, sql: "PRAGMA secure_delete") }) ?? 0
    }()

    /// `BEGIN IMMEDIATE`: the write lock is taken before the first read, so a read-then-write
    /// never fails half-way because another process wrote in between.
    ///
    /// BEGIN and COMMIT are prepared once per connection and reused, as the other statements
    /// are: GRDB's `inTransaction` prepares both again for every transaction, which cost about a
    /// twentieth of a benchmark save (docs/performance.md).
    private static func immediateTransaction<T>(_ db: Database, end: TransactionEnd, _ body: (Database) throws -> T)
        throws -> T
    {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body(db)
            switch end {
            case .commit: try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
            case .rollBack: try db.rollback()
            }
            return result
        } catch {
            // A failed statement may have ended the transaction already (SQLite rolls back
            // on some errors by itself).
            if db.isInsideTransaction { try db.rollback() }
            throw error
        }
    }

    static func version(_ row: Row) -> WorkflowVersion {
        WorkflowVersion(
            hash: row["hash"], workflowID: row["workflow_id"], file: row["file"],
            source: Array(row["source"] as Data), recordedAt: row["recorded_at"])
    }

    static func loggedEvent(_ row: Row) throws -> LoggedEvent {
        let action = try LoggedAction(json: Array(row["action"] as Data))
        return LoggedEvent(
            id: row["id"], campaignID: row["campaign_id"], sequence: row["sequence"], at: row["at"],
            recordedAt: row["recorded_at"], action: action,
            disposition: LoggedEvent.Disposition(rawValue: row["disposition"]) ?? .applied,
            lateBy: row["late_by"], summary: row["summary"])
    }
}

/// The reads and writes of one SQLite transaction. Statements are prepared once per connection
/// and reused (`cachedStatement`): preparing them again for every save cost more than running them.
struct SQLiteTransaction: StoreTransaction {
    let db: Database
    let codec: CampaignCodec
    /// The armed timers of each campaign as read or written in this transaction: the rows of the
    /// due index a save replaces, known without reading them again.
    private let storedTimers = StoredTimers()

    private final class StoredTimers {
        var byCampaign: [String: [ArmedTimer]] = [:]
        var heldSecretPaper = false
    }

    init(db: Database, codec: CampaignCodec) {
        self.db = db
        self.codec = codec
    }

    /// Whether this transaction logged a secret ballot's paper (its sealed form): the store then
    /// wipes what the paper changed from the log after the commit (``SQLiteStore/forgetBallotHistory()``).
    var heldSecretPaper: Bool { storedTimers.heldSecretPaper }

    private func run(_ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func campaign(id: String) throws -> Campaign? {
        let select = try BoundStatement(db, "SELECT document FROM campaign WHERE id = ?")
        try select.bind(1, id)
        // The document is copied once, from SQLite's buffer into the array the codec reads.
        guard let document = try select.firstBlob({ [UInt8]($0) }) else { return nil }
        let campaign = try codec.decode(document)
        storedTimers.byCampaign[id] = campaign.timers
        return campaign
    }

    /// The runs in the key's order, which is the entries' order.
    func entries(campaignID: String) throws -> [Entry] {
        let select = try BoundStatement(db, "SELECT body, count FROM entry_run WHERE campaign_id = ? ORDER BY position")
        try select.bind(1, campaignID)
        var entries: [Entry] = []
        try select.forEachRow { body, count in
            try CampaignCodec.decodeEntries(
                ArraySlice(body.bindMemory(to: UInt8.self)), count: Int(count), into: &entries)
        }
        return entries
    }

    func containsEntry(campaignID: String, id: String) throws -> Bool {
        let select = try BoundStatement(db, "SELECT 1 FROM entry_id WHERE campaign_id = ? AND id = ?")
        try select.bind(1, campaignID)
        try select.bind(2, id)
        return try select.firstBlob { _ in true } ?? false
    }

    /// Writes what a save of the campaign's entries must (``EntryList/pendingRows``); an id the
    /// campaign already holds is refused with ``DuplicateEntry``. `isStored`: whether the
    /// campaign has rows to replace.
    func writeEntries(_ pending: EntryList.PendingRows, of campaignID: String, isStored: Bool) throws {
        switch pending {
        case .append(let after, let appended):
            try insertIDs(appended[...], of: campaignID)
            try insertRuns(appended[...], of: campaignID, from: after)
        case .update(let count, let all):
            // Results recorded: the runs are written again from position 0, 256 entries to a run.
            // A run already at one of those positions is written over, keeping its place in the
            // table (a page rewritten rather than a row deleted and added at the end); any other
            // run goes. The count never shrinks here, so every old position is covered.
            if isStored {
                try run(
                    "DELETE FROM entry_run WHERE campaign_id = ? AND position % \(Self.entriesPerRun) != 0",
                    [campaignID])
            }
            try insertIDs(all.dropFirst(count), of: campaignID)
            try insertRuns(all[...], of: campaignID, from: 0)
        case .replace(let all):
            if isStored {
                try run("DELETE FROM entry_run WHERE campaign_id = ?", [campaignID])
                try run("DELETE FROM entry_id WHERE campaign_id = ?", [campaignID])
            }
            try insertIDs(all[...], of: campaignID)
            try insertRuns(all[...], of: campaignID, from: 0)
        }
    }

    /// The entries as runs of up to 256, the first at position `first`.
    private func insertRuns(_ entries: ArraySlice<Entry>, of campaignID: String, from first: Int) throws {
        var start = entries.startIndex
        while start < entries.endIndex {
            let run = entries[start..<min(start + Self.entriesPerRun, entries.endIndex)]
            let insert = try BoundStatement(
                db,
                """
                INSERT INTO entry_run (campaign_id, position, count, body) VALUES (?, ?, ?, ?)
                ON CONFLICT (campaign_id, position) DO UPDATE SET count = excluded.count, body = excluded.body
                """)
            try insert.bind(1, campaignID)
            try insert.bind(2, first + (start - entries.startIndex))
            try insert.bind(3, run.count)
            try insert.bind(4, copying: CampaignCodec.encodeEntries(run))
            try insert.run()
            start = run.endIndex
        }
    }

    /// The entries' ids, up to 64 to a statement: a statement per id cost about twice the ids'
    /// own work (docs/performance.md). An id held already is refused with ``DuplicateEntry``.
    private func insertIDs(_ entries: ArraySlice<Entry>, of campaignID: String) throws {
        var start = entries.startIndex
        while start < entries.endIndex {
            let batch = entries[start..<min(start + Self.idsPerStatement, entries.endIndex)]
            let insert = try BoundStatement(db, Self.insertIDs[batch.count - 1])
            try insert.bind(1, campaignID)
            var parameter: Int32 = 2
            for entry in batch {
                try insert.bind(parameter, entry.id)
                parameter += 1
            }
            do {
                try insert.run()
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                // The statement changed nothing: name the entry whose id is held (or repeated).
                var seen = Set<String>()
                for entry in batch {
                    if try !seen.insert(entry.id).inserted || containsEntry(campaignID: campaignID, id: entry.id) {
                        throw DuplicateEntry(campaignID: campaignID, entryID: entry.id)
                    }
                }
                throw error
            }
            start = batch.endIndex
        }
    }

    static let entriesPerRun = 256
    static let idsPerStatement = 64

    /// The statements that insert 1 to 64 ids, made once.
    private static let insertIDs = (1...idsPerStatement).map { count in
        "INSERT INTO entry_id (campaign_id, id) VALUES "
            + repeatElement("(?1, ?)", count: count).joined(separator: ", ")
    }

    // MARK: Reading

    func workflowVersion(hash: String) throws -> WorkflowVersion? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM workflow_version WHERE hash = ?"), arguments: [hash])
            .map(SQLiteStore.version)
    }

    func latestWorkflowVersions() throws -> [WorkflowVersion] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM workflow_version AS v
                WHERE recorded_order = (SELECT MAX(recorded_order) FROM workflow_version WHERE workflow_id = v.workflow_id)
                ORDER BY workflow_id
                """
        ).map(SQLiteStore.version)
    }

    func workflowVersions(workflowID: String) throws -> [WorkflowVersion] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM workflow_version WHERE workflow_id = ? ORDER BY recorded_order",
            arguments: [workflowID]
        ).map(SQLiteStore.version)
    }

    func campaigns() throws -> [CampaignSummary] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, workflow_id, workflow_version, state, status, event_count, started_at, updated_at
                FROM campaign ORDER BY started_at, id
                """
        ).map { row in
            CampaignSummary(
                id: row["id"], workflowID: row["workflow_id"], workflowVersion: row["workflow_version"],
                state: row["state"], status: Campaign.Status(rawValue: row["status"]) ?? .running,
                eventCount: row["event_count"], startedAt: row["started_at"], updatedAt: row["updated_at"])
        }
    }

    func events(campaignID: String) throws -> [LoggedEvent] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM event WHERE campaign_id = ? ORDER BY sequence", arguments: [campaignID]
        )
        .map(SQLiteStore.loggedEvent)
    }

    func latestEvents(campaignID: String, limit: Int) throws -> [LoggedEvent] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM (SELECT * FROM event WHERE campaign_id = ? ORDER BY sequence DESC LIMIT ?)
                    ORDER BY sequence
                    """), arguments: [campaignID, limit]
        )
        .map(SQLiteStore.loggedEvent)
    }

    func eventCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event") ?? 0
    }

    func latestEventSequence() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM event") ?? 0
    }

    func eventSequences(after sequence: Int64, limit: Int) throws -> [(campaignID: String, sequence: Int64)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT campaign_id, sequence FROM event WHERE sequence > ? ORDER BY sequence LIMIT ?"),
            arguments: [sequence, limit]
        ).map { ($0["campaign_id"], $0["sequence"]) }
    }

    func dueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        let rows: [Row]
        if let after {
            rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT campaign_id, timer_id, due FROM due_timer
                        WHERE due <= ? AND (due, campaign_id, timer_id) > (?, ?, ?)
                        ORDER BY due, campaign_id, timer_id LIMIT ?
                        """), arguments: [instant, after.due, after.campaignID, after.timerID, limit])
        } else {
            rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT campaign_id, timer_id, due FROM due_timer WHERE due <= ?
                        ORDER BY due, campaign_id, timer_id LIMIT ?
                        """), arguments: [instant, limit])
        }
        return rows.map { DueTimer(campaignID: $0["campaign_id"], timerID: $0["timer_id"], due: $0["due"]) }
    }

    /// The same query as ``dueTimers(at:after:limit:)``: the transaction holds SQLite's write
    /// lock from its first statement (`BEGIN IMMEDIATE`), so no other writer can claim them.
    func claimDueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        try dueTimers(at: instant, after: after, limit: limit)
    }

    func nextDue() throws -> Instant? {
        try Instant.fetchOne(db.cachedStatement(sql: "SELECT MIN(due) FROM due_timer"))
    }

    /// A scan of the whole due index (it is ordered by due time, not by campaign): for checks.
    func timers(campaignID: String) throws -> [DueTimer] {
        try Row.fetchAll(
            db, sql: "SELECT campaign_id, timer_id, due FROM due_timer WHERE campaign_id = ? ORDER BY due, timer_id",
            arguments: [campaignID]
        )
        .map { DueTimer(campaignID: $0["campaign_id"], timerID: $0["timer_id"], due: $0["due"]) }
    }

    func organisation() throws -> Organisation {
        let decoder = JSONDecoder()
        let levels = try String.fetchAll(db, sql: "SELECT name FROM org_level ORDER BY position")
        let units = try Row.fetchAll(db, sql: "SELECT * FROM org_unit ORDER BY position").map { row in
            Organisation.Unit(
                id: row["id"], name: row["name"], parent: row["parent"], level: row["level"],
                counts: try decoder.decode([String: Int].self, from: Data((row["counts"] as String).utf8)))
        }
        let people = try Row.fetchAll(db, sql: "SELECT * FROM org_person ORDER BY position").map { row in
            Organisation.Person(
                id: row["id"], name: row["name"], unit: row["unit"],
                roles: try decoder.decode([String].self, from: Data((row["roles"] as String).utf8)))
        }
        return Organisation(levels: levels, units: units, people: people)
    }

    func organisationVersion() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT version FROM org_import") ?? 0
    }

    func pendingOutbox(limit: Int) throws -> [OutboxItem] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY sequence LIMIT ?", arguments: [limit]
        )
        .map(Self.outboxItem)
    }

    func outboxBacklog() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL") ?? 0
    }

    private static func outboxItem(_ row: Row) throws -> OutboxItem {
        OutboxItem(
            sequence: row["sequence"], campaignID: row["campaign_id"], eventID: row["event_id"],
            effect: try JSONDecoder().decode(Effect.self, from: row["effect"] as Data), createdAt: row["created_at"])
    }

    func containsEvent(id: String) throws -> Bool {
        let select = try BoundStatement(db, "SELECT 1 FROM event WHERE id = ?")
        try select.bind(1, id)
        return try select.firstBlob { _ in true } ?? false
    }

    /// One indexed look per id: on SQLite a statement costs no round trip.
    func loggedEvents(among ids: [String]) throws -> Set<String> {
        Set(try ids.filter { try containsEvent(id: $0) })
    }

    func event(id: String) throws -> LoggedEvent? {
        // Most ids asked for are new (every submission's): the cheap look first.
        guard try containsEvent(id: id) else { return nil }
        return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM event WHERE id = ?"), arguments: [id]).map(
            SQLiteStore.loggedEvent)
    }

    func recurrence(workflowID: String) throws -> RecurrenceCursor? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT last_cycle, first_seen FROM recurrence WHERE workflow_id = ?"),
                arguments: [workflowID])
        else { return nil }
        return RecurrenceCursor(lastCycle: row["last_cycle"], firstSeen: row["first_seen"])
    }

    func setRecurrence(_ cursor: RecurrenceCursor, workflowID: String) throws {
        try run(
            """
            INSERT INTO recurrence (workflow_id, last_cycle, first_seen) VALUES (?, ?, ?)
            ON CONFLICT(workflow_id) DO UPDATE SET last_cycle = excluded.last_cycle
            """, [workflowID, cursor.lastCycle, cursor.firstSeen])
    }

    func latestVersion(workflowID: String) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT hash FROM workflow_version WHERE workflow_id = ? ORDER BY recorded_order DESC LIMIT 1
                    """), arguments: [workflowID])
    }

    func setParent(_ parent: String, unit: String?, of child: String) throws {
        try run("INSERT INTO campaign_parent (child_id, parent_id, unit) VALUES (?, ?, ?)", [child, parent, unit])
    }

    func parent(of child: String) throws -> (campaign: String, unit: String?)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT parent_id, unit FROM campaign_parent WHERE child_id = ?"),
                arguments: [child])
        else { return nil }
        return (row["parent_id"], row["unit"])
    }

    func events(after sequence: Int64, limit: Int) throws -> [LoggedEvent] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM event WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit]
        ).map(SQLiteStore.loggedEvent)
    }

    func outbox(after sequence: Int64, limit: Int) throws -> [StoredOutboxItem] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit]
        ).map { StoredOutboxItem(item: try Self.outboxItem($0), deliveredAt: $0["delivered_at"]) }
    }

    func outbox(campaignID: String) throws -> [OutboxItem] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM outbox WHERE campaign_id = ? ORDER BY sequence"),
            arguments: [campaignID]
        ).map(Self.outboxItem)
    }

    func campaignNumbers() throws -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT workflow_id, last FROM campaign_counter").map {
                ($0["workflow_id"] as String, $0["last"] as Int)
            })
    }

    func recurrences() throws -> [String: RecurrenceCursor] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM recurrence").map {
                (
                    $0["workflow_id"] as String,
                    RecurrenceCursor(lastCycle: $0["last_cycle"], firstSeen: $0["first_seen"])
                )
            })
    }

    func parents() throws -> [ParentLink] {
        try Row.fetchAll(db, sql: "SELECT child_id, parent_id, unit FROM campaign_parent ORDER BY child_id").map {
            ParentLink(child: $0["child_id"], parent: $0["parent_id"], unit: $0["unit"])
        }
    }

    func accessGrants() throws -> [AccessGrant] {
        try Row.fetchAll(db, sql: "SELECT * FROM access_grant ORDER BY granted_order").map(Self.accessGrant)
    }

    func accessGrant(secretHash: String) throws -> AccessGrant? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM access_grant WHERE secret_hash = ?"), arguments: [secretHash]
        ).map(Self.accessGrant)
    }

    private static func accessGrant(_ row: Row) throws -> AccessGrant {
        guard let secret = AccessGrant.Secret(rawValue: row["secret"]) else {
            throw UnreadableRecord(
                "access grant '\(row["id"] as String)' has an unknown kind of secret '\(row["secret"] as String)'")
        }
        return AccessGrant(
            id: row["id"], person: row["person"], role: row["role"], unit: row["unit"], council: row["council"],
            secret: secret, secretHash: row["secret_hash"], createdAt: row["created_at"], expiresAt: row["expires_at"],
            revokedAt: row["revoked_at"], grantedBy: row["granted_by"])
    }

    func auditRecords(fromLeaf first: Int64, limit: Int) throws -> [AuditRecord] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT * FROM audit_record WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?"),
            arguments: [first, limit]
        ).map(Self.auditRecord)
    }

    func unplacedAuditRecords(limit: Int) throws -> [AuditRecord] {
        // One writer places records in the order written: those after the last placed one.
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT * FROM audit_record
                    WHERE sequence > COALESCE(
                        (SELECT sequence FROM audit_record WHERE leaf_index = (
                            SELECT MAX(leaf_index) FROM audit_record WHERE leaf_index IS NOT NULL)), 0)
                        AND leaf_index IS NULL
                    ORDER BY sequence LIMIT ?
                    """),
            arguments: [limit]
        ).map(Self.auditRecord)
    }

    func auditRecords(campaignID: String) throws -> [AuditRecord] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM audit_record WHERE campaign_id = ? ORDER BY sequence"),
            arguments: [campaignID]
        ).map(Self.auditRecord)
    }

    func auditCheckpoints() throws -> [AuditCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_checkpoint ORDER BY size").map { row in
            let peaks = [UInt8](row["peaks"] as Data)
            return AuditCheckpoint(
                size: row["size"], root: [UInt8](row["root"] as Data),
                peaks: stride(from: 0, to: peaks.count, by: 32).map { Array(peaks[$0..<min($0 + 32, peaks.count)]) },
                signedAt: row["signed_at"], note: row["note"], signature: [UInt8](row["signature"] as Data))
        }
    }

    private static func auditRecord(_ row: Row) -> AuditRecord {
        let salt = (row["salt"] as Data?).map { [UInt8]($0) }
        return AuditRecord(
            sequence: row["sequence"], leafIndex: row["leaf_index"], campaignID: row["campaign_id"],
            body: [UInt8](row["body"] as Data), leafHash: [UInt8](row["leaf_hash"] as Data),
            personal: salt.map {
                AuditPersonal(salt: $0, actor: row["actor"], address: row["address"], subject: row["subject"])
            })
    }

    func approvals() throws -> [Approval] {
        try Row.fetchAll(db, sql: "SELECT * FROM approval ORDER BY made_order").map { row in
            let decision = try (row["decision"] as String?).map { text in
                guard let decision = Approval.Decision(rawValue: text) else {
                    throw UnreadableRecord("approval '\(row["id"] as String)' has an unknown decision '\(text)'")
                }
                return decision
            }
            return Approval(
                id: row["id"], campaignID: row["campaign_id"], action: row["action"],
                detail: [UInt8](row["detail"] as Data), summary: row["summary"], version: row["version"],
                requestedBy: row["requested_by"], requestedAt: row["requested_at"], expiresAt: row["expires_at"],
                decision: decision, decidedBy: row["decided_by"], decidedAt: row["decided_at"])
        }
    }

    // MARK: Writing

    func saveApproval(_ approval: Approval) throws {
        try run(
            """
            INSERT INTO approval (id, campaign_id, action, detail, summary, version, requested_by, requested_at,
                expires_at, decision, decided_by, decided_at, made_order)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(made_order), 0) + 1 FROM approval))
            ON CONFLICT(id) DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by,
                decided_at = excluded.decided_at
            """,
            [
                approval.id, approval.campaignID, approval.action, Data(approval.detail), approval.summary,
                approval.version, approval.requestedBy, approval.requestedAt, approval.expiresAt,
                approval.decision?.rawValue, approval.decidedBy, approval.decidedAt,
            ])
    }

    func appendAudit(_ records: [AuditRecord]) throws {
        for record in records {
            try insertAudit(record, sequence: nil)
        }
    }

    private func insertAudit(_ record: AuditRecord, sequence: Int64?) throws {
        let personal = record.personal
        try run(
            """
            INSERT INTO audit_record (sequence, leaf_index, campaign_id, body, leaf_hash, salt, actor, address, subject)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                sequence, sequence == nil ? nil : record.leafIndex, record.campaignID, Data(record.body),
                Data(record.leafHash),
                personal.map { Data($0.salt) }, personal?.actor, personal?.address, personal?.subject,
            ])
    }

    func placeAudit(_ placements: [(sequence: Int64, leaf: Int64)], checkpoint: AuditCheckpoint) throws {
        for placement in placements {
            try run(
                "UPDATE audit_record SET leaf_index = ? WHERE sequence = ? AND leaf_index IS NULL",
                [placement.leaf, placement.sequence])
            guard db.changesCount == 1 else {
                throw AuditConflict(sequence: placement.sequence)
            }
        }
        try insertCheckpoint(checkpoint)
    }

    private func insertCheckpoint(_ checkpoint: AuditCheckpoint) throws {
        try run(
            "INSERT INTO audit_checkpoint (size, root, peaks, signed_at, note, signature) VALUES (?, ?, ?, ?, ?, ?)",
            [
                checkpoint.size, Data(checkpoint.root), Data(checkpoint.peaks.flatMap { $0 }), checkpoint.signedAt,
                checkpoint.note, Data(checkpoint.signature),
            ])
    }

    func eraseFromAudit(person: String) throws -> Int {
        try run(
            """
            UPDATE audit_record SET salt = NULL, actor = NULL, address = NULL, subject = NULL
            WHERE actor = ? OR subject = ?
            """, [person, person])
        return db.changesCount
    }

    func saveAccessGrant(_ grant: AccessGrant) throws {
        try run(
            """
            INSERT INTO access_grant (id, person, role, unit, council, secret, secret_hash, created_at, expires_at,
                revoked_at, granted_by, granted_order)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(granted_order), 0) + 1 FROM access_grant))
            ON CONFLICT(id) DO UPDATE SET expires_at = excluded.expires_at, revoked_at = excluded.revoked_at
            """,
            [
                grant.id, grant.person, grant.role, grant.unit, grant.council, grant.secret.rawValue, grant.secretHash,
                grant.createdAt, grant.expiresAt, grant.revokedAt, grant.grantedBy,
            ])
    }

    func record(_ version: WorkflowVersion) throws {
        let known =
            try Bool.fetchOne(db, sql: "SELECT 1 FROM workflow_version WHERE hash = ?", arguments: [version.hash])
            ?? false
        guard !known else { return }
        let order = (try Int64.fetchOne(db, sql: "SELECT MAX(recorded_order) FROM workflow_version") ?? 0) + 1
        try db.execute(
            sql:
                "INSERT INTO workflow_version (hash, workflow_id, file, source, recorded_at, recorded_order) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                version.hash, version.workflowID, version.file, Data(version.source), version.recordedAt, order,
            ])
    }

    func replaceOrganisation(_ organisation: Organisation) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try db.execute(sql: "DELETE FROM org_person; DELETE FROM org_unit; DELETE FROM org_level;")
        try db.execute(sql: "UPDATE org_import SET version = version + 1")
        for (position, level) in organisation.levels.enumerated() {
            try db.execute(sql: "INSERT INTO org_level (position, name) VALUES (?, ?)", arguments: [position, level])
        }
        for (position, unit) in organisation.units.enumerated() {
            try db.execute(
                sql: "INSERT INTO org_unit (id, position, name, parent, level, counts) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    unit.id, position, unit.name, unit.parent, unit.level,
                    String(decoding: try encoder.encode(unit.counts), as: UTF8.self),
                ])
        }
        for (position, person) in organisation.people.enumerated() {
            try db.execute(
                sql: "INSERT INTO org_person (id, position, name, unit, roles) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    person.id, position, person.name, person.unit,
                    String(decoding: try encoder.encode(person.roles), as: UTF8.self),
                ])
        }
    }

    func leaseOutbox(limit: Int, at instant: Instant, until: Instant) throws -> [OutboxLease] {
        let free = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM outbox WHERE delivered_at IS NULL AND (leased_until IS NULL OR leased_until <= ?)
                ORDER BY sequence LIMIT ?
                """, arguments: [instant, limit]
        ).map(Self.outboxItem)
        guard !free.isEmpty else { return [] }
        var token = try Int64.fetchOne(db, sql: "SELECT last FROM outbox_lease") ?? 0
        var leases: [OutboxLease] = []
        for item in free {
            token += 1
            try run(
                "UPDATE outbox SET lease_token = ?, leased_until = ? WHERE sequence = ?", [token, until, item.sequence])
            leases.append(OutboxLease(item: item, token: token, until: until))
        }
        try run("UPDATE outbox_lease SET last = ?", [token])
        return leases
    }

    func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) throws -> [Int64] {
        var accepted: [Int64] = []
        for lease in delivered {
            try run(
                "UPDATE outbox SET delivered_at = ?, leased_until = NULL WHERE sequence = ? AND lease_token = ?",
                [instant, lease.item.sequence, lease.token])
            if db.changesCount == 1 { accepted.append(lease.item.sequence) }
        }
        for lease in released {
            try run(
                "UPDATE outbox SET leased_until = NULL WHERE sequence = ? AND lease_token = ? AND delivered_at IS NULL",
                [lease.item.sequence, lease.token])
        }
        return accepted
    }

    func nextCampaignNumber(workflowID: String) throws -> Int {
        try run(
            """
            INSERT INTO campaign_counter (workflow_id, last) VALUES (?, 1)
            ON CONFLICT(workflow_id) DO UPDATE SET last = last + 1
            """, [workflowID])
        return try Int.fetchOne(
            db.cachedStatement(sql: "SELECT last FROM campaign_counter WHERE workflow_id = ?"),
            arguments: [workflowID]) ?? 1
    }

    @discardableResult
    func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws -> Int {
        if !storedTimers.heldSecretPaper, events.contains(where: \.isSecretPaper) {
            // The document's previous version held the counts before this paper: zero what the
            // update frees, so the database file keeps no trace of it.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            storedTimers.heldSecretPaper = true
        }
        let document = try codec.encode(campaign)
        // The due index mirrors the campaign's armed timers exactly: the rows of the timers it had
        // as stored (read with it in this transaction, or read now; nil for a campaign not stored
        // yet) give way to those it has.
        let stored = try storedTimers.byCampaign[campaign.id] ?? self.campaign(id: campaign.id)?.timers
        try document.withUnsafeBytes { document in
            if stored != nil {
                // An UPDATE rather than an upsert: the row is known to exist, so SQLite looks it
                // up once instead of first trying an insert.
                let update = try BoundStatement(
                    db,
                    """
                    UPDATE campaign SET state = ?, status = ?, event_count = ?, document = ?, updated_at = ? WHERE id = ?
                    """)
                try update.bind(1, campaign.state)
                try update.bind(2, campaign.status.rawValue)
                try update.bind(3, campaign.eventCount)
                try update.bind(4, borrowing: document)
                try update.bind(5, instant)
                try update.bind(6, campaign.id)
                try update.run()
                guard db.changesCount == 1 else {
                    throw DatabaseError(
                        resultCode: .SQLITE_NOTFOUND,
                        message: "campaign '\(campaign.id)' was read in this transaction but is not stored")
                }
            } else {
                let insert = try BoundStatement(
                    db,
                    """
                    INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document, started_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                try insert.bind(1, campaign.id)
                try insert.bind(2, campaign.workflowID)
                try insert.bind(3, campaign.workflowVersion)
                try insert.bind(4, campaign.state)
                try insert.bind(5, campaign.status.rawValue)
                try insert.bind(6, campaign.eventCount)
                try insert.bind(7, borrowing: document)
                try insert.bind(8, instant)
                try insert.bind(9, instant)
                try insert.run()
            }
        }
        try writeEntries(campaign.entries.pendingRows, of: campaign.id, isStored: stored != nil)
        let storedOrNone = stored ?? []
        for timer in storedOrNone where !campaign.timers.contains(where: { $0.id == timer.id && $0.due == timer.due }) {
            try removeFromDueIndex(DueTimer(campaignID: campaign.id, timerID: timer.id, due: timer.due))
        }
        for timer in campaign.timers where !storedOrNone.contains(where: { $0.id == timer.id && $0.due == timer.due }) {
            let insert = try BoundStatement(db, "INSERT INTO due_timer (due, campaign_id, timer_id) VALUES (?, ?, ?)")
            try insert.bind(1, timer.due)
            try insert.bind(2, campaign.id)
            try insert.bind(3, timer.id)
            try insert.run()
        }
        storedTimers.byCampaign[campaign.id] = campaign.timers
        try log(events)
        try enqueue(effects)
        return document.count
    }

    func enqueue(_ items: [OutboxItem]) throws {
        guard !items.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for item in items {
            try run(
                "INSERT INTO outbox (campaign_id, event_id, effect, created_at) VALUES (?, ?, ?, ?)",
                [item.campaignID, item.eventID, try encoder.encode(item.effect), item.createdAt])
        }
    }

    /// Rows with the numbers given: an `AUTOINCREMENT` table goes on after the largest.
    func restore(_ record: RestoredRecord) throws {
        switch record {
        case .campaign(let campaign, let entries, let startedAt, let updatedAt):
            try db.execute(
                sql: """
                    INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document, started_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    campaign.id, campaign.workflowID, campaign.workflowVersion, campaign.state,
                    campaign.status.rawValue, campaign.eventCount, Data(try codec.encode(campaign)), startedAt,
                    updatedAt,
                ])
            try writeEntries(.replace(entries), of: campaign.id, isStored: false)
            for timer in campaign.timers {
                try run(
                    "INSERT INTO due_timer (due, campaign_id, timer_id) VALUES (?, ?, ?)",
                    [timer.due, campaign.id, timer.id])
            }
            storedTimers.byCampaign[campaign.id] = campaign.timers
        case .events(let events):
            for event in events {
                try run(
                    """
                    INSERT INTO event (sequence, id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        event.sequence, event.id, event.campaignID, event.at, event.recordedAt, event.kind,
                        event.disposition.rawValue, event.lateBy, event.summary, Data(try event.action.json()),
                    ])
            }
        case .outbox(let items):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for stored in items {
                let item = stored.item
                try run(
                    """
                    INSERT INTO outbox (sequence, campaign_id, event_id, effect, created_at, delivered_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        item.sequence, item.campaignID, item.eventID, try encoder.encode(item.effect), item.createdAt,
                        stored.deliveredAt,
                    ])
            }
        case .campaignNumber(let workflowID, let last):
            try run("INSERT INTO campaign_counter (workflow_id, last) VALUES (?, ?)", [workflowID, last])
        case .audit(let records):
            for record in records { try insertAudit(record, sequence: record.sequence) }
        case .auditCheckpoint(let checkpoint):
            try insertCheckpoint(checkpoint)
        }
    }

    func removeFromDueIndex(_ timer: DueTimer) throws {
        let delete = try BoundStatement(db, "DELETE FROM due_timer WHERE due = ? AND campaign_id = ? AND timer_id = ?")
        try delete.bind(1, timer.due)
        try delete.bind(2, timer.campaignID)
        try delete.bind(3, timer.timerID)
        try delete.run()
    }

    /// Appends the events, up to 32 to a statement (an import logs a row per entry).
    func log(_ events: [LoggedEvent]) throws {
        var start = events.startIndex
        while start < events.endIndex {
            let batch = events[start..<min(start + Self.eventsPerStatement, events.endIndex)]
            let insert = try BoundStatement(db, Self.insertEvents[batch.count - 1])
            var parameter: Int32 = 1
            for event in batch {
                try insert.bind(parameter, event.id)
                try insert.bind(parameter + 1, event.campaignID)
                try insert.bind(parameter + 2, event.at)
                try insert.bind(parameter + 3, event.recordedAt)
                try insert.bind(parameter + 4, event.kind)
                try insert.bind(parameter + 5, event.disposition.rawValue)
                try insert.bind(parameter + 6, event.lateBy)
                try insert.bind(parameter + 7, event.summary)
                try insert.bind(parameter + 8, copying: try event.action.json())
                parameter += 9
            }
            try insert.run()
            start = batch.endIndex
        }
    }

    static let eventsPerStatement = 32

    /// The statements that append 1 to 32 events, made once.
    private static let insertEvents = (1...eventsPerStatement).map { count in
        "INSERT INTO event (id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action) VALUES "
            + repeatElement("(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
    }
}

/// One daemon's hold on a database file (``SQLiteStore/claimForDaemon()``), released when it is
/// released or the process ends.
public final class DaemonClaim: Sendable {
    private let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}

/// SQLite's errors in words for the person who runs the command (``StoreMessages``).
extension DatabaseError: StoreErrorDescribing {
    public var descriptionForPeople: String {
        switch resultCode.primaryResultCode {
        case .SQLITE_NOTADB: return "it is not a Laurel database (not an SQLite file)"
        case .SQLITE_CORRUPT: return "the database file is damaged; restore it from a backup (docs/operations.md)"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "another process held the database's write lock for 30 s; try again when it is done"
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_READONLY: return "the database may not be written (a read-only file or folder)"
        case .SQLITE_CANTOPEN: return "the file cannot be opened; check that its folder exists and may be written"
        case .SQLITE_IOERR: return "the disk could not be read or written (\(message ?? "input/output error"))"
        case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied"
        default: return message ?? "SQLite error \(resultCode.rawValue)"
        }
    }
}

extension SQLiteStore.OpenError: StoreErrorDescribing {
    public var descriptionForPeople: String { description }
}
