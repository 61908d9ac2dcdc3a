public import LaurelCore
import LaurelStore

// What the service returns, shaped for a front end to hand to a program: the `laurel` command's
// `--format json` (through `JSONValue(encoding:)`) and, next, the HTTP API's bodies. Keys are
// snake_case (JSONOutputTests checks every output); instants are written in the campaign's zone
// as people read them ("2024-05-01 08:00"), the list's in UTC.

/// One line of the campaign list.
public struct CampaignListing: Encodable, Sendable, Hashable {
    public var id: String
    public var workflow: String
    public var version: String
    public var state: String
    public var status: String
    public var events: Int
    public var started: String

    init(_ summary: CampaignSummary, calendar: ZonedCalendar) {
        id = summary.id
        workflow = summary.workflowID
        version = summary.workflowVersion
        state = summary.state
        status = summary.status.rawValue
        events = summary.eventCount
        started = calendar.format(summary.startedAt)
    }
}

/// Where a campaign stands: its state, its progress towards the phase target and its armed
/// timers, in its workflow's zone.
public struct CampaignStatus: Encodable, Sendable, Hashable {
    public struct Timer: Encodable, Sendable, Hashable {
        public var id: Int
        public var due: String
        /// What it is: a step's timer by its name ("window"), or "state timer N".
        public var what: String
    }

    public struct Progress: Encodable, Sendable, Hashable {
        public var metric: String
        public var value: Double
        public var target: Double
    }

    public var id: String
    public var title: String
    public var workflow: String
    public var version: String
    public var state: String
    public var status: String
    public var since: String
    public var timeZone: String
    public var entries: Int
    public var metrics: NamedValues<Double>
    public var timers: [Timer]
    /// In a state whose step is a phase target: the target's metric, its value and the target.
    public var progress: Progress?

    enum CodingKeys: String, CodingKey {
        case id, title, workflow, version, state, status, since
        case timeZone = "time_zone"
        case entries, metrics, timers, progress
    }
}

/// One line of a campaign's log.
public struct HistoryLine: Encodable, Sendable, Hashable {
    public var sequence: Int64
    public var id: String
    public var at: String
    public var kind: String
    public var disposition: String
    /// How long after its due time a timer fired, in seconds (0 for anything else).
    public var lateBy: Int64
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case sequence, id, at, kind, disposition
        case lateBy = "late_by_s"
        case summary
    }

    init(_ event: LoggedEvent, calendar: ZonedCalendar) {
        sequence = event.sequence
        id = event.id
        at = calendar.format(event.at)
        kind = event.kind
        disposition = event.disposition.rawValue
        lateBy = event.lateBy
        summary = event.summary
    }
}

/// What applying something came to: a start, an event sent, an entry, a score sheet, a paper.
public struct AppliedView: Encodable, Sendable, Hashable {
    public var campaign: String
    public var status: String
    public var state: String
    public var logged: [String]

    public init(_ result: ServiceResult) {
        campaign = result.campaignID
        status = result.status.rawValue
        state = result.campaign?.state ?? ""
        logged = result.logged.map(\.summary)
    }
}

/// A move to another version of the workflow, done or (in a dry run) shown.
public struct MigrationView: Encodable, Sendable, Hashable {
    public var campaign: String
    public var applied: Bool
    public var fromVersion: String
    public var toVersion: String
    public var fromState: String
    public var toState: String
    /// Whether the step stayed where it was (its memory and timers), rather than entered afresh.
    public var keptStep: Bool
    public var metrics: NamedValues<Double>
    public var addedMetrics: [String]
    public var droppedMetrics: [String]
    public var droppedInputs: [String]
    /// The timers in due order, "window at 2024-05-08 09:00" or "state timer 1 at ...".
    public var timersBefore: [String]
    public var timersAfter: [String]
    public var logged: [String]
    public var timeZone: String

    enum CodingKeys: String, CodingKey {
        case campaign, applied
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case fromState = "from_state"
        case toState = "to_state"
        case keptStep = "kept_step"
        case metrics
        case addedMetrics = "added_metrics"
        case droppedMetrics = "dropped_metrics"
        case droppedInputs = "dropped_inputs"
        case timersBefore = "timers_before"
        case timersAfter = "timers_after"
        case logged
        case timeZone = "time_zone"
    }

    public init(_ result: CampaignService.MigrationResult, applied: Bool) {
        let before = result.before
        let after = result.migration.applied.campaign
        let calendar = result.engine.calendar
        func timers(_ campaign: Campaign) -> [String] {
            campaign.timers.sorted { ($0.due, $0.id) < ($1.due, $1.id) }.map {
                "\(CampaignStatus.Timer.what($0)) at \(calendar.format($0.due))"
            }
        }
        campaign = before.id
        self.applied = applied
        fromVersion = before.workflowVersion
        toVersion = after.workflowVersion
        fromState = before.state
        toState = after.state
        keptStep = result.migration.keptStep
        metrics = after.metrics
        addedMetrics = result.migration.addedMetrics
        droppedMetrics = result.migration.droppedMetrics
        droppedInputs = result.migration.droppedInputs
        timersBefore = timers(before)
        timersAfter = timers(after)
        logged = result.logged.map(\.summary)
        timeZone = result.engine.workflow.timeZone
    }
}

extension CampaignStatus {
    /// Where `campaign` stands, as its engine shows it (a page that read the campaign already).
    public init(_ campaign: Campaign, engine: Engine) {
        let calendar = engine.calendar
        var progress: Progress?
        if let goal = engine.goal(ofState: campaign.state, enteredAt: campaign.enteredAt) {
            progress = Progress(metric: goal.metric, value: campaign.metrics[goal.metric] ?? 0, target: goal.target)
        }
        self.init(
            id: campaign.id, title: engine.workflow.title, workflow: campaign.workflowID,
            version: campaign.workflowVersion, state: campaign.state, status: campaign.status.rawValue,
            since: calendar.format(campaign.enteredAt), timeZone: engine.workflow.timeZone,
            entries: campaign.entries.count, metrics: campaign.metrics,
            timers: engine.dueTimers(of: campaign, at: .max).map {
                Timer(id: $0.id, due: calendar.format($0.due), what: Timer.what($0))
            },
            progress: progress)
    }
}

extension CampaignStatus.Timer {
    static func what(_ timer: ArmedTimer) -> String {
        switch timer.source {
        case .state(let index): "state timer \(index + 1)"
        case .step(let name): name
        }
    }
}

extension CampaignService {
    /// Every campaign, oldest first.
    public func campaignListing() async throws -> [CampaignListing] {
        let calendar = ZonedCalendar(zoneName: "UTC")!
        return try await campaigns().map { CampaignListing($0, calendar: calendar) }
    }

    /// Where the campaign stands; an unknown id is refused with the closest id.
    public func status(of id: String) async throws -> CampaignStatus {
        let (campaign, engine) = try await campaignAndEngine(id)
        return CampaignStatus(campaign, engine: engine)
    }

    /// The campaign's last `limit` events, oldest first: a page's timeline.
    public func recentHistory(of id: String, limit: Int) async throws -> [HistoryLine] {
        let calendar = try await campaignAndEngine(id).engine.calendar
        return try await reading { try $0.latestEvents(campaignID: id, limit: limit) }.map {
            HistoryLine($0, calendar: calendar)
        }
    }

    /// The campaign's log, oldest first, its instants in the campaign's zone.
    public func history(of id: String) async throws -> [HistoryLine] {
        let calendar = try await campaignAndEngine(id).engine.calendar
        return try await events(campaignID: id).map { HistoryLine($0, calendar: calendar) }
    }
}

/// What an import of CSV rows came to.
public struct ImportView: Encodable, Sendable, Hashable {
    public var campaign: String
    /// The entries submitted now.
    public var submitted: Int
    /// Rows imported before with the same values, so not submitted again.
    public var importedBefore: Int
    public var rows: Int
    public var state: String

    enum CodingKeys: String, CodingKey {
        case campaign, submitted
        case importedBefore = "imported_before"
        case rows, state
    }

    public init(_ imported: EntryImport, campaign: String) {
        self.campaign = campaign
        submitted = imported.submitted
        importedBefore = imported.rows - imported.submitted
        rows = imported.rows
        state = imported.result.campaign?.state ?? ""
    }
}

/// A campaign's awards and every entry's review or ballot result. Amounts are in VND, totals
/// exact; an entry is named by its `name` field, else its `title`.
public struct ResultsView: Encodable, Sendable, Hashable {
    public struct Award: Encodable, Sendable, Hashable {
        public var rank: Int
        public var entry: String
        public var name: String
        public var tier: String
        public var total: Double
        public var reviews: Int
        public var amount: Int
    }

    public struct Result: Encodable, Sendable, Hashable {
        public var entry: String
        public var name: String
        public var total: Double
        public var reviews: Int
    }

    public var campaign: String
    public var title: String
    public var state: String
    public var awards: [Award]
    /// In entry order; entries without a result are left out.
    public var results: [Result]
}

extension ResultsView {
    /// The awards as CSV: a header row, then one row per award (RFC 4180 quoting).
    public var csv: String {
        var lines = ["rank,entry,name,tier,total,reviews,amount"]
        for award in awards {
            lines.append(
                [
                    String(award.rank), award.entry, award.name, award.tier, award.total.shownAsTotal,
                    String(award.reviews), String(award.amount),
                ].map(Escaping.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The awards as a Markdown table, amounts grouped by thousands.
    public var markdown: String {
        var lines = [
            "| rank | entry | name | tier | total | reviews | amount (VND) |", "|---|---|---|---|---|---|---|",
        ]
        for award in awards {
            let cells = [
                String(award.rank), award.entry, award.name, award.tier, award.total.shownAsTotal,
                String(award.reviews), award.amount.groupedByThousands,
            ]
            lines.append("| " + cells.map(Escaping.markdown).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CampaignService {
    /// The campaign's awards and results (its entries are read for their names and results).
    public func results(of id: String) async throws -> ResultsView {
        let (campaign, engine) = try await campaignAndEngine(id, withEntries: true)
        let entries = campaign.entries.array
        let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func name(_ id: String) -> String {
            guard let fields = byID[id]?.fields else { return "" }
            return (fields["name"] ?? fields["title"])?.text ?? ""
        }
        return ResultsView(
            campaign: campaign.id, title: engine.workflow.title, state: campaign.state,
            awards: campaign.awards.map {
                ResultsView.Award(
                    rank: $0.rank, entry: $0.entry, name: name($0.entry), tier: $0.tier, total: $0.total,
                    reviews: $0.reviews, amount: $0.amount)
            },
            results: entries.compactMap { entry in
                entry.score.map {
                    ResultsView.Result(entry: entry.id, name: name(entry.id), total: $0.total, reviews: $0.reviews)
                }
            })
    }
}

/// A unit of the organisation data.
public struct UnitView: Encodable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var level: String
    /// The unit it belongs to; null for a unit at the top.
    public var parent: String?
    /// Its counts (members, ...), by name.
    public var counts: NamedValues<Int>

    public init(_ unit: Organisation.Unit) {
        id = unit.id
        name = unit.name
        level = unit.level
        parent = unit.parent
        counts = NamedValues(unit.counts.map { ($0.key, $0.value) })
    }

    enum CodingKeys: String, CodingKey { case id, name, level, parent, counts }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(level, forKey: .level)
        // Written as null at the top, so every unit has the same keys.
        try container.encode(parent, forKey: .parent)
        try container.encode(counts, forKey: .counts)
    }
}

/// A person of the organisation data.
public struct PersonView: Encodable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var unit: String
    public var roles: [String]

    public init(_ person: Organisation.Person) {
        id = person.id
        name = person.name
        unit = person.unit
        roles = person.roles
    }
}
