import LaurelCore
import LaurelStore

/// A store transaction that carries out what saving a campaign implies for its family: a saved
/// campaign's `startChild` effects start its children, in the same transaction; a child saved
/// finished reports to its parent (``CampaignEvent/childClosed``).
///
/// Reports are gathered and applied when the body is done (``settle()``), one load and one save
/// of each parent however many of its children finished in the transaction: a cascade of
/// 10,000 children then saves its parent once per batch of fired timers, not 10,000 times.
final class FamilyTransaction: ForwardingStoreTransaction {
    let inner: any StoreTransaction
    let service: CampaignService
    let now: Instant
    /// Who the transaction's changes are recorded as made by, in the audit log.
    let actor: AuditActor
    /// Reports waiting for their parent, in the order the children finished.
    private var reports: [(parent: String, report: ChildReport)] = []

    init(_ inner: any StoreTransaction, service: CampaignService, now: Instant, actor: AuditActor) {
        self.inner = inner
        self.service = service
        self.now = now
        self.actor = actor
    }

    @discardableResult
    func save(_ campaign: Campaign, events: [LoggedEvent], effects: [OutboxItem], at instant: Instant) throws -> Int {
        // A finished child's report reads its entries: the stored ones are read before the save
        // adds this one's to them.
        if campaign.status == .finished, !events.isEmpty, let parent = try inner.parent(of: campaign.id) {
            var child = campaign
            if !child.entries.isLoaded { try child.loadEntries(try inner.entries(campaignID: child.id)) }
            reports.append((parent.campaign, ChildReport(of: child, unit: parent.unit)))
        }
        let size = try inner.save(campaign, events: events, effects: effects, at: instant)
        // Every save that logs something is an audit record, in this transaction.
        if !events.isEmpty {
            try inner.appendAudit([AuditTrail.campaignRecord(by: actor, at: now, campaign: campaign, events: events)])
        }
        for item in effects {
            guard case .startChild(let workflow, let key, let unit, let inputs) = item.effect else { continue }
            try startChild(of: campaign, workflow: workflow, key: key, unit: unit, inputs: inputs)
        }
        return size
    }

    /// Starts one child on the latest recorded version of its workflow, once (its start is
    /// logged under "child:PARENT:KEY"), at the instant its parent asked.
    private func startChild(of parent: Campaign, workflow: String, key: String, unit: String?, inputs: [String: Value])
        throws
    {
        let eventID = "child:\(parent.id):\(key)"
        guard try !inner.containsEvent(id: eventID) else { return }
        guard let version = try inner.latestVersion(workflowID: workflow) else {
            throw LaurelError(
                .notFound,
                "campaign '\(parent.id)' starts child campaigns of '\(workflow)', but no workflow '\(workflow)' is loaded; add its file to the workflows folder"
            )
        }
        let engine = try service.engine(version: version, in: inner)
        let childID = "\(parent.id)--\(key)"
        let at = max(now, parent.enteredAt)
        let applied: Applied
        do {
            applied = try engine.start(id: childID, inputs: inputs, at: at)
        } catch {
            throw LaurelError(
                .refused, "the child campaign '\(childID)' of '\(workflow)' cannot start: \(error.reason)")
        }
        try inner.setParent(parent.id, unit: unit, of: childID)
        let event = LoggedEvent(
            id: eventID, campaignID: childID, at: at, recordedAt: now,
            action: .start(inputs: inputs, entries: []),
            summary: CampaignService.summary(
                of: applied, event: "started by \(parent.id) on version \(version.prefix(12))"))
        try save(
            applied.campaign, events: [event],
            effects: CampaignService.outbox(applied.effects, campaignID: childID, eventID: eventID, at: now), at: now)
    }

    /// Applies the waiting reports to their parents: each parent loaded once, its reports applied
    /// in order, saved once (which may finish it and report further up). A report its parent
    /// refuses (the cascade's deadline passed, the parent moved on) is logged as skipped with the
    /// reason; it never holds up the child's own transaction.
    func settle() throws {
        while !reports.isEmpty {
            let waiting = reports
            reports = []
            var order: [String] = []
            var byParent: [String: [ChildReport]] = [:]
            for (parent, report) in waiting {
                if byParent[parent] == nil { order.append(parent) }
                byParent[parent, default: []].append(report)
            }
            for parentID in order {
                guard var parent = try inner.campaign(id: parentID) else { continue }
                let engine = try service.engine(version: parent.workflowVersion, in: inner)
                var logged: [LoggedEvent] = []
                var effects: [OutboxItem] = []
                // As for any event: the parent's timers due by now fire first (its deadline).
                try service.catchUp(
                    &parent, engine: engine, until: now, now: now, logged: &logged, effects: &effects, in: inner)
                for report in byParent[parentID] ?? [] {
                    let eventID = "child-closed:\(report.campaign)"
                    guard try !inner.containsEvent(id: eventID) else { continue }
                    let event = CampaignEvent.childClosed(report)
                    let at = max(now, parent.enteredAt)
                    switch try Self.apply(event, to: &parent, engine: engine, at: at, in: inner) {
                    case .success(let applied):
                        parent = applied.campaign
                        logged.append(
                            LoggedEvent(
                                id: eventID, campaignID: parentID, at: at, recordedAt: now, action: .event(event),
                                summary: CampaignService.summary(of: applied, event: event.summary)))
                        effects += CampaignService.outbox(
                            applied.effects, campaignID: parentID, eventID: eventID, at: now)
                    case .failure(let refusal):
                        logged.append(
                            LoggedEvent(
                                id: eventID, campaignID: parentID, at: at, recordedAt: now, action: .event(event),
                                disposition: .skipped, summary: "\(event.summary) not taken: \(refusal.reason)"))
                    }
                }
                if !logged.isEmpty { try save(parent, events: logged, effects: effects, at: now) }
            }
        }
    }
}

extension FamilyTransaction {
    /// The event applied (loading the entries when it needs them), or the engine's refusal; a
    /// store's error is thrown.
    static func apply(
        _ event: CampaignEvent, to campaign: inout Campaign, engine: Engine, at instant: Instant,
        in reader: any StoreReader
    ) throws -> Result<Applied, Refusal> {
        do {
            return .success(try CampaignService.apply(event, to: &campaign, engine: engine, at: instant, in: reader))
        } catch let refusal as Refusal {
            return .failure(refusal)
        }
    }
}

extension CampaignService {
    /// `store.write` with the family's consequences carried out before the transaction ends; its
    /// errors are ``LaurelError``s, as every error the service throws is.
    func writeWithFamily<T: Sendable>(
        now: Instant, end: TransactionEnd = .commit,
        _ body: @escaping @Sendable (any StoreTransaction) throws -> T
    ) async throws -> T {
        let actor = AuditActor.current
        do {
            return try await store.write(end) { inner in
                let transaction = FamilyTransaction(inner, service: self, now: now, actor: actor)
                let result = try body(transaction)
                try transaction.settle()
                return result
            }
        } catch {
            throw LaurelError(error)
        }
    }
}
