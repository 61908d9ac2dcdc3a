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
        subcommands: [Start.self, List.self, Status.self, History.self, Send.self, Migrate.self, Forecast.self]
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
            try await store.withService(.create) { service in
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
                emit(format, text: result.campaignID, json: try JSONValue(encoding: AppliedView(result)))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the campaigns, oldest first.")

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let campaigns = try await store.withService(.read) { try await $0.campaignListing() }
            if format == .json {
                print(try JSONValue(encoding: campaigns).rendered())
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
                    pad(campaign.id, width), pad(campaign.state, 22), pad(campaign.status, 10),
                    pad(String(campaign.events), 8), String(campaign.version.prefix(12)),
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
            let status = try await store.withService(.read) { try await $0.status(of: id) }
            if format == .json {
                print(try JSONValue(encoding: status).rendered())
                return
            }
            print("\(status.id)  \(Escaping.line(status.title))")
            print("  state     \(status.state) (\(status.status)) since \(status.since) \(status.timeZone)")
            print("  version   \(status.version.prefix(12))")
            print("  entries   \(status.entries)")
            if let progress = status.progress {
                let share = progress.target > 0 ? min(1, progress.value / progress.target) : 1
                let bar =
                    String(repeating: "#", count: Int(share * 30)) + String(repeating: ".", count: 30 - Int(share * 30))
                print(
                    "  progress  \(progress.metric) \(progress.value.formattedForMessage) of \(progress.target.formattedForMessage) [\(bar)] \(Int(share * 100))%"
                )
            }
            for (name, value) in status.metrics where status.progress?.metric != name {
                print("  metric    \(name) = \(value.formattedForMessage)")
            }
            if status.timers.isEmpty { print("  timers    none armed") }
            for timer in status.timers { print("  timer     \(timer.what) at \(timer.due) \(status.timeZone)") }
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
            let history = try await store.withService(.read) { try await $0.history(of: id) }
            if format == .json {
                print(try JSONValue(encoding: history).rendered())
                return
            }
            for line in history {
                let late = line.lateBy > 0 ? " (\(line.lateBy.spokenAsDuration) late)" : ""
                let skipped = line.disposition == LoggedEvent.Disposition.skipped.rawValue ? "skipped: " : ""
                print("\(line.at)  \(skipped)\(Escaping.line(line.summary))\(late)")
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
            try await store.withService(.write) { service in
                let result = try await service.apply(
                    .command(event), to: id, eventID: write.eventID("command:\(id)"), now: wallClock())
                try report(result, format: format)
            }
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
            try await store.withService(.write) { service in
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
                try show(result)
            }
        }

        /// A full hash, a unique prefix of one (8 characters at least), or "latest".
        func resolveVersion(of workflowID: String, service: CampaignService, now: Instant) async throws -> String {
            if to == "latest" {
                return try await service.scanWorkflows(workflows, now: now).version(of: workflowID, in: service)
            }
            return try await service.recordedVersion(of: workflowID, matching: to)
        }

        func show(_ result: CampaignService.MigrationResult) throws {
            let view = MigrationView(result, applied: apply)
            if format == .json {
                print(try JSONValue(encoding: view).rendered())
                return
            }
            let stepNote =
                view.keptStep
                ? "kept where it was: the step's memory and timers stay"
                : "entered afresh: its step starts and its timers are armed from now"
            print(
                apply
                    ? "Moved." : "Dry run: nothing was written. Run the same command with --apply to move the campaign."
            )
            print("\(view.campaign): version \(view.fromVersion.prefix(12)) -> \(view.toVersion.prefix(12))")
            print("  state     \(view.fromState) -> \(view.toState) (\(stepNote))")
            print(
                "  metrics   "
                    + view.metrics.map { "\($0.name) = \($0.value.formattedForMessage)" }.joined(separator: ", "))
            if !view.addedMetrics.isEmpty {
                print("  added     \(view.addedMetrics.joined(separator: ", ")) (at 0)")
            }
            if !view.droppedMetrics.isEmpty {
                print("  dropped   metrics \(view.droppedMetrics.joined(separator: ", "))")
            }
            if !view.droppedInputs.isEmpty {
                print("  dropped   inputs \(view.droppedInputs.joined(separator: ", "))")
            }
            print(
                "  timers    before: \(view.timersBefore.joined(separator: "; ").nonEmpty ?? "none") (\(view.timeZone))"
            )
            print(
                "            after:  \(view.timersAfter.joined(separator: "; ").nonEmpty ?? "none") (\(view.timeZone))")
            for line in view.logged { print("  log       \(line)") }
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
func report(_ result: ServiceResult, format: OutputFormat) throws {
    let view = AppliedView(result)
    if format == .json {
        print(try JSONValue(encoding: view).rendered())
        return
    }
    print(
        result.status == .alreadyApplied
            ? "already applied; nothing done again" : view.logged.map(Escaping.line).joined(separator: "\n"))
}

/// Splits KEY=VALUE.
func splitPair(_ text: String, option: String) throws -> (String, String) {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
        throw LaurelError(.invalidInput, "\(option) takes KEY=VALUE, not '\(text)'")
    }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
}
