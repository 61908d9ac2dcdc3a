public import LaurelCore

/// The exact text of a workflow file, kept by its content hash so that a campaign always runs on
/// the version it started with, whatever happens to the file afterwards.
public struct WorkflowVersion: Sendable, Hashable {
    /// SHA-256 of the file's bytes, in hex.
    public var hash: String
    public var workflowID: String
    /// The path it was read from, for messages.
    public var file: String
    public var source: [UInt8]
    public var recordedAt: Instant

    public init(hash: String, workflowID: String, file: String, source: [UInt8], recordedAt: Instant) {
        self.hash = hash
        self.workflowID = workflowID
        self.file = file
        self.source = source
        self.recordedAt = recordedAt
    }
}

/// What a logged event asked of the engine, kept so that replaying the log rebuilds the campaign.
public enum LoggedAction: Sendable, Hashable, Codable {
    case start(inputs: [String: Value], entries: [Entry])
    case event(CampaignEvent)
    /// `laurel campaign migrate`: moved from one version of its workflow to another, into `state`.
    case migrate(from: String, to: String, state: String)
}

/// One line of a campaign's append-only log: something that happened to it, when, and what came
/// of it.
public struct LoggedEvent: Sendable, Hashable {
    public enum Disposition: String, Sendable, Hashable, Codable {
        /// The engine applied it.
        case applied
        /// A reminder the daemon did not send because it was older than its period.
        case skipped
    }

    /// Unique across the store: an idempotency key from a person, or an id the daemon derives
    /// ("timer:CAMPAIGN:ID"). An event whose id is already logged is not applied again.
    public var id: String
    public var campaignID: String
    /// Assigned by the store in the order events were logged; 0 before.
    public var sequence: Int64
    /// The instant the engine applied it at.
    public var at: Instant
    /// When it was written (the daemon's or the command's clock).
    public var recordedAt: Instant
    public var action: LoggedAction
    public var disposition: Disposition
    /// How much later than its due instant a timer was applied (0 for everything else).
    public var lateBy: Int64
    /// A line for people: the transitions it caused, or why it was skipped.
    public var summary: String

    public init(
        id: String, campaignID: String, sequence: Int64 = 0, at: Instant, recordedAt: Instant,
        action: LoggedAction, disposition: Disposition = .applied, lateBy: Int64 = 0, summary: String
    ) {
        self.id = id
        self.campaignID = campaignID
        self.sequence = sequence
        self.at = at
        self.recordedAt = recordedAt
        self.action = action
        self.disposition = disposition
        self.lateBy = lateBy
        self.summary = summary
    }

    /// A secret ballot's paper, kept sealed: the log says only who voted.
    public var isSecretPaper: Bool {
        if case .event(.vote(let vote)) = action { return vote.isSealed }
        return false
    }

    /// "start", "submit", "timer", ...
    public var kind: String {
        switch action {
        case .start: return "start"
        case .migrate: return "migrate"
        case .event(let event):
            switch event {
            case .submit: return "submit"
            case .withdraw: return "withdraw"
            case .report: return "report"
            case .scores: return "scores"
            case .vote: return "vote"
            case .command: return "command"
            case .timer: return "timer"
            case .skipTimer: return "skip-timer"
            case .childClosed: return "child-closed"
            }
        }
    }
}

/// An effect waiting in the outbox for the daemon to deliver (a notification, an award to
/// announce, a child campaign to start).
public struct OutboxItem: Sendable, Hashable {
    public var sequence: Int64
    public var campaignID: String
    public var eventID: String
    public var effect: Effect
    public var createdAt: Instant

    public init(sequence: Int64 = 0, campaignID: String, eventID: String, effect: Effect, createdAt: Instant) {
        self.sequence = sequence
        self.campaignID = campaignID
        self.eventID = eventID
        self.effect = effect
        self.createdAt = createdAt
    }
}

/// An outbox item taken for delivery by one daemon until `until`: no other takes it meanwhile.
/// `token` fences it: each taking gets a larger one, and only the latest taker's report of the
/// delivery counts, so a daemon that stalled past its lease and comes back cannot mark the
/// delivery of the daemon that took the item over (docs/operations.md, "The outbox").
public struct OutboxLease: Sendable, Hashable {
    public var item: OutboxItem
    public var token: Int64
    public var until: Instant

    public init(item: OutboxItem, token: Int64, until: Instant) {
        self.item = item
        self.token = token
        self.until = until
    }

    /// The key a receiver can drop a second delivery of the same item by: the same for every
    /// delivery of it, whichever daemon made it.
    public var idempotencyKey: String { "laurel-outbox-\(item.sequence)" }
}

/// A timer in the due-timer index.
public struct DueTimer: Sendable, Hashable {
    public var campaignID: String
    public var timerID: Int
    public var due: Instant

    public init(campaignID: String, timerID: Int, due: Instant) {
        self.campaignID = campaignID
        self.timerID = timerID
        self.due = due
    }
}

/// A campaign as listed: enough to show without decoding its document.
public struct CampaignSummary: Sendable, Hashable {
    public var id: String
    public var workflowID: String
    public var workflowVersion: String
    public var state: String
    public var status: Campaign.Status
    public var eventCount: Int
    public var startedAt: Instant
    public var updatedAt: Instant

    public init(
        id: String, workflowID: String, workflowVersion: String, state: String, status: Campaign.Status,
        eventCount: Int,
        startedAt: Instant, updatedAt: Instant
    ) {
        self.id = id
        self.workflowID = workflowID
        self.workflowVersion = workflowVersion
        self.state = state
        self.status = status
        self.eventCount = eventCount
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

/// What can be read from the store, inside one read (a consistent snapshot) or one transaction
/// (which also sees its own writes).
public protocol StoreReader {
    func workflowVersion(hash: String) throws -> WorkflowVersion?
    /// The most recently recorded version of each workflow id.
    func latestWorkflowVersions() throws -> [WorkflowVersion]
    /// Every recorded version of one workflow, oldest first.
    func workflowVersions(workflowID: String) throws -> [WorkflowVersion]
    /// The most recently recorded version of a workflow id (a cascade starts its children on it).
    func latestVersion(workflowID: String) throws -> String?

    /// The campaign with its entries unloaded: their count and kinds only (``EntryList``).
    func campaign(id: String) throws -> Campaign?
    /// Every entry of a campaign, in the order they were submitted: what
    /// ``Campaign/loadEntries(_:)`` takes.
    func entries(campaignID: String) throws -> [Entry]
    /// Whether the campaign holds an entry with this id, without reading its entries.
    func containsEntry(campaignID: String, id: String) throws -> Bool
    func campaigns() throws -> [CampaignSummary]
    func events(campaignID: String) throws -> [LoggedEvent]
    /// The campaign's last `limit` events, oldest first: a page's timeline without the whole log.
    func latestEvents(campaignID: String, limit: Int) throws -> [LoggedEvent]
    /// The highest sequence number in the log; 0 when it is empty.
    func latestEventSequence() throws -> Int64
    /// Which campaigns logged events after `sequence`, and at which sequence numbers, in order:
    /// what live pages follow, without reading the events.
    func eventSequences(after sequence: Int64, limit: Int) throws -> [(campaignID: String, sequence: Int64)]
    func eventCount() throws -> Int
    func containsEvent(id: String) throws -> Bool
    /// Which of these event ids are in the log: one look for a batch.
    func loggedEvents(among ids: [String]) throws -> Set<String>
    /// A logged event by its id: what an idempotency key was first used for.
    func event(id: String) throws -> LoggedEvent?

    /// Timers due at or before `instant`, earliest first (ties by campaign and timer id), from
    /// after `after` in that order when given (so a reader can step past timers it could not fire).
    func dueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer]
    /// The earliest due instant in the index, if any timer is armed.
    func nextDue() throws -> Instant?
    func timers(campaignID: String) throws -> [DueTimer]

    /// The organisation data (units, people); empty until `laurel org import`.
    func organisation() throws -> Organisation
    /// A number that changes with every `replaceOrganisation`: a running daemon compares it to
    /// see an import made by a command, without reading the data. 0 before the first import.
    func organisationVersion() throws -> Int

    func pendingOutbox(limit: Int) throws -> [OutboxItem]
    /// How many outbox items wait for delivery (the metrics' backlog).
    func outboxBacklog() throws -> Int

    /// Where a recurring workflow stands: the last cycle handled (nil before the first) and
    /// when the workflow was first seen; nil for a workflow never seen.
    func recurrence(workflowID: String) throws -> RecurrenceCursor?
    func parent(of child: String) throws -> (campaign: String, unit: String?)?

    // What a copy of the whole store reads (`laurel store copy`).

    /// Events of every campaign in sequence order, from after `sequence`.
    func events(after sequence: Int64, limit: Int) throws -> [LoggedEvent]
    /// Outbox items, delivered or not, in sequence order, from after `sequence`.
    func outbox(after sequence: Int64, limit: Int) throws -> [StoredOutboxItem]
    /// The last number given to a campaign of each workflow (``StoreTransaction/nextCampaignNumber(workflowID:)``).
    func campaignNumbers() throws -> [String: Int]
    /// Every recurring workflow's cursor, by workflow id.
    func recurrences() throws -> [String: RecurrenceCursor]
    /// Every child campaign's link to its parent, by child id.
    func parents() throws -> [ParentLink]
    /// Every access grant, active or not, oldest first.
    func accessGrants() throws -> [AccessGrant]
    /// The grant whose secret has this SHA-256 (hexadecimal), active or not.
    func accessGrant(secretHash: String) throws -> AccessGrant?
    /// Audit records a checkpoint placed in the tree, from leaf `first` on, in leaf order.
    func auditRecords(fromLeaf first: Int64, limit: Int) throws -> [AuditRecord]
    /// Audit records no checkpoint has placed yet, in the order they were written.
    func unplacedAuditRecords(limit: Int) throws -> [AuditRecord]
    /// A campaign's audit records, in the order they were written.
    func auditRecords(campaignID: String) throws -> [AuditRecord]
    /// Every checkpoint of the audit log, the smallest first.
    func auditCheckpoints() throws -> [AuditCheckpoint]
    /// Every approval asked for, decided or not, oldest first.
    func approvals() throws -> [Approval]
    /// A campaign's outbox items, delivered or not, in sequence order (its certificates).
    func outbox(campaignID: String) throws -> [OutboxItem]
}

extension StoreReader {
    /// The campaign with its entries loaded.
    public func campaignWithEntries(id: String) throws -> Campaign? {
        guard var campaign = try campaign(id: id) else { return nil }
        try campaign.loadEntries(try entries(campaignID: id))
        return campaign
    }

    /// Runs `change` on a campaign read from this store, its entries unloaded; when the engine
    /// asks for them (``Refusal/needsEntries``), reads them here and runs `change` again. The
    /// engine changed nothing when it asked, and it is deterministic, so the second run is the
    /// first with the entries (docs/architecture.md, "Campaigns of any size"). `campaign` keeps
    /// its entries once loaded, for what comes after.
    public func withEntriesWhenNeeded<T>(_ campaign: inout Campaign, _ change: (Campaign) throws -> T) throws -> T {
        do {
            return try change(campaign)
        } catch let refusal as Refusal where refusal.needsEntries && !campaign.entries.isLoaded {
            try campaign.loadEntries(try entries(campaignID: campaign.id))
            return try change(campaign)
        }
    }

    /// Timers due at or before `instant`, earliest first.
    public func dueTimers(at instant: Instant, limit: Int) throws -> [DueTimer] {
        try dueTimers(at: instant, after: nil, limit: limit)
    }
}

/// The reads and writes of one store transaction. Everything written through it commits
/// together or not at all.
public protocol StoreTransaction: StoreReader {
    /// Due timers for this transaction to fire, as ``StoreReader/dueTimers(at:after:limit:)``
    /// lists them, and held by it until it ends: no other transaction claims them meanwhile
    /// (SQLite: the transaction holds the write lock; PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    func claimDueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer]
    /// The next number for a campaign of this workflow: 1, 2, 3, ... (campaign ids are
    /// "WORKFLOW-ID-N", readable and unique).
    func nextCampaignNumber(workflowID: String) throws -> Int
    /// Saves the campaign (its snapshot, its entries' rows and its armed timers in the due
    /// index), appends the events to the log and the effects to the outbox. Returns the size of
    /// the snapshot. Of the entries it writes ``EntryList/pendingRows``: the rows appended
    /// since the campaign was read, or all of them in place of the stored ones. An entry id
    /// the campaign already holds is refused with ``DuplicateEntry`` and nothing is written.
    @discardableResult
    func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws -> Int
    /// Removes a row of the due index that names a timer its campaign does not have armed: a
    /// repair, for an index found disagreeing with its snapshot (saves keep them equal).
    func removeFromDueIndex(_ timer: DueTimer) throws
    /// Appends events to the log without changing the campaign.
    func log(_ events: [LoggedEvent]) throws
    func setRecurrence(_ cursor: RecurrenceCursor, workflowID: String) throws
    /// Records that `child` was started by `parent` for `unit` (a cascade), so its end reports up.
    func setParent(_ parent: String, unit: String?, of child: String) throws
    /// Keeps the exact text of a workflow version; a version already kept is left as it is.
    func record(_ version: WorkflowVersion) throws
    /// Replaces the organisation data as a whole.
    func replaceOrganisation(_ organisation: Organisation) throws
    /// Takes up to `limit` pending items, oldest first, that no lease holds at `instant`, each
    /// with a new fencing token, held until `until`.
    func leaseOutbox(limit: Int, at instant: Instant, until: Instant) throws -> [OutboxLease]
    /// Marks `delivered` as delivered and lets `released` go (to be taken again), each only if
    /// its token is still the item's latest; returns the sequences marked delivered. A lease
    /// another daemon has taken over since is left alone.
    func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) throws -> [Int64]
    /// Writes a record exactly as another store had it (``RestoredRecord``): for a copy into an
    /// empty store, whose sequences then go on after the largest number restored.
    func restore(_ record: RestoredRecord) throws
    /// Writes a grant: a new one, or one revoked (or its link used) since. The id names it.
    func saveAccessGrant(_ grant: AccessGrant) throws
    /// Writes an approval: a new one, or its decision. The id names it.
    func saveApproval(_ approval: Approval) throws
    /// Adds items to the outbox that no campaign's save made (an audit checkpoint published).
    func enqueue(_ items: [OutboxItem]) throws
    /// Adds records to the audit log, numbered in order; no leaf yet.
    func appendAudit(_ records: [AuditRecord]) throws
    /// Gives records their leaves and keeps the checkpoint that signs them. Throws, changing
    /// nothing, when a record already has a leaf or the checkpoint's size is taken: another
    /// daemon made this checkpoint first.
    func placeAudit(_ placements: [(sequence: Int64, leaf: Int64)], checkpoint: AuditCheckpoint) throws
    /// Forgets who a person was in the audit log (the people behind its hashes, and the salts);
    /// the records themselves stay whole. Returns how many records named them.
    func eraseFromAudit(person: String) throws -> Int
}

/// A transaction that hands every call to another (`inner`): a wrapper that changes a few calls
/// (the service's family transaction, a test's failing store) implements only those.
public protocol ForwardingStoreTransaction: StoreTransaction {
    var inner: any StoreTransaction { get }
}

extension ForwardingStoreTransaction {
    public func workflowVersion(hash: String) throws -> WorkflowVersion? { try inner.workflowVersion(hash: hash) }
    public func latestWorkflowVersions() throws -> [WorkflowVersion] { try inner.latestWorkflowVersions() }
    public func workflowVersions(workflowID: String) throws -> [WorkflowVersion] {
        try inner.workflowVersions(workflowID: workflowID)
    }
    public func latestVersion(workflowID: String) throws -> String? { try inner.latestVersion(workflowID: workflowID) }
    public func campaign(id: String) throws -> Campaign? { try inner.campaign(id: id) }
    public func entries(campaignID: String) throws -> [Entry] { try inner.entries(campaignID: campaignID) }
    public func containsEntry(campaignID: String, id: String) throws -> Bool {
        try inner.containsEntry(campaignID: campaignID, id: id)
    }
    public func campaigns() throws -> [CampaignSummary] { try inner.campaigns() }
    public func events(campaignID: String) throws -> [LoggedEvent] { try inner.events(campaignID: campaignID) }
    public func latestEvents(campaignID: String, limit: Int) throws -> [LoggedEvent] {
        try inner.latestEvents(campaignID: campaignID, limit: limit)
    }
    public func latestEventSequence() throws -> Int64 { try inner.latestEventSequence() }
    public func eventSequences(after sequence: Int64, limit: Int) throws -> [(campaignID: String, sequence: Int64)] {
        try inner.eventSequences(after: sequence, limit: limit)
    }
    public func eventCount() throws -> Int { try inner.eventCount() }
    public func containsEvent(id: String) throws -> Bool { try inner.containsEvent(id: id) }
    public func loggedEvents(among ids: [String]) throws -> Set<String> { try inner.loggedEvents(among: ids) }
    public func event(id: String) throws -> LoggedEvent? { try inner.event(id: id) }
    public func dueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        try inner.dueTimers(at: instant, after: after, limit: limit)
    }
    public func nextDue() throws -> Instant? { try inner.nextDue() }
    public func timers(campaignID: String) throws -> [DueTimer] { try inner.timers(campaignID: campaignID) }
    public func organisation() throws -> Organisation { try inner.organisation() }
    public func organisationVersion() throws -> Int { try inner.organisationVersion() }
    public func pendingOutbox(limit: Int) throws -> [OutboxItem] { try inner.pendingOutbox(limit: limit) }
    public func outboxBacklog() throws -> Int { try inner.outboxBacklog() }
    public func recurrence(workflowID: String) throws -> RecurrenceCursor? {
        try inner.recurrence(workflowID: workflowID)
    }
    public func parent(of child: String) throws -> (campaign: String, unit: String?)? { try inner.parent(of: child) }
    public func events(after sequence: Int64, limit: Int) throws -> [LoggedEvent] {
        try inner.events(after: sequence, limit: limit)
    }
    public func outbox(after sequence: Int64, limit: Int) throws -> [StoredOutboxItem] {
        try inner.outbox(after: sequence, limit: limit)
    }
    public func campaignNumbers() throws -> [String: Int] { try inner.campaignNumbers() }
    public func recurrences() throws -> [String: RecurrenceCursor] { try inner.recurrences() }
    public func parents() throws -> [ParentLink] { try inner.parents() }
    public func restore(_ record: RestoredRecord) throws { try inner.restore(record) }
    public func accessGrants() throws -> [AccessGrant] { try inner.accessGrants() }
    public func accessGrant(secretHash: String) throws -> AccessGrant? { try inner.accessGrant(secretHash: secretHash) }
    public func saveAccessGrant(_ grant: AccessGrant) throws { try inner.saveAccessGrant(grant) }
    public func auditRecords(fromLeaf first: Int64, limit: Int) throws -> [AuditRecord] {
        try inner.auditRecords(fromLeaf: first, limit: limit)
    }
    public func unplacedAuditRecords(limit: Int) throws -> [AuditRecord] {
        try inner.unplacedAuditRecords(limit: limit)
    }
    public func auditRecords(campaignID: String) throws -> [AuditRecord] {
        try inner.auditRecords(campaignID: campaignID)
    }
    public func auditCheckpoints() throws -> [AuditCheckpoint] { try inner.auditCheckpoints() }
    public func appendAudit(_ records: [AuditRecord]) throws { try inner.appendAudit(records) }
    public func enqueue(_ items: [OutboxItem]) throws { try inner.enqueue(items) }
    public func approvals() throws -> [Approval] { try inner.approvals() }
    public func outbox(campaignID: String) throws -> [OutboxItem] { try inner.outbox(campaignID: campaignID) }
    public func saveApproval(_ approval: Approval) throws { try inner.saveApproval(approval) }
    public func placeAudit(_ placements: [(sequence: Int64, leaf: Int64)], checkpoint: AuditCheckpoint) throws {
        try inner.placeAudit(placements, checkpoint: checkpoint)
    }
    public func eraseFromAudit(person: String) throws -> Int { try inner.eraseFromAudit(person: person) }
    public func claimDueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
        try inner.claimDueTimers(at: instant, after: after, limit: limit)
    }
    public func nextCampaignNumber(workflowID: String) throws -> Int {
        try inner.nextCampaignNumber(workflowID: workflowID)
    }
    @discardableResult
    public func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws
        -> Int
    {
        try inner.save(campaign, events: events, effects: effects, at: instant)
    }
    public func removeFromDueIndex(_ timer: DueTimer) throws { try inner.removeFromDueIndex(timer) }
    public func log(_ events: [LoggedEvent]) throws { try inner.log(events) }
    public func setRecurrence(_ cursor: RecurrenceCursor, workflowID: String) throws {
        try inner.setRecurrence(cursor, workflowID: workflowID)
    }
    public func setParent(_ parent: String, unit: String?, of child: String) throws {
        try inner.setParent(parent, unit: unit, of: child)
    }
    public func record(_ version: WorkflowVersion) throws { try inner.record(version) }
    public func replaceOrganisation(_ organisation: Organisation) throws { try inner.replaceOrganisation(organisation) }
    public func leaseOutbox(limit: Int, at instant: Instant, until: Instant) throws -> [OutboxLease] {
        try inner.leaseOutbox(limit: limit, at: instant, until: until)
    }
    public func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) throws -> [Int64] {
        try inner.settleOutbox(delivered: delivered, released: released, at: instant)
    }
}

/// A save that would give a campaign a second entry with an id it holds: a store's key refuses it.
public struct DuplicateEntry: Error, Sendable, Hashable, StoreErrorDescribing {
    public var campaignID: String
    public var entryID: String

    public init(campaignID: String, entryID: String) {
        self.campaignID = campaignID
        self.entryID = entryID
    }

    public var descriptionForPeople: String { "an entry with id '\(entryID)' was already submitted" }
}

/// A stored record this build cannot read (a value no version of Laurel writes): the store was
/// changed by hand or by a newer build.
public struct UnreadableRecord: Error, Sendable, Hashable, StoreErrorDescribing {
    public var descriptionForPeople: String

    public init(_ description: String) {
        descriptionForPeople = description
    }
}

/// How far the daemon has gone through a recurring workflow's cycles.
public struct RecurrenceCursor: Sendable, Hashable {
    /// The last cycle started or skipped; nil while none has begun.
    public var lastCycle: Instant?
    /// When the daemon first saw the workflow: without `starting`, cycles begin after it.
    public var firstSeen: Instant

    public init(lastCycle: Instant?, firstSeen: Instant) {
        self.lastCycle = lastCycle
        self.firstSeen = firstSeen
    }
}

/// A type that keeps Laurel's durable state: workflow versions, campaigns with their snapshots,
/// the append-only event log, the due-timer index and the outbox.
///
/// Both entry points are `async` and run their synchronous body where blocking is allowed (a
/// backend's own thread, never one of Swift's cooperative pool), so a front end serving
/// requests is never held up by a commit (docs/architecture.md, "The store boundary").
/// `write` runs its body in one transaction: a body that throws leaves the store as it was, and
/// a process killed at any instruction leaves either all of the body's writes or none.
public protocol CampaignStore: Sendable {
    func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T
    /// With `.rollBack` the body runs as it would and everything it wrote is undone at the end:
    /// a dry run shows exactly what would be written.
    @discardableResult
    func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T) async throws
        -> T
    /// Where the bodies run, when the backend has a place of its own (SQLite: its thread). A
    /// task that runs many transactions in a row (the daemon's loop) runs there itself
    /// (`withTaskExecutorPreference`) and pays no thread switch per transaction. nil: anywhere.
    var preferredExecutor: (any TaskExecutor)? { get }
}

/// How a write transaction ends when its body returns.
public enum TransactionEnd: Sendable {
    case commit
    case rollBack
}

extension CampaignStore {
    public var preferredExecutor: (any TaskExecutor)? { nil }

    /// A write that commits.
    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await write(.commit, body)
    }
}

/// A store several daemons share on one server (PostgreSQL): the server keeps the time they
/// agree on, and says when a commit armed a timer due soon, so a daemon need not poll for it.
public protocol SharedStore: CampaignStore {
    /// The server's clock, in seconds since 1970: due comparisons use it, so a daemon whose own
    /// clock runs ahead cannot fire a timer early.
    func serverNow() async throws -> Double
    /// Returns when a commit armed a timer due within ``wakeUpHorizon`` seconds of its instant,
    /// or after `timeout`, whichever comes first.
    func waitForTimers(timeout: Duration) async
}

extension SharedStore {
    /// How soon a newly armed timer must be due for a commit to wake the daemons: later ones
    /// are found by their regular look at the due index.
    public static var wakeUpHorizon: Instant { 60 }
}
