import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore

/// Options of the commands that change a campaign.
struct WriteOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A key that makes the command safe to repeat: the same key is applied once. 1 to 100 ASCII letters, digits, '-', '_', '.' and ':'.",
            valueName: "key"))
    var idempotencyKey: String?

    func validate() throws {
        guard let key = idempotencyKey else { return }
        let allowed = key.utf8.allSatisfy { byte in
            (byte | 0x20) >= 97 && (byte | 0x20) <= 122 || (byte >= 48 && byte <= 58) || byte == 45 || byte == 95
                || byte == 46
        }
        guard allowed, (1...100).contains(key.utf8.count) else {
            throw ValidationError(
                "--idempotency-key takes 1 to 100 ASCII letters, digits, '-', '_', '.' and ':', not '\(Escaping.line(key))'"
            )
        }
    }

    /// The logged event id: the caller's key, or a fresh one.
    func eventID(_ prefix: String) -> String {
        idempotencyKey.map { "\(prefix):\($0)" } ?? "\(prefix):\(UUID().uuidString.lowercased())"
    }
}

/// Writes a command's result: a line for people, or a JSON object for programs.
func emit(_ format: OutputFormat, text: String, json: JSONValue) {
    print(format == .json ? json.rendered() : text)
}

func wallClock() -> Instant { DaemonClock.system.now() }

struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Start, list, inspect and send events to campaigns.",
        subcommands: [Start.self, List.self, Status.self, History.self, Send.self, Migrate.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a campaign of a workflow on its current version; prints the campaign id.")

        @Argument(help: ArgumentHelp("The workflow's id (its 'id:' key).", valueName: "workflow-id"))
        var workflowID: String

        @Option(
            name: .customLong("input"),
            help: ArgumentHelp(
                "An input of the workflow, KEY=VALUE; repeat for more.",
                valueName: "key=value"))
        var inputs: [String] = []

        @Option(help: ArgumentHelp("The folder of workflow files, read for the current version.", valueName: "dir"))
        var workflows = "workflows"

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            // Checked before the database is opened, so a wrong folder creates nothing.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: workflows, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw LaurelError(
                    .invalidRequest,
                    "the workflows folder '\(workflows)' does not exist; pass --workflows DIR, the folder the daemon reads"
                )
            }
            let service = try store.open(.create)
            let now = wallClock()
            let library = try await service.scanWorkflows(workflows, now: now)
            let version = try await library.version(of: workflowID, in: service)
            let engine = try await service.engine(version: version)
            var values: [String: Value] = [:]
            for text in inputs {
                let (key, raw) = try splitPair(text, option: "--input")
                guard let input = engine.workflow.inputs.first(where: { $0.name == key }) else {
                    throw LaurelError(
                        .invalidInput,
                        "'\(workflowID)' has no input '\(key)'\(Suggestions.didYouMean(key, in: engine.workflow.inputs.map(\.name)))"
                    )
                }
                values[key] = try FieldValues.value(
                    raw, type: input.type, name: "input '\(key)'", calendar: engine.calendar)
            }
            let result = try await service.start(
                version: version, inputs: values, idempotencyKey: write.idempotencyKey, now: now)
            emit(
                format, text: result.campaignID,
                json: .object([
                    ("campaign", .string(result.campaignID)), ("status", .string(result.status.rawValue)),
                    ("state", .string(result.campaign?.state ?? "")),
                ]))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the campaigns, oldest first.")

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let campaigns = try await store.open(.read).campaigns()
            let calendar = ZonedCalendar(zoneName: "UTC")!
            if format == .json {
                print(
                    JSONValue.array(
                        campaigns.map { campaign in
                            .object([
                                ("id", .string(campaign.id)), ("workflow", .string(campaign.workflowID)),
                                ("version", .string(campaign.workflowVersion)), ("state", .string(campaign.state)),
                                ("status", .string(campaign.status.rawValue)),
                                ("events", .number(Double(campaign.eventCount))),
                                ("started", .string(calendar.format(campaign.startedAt))),
                            ])
                        }
                    ).rendered())
                return
            }
            if campaigns.isEmpty {
                print("No campaigns yet. Start one with 'laurel campaign start WORKFLOW-ID'.")
                return
            }
            let width = max(8, campaigns.map(\.id.count).max() ?? 0) + 2
            func pad(_ text: String, _ width: Int) -> String {
                text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
            }
            print(pad("campaign", width) + pad("state", 22) + pad("status", 10) + pad("events", 8) + "version")
            for campaign in campaigns {
                let columns: [String] = [
                    pad(campaign.id, width), pad(campaign.state, 22), pad(campaign.status.rawValue, 10),
                    pad(String(campaign.eventCount), 8), String(campaign.workflowVersion.prefix(12)),
                ]
                print(columns.joined())
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a campaign's state, its progress towards the phase target and its next timers in local time.")

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "id"))
        var id: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let service = try store.open(.read)
            let (campaign, engine) = try await service.campaignAndEngine(id)
            let calendar = engine.calendar
            var progress: (metric: String, value: Double, target: Double)?
            if let step = engine.workflow.state(named: campaign.state)?.step, step.kind.value == "phase-target",
                let metric = step.parameters["metric"]?.text, let target = step.parameters["target"]?.number
            {
                progress = (metric, campaign.metrics[metric] ?? 0, target)
            }
            let timers = engine.dueTimers(of: campaign, at: .max)
            if format == .json {
                var fields: [(String, JSONValue)] = [
                    ("id", .string(campaign.id)), ("workflow", .string(campaign.workflowID)),
                    ("version", .string(campaign.workflowVersion)), ("state", .string(campaign.state)),
                    ("status", .string(campaign.status.rawValue)),
                    ("since", .string(calendar.format(campaign.enteredAt))),
                    ("entries", .number(Double(campaign.entries.count))),
                    ("metrics", .object(campaign.metrics.pairs.map { ($0.name, .number($0.value)) })),
                    (
                        "timers",
                        .array(
                            timers.map {
                                .object([("id", .number(Double($0.id))), ("due", .string(calendar.format($0.due)))])
                            })
                    ),
                ]
                if let progress {
                    fields.append(
                        (
                            "progress",
                            .object([
                                ("metric", .string(progress.metric)), ("value", .number(progress.value)),
                                ("target", .number(progress.target)),
                            ])
                        ))
                }
                print(JSONValue.object(fields).rendered())
                return
            }
            print("\(campaign.id)  \(Escaping.line(engine.workflow.title))")
            print(
                "  state     \(campaign.state) (\(campaign.status.rawValue)) since \(calendar.format(campaign.enteredAt)) \(engine.workflow.timeZone)"
            )
            print("  version   \(campaign.workflowVersion.prefix(12))")
            print("  entries   \(campaign.entries.count)")
            if let progress {
                let share = progress.target > 0 ? min(1, progress.value / progress.target) : 1
                let bar =
                    String(repeating: "#", count: Int(share * 30)) + String(repeating: ".", count: 30 - Int(share * 30))
                print(
                    "  progress  \(progress.metric) \(progress.value.formattedForMessage) of \(progress.target.formattedForMessage) [\(bar)] \(Int(share * 100))%"
                )
            }
            for (name, value) in campaign.metrics where progress?.metric != name {
                print("  metric    \(name) = \(value.formattedForMessage)")
            }
            if timers.isEmpty { print("  timers    none armed") }
            for timer in timers {
                let what: String
                switch timer.source {
                case .state(let index): what = "state timer \(index + 1)"
                case .step(let name): what = name
                }
                print("  timer     \(what) at \(calendar.format(timer.due)) \(engine.workflow.timeZone)")
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show everything that happened to a campaign, in order.")

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "id"))
        var id: String

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let service = try store.open(.read)
            let calendar = try await service.campaignAndEngine(id).engine.calendar
            let events = try await service.events(campaignID: id)
            if format == .json {
                print(
                    JSONValue.array(
                        events.map { event in
                            .object([
                                ("sequence", .number(Double(event.sequence))), ("id", .string(event.id)),
                                ("at", .string(calendar.format(event.at))), ("kind", .string(event.kind)),
                                ("disposition", .string(event.disposition.rawValue)),
                                ("late_by_s", .number(Double(event.lateBy))),
                                ("summary", .string(event.summary)),
                            ])
                        }
                    ).rendered())
                return
            }
            for event in events {
                let late = event.lateBy > 0 ? " (\(event.lateBy.spokenAsDuration) late)" : ""
                print(
                    "\(calendar.format(event.at))  \(event.disposition == .skipped ? "skipped: " : "")\(Escaping.line(event.summary))\(late)"
                )
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an event declared under 'events:' (launch, cancel, ...).")

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "id"))
        var id: String

        @Argument(help: ArgumentHelp("The event's name.", valueName: "event"))
        var event: String

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let service = try store.open(.write)
            let result = try await service.apply(
                .command(event), to: id, eventID: write.eventID("command:\(id)"), now: wallClock())
            report(result, format: format)
        }
    }
}

extension CampaignCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Move a running campaign to another version of its workflow (shows the result; --apply writes it).",
            discussion: """
                Without --apply this is a dry run: it shows the campaign as it would be on the new \
                version (state, step kept or entered afresh, metrics, timers) and writes nothing. \
                The campaign's state maps to the state of the same name unless --map says otherwise; \
                a state the new version lacks must be mapped. docs/engine.md, "Migrating a campaign".
                """)

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "id"))
        var id: String

        @Option(
            help: ArgumentHelp(
                "The version: its hash (the first 8 or more characters do), or 'latest' for the current file in --workflows.",
                valueName: "hash"))
        var to: String

        @Option(
            name: .customLong("map"),
            help: ArgumentHelp("Where a state goes, OLD=NEW; repeat for more.", valueName: "old=new"))
        var mappings: [String] = []

        @Flag(help: "Write the move; without it nothing is written.")
        var apply = false

        @Option(help: ArgumentHelp("With --to latest: the folder of workflow files.", valueName: "dir"))
        var workflows = "workflows"

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let service = try store.open(.write)
            let now = wallClock()
            let (campaign, _) = try await service.campaignAndEngine(id)
            let hash = try await resolveVersion(of: campaign.workflowID, service: service, now: now)
            var map: [String: String] = [:]
            for text in mappings {
                let (old, new) = try splitPair(text, option: "--map")
                guard map.updateValue(new, forKey: old) == nil else {
                    throw LaurelError(.invalidInput, "--map gives state '\(old)' twice")
                }
            }
            let result = try await service.migrate(
                id, toVersion: hash,
                mapState: { [map] current, target in
                    if let mapped = map[current] { return mapped }
                    if target.workflow.state(named: current) != nil { return current }
                    throw LaurelError(
                        .invalidInput,
                        "state '\(current)' is not in version \(hash.prefix(12)); say where it goes with --map \(current)=STATE (its states: \(target.workflow.states.map(\.name).joined(separator: ", ")))"
                    )
                }, eventID: write.eventID("migrate:\(id)"), now: now, dryRun: !apply)
            show(result)
        }

        /// A full hash, a unique prefix of one (8 characters at least), or "latest".
        func resolveVersion(of workflowID: String, service: CampaignService, now: Instant) async throws -> String {
            if to == "latest" {
                return try await service.scanWorkflows(workflows, now: now).version(of: workflowID, in: service)
            }
            guard to.count >= 8 else {
                throw LaurelError(.invalidInput, "--to needs at least 8 characters of the version's hash, or 'latest'")
            }
            let versions = try await service.workflowVersions(workflowID: workflowID)
            let matching = versions.filter { $0.hash.hasPrefix(to.lowercased()) }
            guard matching.count == 1 else {
                let known = versions.map { "\($0.hash.prefix(12)) (\($0.file))" }.joined(separator: ", ")
                throw LaurelError(
                    matching.isEmpty ? .notFound : .invalidInput,
                    matching.isEmpty
                        ? "no recorded version of '\(workflowID)' starts with '\(to)'; recorded: \(known.isEmpty ? "none" : known)"
                        : "'\(to)' matches \(matching.count) versions; give more characters")
            }
            return matching[0].hash
        }

        func show(_ result: CampaignService.MigrationResult) {
            let before = result.before
            let after = result.migration.applied.campaign
            let calendar = result.engine.calendar
            let zone = result.engine.workflow.timeZone
            func timers(_ campaign: Campaign) -> [String] {
                campaign.timers.sorted { ($0.due, $0.id) < ($1.due, $1.id) }.map { timer in
                    switch timer.source {
                    case .state(let index): return "state timer \(index + 1) at \(calendar.format(timer.due))"
                    case .step(let name): return "\(name) at \(calendar.format(timer.due))"
                    }
                }
            }
            let stepNote =
                result.migration.keptStep
                ? "kept where it was: the step's memory and timers stay"
                : "entered afresh: its step starts and its timers are armed from now"
            if format == .json {
                print(
                    JSONValue.object([
                        ("campaign", .string(before.id)), ("applied", .bool(apply)),
                        ("from_version", .string(before.workflowVersion)),
                        ("to_version", .string(after.workflowVersion)),
                        ("from_state", .string(before.state)), ("to_state", .string(after.state)),
                        ("kept_step", .bool(result.migration.keptStep)),
                        ("metrics", .object(after.metrics.pairs.map { ($0.name, .number($0.value)) })),
                        ("added_metrics", .array(result.migration.addedMetrics.map { .string($0) })),
                        ("dropped_metrics", .array(result.migration.droppedMetrics.map { .string($0) })),
                        ("dropped_inputs", .array(result.migration.droppedInputs.map { .string($0) })),
                        ("timers_before", .array(timers(before).map { .string($0) })),
                        ("timers_after", .array(timers(after).map { .string($0) })),
                        ("logged", .array(result.logged.map { .string($0.summary) })),
                    ]).rendered())
                return
            }
            print(
                apply
                    ? "Moved." : "Dry run: nothing was written. Run the same command with --apply to move the campaign."
            )
            print("\(before.id): version \(before.workflowVersion.prefix(12)) -> \(after.workflowVersion.prefix(12))")
            print("  state     \(before.state) -> \(after.state) (\(stepNote))")
            print(
                "  metrics   "
                    + (after.metrics.pairs.map { "\($0.name) = \($0.value.formattedForMessage)" }.joined(
                        separator: ", ")))
            if !result.migration.addedMetrics.isEmpty {
                print("  added     \(result.migration.addedMetrics.joined(separator: ", ")) (at 0)")
            }
            if !result.migration.droppedMetrics.isEmpty {
                print("  dropped   metrics \(result.migration.droppedMetrics.joined(separator: ", "))")
            }
            if !result.migration.droppedInputs.isEmpty {
                print("  dropped   inputs \(result.migration.droppedInputs.joined(separator: ", "))")
            }
            print("  timers    before: \(timers(before).joined(separator: "; ").nonEmpty ?? "none") (\(zone))")
            print("            after:  \(timers(after).joined(separator: "; ").nonEmpty ?? "none") (\(zone))")
            for event in result.logged { print("  log       \(event.summary)") }
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

extension CampaignService {
    /// Reads the workflow folder for the current versions (recording new ones), as the daemon
    /// does; a file with errors is named on standard error and its last good version stays.
    func scanWorkflows(_ folder: String, now: Instant) async throws -> WorkflowLibrary {
        let (library, changes) = try await workflowLibrary(folder: folder, now: now)
        for change in changes {
            if case .rejected(let file, let diagnostics, _) = change {
                FileHandle.standardError.write(
                    Data(
                        "warning: \(file) has \(diagnostics.errorCount) error(s) and was not read; run 'laurel validate \(file)'\n"
                            .utf8))
            }
        }
        return library
    }
}

/// Prints what an applied event did.
func report(_ result: ServiceResult, format: OutputFormat) {
    let lines =
        result.status == .alreadyApplied
        ? ["already applied; nothing done again"] : result.logged.map { Escaping.line($0.summary) }
    emit(
        format, text: lines.joined(separator: "\n"),
        json: .object([
            ("campaign", .string(result.campaignID)), ("status", .string(result.status.rawValue)),
            ("state", .string(result.campaign?.state ?? "")),
            ("logged", .array(result.logged.map { .string($0.summary) })),
        ]))
}

/// Splits KEY=VALUE.
func splitPair(_ text: String, option: String) throws -> (String, String) {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
        throw LaurelError(.invalidInput, "\(option) takes KEY=VALUE, not '\(text)'")
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
}
