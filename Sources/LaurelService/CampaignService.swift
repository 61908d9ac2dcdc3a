public import LaurelCore
public import LaurelStore
import Synchronization

/// What applying something to a campaign came to.
public struct ServiceResult: Sendable {
    public enum Status: String, Sendable {
        /// Applied now, in one transaction with its consequences.
        case applied
        /// The same event id was applied before; nothing was done again.
        case alreadyApplied = "already-applied"
        /// A reminder more than one period late, passed over (and logged as skipped).
        case skipped
        /// The timer was no longer armed (its state was left); its index row was removed.
        case stale
        /// A dry run: every event would be applied, and nothing was written.
        case checked
    }

    public var status: Status
    public var campaignID: String
    /// Everything logged by this call: timers that fell due first, then the event itself.
    public var logged: [LoggedEvent]
    public var campaign: Campaign?
}

/// Runs campaigns against the store: starts them, applies events from people and fires due
/// timers, each in one store transaction with all its consequences (the campaign's snapshot, its
/// due timers, the log and the outbox). The daemon and the `laurel` commands share it, so a
/// command and the daemon apply the same rules.
///
/// Before an event at instant `now`, the campaign's timers due at or before `now` fire first, in
/// due order: a deadline that passed while the daemon was down still comes before a late entry.
public final class CampaignService: Sendable {
    let store: any CampaignStore
    public let registry: PluginRegistry
    /// Compiled engines by version, the most recently used last. At most ``engineCacheSize`` are
    /// kept: each holds its workflow, and a file edited many times would otherwise keep every
    /// version in memory (45 edits of a 4 MB file: 59 -> 350 MB). Another is compiled again
    /// from the stored text when needed.
    private let engines = Mutex<(byVersion: [String: Engine], order: [String])>(([:], []))
    public static let engineCacheSize = 16

    /// The versions whose engines are kept, the most recently used last.
    var cachedVersions: [String] { engines.withLock { $0.order } }
    /// The organisation data every engine is given, with the store's version of it; read on
    /// first use and again by ``refreshOrganisation()`` when an import changed it.
    private let organisation = Mutex<(version: Int, data: Organisation)?>(nil)

    public init(store: any CampaignStore, registry: PluginRegistry) {
        self.store = store
        self.registry = registry
    }

    /// The engine of one exact workflow version, compiled from the text the store keeps, with
    /// the organisation data of the store.
    /// An engine already compiled, with the organisation already read, costs no read: a
    /// request of the HTTP API asks for one each time.
    public func engine(version hash: String) async throws -> Engine {
        if var cached = cachedEngine(version: hash), let organisation = organisation.withLock({ $0?.data }) {
            cached.organisation = organisation
            return cached
        }
        return try await reading { try self.engine(version: hash, in: $0) }
    }

    private func cachedEngine(version hash: String) -> Engine? {
        engines.withLock { cache -> Engine? in
            guard let engine = cache.byVersion[hash] else { return nil }
            if cache.order.last != hash {
                cache.order.removeAll { $0 == hash }
                cache.order.append(hash)
            }
            return engine
        }
    }

    /// ``engine(version:)`` inside a read or a transaction.
    func engine(version hash: String, in reader: any StoreReader) throws -> Engine {
        var engine = try compiledEngine(version: hash, in: reader)
        engine.organisation = try currentOrganisation(in: reader)
        return engine
    }

    /// Reads the organisation data again if an import replaced it since it was read; the daemon
    /// calls this as it rescans the workflow folder. Returns the data read, nil when unchanged.
    @discardableResult
    public func refreshOrganisation() async throws -> Organisation? {
        try await reading { try self.refreshOrganisation(in: $0) }
    }

    @discardableResult
    private func refreshOrganisation(in reader: any StoreReader) throws -> Organisation? {
        let version = try reader.organisationVersion()
        guard organisation.withLock({ $0?.version }) != version else { return nil }
        let data = try reader.organisation()
        organisation.withLock { $0 = (version, data) }
        return data
    }

    /// The organisation data the engines are given: read once, then again when
    /// ``refreshOrganisation()`` finds it changed. Authorization decides on the same data.
    public func organisationInUse() async throws -> Organisation {
        if let cached = organisation.withLock({ $0?.data }) { return cached }
        return try await reading { try self.currentOrganisation(in: $0) }
    }

    private func currentOrganisation(in reader: any StoreReader) throws -> Organisation {
        if let cached = organisation.withLock({ $0?.data }) { return cached }
        try refreshOrganisation(in: reader)
        return organisation.withLock { $0?.data } ?? Organisation()
    }

    /// A read whose errors are ``LaurelError``s, as every error the service throws is.
    func reading<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
        do {
            return try await store.read(body)
        } catch {
            throw LaurelError(error)
        }
    }

    /// A write whose errors are ``LaurelError``s, for changes outside any campaign (access grants).
    func writing<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        do {
            return try await store.write(body)
        } catch {
            throw LaurelError(error)
        }
    }

    private func compiledEngine(version hash: String, in reader: any StoreReader) throws -> Engine {
        if let cached = cachedEngine(version: hash) { return cached }
        guard let version = try reader.workflowVersion(hash: hash) else {
            throw LaurelError(.notFound, "workflow version \(hash) is not in the store")
        }
        let result = WorkflowValidator(registry: registry).validate(version.source, file: version.file)
        guard let workflow = result.workflow else {
            throw LaurelError(
                .internal,
                "workflow version \(hash.prefix(12)) of \(version.file) no longer validates in this build: "
                    + (result.diagnostics.first { $0.severity == .error }?.message ?? "unknown problem"))
        }
        let engine: Engine
        do {
            engine = try Engine(workflow: workflow, version: hash, registry: registry)
        } catch {
            throw LaurelError(.internal, "workflow version \(hash.prefix(12)) cannot run: \(error.description)")
        }
        engines.withLock { cache in
            if cache.byVersion.updateValue(engine, forKey: hash) == nil { cache.order.append(hash) }
            while cache.order.count > Self.engineCacheSize { cache.byVersion[cache.order.removeFirst()] = nil }
        }
        return engine
    }

    // MARK: Starting

    /// Starts a campaign of the given workflow version; returns its id ("WORKFLOW-ID-N").
    /// With an idempotency key, starting twice starts once and returns the first campaign.
    public func start(
        version hash: String, inputs: [String: Value] = [:], entries: [Entry] = [], idempotencyKey: String?,
        now: Instant
    ) async throws -> ServiceResult {
        try await writeWithFamily(now: now) { transaction in
            let engine = try self.engine(version: hash, in: transaction)
            let eventID = idempotencyKey.map { "start:\($0)" }
            if let eventID, let earlier = try transaction.event(id: eventID) {
                let campaign = try transaction.campaign(id: earlier.campaignID)
                guard earlier.action == .start(inputs: inputs, entries: entries),
                    campaign?.workflowID == engine.workflow.id
                else {
                    throw LaurelError(
                        .conflict,
                        "the idempotency key '\(idempotencyKey ?? "")' was used before to start '\(earlier.campaignID)'\(earlier.action == .start(inputs: inputs, entries: entries) ? "" : " with other inputs"); nothing was done. A new start needs a new key"
                    )
                }
                return ServiceResult(
                    status: .alreadyApplied, campaignID: earlier.campaignID, logged: [], campaign: campaign)
            }
            let number = try transaction.nextCampaignNumber(workflowID: engine.workflow.id)
            let id = "\(engine.workflow.id)-\(number)"
            let applied: Applied
            do {
                applied = try engine.start(id: id, inputs: inputs, entries: entries, at: now)
            } catch let refusal as Refusal {
                throw LaurelError(.refused, refusal.reason)
            }
            let event = LoggedEvent(
                id: eventID ?? "start:\(id)", campaignID: id, at: now, recordedAt: now,
                action: .start(inputs: inputs, entries: entries),
                summary: Self.summary(of: applied, event: "started on version \(hash.prefix(12))"))
            try transaction.save(
                applied.campaign, events: [event],
                effects: Self.outbox(applied.effects, campaignID: id, eventID: event.id, at: now), at: now)
            return ServiceResult(status: .applied, campaignID: id, logged: [event], campaign: applied.campaign)
        }
    }

    // MARK: Recurring workflows

    /// What one look at a recurring workflow did.
    public struct RecurrenceReport: Sendable {
        /// Campaigns started, with the cycle each is for, in order.
        public var started: [(campaignID: String, cycle: Instant, logged: LoggedEvent)] = []
        public var skipped = 0
        public var firstSkipped: Instant?
        public var lastSkipped: Instant?
        /// When the next cycle begins: nothing needs doing before then.
        public var nextCycle: Instant?
    }

    /// Starts the campaigns of the cycles of a recurring workflow that began by `now`, as its
    /// catch-up policy decides (``RecurrencePlan``), in one transaction with the cursor that
    /// records how far it went; a cycle already started (its event id is logged) is not started
    /// again. Each campaign starts at its cycle's instant, so timers that fell due since fire
    /// next, late, as any timer after downtime. A workflow seen for the first time is recorded
    /// as seen now. At most `limit` cycles are looked at per call.
    public func startDueCycles(version hash: String, now: Instant, limit: Int = 50) async throws -> RecurrenceReport {
        try await writeWithFamily(now: now) { transaction in
            let engine = try self.engine(version: hash, in: transaction)
            guard let recurrence = engine.workflow.recurrence else { return RecurrenceReport() }
            let plan = RecurrencePlan(recurrence, calendar: engine.calendar)
            let workflowID = engine.workflow.id
            let declaresCycle = engine.workflow.inputs.contains { $0.name == Recurrence.cycleInput }
            let known = try transaction.recurrence(workflowID: workflowID)
            let seen = known ?? RecurrenceCursor(lastCycle: nil, firstSeen: now)
            let decision = plan.decide(cursor: seen.lastCycle, firstSeen: seen.firstSeen, now: now, limit: limit)
            var report = RecurrenceReport(
                skipped: decision.skipped, firstSkipped: decision.firstSkipped,
                lastSkipped: decision.lastSkipped)
            for cycle in decision.start {
                let id = plan.campaignID(workflowID: workflowID, cycle: cycle)
                let eventID = "recurrence:\(workflowID):\(cycle)"
                guard try !transaction.containsEvent(id: eventID) else { continue }
                let inputs: [String: Value] = declaresCycle ? [Recurrence.cycleInput: .instant(cycle)] : [:]
                let applied: Applied
                do {
                    applied = try engine.start(id: id, inputs: inputs, at: cycle)
                } catch let refusal as Refusal {
                    throw LaurelError(
                        .refused,
                        "the cycle of \(engine.calendar.format(cycle)) of '\(workflowID)' cannot start: \(refusal.reason)"
                    )
                }
                let event = LoggedEvent(
                    id: eventID, campaignID: id, at: cycle, recordedAt: now,
                    action: .start(inputs: inputs, entries: []), lateBy: max(0, now - cycle),
                    summary: Self.summary(
                        of: applied,
                        event:
                            "started for the cycle of \(engine.calendar.format(cycle)) (\(recurrence.schedule)) on version \(hash.prefix(12))"
                    ))
                try transaction.save(
                    applied.campaign, events: [event],
                    effects: Self.outbox(applied.effects, campaignID: id, eventID: eventID, at: now), at: now)
                report.started.append((id, cycle, event))
            }
            if known == nil || decision.cursor != known?.lastCycle {
                try transaction.setRecurrence(
                    RecurrenceCursor(lastCycle: decision.cursor, firstSeen: seen.firstSeen),
                    workflowID: workflowID)
            }
            report.nextCycle = plan.cycle(
                after: decision.cursor ?? max(seen.firstSeen, (plan.firstInstant ?? seen.firstSeen) - 1))
            return report
        }
    }

    // MARK: Events from people

    /// Applies an event to a campaign at `now`, after the campaign's timers due by then. A
    /// refused event changes nothing (the timers that fell due are fired by the daemon instead).
    ///
    /// With `ifVersion`, the campaign must still be at that version (its ``Campaign/eventCount``,
    /// which every change moves), or nothing is done (`preconditionFailed`): a person's action on
    /// what they saw, not on what changed since (HTTP `If-Match`).
    ///
    /// `authorize` is asked inside the transaction, once the timers due by `now` have fired, with
    /// the campaign's facts as they are then and its engine (with the organisation data): a council's window that closed a second ago counts
    /// as closed even if the daemon has not fired it yet. It throws to refuse; nothing is written.
    public func apply(
        _ event: CampaignEvent, to campaignID: String, eventID: String, now: Instant, ifVersion: Int? = nil,
        authorize: (@Sendable (CampaignFacts, Engine) throws -> Void)? = nil
    ) async throws -> ServiceResult {
        try await apply(to: campaignID, eventID: eventID, now: now, ifVersion: ifVersion, authorize: authorize) { _ in
            event
        }
    }

    /// ``apply(_:to:eventID:now:ifVersion:authorize:)`` with the event made in the transaction by
    /// `event`, from the campaign's engine (an entry's fields typed by its kind): a request of the
    /// HTTP API is then one transaction, with no read before it.
    public func apply(
        to campaignID: String, eventID: String, now: Instant, ifVersion: Int? = nil,
        authorize: (@Sendable (CampaignFacts, Engine) throws -> Void)? = nil,
        event build: @escaping @Sendable (Engine) throws -> CampaignEvent
    ) async throws -> ServiceResult {
        try await writeWithFamily(now: now) { transaction in
            guard var campaign = try transaction.campaign(id: campaignID) else {
                throw LaurelError(.notFound, "there is no campaign '\(campaignID)'")
            }
            let engine = try self.engine(version: campaign.workflowVersion, in: transaction)
            let event = try build(engine)
            if let earlier = try transaction.event(id: eventID) {
                if let conflict = Self.conflict(earlier, .event(event), campaignID: campaignID) {
                    throw LaurelError(.conflict, conflict)
                }
                return ServiceResult(status: .alreadyApplied, campaignID: campaignID, logged: [], campaign: campaign)
            }
            if let ifVersion, campaign.eventCount != ifVersion {
                throw LaurelError(
                    .preconditionFailed,
                    "campaign '\(campaignID)' is at version \(campaign.eventCount), not \(ifVersion) as the request says; read it again and decide on what it is now"
                )
            }
            var logged: [LoggedEvent] = []
            var effects: [OutboxItem] = []
            try self.catchUp(
                &campaign, engine: engine, until: now, now: now, logged: &logged, effects: &effects, in: transaction)
            if let authorize {
                let unit = Self.unit(
                    of: campaign, engine: engine, parentUnit: try transaction.parent(of: campaignID)?.unit)
                try authorize(CampaignFacts(campaign, workflow: engine.workflow, unit: unit), engine)
            }
            let instant = max(now, campaign.enteredAt)
            let applied: Applied
            do {
                applied = try Self.apply(event, to: &campaign, engine: engine, at: instant, in: transaction)
            } catch let refusal as Refusal {
                throw LaurelError(.refused, refusal.reason)
            }
            // A secret input (a secret ballot's paper) is kept sealed: the log says who voted, never how.
            let entry = LoggedEvent(
                id: eventID, campaignID: campaignID, at: instant, recordedAt: now,
                action: .event(applied.isSecret ? event.sealed : event),
                summary: Self.summary(of: applied, event: (applied.isSecret ? event.sealed : event).summary))
            logged.append(entry)
            effects += Self.outbox(applied.effects, campaignID: campaignID, eventID: eventID, at: now)
            try transaction.save(applied.campaign, events: logged, effects: effects, at: now)
            return ServiceResult(status: .applied, campaignID: campaignID, logged: logged, campaign: applied.campaign)
        }
    }

    /// Applies events in order in one transaction: all of them or, when any is refused, none (an
    /// import). Every refused event is reported, not only the first: an event after a refused one
    /// is judged as if the refused one were not there. Events whose id is already logged for the
    /// same request are left out, so a re-run import adds only what is missing; an id logged for
    /// another request (a row changed since it was imported) is refused. When any is refused the
    /// error's code is `refused` and its problems name each refused event by its index in the
    /// batch. `progress` is called with the number of events handled so far. With `dryRun` the
    /// events are only checked.
    public func applyAll(
        _ events: [(event: CampaignEvent, id: String)], to campaignID: String, now: Instant,
        dryRun: Bool = false, progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> ServiceResult {
        try await writeWithFamily(now: now, end: dryRun ? .rollBack : .commit) { transaction in
            guard var campaign = try transaction.campaign(id: campaignID) else {
                throw LaurelError(.notFound, "there is no campaign '\(campaignID)'")
            }
            let engine = try self.engine(version: campaign.workflowVersion, in: transaction)
            var logged: [LoggedEvent] = []
            var effects: [OutboxItem] = []
            try self.catchUp(
                &campaign, engine: engine, until: now, now: now, logged: &logged, effects: &effects, in: transaction)
            var seen = Set<String>()
            // The entries' ids in this batch: the store knows only those it holds.
            var submitted = Set<String>()
            var problems: [LaurelError.Problem] = []
            // Events are handed to the engine (`consume`), which then appends to the entries in
            // place: a copy of the campaign per event copied the list of its entries' chunks, a
            // seventh of an import of 200,000 rows (docs/performance.md). An event the engine does
            // not apply takes the campaign with it, so it is rebuilt from `initial` and the events
            // applied since (the engine is deterministic); after a refusal the rest go to copies.
            var initial = campaign
            var appliedSince: [(index: Int, at: Instant)] = []
            var inPlace = true
            func rebuild() throws -> Campaign {
                var rebuilt = initial
                for (index, at) in appliedSince {
                    do {
                        rebuilt = try engine.apply(events[index].event, to: consume rebuilt, at: at).campaign
                    } catch {
                        throw LaurelError(.internal, "event \(index) was applied once and refused again: \(error)")
                    }
                }
                return rebuilt
            }
            for (index, item) in events.enumerated() {
                defer { if index % 100 == 99 || index == events.count - 1 { progress(index + 1) } }
                guard seen.insert(item.id).inserted else {
                    problems.append(
                        LaurelError.Problem(index: index, message: "the id '\(item.id)' appears twice in this batch"))
                    continue
                }
                if let earlier = try transaction.event(id: item.id) {
                    if let conflict = Self.batchConflict(earlier, item.event, campaignID: campaignID) {
                        problems.append(LaurelError.Problem(index: index, message: conflict))
                    }
                    continue
                }
                if case .submit(let entry) = item.event,
                    try !submitted.insert(entry.id).inserted
                        || (!campaign.entries.isLoaded
                            && transaction.containsEntry(campaignID: campaignID, id: entry.id))
                {
                    problems.append(
                        LaurelError.Problem(
                            index: index,
                            message: DuplicateEntry(campaignID: campaignID, entryID: entry.id)
                                .descriptionForPeople))
                    continue
                }
                let instant = max(now, campaign.enteredAt)
                var inPlaceResult: Applied?
                if inPlace {
                    do {
                        let result = try engine.apply(item.event, to: consume campaign, at: instant)
                        campaign = result.campaign
                        inPlaceResult = result
                    } catch {
                        campaign = try rebuild()
                        if (error as? Refusal)?.needsEntries == true, !initial.entries.isLoaded {
                            let stored = try transaction.entries(campaignID: campaignID)
                            try initial.loadEntries(stored)
                            try campaign.loadEntries(stored)
                        } else {
                            inPlace = false
                        }
                    }
                }
                let applied: Applied
                if let inPlaceResult {
                    applied = inPlaceResult
                } else {
                    do {
                        applied = try Self.apply(
                            item.event, to: &campaign, engine: engine, at: instant, in: transaction)
                    } catch let refusal as Refusal {
                        problems.append(LaurelError.Problem(index: index, message: refusal.reason))
                        continue
                    }
                }
                if inPlace { appliedSince.append((index, instant)) }
                logged.append(
                    LoggedEvent(
                        id: item.id, campaignID: campaignID, at: instant, recordedAt: now,
                        action: .event(applied.isSecret ? item.event.sealed : item.event),
                        summary: Self.summary(
                            of: applied, event: (applied.isSecret ? item.event.sealed : item.event).summary)))
                effects += Self.outbox(applied.effects, campaignID: campaignID, eventID: item.id, at: now)
                campaign = applied.campaign
            }
            guard problems.isEmpty else {
                throw LaurelError(
                    .refused,
                    "\(problems.count.groupedByThousands) of \(events.count.counted("event", "events")) refused; nothing was written",
                    problems: problems)
            }
            try transaction.save(campaign, events: logged, effects: effects, at: now)
            return ServiceResult(
                status: dryRun ? .checked : .applied, campaignID: campaignID, logged: logged, campaign: campaign)
        }
    }

    /// For an import: an entry imported before with other values says which.
    static func batchConflict(_ earlier: LoggedEvent, _ event: CampaignEvent, campaignID: String) -> String? {
        guard let conflict = conflict(earlier, .event(event), campaignID: campaignID) else { return nil }
        guard case .event(.submit(let before)) = earlier.action, case .submit(let now) = event else { return conflict }
        var changes: [String] = []
        if before.kind != now.kind { changes.append("kind '\(before.kind)' is now '\(now.kind)'") }
        if before.unit != now.unit { changes.append("unit '\(before.unit ?? "")' is now '\(now.unit ?? "")'") }
        let names = Set(before.fields.names).union(now.fields.names).sorted()
        for name in names where before.fields[name] != now.fields[name] {
            changes.append(
                "\(name) '\(before.fields[name]?.description ?? "")' is now '\(now.fields[name]?.description ?? "")'")
        }
        return
            "entry '\(now.id)' was imported before with other values (\(changes.joined(separator: ", "))); an import does not change an entry it imported before: put the row back as it was, or give the changed entry a new id"
    }

    // MARK: Versions

    /// A campaign moved to another version of its workflow (or, in a dry run, what would be).
    public struct MigrationResult: Sendable {
        public var before: Campaign
        public var migration: Engine.Migration
        /// The new version's engine, for showing the result (time zone, states).
        public var engine: Engine
        public var logged: [LoggedEvent]
    }

    /// Moves a running campaign to another recorded version of its workflow, in one transaction:
    /// its timers due by `now` fire first on the version they were armed by, then `mapState`
    /// (a person's explicit mapping) names the new state for the state the campaign is then in,
    /// and `Engine.migrate` moves it. With `dryRun` the same work is done and rolled back, so
    /// what is shown is exactly what would be written.
    public func migrate(
        _ campaignID: String, toVersion hash: String,
        mapState: @escaping @Sendable (_ state: String, _ target: Engine) throws -> String,
        eventID: String, now: Instant, dryRun: Bool
    ) async throws -> MigrationResult {
        try await writeWithFamily(now: now, end: dryRun ? .rollBack : .commit) { transaction in
            if try transaction.containsEvent(id: eventID) {
                throw LaurelError(
                    .conflict, "the idempotency key of '\(eventID)' was used before; nothing was done again")
            }
            guard var campaign = try transaction.campaign(id: campaignID) else {
                throw LaurelError(.notFound, "there is no campaign '\(campaignID)'")
            }
            let previous = try self.engine(version: campaign.workflowVersion, in: transaction)
            let next = try self.engine(version: hash, in: transaction)
            var logged: [LoggedEvent] = []
            var effects: [OutboxItem] = []
            try self.catchUp(
                &campaign, engine: previous, until: now, now: now, logged: &logged, effects: &effects,
                in: transaction)
            let before = campaign
            let state = try mapState(campaign.state, next)
            let migration: Engine.Migration
            do {
                migration = try transaction.withEntriesWhenNeeded(&campaign) { campaign in
                    try next.migrate(campaign, from: previous, into: state, at: max(now, campaign.enteredAt))
                }
            } catch let refusal as Refusal {
                throw LaurelError(.refused, refusal.reason)
            }
            logged.append(
                LoggedEvent(
                    id: eventID, campaignID: campaignID, at: max(now, campaign.enteredAt), recordedAt: now,
                    action: .migrate(from: previous.version, to: hash, state: state),
                    summary: Self.summary(of: migration.applied, event: "migrated to version \(hash.prefix(12))")))
            effects += Self.outbox(migration.applied.effects, campaignID: campaignID, eventID: eventID, at: now)
            try transaction.save(migration.applied.campaign, events: logged, effects: effects, at: now)
            return MigrationResult(before: before, migration: migration, engine: next, logged: logged)
        }
    }

    /// Rebuilds a campaign from its log alone, through the engines of the versions it ran on:
    /// equal to the stored snapshot, as the engine is deterministic (docs/engine.md).
    public func replay(_ campaignID: String) async throws -> Campaign {
        try await reading { reader in try self.replay(campaignID, in: reader) }
    }

    private func replay(_ campaignID: String, in reader: any StoreReader) throws -> Campaign {
        let log = try reader.events(campaignID: campaignID)
        guard let first = log.first, case .start(let inputs, let entries) = first.action,
            let stored = try reader.campaign(id: campaignID)
        else {
            throw LaurelError(.internal, "campaign '\(campaignID)' has no start in its log")
        }
        // The version it started on: the first migration's source, or the one it runs now.
        let startVersion =
            log.lazy.compactMap { event -> String? in
                if case .migrate(let from, _, _) = event.action { return from } else { return nil }
            }.first ?? stored.workflowVersion
        var engine = try self.engine(version: startVersion, in: reader)
        var campaign: Campaign
        do {
            campaign = try engine.start(id: campaignID, inputs: inputs, entries: entries, at: first.at).campaign
            for event in log.dropFirst() {
                switch event.action {
                case .start:
                    throw LaurelError(
                        .internal, "campaign '\(campaignID)' has a second start in its log (event \(event.id))")
                case .event(.vote(let vote)) where vote.isSealed:
                    throw LaurelError(
                        .refused,
                        "campaign '\(campaignID)' cannot be replayed past event \(event.id): it is a secret ballot's paper, and the log keeps only that '\(vote.member)' voted, not how (docs/plugins.md, ballot)"
                    )
                case .event(.childClosed) where event.disposition == .skipped:
                    continue  // a child's report the campaign did not take: logged, never applied
                case .event(let action):
                    campaign = try engine.apply(action, to: campaign, at: event.at).campaign
                case .migrate(_, let hash, let state):
                    let next = try self.engine(version: hash, in: reader)
                    campaign = try next.migrate(campaign, from: engine, into: state, at: event.at).applied.campaign
                    engine = next
                }
            }
        } catch let refusal as Refusal {
            throw LaurelError(.internal, "replaying '\(campaignID)' failed: \(refusal.reason)")
        }
        return campaign
    }

    // MARK: Timers

    /// Fires one timer from the due index, in its own transaction: applied at its due instant
    /// (the campaign's history does not depend on when the daemon got to it) and logged with how
    /// late it was. A stale reminder is skipped and logged as skipped.
    public func fire(_ due: DueTimer, now: Instant) async throws -> ServiceResult {
        try await writeWithFamily(now: now) { transaction in try self.fire(due, now: now, in: transaction) }
    }

    /// What one claim of due timers came to.
    public struct FiredBatch: Sendable {
        /// The timers claimed, in due order: those fired and those left `waiting`.
        public var claimed: [DueTimer]
        /// Each timer fired, with what came of it.
        public var fired: [(timer: DueTimer, result: ServiceResult)]
    }

    /// Claims up to `limit` timers due at `now` (after `after` in due order, when given) and fires
    /// them in one transaction, each whole with its consequences: one commit for all of them (a
    /// commit, not the work, is most of a fire's cost), and no other daemon fires them meanwhile.
    /// A claimed timer for which `waiting` is true (a retry not yet due) is left in the index. If
    /// any fails, none is written: the daemon then fires them one by one (``fire(_:now:)``), so
    /// the others still fire and the failing one is named.
    public func fireDue(
        at now: Instant, after: DueTimer?, limit: Int,
        waiting: @escaping @Sendable (DueTimer) -> Bool = { _ in false }
    ) async throws -> FiredBatch {
        try await writeWithFamily(now: now) { transaction in
            let claimed = try transaction.claimDueTimers(at: now, after: after, limit: limit)
            // One look in the log for the whole batch, not one per timer.
            let logged = try transaction.loggedEvents(
                among: claimed.map { Self.timerEventID(campaignID: $0.campaignID, timerID: $0.timerID) })
            let fired = try claimed.filter { !waiting($0) }.map { timer in
                let eventID = Self.timerEventID(campaignID: timer.campaignID, timerID: timer.timerID)
                return (timer, try self.fire(timer, now: now, logged: logged.contains(eventID), in: transaction))
            }
            return FiredBatch(claimed: claimed, fired: fired)
        }
    }

    /// The timers due at `now`, in due order, without claiming them: what the daemon fires one by
    /// one after a batch failed.
    public func dueTimers(at now: Instant, after: DueTimer?, limit: Int) async throws -> [DueTimer] {
        try await reading { try $0.dueTimers(at: now, after: after, limit: limit) }
    }

    /// The clock of the server several daemons share (``SharedStore``); nil for a store of one
    /// daemon's own, whose clock is the machine's.
    public func sharedClock() async throws -> Double? {
        guard let shared = store as? any SharedStore else { return nil }
        return try await shared.serverNow()
    }

    /// Waits until a commit armed a timer due soon or `timeout` passes, on a store that says so
    /// (``SharedStore``); elsewhere sleeps for `timeout`.
    public func waitForTimers(timeout: Duration) async throws {
        if let shared = store as? any SharedStore {
            await shared.waitForTimers(timeout: timeout)
        } else {
            try await Task.sleep(for: timeout)
        }
    }

    /// The earliest instant a timer is due, if any is armed.
    public func nextDue() async throws -> Instant? {
        try await reading { try $0.nextDue() }
    }

    /// `logged`: whether the timer's event is in the log already (nil: look).
    private func fire(_ due: DueTimer, now: Instant, logged: Bool? = nil, in transaction: any StoreTransaction) throws
        -> ServiceResult
    {
        let eventID = Self.timerEventID(campaignID: due.campaignID, timerID: due.timerID)
        guard var campaign = try transaction.campaign(id: due.campaignID) else {
            throw LaurelError(.internal, "the due index names campaign '\(due.campaignID)', which is not in the store")
        }
        let isLogged = try logged ?? transaction.containsEvent(id: eventID)
        if isLogged || !campaign.timers.contains(where: { $0.id == due.timerID }) {
            // Only possible if the index and the snapshot disagree: the row goes.
            try transaction.removeFromDueIndex(due)
            return ServiceResult(status: .stale, campaignID: due.campaignID, logged: [], campaign: campaign)
        }
        let engine = try self.engine(version: campaign.workflowVersion, in: transaction)
        var logged: [LoggedEvent] = []
        var effects: [OutboxItem] = []
        try catchUp(
            &campaign, engine: engine, until: due.due, now: now, logged: &logged, effects: &effects, in: transaction)
        let status: ServiceResult.Status = logged.last?.disposition == .skipped ? .skipped : .applied
        try transaction.save(campaign, events: logged, effects: effects, at: now)
        return ServiceResult(status: status, campaignID: due.campaignID, logged: logged, campaign: campaign)
    }

    /// Fires, in due order, every armed timer of the campaign due at or before `until`.
    func catchUp(
        _ campaign: inout Campaign, engine: Engine, until: Instant, now: Instant,
        logged: inout [LoggedEvent], effects: inout [OutboxItem], in reader: any StoreReader
    ) throws {
        while campaign.status == .running, let timer = engine.dueTimers(of: campaign, at: until).first {
            let eventID = Self.timerEventID(campaignID: campaign.id, timerID: timer.id)
            let instant = max(timer.due, campaign.enteredAt)
            let stale = engine.isStaleReminder(timer, in: campaign, at: now)
            let event: CampaignEvent = stale ? .skipTimer(id: timer.id) : .timer(id: timer.id)
            let applied: Applied
            do {
                applied = try Self.apply(event, to: &campaign, engine: engine, at: stale ? now : instant, in: reader)
            } catch let refusal as Refusal {
                throw LaurelError(.refused, "timer \(timer.id) of '\(campaign.id)' could not fire: \(refusal.reason)")
            }
            logged.append(
                LoggedEvent(
                    id: eventID, campaignID: campaign.id, at: stale ? now : instant, recordedAt: now,
                    action: .event(event),
                    disposition: stale ? .skipped : .applied, lateBy: max(0, now - timer.due),
                    summary: stale
                        ? "reminder due \(engine.calendar.format(timer.due)) skipped: more than one period late"
                        : Self.summary(of: applied, event: "timer \(timer.id)")))
            effects += Self.outbox(applied.effects, campaignID: campaign.id, eventID: eventID, at: now)
            campaign = applied.campaign
        }
    }

    /// Applies an event to a campaign as read from the store, loading its entries when the
    /// event needs them (``StoreReader/withEntriesWhenNeeded(_:_:)``).
    static func apply(
        _ event: CampaignEvent, to campaign: inout Campaign, engine: Engine, at instant: Instant,
        in reader: any StoreReader
    ) throws -> Applied {
        try reader.withEntriesWhenNeeded(&campaign) { campaign in try engine.apply(event, to: campaign, at: instant) }
    }

    static func timerEventID(campaignID: String, timerID: Int) -> String { "timer:\(campaignID):\(timerID)" }

    /// Why an event id already logged does not stand for `action` (the same request sent again
    /// is a retry and is not applied twice; another request under the same id is a conflict and
    /// is refused, never dropped in silence). Nil for a retry. A secret paper is compared in its
    /// sealed form, the only one kept.
    static func conflict(_ earlier: LoggedEvent, _ action: LoggedAction, campaignID: String) -> String? {
        var expected = action
        if case .event(let event) = action, case .event(.vote(let vote)) = earlier.action, vote.isSealed {
            expected = .event(event.sealed)
        }
        if earlier.campaignID == campaignID, earlier.action == expected { return nil }
        let what: String
        switch earlier.action {
        case .event(let event): what = event.summary
        case .start: what = "a start"
        case .migrate(_, let to, _): what = "a move to version \(to.prefix(12))"
        }
        return
            "the id '\(earlier.id)' was used before for \(what) of campaign '\(earlier.campaignID)', not for this; nothing was done. Each command needs its own idempotency key"
    }

    static func outbox(_ effects: [Effect], campaignID: String, eventID: String, at now: Instant) -> [OutboxItem] {
        effects.map { OutboxItem(campaignID: campaignID, eventID: eventID, effect: $0, createdAt: now) }
    }

    /// "timer 3: phase-1 -> phase-2 (outcome deadline)".
    static func summary(of applied: Applied, event: String) -> String {
        let moves = applied.transitions.map { "\($0.from ?? "(new)") -> \($0.to) (\($0.cause))" }
        return moves.isEmpty ? event : "\(event): " + moves.joined(separator: ", ")
    }
}
