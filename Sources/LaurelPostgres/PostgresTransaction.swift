import Foundation
import LaurelCore
import LaurelStore
import Logging
import PostgresNIO
import Synchronization

/// The reads and writes of one PostgreSQL transaction, on one leased connection, for a
/// synchronous body: the body runs on a thread of NIO's blocking pool (never one of Swift's
/// cooperative pool), and each query is sent on the connection's event loop and waited for on
/// that thread (docs/architecture.md, "The store boundary").
///
/// A write transaction runs at `READ COMMITTED` and locks each campaign it reads
/// (`SELECT … FOR UPDATE`): a campaign is read, changed by the engine and saved by one
/// transaction at a time, whichever daemon or command runs it, and what it reads is the latest
/// commit. A read runs on one snapshot (`REPEATABLE READ READ ONLY`) and locks nothing.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let codec: CampaignCodec
    /// Whether campaigns read are locked for update (a write transaction).
    let locks: Bool
    /// What this transaction knows without asking the server again, and what it holds back.
    private let state = TransactionState()

    private final class TransactionState {
        /// The armed timers of each campaign as read or written in this transaction: the rows of
        /// the due index a save replaces.
        var byCampaign: [String: [ArmedTimer]] = [:]
        /// Whether this transaction has notified the daemons of a timer due soon.
        var notified = false
        /// Documents of the campaigns a claim locked, as the claim read them: the fires that
        /// follow read them from here rather than one query each. A save drops its campaign's.
        var claimedDocuments: [String: ByteBuffer] = [:]
        /// Saves of stored campaigns not sent yet (``PendingSaves``).
        var pending = PendingSaves()
    }

    /// Saves of campaigns already stored, held back and sent together, a few statements for the
    /// whole batch (an UPDATE from arrays, the due index's rows, the events, the outbox), before
    /// any other statement of the transaction and before it commits (``flush()``): a batch of
    /// fired timers costs the same few round trips however many it holds.
    struct PendingSaves {
        var campaigns: Set<String> = []
        var ids: [String] = []
        var states: [String] = []
        var statuses: [String] = []
        var eventCounts: [Int64] = []
        var documents: [ByteBuffer] = []
        var updatedAt: [Int64] = []
        var removed: [(campaign: String, due: Int64, timer: Int64)] = []
        var added: [(campaign: String, due: Int64, timer: Int64)] = []
        var events: [LoggedEvent] = []
        var effects: [OutboxItem] = []
        var audit: [AuditRecord] = []
        var notify = false

        var isEmpty: Bool { campaigns.isEmpty && events.isEmpty && effects.isEmpty && audit.isEmpty && !notify }
    }

    init(connection: PostgresConnection, logger: Logger, codec: CampaignCodec, locks: Bool) {
        self.connection = connection
        self.logger = logger
        self.codec = codec
        self.locks = locks
    }

    /// Runs a statement and waits for it; returns the number of rows it changed. Saves held
    /// back are sent first, so every statement sees them.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try flush()
        return try send(query).metadata.rows ?? 0
    }

    /// Runs a query and waits for all its rows, after the saves held back.
    func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        try flush()
        return try send(query).rows
    }

    private func send(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try Self.answer(to: query, on: connection, logger: logger).wait()
    }

    /// Sends the saves held back (``PendingSaves``); the transaction calls it before `COMMIT`.
    func flush() throws {
        guard !state.pending.isEmpty else { return }
        let pending = state.pending
        state.pending = PendingSaves()
        if !pending.ids.isEmpty {
            let changed =
                try send(
                    """
                    UPDATE campaign AS c SET state = u.state, status = u.status, event_count = u.event_count,
                        document = u.document, updated_at = u.updated_at
                    FROM unnest(\(pending.ids)::text[], \(pending.states)::text[], \(pending.statuses)::text[],
                        \(pending.eventCounts)::bigint[], \(pending.documents)::bytea[], \(pending.updatedAt)::bigint[])
                        AS u(id, state, status, event_count, document, updated_at)
                    WHERE c.id = u.id
                    """
                ).metadata.rows ?? 0
            guard changed == pending.ids.count else {
                throw PostgresStoreError.inconsistent(
                    "\(pending.ids.count - changed) of the campaigns read in this transaction are not stored")
            }
        }
        if !pending.removed.isEmpty {
            _ = try send(
                """
                DELETE FROM due_timer WHERE (campaign_id, due, timer_id) IN (
                    SELECT * FROM unnest(\(pending.removed.map(\.campaign))::text[], \(pending.removed.map(\.due))::bigint[],
                        \(pending.removed.map(\.timer))::bigint[]))
                """)
        }
        if !pending.added.isEmpty {
            _ = try send(
                """
                INSERT INTO due_timer (due, campaign_id, timer_id)
                SELECT due, campaign_id, timer_id FROM unnest(\(pending.added.map(\.due))::bigint[],
                    \(pending.added.map(\.campaign))::text[], \(pending.added.map(\.timer))::bigint[]) AS t(due, campaign_id, timer_id)
                """)
        }
        if pending.notify {
            // Delivered at the commit, to every daemon listening (none if it rolls back).
            _ = try send("SELECT pg_notify(\(PostgresStore.timersChannel), '')")
        }
        try insertEvents(pending.events)
        try insertEffects(pending.effects)
        try insertAudit(pending.audit)
    }

    /// The records in one statement, numbered in order; a missing text or salt travels as an
    /// empty one (no person's id is empty) and is stored as NULL.
    private func insertAudit(_ records: [AuditRecord]) throws {
        guard !records.isEmpty else { return }
        let salts = records.map { ByteBuffer(bytes: $0.personal?.salt ?? []) }
        _ = try send(
            """
            INSERT INTO audit_record (campaign_id, body, leaf_hash, salt, actor, address, subject)
            SELECT NULLIF(campaign_id, ''), body, leaf_hash, NULLIF(salt, ''::bytea), NULLIF(actor, ''),
                NULLIF(address, ''), NULLIF(subject, '')
            FROM unnest(\(records.map { $0.campaignID ?? "" })::text[], \(records.map { ByteBuffer(bytes: $0.body) })::bytea[],
                \(records.map { ByteBuffer(bytes: $0.leafHash) })::bytea[], \(salts)::bytea[],
                \(records.map { $0.personal?.actor ?? "" })::text[], \(records.map { $0.personal?.address ?? "" })::text[],
                \(records.map { $0.personal?.subject ?? "" })::text[])
                WITH ORDINALITY AS a(campaign_id, body, leaf_hash, salt, actor, address, subject, n)
            ORDER BY n
            """)
    }

    /// The longest a statement's answer is waited for. Laurel's statements take milliseconds;
    /// past this the connection is taken to be lost and is closed.
    static let answerTimeout: TimeAmount = .seconds(60)

    /// The answer to a query, or a failure after ``answerTimeout``: postgres-nio can leave a
    /// query sent as the server closed the connection (the session timeout) unanswered forever,
    /// and a daemon must never wait forever.
    static func answer(to query: PostgresQuery, on connection: PostgresConnection, logger: Logger)
        -> EventLoopFuture<PostgresQueryResult>
    {
        guard !connection.isClosed else {
            return connection.eventLoop.makeFailedFuture(PostgresStoreError.sessionEnded)
        }
        let promise = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        let answered = Mutex(false)
        let complete: @Sendable (Result<PostgresQueryResult, any Error>) -> Void = { result in
            let first = answered.withLock { answered in
                defer { answered = true }
                return !answered
            }
            if first { promise.completeWith(result) }
        }
        let deadline = connection.eventLoop.scheduleTask(in: answerTimeout) {
            complete(.failure(PostgresStoreError.sessionEnded))
            connection.close().whenComplete { _ in }
        }
        connection.query(query, logger: logger).whenComplete { result in
            deadline.cancel()
            complete(result)
        }
        return promise.futureResult
    }

    // MARK: Workflow versions

    func record(_ version: WorkflowVersion) throws {
        try execute(
            """
            INSERT INTO workflow_version (hash, workflow_id, file, source, recorded_at)
            VALUES (\(version.hash), \(version.workflowID), \(version.file), \(ByteBuffer(bytes: version.source)),
                \(version.recordedAt))
            ON CONFLICT (hash) DO NOTHING
            """)
    }

    func workflowVersion(hash: String) throws -> WorkflowVersion? {
        try rows("SELECT \(unescaped: Self.versionColumns) FROM workflow_version WHERE hash = \(hash)").first.map(
            Self.version)
    }

    func latestWorkflowVersions() throws -> [WorkflowVersion] {
        try rows(
            """
            SELECT DISTINCT ON (workflow_id) \(unescaped: Self.versionColumns) FROM workflow_version
            ORDER BY workflow_id, recorded_order DESC
            """
        ).map(Self.version)
    }

    func workflowVersions(workflowID: String) throws -> [WorkflowVersion] {
        try rows(
            """
            SELECT \(unescaped: Self.versionColumns) FROM workflow_version
            WHERE workflow_id = \(workflowID) ORDER BY recorded_order
            """
        ).map(Self.version)
    }

    func latestVersion(workflowID: String) throws -> String? {
        try rows(
            """
            SELECT hash FROM workflow_version WHERE workflow_id = \(workflowID)
            ORDER BY recorded_order DESC LIMIT 1
            """
        ).first.map { try $0.decode(String.self) }
    }

    private static let versionColumns = "hash, workflow_id, file, source, recorded_at"

    private static func version(_ row: PostgresRow) throws -> WorkflowVersion {
        // `bytea` as a buffer: a `[UInt8]` is PostgreSQL's array of "char", not bytes.
        let (hash, workflowID, file, source, recordedAt) = try row.decode(
            (String, String, String, ByteBuffer, Int64).self)
        return WorkflowVersion(
            hash: hash, workflowID: workflowID, file: file, source: Array(source.readableBytesView),
            recordedAt: recordedAt)
    }

    // MARK: Campaigns and their entries

    func campaign(id: String) throws -> Campaign? {
        let document: ByteBuffer
        if let claimed = state.claimedDocuments[id] {
            document = claimed
        } else {
            let query: PostgresQuery =
                locks
                ? "SELECT document FROM campaign WHERE id = \(id) FOR UPDATE"
                : "SELECT document FROM campaign WHERE id = \(id)"
            guard let row = try rows(query).first else { return nil }
            document = try row.decode(ByteBuffer.self)
        }
        let campaign = try codec.decode(Array(document.readableBytesView))
        state.byCampaign[id] = campaign.timers
        return campaign
    }

    /// The runs in position order, which is the entries' order.
    func entries(campaignID: String) throws -> [Entry] {
        var entries: [Entry] = []
        for row in try rows("SELECT body, count FROM entry_run WHERE campaign_id = \(campaignID) ORDER BY position") {
            let (body, count) = try row.decode((ByteBuffer, Int).self)
            try CampaignCodec.decodeEntries(ArraySlice(body.readableBytesView), count: count, into: &entries)
        }
        return entries
    }

    func containsEntry(campaignID: String, id: String) throws -> Bool {
        try !rows("SELECT 1 FROM entry_id WHERE campaign_id = \(campaignID) AND id = \(id)").isEmpty
    }

    func campaigns() throws -> [CampaignSummary] {
        try rows(
            """
            SELECT id, workflow_id, workflow_version, state, status, event_count, started_at, updated_at
            FROM campaign ORDER BY started_at, id
            """
        ).map { row in
            let (id, workflowID, version, state, status, eventCount, startedAt, updatedAt) = try row.decode(
                (String, String, String, String, String, Int, Int64, Int64).self)
            return CampaignSummary(
                id: id, workflowID: workflowID, workflowVersion: version, state: state,
                status: Campaign.Status(rawValue: status) ?? .running, eventCount: eventCount, startedAt: startedAt,
                updatedAt: updatedAt)
        }
    }

    func nextCampaignNumber(workflowID: String) throws -> Int {
        try rows(
            """
            INSERT INTO campaign_counter (workflow_id, last) VALUES (\(workflowID), 1)
            ON CONFLICT (workflow_id) DO UPDATE SET last = campaign_counter.last + 1
            RETURNING last
            """
        ).first.map { try $0.decode(Int.self) } ?? 1
    }

    @discardableResult
    func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws -> Int {
        let document = try codec.encode(campaign)
        // The due index mirrors the campaign's armed timers exactly: the rows of the timers it had
        // as stored (read with it in this transaction, or read now; nil for a campaign not stored
        // yet) give way to those it has.
        let stored = try state.byCampaign[campaign.id] ?? self.campaign(id: campaign.id)?.timers
        state.claimedDocuments[campaign.id] = nil
        if let stored, !state.pending.campaigns.contains(campaign.id),
            case .append(_, let appended) = campaign.entries.pendingRows, appended.isEmpty
        {
            // A stored campaign whose entries stay as they are (a timer, most events): held back
            // and sent with the others of the batch.
            holdBack(campaign, document: document, stored: stored, events: events, effects: effects, at: instant)
            return document.count
        }
        if stored != nil {
            let changed = try execute(
                """
                UPDATE campaign SET state = \(campaign.state), status = \(campaign.status.rawValue),
                    event_count = \(campaign.eventCount), document = \(ByteBuffer(bytes: document)),
                    updated_at = \(instant)
                WHERE id = \(campaign.id)
                """)
            guard changed == 1 else {
                throw PostgresStoreError.inconsistent(
                    "campaign '\(campaign.id)' was read in this transaction but is not stored")
            }
        } else {
            try execute(
                """
                INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document,
                    started_at, updated_at)
                VALUES (\(campaign.id), \(campaign.workflowID), \(campaign.workflowVersion), \(campaign.state),
                    \(campaign.status.rawValue), \(campaign.eventCount), \(ByteBuffer(bytes: document)), \(instant),
                    \(instant))
                """)
        }
        try writeEntries(campaign.entries.pendingRows, of: campaign.id, isStored: stored != nil)
        let storedOrNone = stored ?? []
        let removed = storedOrNone.filter { timer in
            !campaign.timers.contains(where: { $0.id == timer.id && $0.due == timer.due })
        }
        let added = campaign.timers.filter { timer in
            !storedOrNone.contains(where: { $0.id == timer.id && $0.due == timer.due })
        }
        if !removed.isEmpty {
            try execute(
                """
                DELETE FROM due_timer WHERE campaign_id = \(campaign.id)
                    AND (due, timer_id) IN (SELECT * FROM unnest(\(removed.map(\.due))::bigint[], \(removed.map { Int64($0.id) })::bigint[]))
                """)
        }
        if !added.isEmpty {
            try execute(
                """
                INSERT INTO due_timer (due, campaign_id, timer_id)
                SELECT due, \(campaign.id), timer_id FROM unnest(\(added.map(\.due))::bigint[], \(added.map { Int64($0.id) })::bigint[]) AS t(due, timer_id)
                """)
        }
        state.byCampaign[campaign.id] = campaign.timers
        if !state.notified, added.contains(where: { $0.due <= instant + PostgresStore.wakeUpHorizon }) {
            // Delivered at the commit, to every daemon listening (none if it rolls back).
            try execute("SELECT pg_notify(\(PostgresStore.timersChannel), '')")
            state.notified = true
        }
        try log(events)
        try insertEffects(effects)
        return document.count
    }

    /// Queues a stored campaign's save in ``PendingSaves``.
    private func holdBack(
        _ campaign: Campaign, document: [UInt8], stored: [ArmedTimer], events: [LoggedEvent], effects: [OutboxItem],
        at instant: Instant
    ) {
        var pending = state.pending
        state.pending = PendingSaves()  // one reference while it is changed: no copy
        pending.campaigns.insert(campaign.id)
        pending.ids.append(campaign.id)
        pending.states.append(campaign.state)
        pending.statuses.append(campaign.status.rawValue)
        pending.eventCounts.append(Int64(campaign.eventCount))
        pending.documents.append(ByteBuffer(bytes: document))
        pending.updatedAt.append(instant)
        for timer in stored where !campaign.timers.contains(where: { $0.id == timer.id && $0.due == timer.due }) {
            pending.removed.append((campaign.id, timer.due, Int64(timer.id)))
        }
        let added = campaign.timers.filter { timer in
            !stored.contains(where: { $0.id == timer.id && $0.due == timer.due })
        }
        for timer in added { pending.added.append((campaign.id, timer.due, Int64(timer.id))) }
        state.byCampaign[campaign.id] = campaign.timers
        if !state.notified, added.contains(where: { $0.due <= instant + PostgresStore.wakeUpHorizon }) {
            pending.notify = true
            state.notified = true
        }
        pending.events += events
        pending.effects += effects
        state.pending = pending
    }

    /// Appends outbox items in one statement.
    private func insertEffects(_ effects: [OutboxItem]) throws {
        guard !effects.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bodies = try effects.map { ByteBuffer(bytes: try encoder.encode($0.effect)) }
        _ = try send(
            """
            INSERT INTO outbox (campaign_id, event_id, effect, created_at)
            SELECT campaign_id, event_id, effect, created_at
            FROM unnest(\(effects.map(\.campaignID))::text[], \(effects.map(\.eventID))::text[], \(bodies)::bytea[],
                \(effects.map(\.createdAt))::bigint[]) WITH ORDINALITY AS o(campaign_id, event_id, effect, created_at, n)
            ORDER BY n
            """)
    }

    /// Writes what a save of the campaign's entries must (``EntryList/pendingRows``); an id the
    /// campaign already holds is refused with ``DuplicateEntry``.
    func writeEntries(_ pending: EntryList.PendingRows, of campaignID: String, isStored: Bool) throws {
        switch pending {
        case .append(let after, let appended):
            try insertIDs(appended[...], of: campaignID)
            try insertRuns(appended[...], of: campaignID, from: after)
        case .update(let count, let all):
            // Results recorded: the runs are written again from position 0, 256 entries to a run,
            // over the runs at those positions; any other run goes.
            if isStored {
                try execute(
                    "DELETE FROM entry_run WHERE campaign_id = \(campaignID) AND position % \(Self.entriesPerRun) <> 0")
            }
            try insertIDs(all.dropFirst(count), of: campaignID)
            try insertRuns(all[...], of: campaignID, from: 0)
        case .replace(let all):
            if isStored {
                try execute("DELETE FROM entry_run WHERE campaign_id = \(campaignID)")
                try execute("DELETE FROM entry_id WHERE campaign_id = \(campaignID)")
            }
            try insertIDs(all[...], of: campaignID)
            try insertRuns(all[...], of: campaignID, from: 0)
        }
    }

    static let entriesPerRun = 256

    /// The entries as runs of up to 256, the first at position `first`, in one statement.
    private func insertRuns(_ entries: ArraySlice<Entry>, of campaignID: String, from first: Int) throws {
        guard !entries.isEmpty else { return }
        var positions: [Int64] = []
        var counts: [Int64] = []
        var bodies: [ByteBuffer] = []
        var start = entries.startIndex
        while start < entries.endIndex {
            let run = entries[start..<min(start + Self.entriesPerRun, entries.endIndex)]
            positions.append(Int64(first + (start - entries.startIndex)))
            counts.append(Int64(run.count))
            bodies.append(ByteBuffer(bytes: CampaignCodec.encodeEntries(run)))
            start = run.endIndex
        }
        try execute(
            """
            INSERT INTO entry_run (campaign_id, position, count, body)
            SELECT \(campaignID), position, count, body
            FROM unnest(\(positions)::bigint[], \(counts)::bigint[], \(bodies)::bytea[]) AS r(position, count, body)
            ON CONFLICT (campaign_id, position) DO UPDATE SET count = excluded.count, body = excluded.body
            """)
    }

    /// The entries' ids in one statement. An id held already (or repeated) is refused with
    /// ``DuplicateEntry``: the insert skips it rather than failing, since a failed statement
    /// would end the transaction before the refusal could name the entry.
    private func insertIDs(_ entries: ArraySlice<Entry>, of campaignID: String) throws {
        guard !entries.isEmpty else { return }
        let ids = entries.map(\.id)
        let inserted = try rows(
            """
            INSERT INTO entry_id (campaign_id, id) SELECT \(campaignID), id FROM unnest(\(ids)::text[]) AS i(id)
            ON CONFLICT DO NOTHING RETURNING id
            """)
        guard inserted.count < ids.count else { return }
        // The first id not inserted, in the batch's order: one held before, or one repeated.
        var fresh = Set(try inserted.map { try $0.decode(String.self) })
        let held = ids.first { fresh.remove($0) == nil } ?? ids[0]
        throw DuplicateEntry(campaignID: campaignID, entryID: held)
    }

    // MARK: The log

    func events(campaignID: String) throws -> [LoggedEvent] {
        try rows(
            "SELECT \(unescaped: Self.eventColumns) FROM event WHERE campaign_id = \(campaignID) ORDER BY sequence"
        )
        .map(Self.loggedEvent)
    }

    func latestEvents(campaignID: String, limit: Int) throws -> [LoggedEvent] {
        try rows(
            """
            SELECT \(unescaped: Self.eventColumns) FROM (
                SELECT \(unescaped: Self.eventColumns) FROM event WHERE campaign_id = \(campaignID)
                ORDER BY sequence DESC LIMIT \(limit)) AS latest
            ORDER BY sequence
            """
        )
        .map(Self.loggedEvent)
    }

    func latestEventSequence() throws -> Int64 {
        try rows("SELECT COALESCE(MAX(sequence), 0) FROM event").first.map { try $0.decode(Int64.self) } ?? 0
    }

    func eventSequences(after sequence: Int64, limit: Int) throws -> [(campaignID: String, sequence: Int64)] {
        try rows(
            "SELECT campaign_id, sequence FROM event WHERE sequence > \(sequence) ORDER BY sequence LIMIT \(Int64(limit))"
        )
        .map { try $0.decode((String, Int64).self) }
        .map { (campaignID: $0.0, sequence: $0.1) }
    }

    func eventCount() throws -> Int {
        try rows("SELECT COUNT(*) FROM event").first.map { try $0.decode(Int.self) } ?? 0
    }

    func containsEvent(id: String) throws -> Bool {
        try !rows("SELECT 1 FROM event WHERE id = \(id)").isEmpty
    }

    func event(id: String) throws -> LoggedEvent? {
        try rows("SELECT \(unescaped: Self.eventColumns) FROM event WHERE id = \(id)").first.map(Self.loggedEvent)
    }

    /// Appends the events, after the saves held back.
    func log(_ events: [LoggedEvent]) throws {
        try flush()
        try insertEvents(events)
    }

    /// Appends events in one statement of arrays, in their order (so their sequences follow it).
    private func insertEvents(_ events: [LoggedEvent]) throws {
        guard !events.isEmpty else { return }
        let actions = try events.map { ByteBuffer(bytes: try $0.action.json()) }
        _ = try send(
            """
            INSERT INTO event (id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action)
            SELECT id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action
            FROM unnest(\(events.map(\.id))::text[], \(events.map(\.campaignID))::text[], \(events.map(\.at))::bigint[],
                \(events.map(\.recordedAt))::bigint[], \(events.map(\.kind))::text[],
                \(events.map(\.disposition.rawValue))::text[], \(events.map(\.lateBy))::bigint[],
                \(events.map(\.summary))::text[], \(actions)::bytea[])
                WITH ORDINALITY AS e(id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action, n)
            ORDER BY n
            """)
    }

    func loggedEvents(among ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(try rows("SELECT id FROM event WHERE id = ANY(\(ids)::text[])").map { try $0.decode(String.self) })
    }

    static let eventColumns =
        "sequence, id, campaign_id, at, recorded_at, disposition, late_by, summary, action"

    static func loggedEvent(_ row: PostgresRow) throws -> LoggedEvent {
        let (sequence, id, campaignID, at, recordedAt, disposition, lateBy, summary, action) = try row.decode(
            (Int64, String, String, Int64, Int64, String, Int64, String, ByteBuffer).self)
        return LoggedEvent(
            id: id, campaignID: campaignID, sequence: sequence, at: at, recordedAt: recordedAt,
            action: try LoggedAction(json: Array(action.readableBytesView)),
            disposition: LoggedEvent.Disposition(rawValue: disposition) ?? .applied, lateBy: lateBy, summary: summary)
    }

    // MARK: The due index

    func dueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        let query: PostgresQuery = """
            SELECT campaign_id, timer_id, due FROM due_timer
            WHERE due <= \(instant) \(unescaped: after == nil ? "" : "AND (due, campaign_id, timer_id) > ($3, $4, $5)")
            ORDER BY due, campaign_id, timer_id LIMIT \(Int64(limit))
            """
        return try rows(query.binding(after)).map(Self.dueTimer)
    }

    /// Due timers whose campaigns this transaction locks, skipping campaigns another transaction
    /// holds (`FOR UPDATE SKIP LOCKED`): two daemons claim disjoint campaigns, and a campaign a
    /// command is changing waits for the next claim. The lock is the campaign's, the aggregate
    /// a fire changes, not the timer row's. The timers are then read again under the locks: a
    /// timer another daemon fired and committed while this claim ran is not returned.
    func claimDueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        let lock: PostgresQuery = """
            SELECT c.id, c.document FROM due_timer d JOIN campaign c ON c.id = d.campaign_id
            WHERE d.due <= \(instant) \(unescaped: after == nil ? "" : "AND (d.due, d.campaign_id, d.timer_id) > ($3, $4, $5)")
            ORDER BY d.due, d.campaign_id, d.timer_id LIMIT \(Int64(limit))
            FOR UPDATE OF c SKIP LOCKED
            """
        var locked: Set<String> = []
        for row in try rows(lock.binding(after)) {
            let (id, document) = try row.decode((String, ByteBuffer).self)
            if locked.insert(id).inserted, !state.pending.campaigns.contains(id) {
                state.claimedDocuments[id] = document
            }
        }
        guard !locked.isEmpty else { return [] }
        let reread: PostgresQuery = """
            SELECT campaign_id, timer_id, due FROM due_timer
            WHERE campaign_id = ANY(\(Array(locked))::text[]) AND due <= \(instant)
                \(unescaped: after == nil ? "" : "AND (due, campaign_id, timer_id) > ($4, $5, $6)")
            ORDER BY due, campaign_id, timer_id LIMIT \(Int64(limit))
            """
        return try rows(reread.binding(after)).map(Self.dueTimer)
    }

    func nextDue() throws -> Instant? {
        try rows("SELECT MIN(due) FROM due_timer").first.flatMap { try $0.decode(Int64?.self) }
    }

    func timers(campaignID: String) throws -> [DueTimer] {
        try rows(
            "SELECT campaign_id, timer_id, due FROM due_timer WHERE campaign_id = \(campaignID) ORDER BY due, timer_id"
        ).map(Self.dueTimer)
    }

    func removeFromDueIndex(_ timer: DueTimer) throws {
        try execute(
            """
            DELETE FROM due_timer WHERE due = \(timer.due) AND campaign_id = \(timer.campaignID)
                AND timer_id = \(Int64(timer.timerID))
            """)
    }

    private static func dueTimer(_ row: PostgresRow) throws -> DueTimer {
        let (campaignID, timerID, due) = try row.decode((String, Int, Int64).self)
        return DueTimer(campaignID: campaignID, timerID: timerID, due: due)
    }

    // MARK: Organisation

    func organisation() throws -> Organisation {
        let decoder = JSONDecoder()
        let levels = try rows("SELECT name FROM org_level ORDER BY position").map { try $0.decode(String.self) }
        let units = try rows("SELECT id, name, parent, level, counts FROM org_unit ORDER BY position").map { row in
            let (id, name, parent, level, counts) = try row.decode((String, String, String?, String, String).self)
            return Organisation.Unit(
                id: id, name: name, parent: parent, level: level,
                counts: try decoder.decode([String: Int].self, from: Data(counts.utf8)))
        }
        let people = try rows("SELECT id, name, unit, roles FROM org_person ORDER BY position").map { row in
            let (id, name, unit, roles) = try row.decode((String, String, String, String).self)
            return Organisation.Person(
                id: id, name: name, unit: unit, roles: try decoder.decode([String].self, from: Data(roles.utf8)))
        }
        return Organisation(levels: levels, units: units, people: people)
    }

    func organisationVersion() throws -> Int {
        try rows("SELECT version FROM org_import").first.map { try $0.decode(Int.self) } ?? 0
    }

    /// Replaces the organisation as a whole. The version's row is updated first: two imports at
    /// once take turns on its lock.
    func replaceOrganisation(_ organisation: Organisation) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try execute("UPDATE org_import SET version = version + 1")
        try execute("DELETE FROM org_person")
        try execute("DELETE FROM org_unit")
        try execute("DELETE FROM org_level")
        if !organisation.levels.isEmpty {
            try execute(
                """
                INSERT INTO org_level (position, name)
                SELECT n - 1, name FROM unnest(\(organisation.levels)::text[]) WITH ORDINALITY AS l(name, n)
                """)
        }
        if !organisation.units.isEmpty {
            let units = organisation.units
            try execute(
                """
                INSERT INTO org_unit (id, position, name, parent, level, counts)
                SELECT id, n - 1, name, NULLIF(parent, ''), level, counts
                FROM unnest(\(units.map(\.id))::text[], \(units.map(\.name))::text[], \(units.map { $0.parent ?? "" })::text[],
                    \(units.map(\.level))::text[],
                    \(try units.map { String(decoding: try encoder.encode($0.counts), as: UTF8.self) })::text[])
                    WITH ORDINALITY AS u(id, name, parent, level, counts, n)
                """)
        }
        if !organisation.people.isEmpty {
            let people = organisation.people
            try execute(
                """
                INSERT INTO org_person (id, position, name, unit, roles)
                SELECT id, n - 1, name, unit, roles
                FROM unnest(\(people.map(\.id))::text[], \(people.map(\.name))::text[], \(people.map(\.unit))::text[],
                    \(try people.map { String(decoding: try encoder.encode($0.roles), as: UTF8.self) })::text[])
                    WITH ORDINALITY AS p(id, name, unit, roles, n)
                """)
        }
    }

    // MARK: Outbox, recurrences, parents

    func outboxBacklog() throws -> Int {
        try rows("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").first.map { Int(try $0.decode(Int64.self)) }
            ?? 0
    }

    func pendingOutbox(limit: Int) throws -> [OutboxItem] {
        try rows(
            """
            SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE delivered_at IS NULL
            ORDER BY sequence LIMIT \(Int64(limit))
            """
        ).map(Self.outboxItem)
    }

    /// Items no lease holds, taken past those another daemon is taking at this moment
    /// (`SKIP LOCKED`), each with the next token of a sequence.
    func leaseOutbox(limit: Int, at instant: Instant, until: Instant) throws -> [OutboxLease] {
        try rows(
            """
            UPDATE outbox o SET lease_token = nextval('outbox_lease_token'), leased_until = \(until)
            FROM (
                SELECT sequence FROM outbox
                WHERE delivered_at IS NULL AND (leased_until IS NULL OR leased_until <= \(instant))
                ORDER BY sequence LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED
            ) AS free
            WHERE o.sequence = free.sequence
            RETURNING o.sequence, o.campaign_id, o.event_id, o.effect, o.created_at, o.lease_token
            """
        ).map { row in
            OutboxLease(
                item: try Self.outboxItem(row), token: try row.makeRandomAccess()[5].decode(Int64.self), until: until)
        }.sorted { $0.item.sequence < $1.item.sequence }
    }

    func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) throws -> [Int64] {
        var accepted: [Int64] = []
        if !delivered.isEmpty {
            accepted = try rows(
                """
                UPDATE outbox SET delivered_at = \(instant), leased_until = NULL
                WHERE (sequence, lease_token) IN (
                    SELECT * FROM unnest(\(delivered.map(\.item.sequence))::bigint[], \(delivered.map(\.token))::bigint[]))
                RETURNING sequence
                """
            ).map { try $0.decode(Int64.self) }.sorted()
        }
        if !released.isEmpty {
            try execute(
                """
                UPDATE outbox SET leased_until = NULL
                WHERE delivered_at IS NULL AND (sequence, lease_token) IN (
                    SELECT * FROM unnest(\(released.map(\.item.sequence))::bigint[], \(released.map(\.token))::bigint[]))
                """)
        }
        return accepted
    }

    static let outboxColumns = "sequence, campaign_id, event_id, effect, created_at"

    /// An item from the first five columns of a row (``outboxColumns``).
    static func outboxItem(_ row: PostgresRow) throws -> OutboxItem {
        let columns = row.makeRandomAccess()
        return OutboxItem(
            sequence: try columns[0].decode(Int64.self), campaignID: try columns[1].decode(String.self),
            eventID: try columns[2].decode(String.self),
            effect: try JSONDecoder().decode(
                Effect.self, from: Data(try columns[3].decode(ByteBuffer.self).readableBytesView)),
            createdAt: try columns[4].decode(Int64.self))
    }

    func recurrence(workflowID: String) throws -> RecurrenceCursor? {
        try rows("SELECT last_cycle, first_seen FROM recurrence WHERE workflow_id = \(workflowID)").first.map { row in
            let (lastCycle, firstSeen) = try row.decode((Int64?, Int64).self)
            return RecurrenceCursor(lastCycle: lastCycle, firstSeen: firstSeen)
        }
    }

    func setRecurrence(_ cursor: RecurrenceCursor, workflowID: String) throws {
        try execute(
            """
            INSERT INTO recurrence (workflow_id, last_cycle, first_seen)
            VALUES (\(workflowID), \(cursor.lastCycle), \(cursor.firstSeen))
            ON CONFLICT (workflow_id) DO UPDATE SET last_cycle = excluded.last_cycle
            """)
    }

    func setParent(_ parent: String, unit: String?, of child: String) throws {
        try execute("INSERT INTO campaign_parent (child_id, parent_id, unit) VALUES (\(child), \(parent), \(unit))")
    }

    func parent(of child: String) throws -> (campaign: String, unit: String?)? {
        try rows("SELECT parent_id, unit FROM campaign_parent WHERE child_id = \(child)").first.map { row in
            try row.decode((String, String?).self)
        }
    }
}

extension PostgresTransaction {
    // MARK: A copy of the whole store

    func events(after sequence: Int64, limit: Int) throws -> [LoggedEvent] {
        try rows(
            """
            SELECT \(unescaped: Self.eventColumns) FROM event WHERE sequence > \(sequence)
            ORDER BY sequence LIMIT \(Int64(limit))
            """
        ).map(Self.loggedEvent)
    }

    func outbox(after sequence: Int64, limit: Int) throws -> [StoredOutboxItem] {
        try rows(
            """
            SELECT \(unescaped: Self.outboxColumns), delivered_at FROM outbox WHERE sequence > \(sequence)
            ORDER BY sequence LIMIT \(Int64(limit))
            """
        ).map { row in
            StoredOutboxItem(
                item: try Self.outboxItem(row), deliveredAt: try row.makeRandomAccess()[5].decode(Int64?.self))
        }
    }

    func outbox(campaignID: String) throws -> [OutboxItem] {
        try rows(
            """
            SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE campaign_id = \(campaignID) ORDER BY sequence
            """
        ).map(Self.outboxItem)
    }

    func campaignNumbers() throws -> [String: Int] {
        Dictionary(
            uniqueKeysWithValues: try rows("SELECT workflow_id, last FROM campaign_counter").map {
                try $0.decode((String, Int).self)
            })
    }

    func recurrences() throws -> [String: RecurrenceCursor] {
        Dictionary(
            uniqueKeysWithValues: try rows("SELECT workflow_id, last_cycle, first_seen FROM recurrence").map { row in
                let (workflowID, lastCycle, firstSeen) = try row.decode((String, Int64?, Int64).self)
                return (workflowID, RecurrenceCursor(lastCycle: lastCycle, firstSeen: firstSeen))
            })
    }

    func parents() throws -> [ParentLink] {
        try rows("SELECT child_id, parent_id, unit FROM campaign_parent ORDER BY child_id").map { row in
            let (child, parent, unit) = try row.decode((String, String, String?).self)
            return ParentLink(child: child, parent: parent, unit: unit)
        }
    }

    func accessGrants() throws -> [AccessGrant] {
        try rows("SELECT \(unescaped: Self.grantColumns) FROM access_grant ORDER BY granted_order").map(
            Self.accessGrant)
    }

    func accessGrant(secretHash: String) throws -> AccessGrant? {
        try rows("SELECT \(unescaped: Self.grantColumns) FROM access_grant WHERE secret_hash = \(secretHash)").first
            .map(
                Self.accessGrant)
    }

    private static let grantColumns =
        "id, person, role, unit, council, secret, secret_hash, created_at, expires_at, revoked_at, granted_by"

    private static func accessGrant(_ row: PostgresRow) throws -> AccessGrant {
        let (id, person, role, unit, council, secret, secretHash, createdAt, expiresAt, revokedAt, grantedBy) =
            try row.decode(
                (String, String, String, String?, String?, String, String, Int64, Int64, Int64?, String).self)
        guard let kind = AccessGrant.Secret(rawValue: secret) else {
            throw UnreadableRecord("access grant '\(id)' has an unknown kind of secret '\(secret)'")
        }
        return AccessGrant(
            id: id, person: person, role: role, unit: unit, council: council, secret: kind, secretHash: secretHash,
            createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt, grantedBy: grantedBy)
    }

    func saveAccessGrant(_ grant: AccessGrant) throws {
        try execute(
            """
            INSERT INTO access_grant (id, person, role, unit, council, secret, secret_hash, created_at, expires_at,
                revoked_at, granted_by)
            VALUES (\(grant.id), \(grant.person), \(grant.role), \(grant.unit), \(grant.council),
                \(grant.secret.rawValue), \(grant.secretHash), \(grant.createdAt), \(grant.expiresAt),
                \(grant.revokedAt), \(grant.grantedBy))
            ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, revoked_at = excluded.revoked_at
            """)
    }

    private static let auditColumns =
        "sequence, leaf_index, campaign_id, body, leaf_hash, salt, actor, address, subject"

    func auditRecords(fromLeaf first: Int64, limit: Int) throws -> [AuditRecord] {
        try rows(
            """
            SELECT \(unescaped: Self.auditColumns) FROM audit_record WHERE leaf_index >= \(first)
            ORDER BY leaf_index LIMIT \(Int64(limit))
            """
        ).map(Self.auditRecord)
    }

    func unplacedAuditRecords(limit: Int) throws -> [AuditRecord] {
        try rows(
            """
            SELECT \(unescaped: Self.auditColumns) FROM audit_record WHERE leaf_index IS NULL
            ORDER BY sequence LIMIT \(Int64(limit))
            """
        ).map(Self.auditRecord)
    }

    func auditRecords(campaignID: String) throws -> [AuditRecord] {
        try rows(
            """
            SELECT \(unescaped: Self.auditColumns) FROM audit_record WHERE campaign_id = \(campaignID)
            ORDER BY sequence
            """
        ).map(Self.auditRecord)
    }

    private static func auditRecord(_ row: PostgresRow) throws -> AuditRecord {
        let (sequence, leaf, campaign, body, leafHash, salt, actor, address, subject) = try row.decode(
            (Int64, Int64?, String?, ByteBuffer, ByteBuffer, ByteBuffer?, String?, String?, String?).self)
        return AuditRecord(
            sequence: sequence, leafIndex: leaf, campaignID: campaign, body: Array(buffer: body),
            leafHash: Array(buffer: leafHash),
            personal: salt.map {
                AuditPersonal(salt: Array(buffer: $0), actor: actor, address: address, subject: subject)
            })
    }

    func auditCheckpoints() throws -> [AuditCheckpoint] {
        try rows("SELECT size, root, peaks, signed_at, note, signature FROM audit_checkpoint ORDER BY size").map {
            row in
            let (size, root, peaks, signedAt, note, signature) = try row.decode(
                (Int64, ByteBuffer, ByteBuffer, Int64, String, ByteBuffer).self)
            let bytes = Array(buffer: peaks)
            return AuditCheckpoint(
                size: size, root: Array(buffer: root),
                peaks: stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<min($0 + 32, bytes.count)]) },
                signedAt: signedAt, note: note, signature: Array(buffer: signature))
        }
    }

    func approvals() throws -> [Approval] {
        try rows(
            """
            SELECT id, campaign_id, action, detail, summary, version, requested_by, requested_at, expires_at,
                decision, decided_by, decided_at
            FROM approval ORDER BY made_order
            """
        ).map { row in
            let (
                id, campaign, action, detail, summary, version, requestedBy, requestedAt, expiresAt, decision,
                decidedBy, decidedAt
            ) = try row.decode(
                (String, String, String, ByteBuffer, String, Int64, String, Int64, Int64, String?, String?, Int64?).self
            )
            guard decision == nil || Approval.Decision(rawValue: decision!) != nil else {
                throw UnreadableRecord("approval '\(id)' has an unknown decision '\(decision!)'")
            }
            return Approval(
                id: id, campaignID: campaign, action: action, detail: Array(buffer: detail), summary: summary,
                version: Int(version), requestedBy: requestedBy, requestedAt: requestedAt, expiresAt: expiresAt,
                decision: decision.flatMap(Approval.Decision.init(rawValue:)), decidedBy: decidedBy,
                decidedAt: decidedAt)
        }
    }

    func saveApproval(_ approval: Approval) throws {
        try execute(
            """
            INSERT INTO approval (id, campaign_id, action, detail, summary, version, requested_by, requested_at,
                expires_at, decision, decided_by, decided_at)
            VALUES (\(approval.id), \(approval.campaignID), \(approval.action), \(ByteBuffer(bytes: approval.detail)),
                \(approval.summary), \(Int64(approval.version)), \(approval.requestedBy), \(approval.requestedAt),
                \(approval.expiresAt), \(approval.decision?.rawValue), \(approval.decidedBy), \(approval.decidedAt))
            ON CONFLICT (id) DO UPDATE SET decision = excluded.decision, decided_by = excluded.decided_by,
                decided_at = excluded.decided_at
            """)
    }

    func enqueue(_ items: [OutboxItem]) throws {
        state.pending.effects += items
    }

    /// Held back with the saves and sent with them: a batch of fired timers adds one statement.
    func appendAudit(_ records: [AuditRecord]) throws {
        state.pending.audit += records
    }

    func placeAudit(_ placements: [(sequence: Int64, leaf: Int64)], checkpoint: AuditCheckpoint) throws {
        if !placements.isEmpty {
            // Only records without a leaf: one another daemon placed meanwhile makes the count short.
            let placed = try execute(
                """
                UPDATE audit_record AS r SET leaf_index = p.leaf
                FROM unnest(\(placements.map(\.sequence))::bigint[], \(placements.map(\.leaf))::bigint[]) AS p(sequence, leaf)
                WHERE r.sequence = p.sequence AND r.leaf_index IS NULL
                """)
            guard placed == placements.count else {
                throw AuditConflict(sequence: placements[0].sequence)
            }
        }
        try insertCheckpoint(checkpoint)
    }

    private func insertCheckpoint(_ checkpoint: AuditCheckpoint) throws {
        try execute(
            """
            INSERT INTO audit_checkpoint (size, root, peaks, signed_at, note, signature)
            VALUES (\(checkpoint.size), \(ByteBuffer(bytes: checkpoint.root)),
                \(ByteBuffer(bytes: checkpoint.peaks.flatMap { $0 })), \(checkpoint.signedAt), \(checkpoint.note),
                \(ByteBuffer(bytes: checkpoint.signature)))
            """)
    }

    func eraseFromAudit(person: String) throws -> Int {
        try execute(
            """
            UPDATE audit_record SET salt = NULL, actor = NULL, address = NULL, subject = NULL
            WHERE actor = \(person) OR subject = \(person)
            """)
    }

    /// Rows with the numbers given (`OVERRIDING SYSTEM VALUE`); the identity then goes on after
    /// the largest number in the table.
    func restore(_ record: RestoredRecord) throws {
        switch record {
        case .campaign(let campaign, let entries, let startedAt, let updatedAt):
            try execute(
                """
                INSERT INTO campaign (id, workflow_id, workflow_version, state, status, event_count, document,
                    started_at, updated_at)
                VALUES (\(campaign.id), \(campaign.workflowID), \(campaign.workflowVersion), \(campaign.state),
                    \(campaign.status.rawValue), \(campaign.eventCount), \(ByteBuffer(bytes: try codec.encode(campaign))),
                    \(startedAt), \(updatedAt))
                """)
            try writeEntries(.replace(entries), of: campaign.id, isStored: false)
            if !campaign.timers.isEmpty {
                try execute(
                    """
                    INSERT INTO due_timer (due, campaign_id, timer_id)
                    SELECT due, \(campaign.id), timer_id
                    FROM unnest(\(campaign.timers.map(\.due))::bigint[], \(campaign.timers.map { Int64($0.id) })::bigint[]) AS t(due, timer_id)
                    """)
            }
        case .events(let events):
            guard !events.isEmpty else { return }
            var bindings = PostgresBindings(capacity: events.count * 10)
            var values: [String] = []
            for event in events {
                let first = bindings.count
                bindings.append(event.sequence)
                bindings.append(event.id)
                bindings.append(event.campaignID)
                bindings.append(event.at)
                bindings.append(event.recordedAt)
                bindings.append(event.kind)
                bindings.append(event.disposition.rawValue)
                bindings.append(event.lateBy)
                bindings.append(event.summary)
                bindings.append(ByteBuffer(bytes: try event.action.json()))
                values.append("(" + (1...10).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
            }
            try execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO event (sequence, id, campaign_id, at, recorded_at, kind, disposition, late_by, summary, action)
                        OVERRIDING SYSTEM VALUE VALUES \(values.joined(separator: ", "))
                        """, binds: bindings))
            try execute(
                "SELECT setval(pg_get_serial_sequence('event', 'sequence'), (SELECT max(sequence) FROM event))")
        case .outbox(let items):
            guard !items.isEmpty else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var bindings = PostgresBindings(capacity: items.count * 6)
            var values: [String] = []
            for stored in items {
                let first = bindings.count
                bindings.append(stored.item.sequence)
                bindings.append(stored.item.campaignID)
                bindings.append(stored.item.eventID)
                bindings.append(ByteBuffer(bytes: try encoder.encode(stored.item.effect)))
                bindings.append(stored.item.createdAt)
                bindings.append(stored.deliveredAt)
                values.append("(" + (1...6).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
            }
            try execute(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO outbox (sequence, campaign_id, event_id, effect, created_at, delivered_at)
                        OVERRIDING SYSTEM VALUE VALUES \(values.joined(separator: ", "))
                        """, binds: bindings))
            try execute(
                "SELECT setval(pg_get_serial_sequence('outbox', 'sequence'), (SELECT max(sequence) FROM outbox))")
        case .campaignNumber(let workflowID, let last):
            try execute("INSERT INTO campaign_counter (workflow_id, last) VALUES (\(workflowID), \(Int64(last)))")
        case .audit(let records):
            guard !records.isEmpty else { return }
            // One statement for the batch; a missing leaf travels as -1, a missing text or salt as empty.
            try execute(
                """
                INSERT INTO audit_record (sequence, leaf_index, campaign_id, body, leaf_hash, salt, actor, address, subject)
                OVERRIDING SYSTEM VALUE
                SELECT sequence, NULLIF(leaf, -1), NULLIF(campaign_id, ''), body, leaf_hash, NULLIF(salt, ''::bytea),
                    NULLIF(actor, ''), NULLIF(address, ''), NULLIF(subject, '')
                FROM unnest(\(records.map(\.sequence))::bigint[], \(records.map { $0.leafIndex ?? -1 })::bigint[],
                    \(records.map { $0.campaignID ?? "" })::text[], \(records.map { ByteBuffer(bytes: $0.body) })::bytea[],
                    \(records.map { ByteBuffer(bytes: $0.leafHash) })::bytea[],
                    \(records.map { ByteBuffer(bytes: $0.personal?.salt ?? []) })::bytea[],
                    \(records.map { $0.personal?.actor ?? "" })::text[], \(records.map { $0.personal?.address ?? "" })::text[],
                    \(records.map { $0.personal?.subject ?? "" })::text[])
                    AS a(sequence, leaf, campaign_id, body, leaf_hash, salt, actor, address, subject)
                """)
            try execute(
                """
                SELECT setval(pg_get_serial_sequence('audit_record', 'sequence'), (SELECT max(sequence) FROM audit_record))
                """)
        case .auditCheckpoint(let checkpoint):
            try insertCheckpoint(checkpoint)
        }
    }
}

extension PostgresQuery {
    /// The query with a due-order cursor's three values bound after its own: the SQL names them
    /// `$N+1 … $N+3` where it compares with `after`.
    fileprivate func binding(_ after: DueTimer?) -> PostgresQuery {
        guard let after else { return self }
        var query = self
        query.binds.append(after.due)
        query.binds.append(after.campaignID)
        query.binds.append(Int64(after.timerID))
        return query
    }
}
