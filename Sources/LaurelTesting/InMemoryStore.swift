import LaurelCore
public import LaurelStore
import Synchronization

/// A `CampaignStore` in memory, for tests: what the SQLite store keeps, kept as values.
///
/// A write runs its body on a copy of the state under a lock and puts the copy in place when the
/// body returns (and `.commit` was asked), so a body that throws or rolls back leaves nothing, and
/// writes are serialised as SQLite's are. It passes ``StoreConformance``, so a test written
/// against it holds for the real backends.
public final class InMemoryStore: CampaignStore {
    private let state = Mutex(State())

    public init() {}

    public func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
        let snapshot = state.withLock { $0 }
        return try body(Transaction(snapshot))
    }

    public func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T)
        async throws -> T
    {
        try state.withLock { current in
            let transaction = Transaction(current)
            let result = try body(transaction)
            if end == .commit { current = transaction.state }
            return result
        }
    }

    /// A write the store refuses, as a database refuses a row that breaks a unique key.
    public struct Refusal: Error, StoreErrorDescribing {
        public var descriptionForPeople: String
    }

    struct StoredCampaign: Sendable {
        var campaign: Campaign
        var startedAt: Instant
        var updatedAt: Instant
    }

    struct State: Sendable {
        var versions: [String: WorkflowVersion] = [:]
        /// Hashes in the order they were recorded.
        var recorded: [String] = []
        var campaigns: [String: StoredCampaign] = [:]
        /// Each campaign's entries, as a backend's rows; the campaigns themselves are kept unloaded.
        var entries: [String: [Entry]] = [:]
        var entryIDs: [String: Set<String>] = [:]
        var events: [LoggedEvent] = []
        var eventIndex: [String: Int] = [:]
        var due: Set<DueTimer> = []
        var organisation = Organisation()
        var organisationVersion = 0
        var outbox: [OutboxItem] = []
        /// Each taken item's latest fencing token and how long it is held.
        var leases: [Int64: (token: Int64, until: Instant)] = [:]
        var lastLeaseToken: Int64 = 0
        /// When each delivered item was reported delivered.
        var delivered: [Int64: Instant] = [:]
        var nextOutboxSequence: Int64 = 1
        var recurrence: [String: RecurrenceCursor] = [:]
        var parents: [String: (campaign: String, unit: String?)] = [:]
        var campaignNumbers: [String: Int] = [:]
        /// Access grants in the order they were made.
        var grants: [AccessGrant] = []
        /// The audit log's records in the order written, and its checkpoints by size.
        var audit: [AuditRecord] = []
        var checkpoints: [AuditCheckpoint] = []
        /// Approvals in the order asked for.
        var approvals: [Approval] = []
    }

    /// One read or write: the state it started from, and what it wrote so far.
    final class Transaction: StoreTransaction {
        var state: State

        init(_ state: State) {
            self.state = state
        }

        private static func dueOrder(_ a: DueTimer, _ b: DueTimer) -> Bool {
            (a.due, a.campaignID, a.timerID) < (b.due, b.campaignID, b.timerID)
        }

        // MARK: Reading

        func workflowVersion(hash: String) throws -> WorkflowVersion? { state.versions[hash] }

        func latestWorkflowVersions() throws -> [WorkflowVersion] {
            var latest: [String: WorkflowVersion] = [:]
            for hash in state.recorded {
                let version = state.versions[hash]!
                latest[version.workflowID] = version
            }
            return latest.values.sorted { $0.workflowID < $1.workflowID }
        }

        func workflowVersions(workflowID: String) throws -> [WorkflowVersion] {
            state.recorded.compactMap { state.versions[$0] }.filter { $0.workflowID == workflowID }
        }

        func latestVersion(workflowID: String) throws -> String? {
            try workflowVersions(workflowID: workflowID).last?.hash
        }

        func campaign(id: String) throws -> Campaign? { state.campaigns[id]?.campaign }

        func entries(campaignID: String) throws -> [Entry] { state.entries[campaignID] ?? [] }

        func containsEntry(campaignID: String, id: String) throws -> Bool {
            state.entryIDs[campaignID]?.contains(id) ?? false
        }

        func campaigns() throws -> [CampaignSummary] {
            state.campaigns.values.sorted { ($0.startedAt, $0.campaign.id) < ($1.startedAt, $1.campaign.id) }.map {
                stored in
                let campaign = stored.campaign
                return CampaignSummary(
                    id: campaign.id, workflowID: campaign.workflowID, workflowVersion: campaign.workflowVersion,
                    state: campaign.state, status: campaign.status, eventCount: campaign.eventCount,
                    startedAt: stored.startedAt, updatedAt: stored.updatedAt)
            }
        }

        func events(campaignID: String) throws -> [LoggedEvent] { state.events.filter { $0.campaignID == campaignID } }
        func latestEventSequence() throws -> Int64 { state.events.last?.sequence ?? 0 }
        func eventSequences(after sequence: Int64, limit: Int) throws -> [(campaignID: String, sequence: Int64)] {
            state.events.lazy.filter { $0.sequence > sequence }.prefix(limit).map { ($0.campaignID, $0.sequence) }
        }
        func latestEvents(campaignID: String, limit: Int) throws -> [LoggedEvent] {
            Array(try events(campaignID: campaignID).suffix(max(0, limit)))
        }

        func eventCount() throws -> Int { state.events.count }

        func containsEvent(id: String) throws -> Bool { state.eventIndex[id] != nil }

        func loggedEvents(among ids: [String]) throws -> Set<String> {
            Set(ids.filter { state.eventIndex[$0] != nil })
        }

        func event(id: String) throws -> LoggedEvent? { state.eventIndex[id].map { state.events[$0] } }

        func dueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
            let due = state.due.filter { timer in timer.due <= instant && after.map { Self.dueOrder($0, timer) } ?? true
            }
            return Array(due.sorted(by: Self.dueOrder).prefix(limit))
        }

        func nextDue() throws -> Instant? { state.due.map(\.due).min() }

        func timers(campaignID: String) throws -> [DueTimer] {
            state.due.filter { $0.campaignID == campaignID }.sorted { ($0.due, $0.timerID) < ($1.due, $1.timerID) }
        }

        func organisation() throws -> Organisation { state.organisation }

        func organisationVersion() throws -> Int { state.organisationVersion }

        func outboxBacklog() throws -> Int { state.outbox.count - state.delivered.count }

        func pendingOutbox(limit: Int) throws -> [OutboxItem] {
            Array(state.outbox.lazy.filter { self.state.delivered[$0.sequence] == nil }.prefix(limit))
        }

        func recurrence(workflowID: String) throws -> RecurrenceCursor? { state.recurrence[workflowID] }

        func parent(of child: String) throws -> (campaign: String, unit: String?)? { state.parents[child] }

        func events(after sequence: Int64, limit: Int) throws -> [LoggedEvent] {
            Array(state.events.lazy.filter { $0.sequence > sequence }.prefix(limit))
        }

        func outbox(after sequence: Int64, limit: Int) throws -> [StoredOutboxItem] {
            Array(
                state.outbox.lazy.filter { $0.sequence > sequence }.prefix(limit).map {
                    StoredOutboxItem(item: $0, deliveredAt: self.state.delivered[$0.sequence])
                })
        }

        func campaignNumbers() throws -> [String: Int] { state.campaignNumbers }

        func recurrences() throws -> [String: RecurrenceCursor] { state.recurrence }

        func parents() throws -> [ParentLink] {
            state.parents.map { ParentLink(child: $0.key, parent: $0.value.campaign, unit: $0.value.unit) }
                .sorted { $0.child < $1.child }
        }

        func accessGrants() throws -> [AccessGrant] { state.grants }

        func accessGrant(secretHash: String) throws -> AccessGrant? {
            state.grants.first { $0.secretHash == secretHash }
        }

        func auditRecords(fromLeaf first: Int64, limit: Int) throws -> [AuditRecord] {
            Array(
                state.audit.filter { ($0.leafIndex ?? -1) >= first }.sorted { $0.leafIndex! < $1.leafIndex! }.prefix(
                    limit))
        }

        func unplacedAuditRecords(limit: Int) throws -> [AuditRecord] {
            Array(state.audit.filter { $0.leafIndex == nil }.prefix(limit))
        }

        func auditRecords(campaignID: String) throws -> [AuditRecord] {
            state.audit.filter { $0.campaignID == campaignID }
        }

        func auditCheckpoints() throws -> [AuditCheckpoint] { state.checkpoints }

        func approvals() throws -> [Approval] { state.approvals }

        func outbox(campaignID: String) throws -> [OutboxItem] {
            state.outbox.filter { $0.campaignID == campaignID }
        }

        func saveApproval(_ approval: Approval) throws {
            if let index = state.approvals.firstIndex(where: { $0.id == approval.id }) {
                state.approvals[index].decision = approval.decision
                state.approvals[index].decidedBy = approval.decidedBy
                state.approvals[index].decidedAt = approval.decidedAt
            } else {
                state.approvals.append(approval)
            }
        }

        // MARK: Writing

        func appendAudit(_ records: [AuditRecord]) throws {
            for var record in records {
                record.sequence = (state.audit.last?.sequence ?? 0) + 1
                record.leafIndex = nil
                state.audit.append(record)
            }
        }

        func placeAudit(_ placements: [(sequence: Int64, leaf: Int64)], checkpoint: AuditCheckpoint) throws {
            guard !state.checkpoints.contains(where: { $0.size == checkpoint.size }) else {
                throw AuditConflict(sequence: placements.first?.sequence ?? 0)
            }
            for placement in placements {
                guard let index = state.audit.firstIndex(where: { $0.sequence == placement.sequence }),
                    state.audit[index].leafIndex == nil
                else { throw AuditConflict(sequence: placement.sequence) }
                state.audit[index].leafIndex = placement.leaf
            }
            state.checkpoints.append(checkpoint)
            state.checkpoints.sort { $0.size < $1.size }
        }

        func eraseFromAudit(person: String) throws -> Int {
            var erased = 0
            for index in state.audit.indices
            where state.audit[index].personal?.actor == person || state.audit[index].personal?.subject == person {
                state.audit[index].personal = nil
                erased += 1
            }
            return erased
        }

        func saveAccessGrant(_ grant: AccessGrant) throws {
            if let index = state.grants.firstIndex(where: { $0.id == grant.id }) {
                state.grants[index] = grant
            } else {
                state.grants.append(grant)
            }
        }

        /// The write lock is held for the whole transaction: the due timers it lists are its own.
        func claimDueTimers(at instant: Instant, after: DueTimer?, limit: Int) throws -> [DueTimer] {
            try dueTimers(at: instant, after: after, limit: limit)
        }

        func nextCampaignNumber(workflowID: String) throws -> Int {
            state.campaignNumbers[workflowID, default: 0] += 1
            return state.campaignNumbers[workflowID]!
        }

        @discardableResult
        func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws -> Int
        {
            let previous = state.campaigns[campaign.id]
            // The rows first, all or none: an id the campaign holds is refused as a key would.
            let held = state.entries[campaign.id] ?? []
            var entries: [Entry]
            let added: ArraySlice<Entry>
            switch campaign.entries.pendingRows {
            case .append(let after, let appended):
                guard held.count == after else { throw Self.misread(campaign.id, held.count, after) }
                (entries, added) = (held, appended[...])
            case .update(let count, let all):
                // The same ids in the same order: the entries change in place.
                guard held.count == count else { throw Self.misread(campaign.id, held.count, count) }
                (entries, added) = (Array(all.prefix(count)), all.dropFirst(count))
            case .replace(let all):
                (entries, added) = ([], all[...])
            }
            var ids = entries.isEmpty ? [] : state.entryIDs[campaign.id] ?? []
            for entry in added {
                guard ids.insert(entry.id).inserted else {
                    throw DuplicateEntry(campaignID: campaign.id, entryID: entry.id)
                }
                entries.append(entry)
            }
            state.entries[campaign.id] = entries
            state.entryIDs[campaign.id] = ids
            var unloaded = campaign
            unloaded.entries = EntryList(storedCount: entries.count, kinds: campaign.entries.kinds)
            for timer in previous?.campaign.timers ?? [] {
                state.due.remove(DueTimer(campaignID: campaign.id, timerID: timer.id, due: timer.due))
            }
            for timer in campaign.timers {
                state.due.insert(DueTimer(campaignID: campaign.id, timerID: timer.id, due: timer.due))
            }
            state.campaigns[campaign.id] = StoredCampaign(
                campaign: unloaded, startedAt: previous?.startedAt ?? instant, updatedAt: instant)
            try log(events)
            try enqueue(effects)
            return 0
        }

        func enqueue(_ items: [OutboxItem]) throws {
            for var item in items {
                item.sequence = state.nextOutboxSequence
                state.nextOutboxSequence += 1
                state.outbox.append(item)
            }
        }

        private static func misread(_ campaign: String, _ held: Int, _ read: Int) -> Refusal {
            Refusal(
                descriptionForPeople: "campaign '\(campaign)' holds \(held) entries, not the \(read) it was read with")
        }

        func removeFromDueIndex(_ timer: DueTimer) throws { state.due.remove(timer) }

        func log(_ events: [LoggedEvent]) throws {
            for event in events {
                guard state.eventIndex[event.id] == nil else {
                    throw Refusal(descriptionForPeople: "the event id '\(event.id)' is already in the log")
                }
                var logged = event
                logged.sequence = (state.events.last?.sequence ?? 0) + 1
                state.eventIndex[event.id] = state.events.count
                state.events.append(logged)
            }
        }

        func restore(_ record: RestoredRecord) throws {
            switch record {
            case .campaign(let campaign, let entries, let startedAt, let updatedAt):
                var unloaded = campaign
                unloaded.entries = EntryList(storedCount: entries.count, kinds: campaign.entries.kinds)
                state.campaigns[campaign.id] = StoredCampaign(
                    campaign: unloaded, startedAt: startedAt, updatedAt: updatedAt)
                state.entries[campaign.id] = entries
                state.entryIDs[campaign.id] = Set(entries.map(\.id))
                for timer in campaign.timers {
                    state.due.insert(DueTimer(campaignID: campaign.id, timerID: timer.id, due: timer.due))
                }
            case .events(let events):
                for event in events {
                    guard state.eventIndex[event.id] == nil, event.sequence > (state.events.last?.sequence ?? 0) else {
                        throw Refusal(
                            descriptionForPeople: "the event '\(event.id)' is already in the log, or out of order")
                    }
                    state.eventIndex[event.id] = state.events.count
                    state.events.append(event)
                }
            case .outbox(let items):
                for stored in items {
                    state.outbox.append(stored.item)
                    if let at = stored.deliveredAt { state.delivered[stored.item.sequence] = at }
                    state.nextOutboxSequence = max(state.nextOutboxSequence, stored.item.sequence + 1)
                }
            case .campaignNumber(let workflowID, let last):
                state.campaignNumbers[workflowID] = last
            case .audit(let records):
                state.audit += records
                state.audit.sort { $0.sequence < $1.sequence }
            case .auditCheckpoint(let checkpoint):
                state.checkpoints.append(checkpoint)
                state.checkpoints.sort { $0.size < $1.size }
            }
        }

        func setRecurrence(_ cursor: RecurrenceCursor, workflowID: String) throws {
            // As SQLite's upsert: the first sighting stays; only the last cycle moves.
            state.recurrence[workflowID] = RecurrenceCursor(
                lastCycle: cursor.lastCycle,
                firstSeen: state.recurrence[workflowID]?.firstSeen ?? cursor.firstSeen)
        }

        func setParent(_ parent: String, unit: String?, of child: String) throws {
            guard state.parents[child] == nil else {
                throw Refusal(descriptionForPeople: "campaign '\(child)' already has a parent")
            }
            state.parents[child] = (parent, unit)
        }

        func record(_ version: WorkflowVersion) throws {
            guard state.versions[version.hash] == nil else { return }
            state.versions[version.hash] = version
            state.recorded.append(version.hash)
        }

        func replaceOrganisation(_ organisation: Organisation) throws {
            state.organisation = organisation
            state.organisationVersion += 1
        }

        func leaseOutbox(limit: Int, at instant: Instant, until: Instant) throws -> [OutboxLease] {
            var leases: [OutboxLease] = []
            for item in state.outbox where leases.count < limit && state.delivered[item.sequence] == nil {
                if let held = state.leases[item.sequence], held.until > instant { continue }
                state.lastLeaseToken += 1
                state.leases[item.sequence] = (state.lastLeaseToken, until)
                leases.append(OutboxLease(item: item, token: state.lastLeaseToken, until: until))
            }
            return leases
        }

        func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) throws -> [Int64] {
            let current = { (lease: OutboxLease) in self.state.leases[lease.item.sequence]?.token == lease.token }
            let accepted = delivered.filter(current).map(\.item.sequence)
            for sequence in accepted { state.delivered[sequence] = instant }
            for lease in delivered + released where current(lease) { state.leases[lease.item.sequence] = nil }
            return accepted
        }
    }
}
