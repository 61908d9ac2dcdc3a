import Foundation
public import LaurelCore
public import LaurelStore

/// Everything one store holds, read in one snapshot: what `laurel store copy` moves from one
/// store to another, and what it counts and checksums on both sides to prove the copy whole.
struct StoreContents: Sendable {
    /// Every recorded version, each workflow's in the order they were recorded.
    var versions: [WorkflowVersion] = []
    var organisation = Organisation()
    var campaigns: [(summary: CampaignSummary, campaign: Campaign, entries: [Entry])] = []
    var events: [LoggedEvent] = []
    var outbox: [StoredOutboxItem] = []
    var campaignNumbers: [String: Int] = [:]
    var recurrences: [String: RecurrenceCursor] = [:]
    var parents: [ParentLink] = []
    var grants: [AccessGrant] = []
    /// The audit log: the records checkpoints placed, in leaf order, then those not placed yet.
    var audit: [AuditRecord] = []
    var checkpoints: [AuditCheckpoint] = []
    var approvals: [Approval] = []
    /// The due index as the store keeps it (a copy writes it from the campaigns' armed timers).
    var dueTimers: [DueTimer] = []

    static let page = 10_000

    init() {}

    /// Reads the whole store; `progress` is told what was read, section by section.
    init(reading reader: any StoreReader, progress: (String) -> Void = { _ in }) throws {
        for latest in try reader.latestWorkflowVersions().sorted(by: { $0.workflowID < $1.workflowID }) {
            versions += try reader.workflowVersions(workflowID: latest.workflowID)
        }
        organisation = try reader.organisation()
        let summaries = try reader.campaigns()
        for (index, summary) in summaries.enumerated() {
            guard var campaign = try reader.campaign(id: summary.id) else {
                throw LaurelError(.internal, "campaign '\(summary.id)' is listed but cannot be read")
            }
            let entries = try reader.entries(campaignID: summary.id)
            try campaign.loadEntries(entries)
            campaigns.append((summary, campaign, entries))
            if (index + 1) % 10_000 == 0 { progress("read \(index + 1) of \(summaries.count) campaigns") }
        }
        while true {
            let page = try reader.events(after: events.last?.sequence ?? 0, limit: Self.page)
            events += page
            if page.count < Self.page { break }
            progress("read \(events.count) events")
        }
        while true {
            let page = try reader.outbox(after: outbox.last?.item.sequence ?? 0, limit: Self.page)
            outbox += page
            if page.count < Self.page { break }
        }
        campaignNumbers = try reader.campaignNumbers()
        recurrences = try reader.recurrences()
        parents = try reader.parents().sorted { $0.child < $1.child }
        grants = try reader.accessGrants()
        while true {
            let page = try reader.auditRecords(fromLeaf: (audit.last?.leafIndex ?? -1) + 1, limit: Self.page)
            audit += page
            if page.count < Self.page { break }
        }
        let unplaced = try reader.unplacedAuditRecords(limit: .max)
        // A SQLite store takes the records after the last placed one as those to place next: a
        // record PostgreSQL committed late, before it, must be placed on the source first.
        if let late = unplaced.first, let placed = audit.map(\.sequence).max(), late.sequence < placed {
            throw LaurelError(
                .refused,
                "audit record \(late.sequence) waits for a checkpoint behind records already placed; sign one on the source first ('laurel audit checkpoint --key FILE'), then copy"
            )
        }
        audit += unplaced
        checkpoints = try reader.auditCheckpoints()
        approvals = try reader.approvals()
        while true {
            let page = try reader.dueTimers(at: .max, after: dueTimers.last, limit: Self.page)
            dueTimers += page
            if page.count < Self.page { break }
        }
        let logged = try reader.eventCount()
        guard logged == events.count else {
            throw LaurelError(
                .internal, "the log counts \(logged) events but \(events.count) were read; nothing was copied")
        }
    }

    /// What the store holds that makes it not empty, in words; nil for an empty store.
    static func holdings(of reader: any StoreReader) throws -> String? {
        var held: [String] = []
        let campaigns = try reader.campaigns().count
        if campaigns > 0 { held.append(campaigns.counted("campaign", "campaigns")) }
        let events = try reader.eventCount()
        if events > 0 { held.append(events.counted("event", "events")) }
        let versions = try reader.latestWorkflowVersions().count
        if versions > 0 { held.append(versions.counted("workflow", "workflows")) }
        let organisation = try reader.organisation()
        if !organisation.units.isEmpty || !organisation.people.isEmpty { held.append("organisation data") }
        if try !reader.outbox(after: 0, limit: 1).isEmpty { held.append("outbox items") }
        if try !reader.recurrences().isEmpty || !reader.campaignNumbers().isEmpty {
            held.append("campaign numbers or recurrence cursors")
        }
        if try !reader.accessGrants().isEmpty { held.append("access grants") }
        if try !reader.unplacedAuditRecords(limit: 1).isEmpty || !reader.auditRecords(fromLeaf: 0, limit: 1).isEmpty {
            held.append("audit records")
        }
        if try !reader.approvals().isEmpty { held.append("approvals") }
        return held.isEmpty ? nil : held.joined(separator: ", ")
    }

    /// Writes everything into a transaction of an empty store, numbers and instants as they were.
    func restore(into transaction: any StoreTransaction, progress: (String) -> Void = { _ in }) throws {
        for version in versions { try transaction.record(version) }
        if !organisation.units.isEmpty || !organisation.people.isEmpty || !organisation.levels.isEmpty {
            try transaction.replaceOrganisation(organisation)
        }
        for (index, stored) in campaigns.enumerated() {
            try transaction.restore(
                .campaign(
                    stored.campaign, entries: stored.entries, startedAt: stored.summary.startedAt,
                    updatedAt: stored.summary.updatedAt))
            if (index + 1) % 10_000 == 0 { progress("wrote \(index + 1) of \(campaigns.count) campaigns") }
        }
        // A thousand rows to a statement: PostgreSQL takes at most 65,535 values in one.
        var start = 0
        while start < events.count {
            try transaction.restore(.events(Array(events[start..<min(start + 1_000, events.count)])))
            start += 1_000
        }
        start = 0
        while start < outbox.count {
            try transaction.restore(.outbox(Array(outbox[start..<min(start + 1_000, outbox.count)])))
            start += 1_000
        }
        for (workflowID, last) in campaignNumbers.sorted(by: { $0.key < $1.key }) {
            try transaction.restore(.campaignNumber(workflowID: workflowID, last: last))
        }
        for (workflowID, cursor) in recurrences.sorted(by: { $0.key < $1.key }) {
            try transaction.setRecurrence(cursor, workflowID: workflowID)
        }
        for link in parents { try transaction.setParent(link.parent, unit: link.unit, of: link.child) }
        for grant in grants { try transaction.saveAccessGrant(grant) }
        start = 0
        while start < audit.count {
            try transaction.restore(.audit(Array(audit[start..<min(start + 1_000, audit.count)])))
            start += 1_000
        }
        for checkpoint in checkpoints { try transaction.restore(.auditCheckpoint(checkpoint)) }
        for approval in approvals { try transaction.saveApproval(approval) }
    }

    /// Each part's count and checksum: SHA-256 over the SHA-256 of each record in a canonical
    /// form, so two stores holding the same data give the same figures whatever their backend.
    func tally(codec: CampaignCodec) throws -> [StoreCopyReport.Part] {
        func part(_ name: String, _ records: [Canonical]) -> StoreCopyReport.Part {
            var digests: [UInt8] = []
            digests.reserveCapacity(records.count * 32)
            for record in records { digests += SHA256.digest(record.bytes) }
            return StoreCopyReport.Part(name: name, count: records.count, checksum: SHA256.hex(digests))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var organisationRecords: [Canonical] = organisation.levels.map { Canonical().text("level").text($0) }
        for unit in organisation.units {
            organisationRecords.append(
                Canonical().text("unit").text(unit.id).text(unit.name).text(unit.parent).text(unit.level)
                    .bytes(try encoder.encode(unit.counts)))
        }
        for person in organisation.people {
            organisationRecords.append(
                Canonical().text("person").text(person.id).text(person.name).text(person.unit)
                    .bytes(try encoder.encode(person.roles)))
        }
        return [
            part(
                "workflow versions",
                versions.map {
                    Canonical().text($0.hash).text($0.workflowID).text($0.file).bytes($0.source).number($0.recordedAt)
                }),
            part("organisation records", organisationRecords),
            part(
                "campaigns",
                try campaigns.map { stored in
                    let summary = stored.summary
                    return Canonical().text(summary.id).text(summary.workflowID).text(summary.workflowVersion)
                        .text(summary.state).text(summary.status.rawValue).number(summary.eventCount)
                        .number(summary.startedAt).number(summary.updatedAt)
                        .bytes(try codec.encode(stored.campaign))
                }),
            part(
                "entries",
                campaigns.flatMap { stored in
                    stored.entries.map { entry in
                        Canonical().text(stored.summary.id).bytes(CampaignCodec.encodeEntries([entry][...]))
                    }
                }),
            part(
                "events",
                try events.map { event in
                    Canonical().number(event.sequence).text(event.id).text(event.campaignID).number(event.at)
                        .number(event.recordedAt).text(event.kind).text(event.disposition.rawValue)
                        .number(event.lateBy).text(event.summary).bytes(try event.action.json())
                }),
            part(
                "outbox items",
                try outbox.map { stored in
                    let item = stored.item
                    return Canonical().number(item.sequence).text(item.campaignID).text(item.eventID)
                        .bytes(try encoder.encode(item.effect)).number(item.createdAt).number(stored.deliveredAt)
                }),
            part(
                "due timers",
                dueTimers.map { Canonical().number($0.due).text($0.campaignID).number($0.timerID) }),
            part(
                "campaign numbers",
                campaignNumbers.sorted { $0.key < $1.key }.map { Canonical().text($0.key).number($0.value) }),
            part(
                "recurrence cursors",
                recurrences.sorted { $0.key < $1.key }.map {
                    Canonical().text($0.key).number($0.value.lastCycle).number($0.value.firstSeen)
                }),
            part("child campaigns", parents.map { Canonical().text($0.child).text($0.parent).text($0.unit) }),
            part(
                "access grants",
                grants.map {
                    Canonical().text($0.id).text($0.person).text($0.role).text($0.unit).text($0.council)
                        .text($0.secret.rawValue).text($0.secretHash).number($0.createdAt).number($0.expiresAt)
                        .number($0.revokedAt).text($0.grantedBy)
                }),
            part(
                "audit records",
                audit.map {
                    Canonical().number($0.sequence).number($0.leafIndex).text($0.campaignID).bytes($0.body)
                        .bytes($0.leafHash).bytes($0.personal?.salt ?? []).text($0.personal?.actor)
                        .text($0.personal?.address).text($0.personal?.subject)
                }),
            part(
                "approvals",
                approvals.map {
                    Canonical().text($0.id).text($0.campaignID).text($0.action).bytes($0.detail).text($0.summary)
                        .number($0.version).text($0.requestedBy).number($0.requestedAt).number($0.expiresAt)
                        .text($0.decision?.rawValue).text($0.decidedBy).number($0.decidedAt)
                }),
            part(
                "audit checkpoints",
                checkpoints.map {
                    Canonical().number($0.size).bytes($0.root).bytes($0.peaks.flatMap { $0 }).number($0.signedAt)
                        .text($0.note).bytes($0.signature)
                }),
        ]
    }
}

/// What a copy moved: each part's count and checksum, the same read back from the target.
public struct StoreCopyReport: Sendable, Encodable {
    public struct Part: Sendable, Encodable, Equatable {
        public var name: String
        public var count: Int
        /// SHA-256 of the part's records in a canonical form, in hex.
        public var checksum: String
    }

    public var parts: [Part]

    private enum CodingKeys: String, CodingKey { case parts }
}

extension CampaignService {
    /// Copies everything `source` holds into `target`, which must be empty, in one transaction
    /// of the target: read in one snapshot of the source, written with its numbers and instants,
    /// read back in the same transaction and committed only if every part's count and checksum
    /// equals the source's. A copy that fails writes nothing. `progress` is told each stage.
    public static func copyStore(
        from source: any CampaignStore, to target: any CampaignStore, registry: PluginRegistry,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> StoreCopyReport {
        let codec = CampaignCodec(registry: registry)
        do {
            progress("reading the source")
            let (contents, tally) = try await source.read { reader in
                let contents = try StoreContents(reading: reader, progress: progress)
                return (contents, try contents.tally(codec: codec))
            }
            progress(
                "read \(contents.campaigns.count.counted("campaign", "campaigns")), \(contents.events.count.counted("event", "events")); writing the target in one transaction"
            )
            try await target.write { transaction in
                if let held = try StoreContents.holdings(of: transaction) {
                    throw LaurelError(
                        .conflict,
                        "the target is not empty (it holds \(held)); a copy goes only into a database Laurel has not written to"
                    )
                }
                try contents.restore(into: transaction, progress: progress)
                progress("reading the copy back to verify it")
                let copied = try StoreContents(reading: transaction).tally(codec: codec)
                for (expected, found) in zip(tally, copied) where expected != found {
                    throw LaurelError(
                        .internal,
                        "the copy does not match the source: \(expected.name): \(expected.count) with checksum \(expected.checksum.prefix(12)) in the source, \(found.count) with checksum \(found.checksum.prefix(12)) in the copy; nothing was written"
                    )
                }
            }
            return StoreCopyReport(parts: tally)
        } catch {
            throw LaurelError(error)
        }
    }
}
