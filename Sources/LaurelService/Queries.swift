import Foundation
public import LaurelCore
public import LaurelStore

/// What front ends read and the few writes that are not an engine event: every query a command
/// or the daemon makes goes through here, so none of them touches the store.
extension CampaignService {
    /// Where the store's transactions run (``CampaignStore/preferredExecutor``): a front end that
    /// runs many in a row runs there.
    public var preferredExecutor: (any TaskExecutor)? { store.preferredExecutor }

    public func campaigns() async throws -> [CampaignSummary] {
        try await reading { try $0.campaigns() }
    }

    /// The stored campaign; its entries are read only `withEntries` (otherwise only their count
    /// and kinds are known: ``EntryList``).
    public func campaign(id: String, withEntries: Bool = false) async throws -> Campaign? {
        try await reading { withEntries ? try $0.campaignWithEntries(id: id) : try $0.campaign(id: id) }
    }

    /// The stored campaign (with its entries only `withEntries`) and the engine of its version;
    /// an unknown id is refused with the closest id.
    public func campaignAndEngine(_ id: String, withEntries: Bool = false) async throws -> (
        campaign: Campaign, engine: Engine
    ) {
        let (found, ids) = try await reading { reader -> (Campaign?, [String]) in
            if let campaign = try withEntries ? reader.campaignWithEntries(id: id) : reader.campaign(id: id) {
                return (campaign, [])
            }
            return (nil, try reader.campaigns().map(\.id))
        }
        guard let campaign = found else {
            throw LaurelError(
                .notFound,
                "there is no campaign '\(id)'\(Suggestions.didYouMean(id, in: ids)); 'laurel campaign list' shows them")
        }
        return (campaign, try await engine(version: campaign.workflowVersion))
    }

    /// The highest sequence number in the log (0 when empty): where a live feed starts.
    public func latestEventSequence() async throws -> Int64 {
        try await reading { try $0.latestEventSequence() }
    }

    /// Which campaigns logged events after `sequence`, in order, without reading the events.
    public func eventSequences(after sequence: Int64, limit: Int) async throws -> [(
        campaignID: String, sequence: Int64
    )] {
        try await reading { try $0.eventSequences(after: sequence, limit: limit) }
    }

    /// The campaign's log, oldest first.
    public func events(campaignID: String) async throws -> [LoggedEvent] {
        try await reading { try $0.events(campaignID: campaignID) }
    }

    /// Every event logged, across campaigns.
    public func eventCount() async throws -> Int {
        try await reading { try $0.eventCount() }
    }

    /// The campaign's armed timers as the due index holds them.
    public func timers(campaignID: String) async throws -> [DueTimer] {
        try await reading { try $0.timers(campaignID: campaignID) }
    }

    /// Every recorded version of one workflow, oldest first.
    public func workflowVersions(workflowID: String) async throws -> [WorkflowVersion] {
        try await reading { try $0.workflowVersions(workflowID: workflowID) }
    }

    /// Each workflow's latest recorded version.
    public func latestWorkflowVersions() async throws -> [WorkflowVersion] {
        try await reading { try $0.latestWorkflowVersions() }
    }

    /// The recorded version of the workflow whose hash starts with `prefix` (8 characters at
    /// least), or the latest recorded for "latest".
    public func recordedVersion(of workflowID: String, matching prefix: String) async throws -> String {
        if prefix == "latest" { return try await latestVersion(of: workflowID) }
        guard prefix.count >= 8 else {
            throw LaurelError(.invalidInput, "a version is named by at least 8 characters of its hash, or 'latest'")
        }
        let versions = try await workflowVersions(workflowID: workflowID)
        let matching = versions.filter { $0.hash.hasPrefix(prefix.lowercased()) }
        guard matching.count == 1 else {
            let known = versions.map { "\($0.hash.prefix(12)) (\($0.file))" }.joined(separator: ", ")
            throw LaurelError(
                matching.isEmpty ? .notFound : .invalidInput,
                matching.isEmpty
                    ? "no recorded version of '\(workflowID)' starts with '\(prefix)'; recorded: \(known.isEmpty ? "none" : known)"
                    : "'\(prefix)' matches \(matching.count) versions; give more characters")
        }
        return matching[0].hash
    }

    public func workflowVersion(hash: String) async throws -> WorkflowVersion? {
        try await reading { try $0.workflowVersion(hash: hash) }
    }

    public func organisation() async throws -> Organisation {
        try await reading { try $0.organisation() }
    }

    /// Replaces the organisation data as a whole (`laurel org import`); engines read it again.
    public func replaceOrganisation(_ organisation: Organisation, now: Instant) async throws {
        let actor = AuditActor.current
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // The record holds the data's digest, not the data: it names people.
        let digest = SHA256.hex(Array(try encoder.encode(organisation)))
        try await writing { transaction in
            try transaction.replaceOrganisation(organisation)
            try transaction.appendAudit([
                AuditTrail.record(
                    "organisation.replace", by: actor, at: now,
                    details: [
                        ("digest", .string(digest)), ("units", .number(Double(organisation.units.count))),
                        ("people", .number(Double(organisation.people.count))),
                    ])
            ])
        }
        try await refreshOrganisation()
    }

    /// How many outbox items wait for delivery.
    public func outboxBacklog() async throws -> Int {
        try await reading { try $0.outboxBacklog() }
    }

    /// Effects not yet delivered, oldest first.
    public func pendingOutbox(limit: Int) async throws -> [OutboxItem] {
        try await reading { try $0.pendingOutbox(limit: limit) }
    }

    /// Takes up to `limit` pending items for delivery until `until` (``OutboxLease``): no other
    /// daemon takes them meanwhile.
    public func leaseOutbox(limit: Int, at instant: Instant, until: Instant) async throws -> [OutboxLease] {
        do {
            return try await store.write { try $0.leaseOutbox(limit: limit, at: instant, until: until) }
        } catch {
            throw LaurelError(error)
        }
    }

    /// Reports deliveries and lets go of the leases not delivered; returns the sequences marked
    /// delivered (a lease another daemon took over since is not among them).
    public func settleOutbox(delivered: [OutboxLease], released: [OutboxLease], at instant: Instant) async throws
        -> [Int64]
    {
        guard !delivered.isEmpty || !released.isEmpty else { return [] }
        do {
            return try await store.write { try $0.settleOutbox(delivered: delivered, released: released, at: instant) }
        } catch {
            throw LaurelError(error)
        }
    }

    /// Reads the workflow folder for the current versions, recording new ones, as the daemon
    /// does. A missing folder is a wrong command line.
    public func workflowLibrary(folder: String, now: Instant) async throws -> (
        library: WorkflowLibrary, changes: [WorkflowLibrary.Change]
    ) {
        var library = WorkflowLibrary(folder: folder, registry: registry)
        let changes = try await library.scan(recordingIn: self, now: now)
        return (library, changes)
    }
}
