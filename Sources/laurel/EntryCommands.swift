import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelSQLite
import LaurelService
import LaurelStore
import LaurelYAML
import Synchronization

struct EntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Submit entries to a campaign, one at a time or from a CSV file.",
        subcommands: [Submit.self, Import.self]
    )

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit one entry; its fields are checked against its kind.")

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "campaign"))
        var campaign: String

        @Option(help: ArgumentHelp("The entry kind, declared under 'entries:'.", valueName: "kind"))
        var kind: String

        @Option(help: ArgumentHelp("The entry's id; generated when left out.", valueName: "id"))
        var id: String?

        @Option(help: ArgumentHelp("The unit the entry comes from.", valueName: "unit"))
        var unit: String?

        @Option(
            name: .customLong("field"),
            help: ArgumentHelp("A field, KEY=VALUE; repeat for more.", valueName: "key=value"))
        var fields: [String] = []

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.write) { service in
                let (current, engine) = try await service.campaignAndEngine(campaign)
                let entry = try EntryRows.entry(
                    id: id ?? "\(kind)-\(current.entries.count + 1)", kind: kind, unit: unit,
                    pairs: try fields.map { try splitPair($0, option: "--field") }, engine: engine)
                let result = try await service.apply(
                    .submit(entry), to: campaign, eventID: write.eventID("entry:\(campaign)"),
                    now: wallClock())
                try report(result, format: format)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit the entries of a CSV file, all or none.",
            discussion: """
                The first row names the columns: 'id' (required), 'kind' (or --kind), optionally 'unit', \
                and the entry kind's fields. Every row is checked as 'laurel entry submit' would; a row \
                that is refused is reported with its line and nothing of the file is written. Running \
                the same file again adds only the rows not imported before.
                """
        )

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "campaign"))
        var campaign: String

        @Argument(
            help: ArgumentHelp(
                "The CSV file (UTF-8, comma-separated, double quotes around cells with commas).",
                valueName: "file.csv"))
        var file: String

        @Option(help: ArgumentHelp("The kind of every row, when the file has no 'kind' column.", valueName: "kind"))
        var kind: String?

        @OptionGroup var store: StoreOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            let bytes = try ReadableFile.bytes(file, maximum: ReadableFile.largestCSV)
            try await store.withService(.write) { service in
                let progress = Progress(label: "importing \(file)")
                let imported: EntryImport
                do {
                    imported = try await service.importEntries(
                        csv: bytes, file: file, into: campaign, kind: kind, now: wallClock()
                    ) {
                        progress.update($0, of: $1)
                    }
                } catch {
                    progress.finish()
                    throw error
                }
                progress.finish()
                let before = imported.rows - imported.submitted
                let text: String
                if imported.submitted == 0 {
                    text =
                        "No new entries: all \(before.groupedByThousands) row\(before == 1 ? " was" : "s were") imported to \(campaign) before, with the same values"
                } else {
                    text =
                        "\(imported.submitted.counted("entry", "entries")) submitted to \(campaign)"
                        + (before > 0 ? " (\(before.groupedByThousands) imported before)" : "")
                }
                emit(format, text: text, json: try JSONValue(encoding: ImportView(imported, campaign: campaign)))
            }
        }
    }
}

/// A progress bar on standard error, drawn only when it is a terminal. Sendable: the service
/// reports progress from the store's thread.
final class Progress: Sendable {
    let label: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let drawn = Mutex(false)

    init(label: String) {
        self.label = label
    }

    func update(_ done: Int, of total: Int) {
        guard isTerminal, total > 0 else { return }
        drawn.withLock { drawn in
            let share = Double(done) / Double(total)
            let bar = String(repeating: "#", count: Int(share * 30)).padding(toLength: 30, withPad: ".", startingAt: 0)
            FileHandle.standardError.write(
                Data("\r\(label) [\(bar)] \(done.groupedByThousands)/\(total.groupedByThousands)".utf8))
            drawn = true
        }
    }

    func finish() {
        drawn.withLock { drawn in
            if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            drawn = false
        }
    }
}

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Record a council member's scores.",
        subcommands: [Score.self]
    )

    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record one member's scores for the entries under review.",
            discussion: "Each score is ENTRY=V1,V2,... with one value per rubric criterion, in rubric order."
        )

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "campaign"))
        var campaign: String

        @Option(help: ArgumentHelp("The council member.", valueName: "member"))
        var member: String

        @Argument(help: ArgumentHelp("Scores, ENTRY=V1,V2,...", valueName: "entry=values"))
        var scores: [String]

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.write) { service in
                var lines: [ScoreSheet.Line] = []
                for text in scores {
                    let (entry, raw) = try splitPair(text, option: "a score")
                    let values = try raw.split(separator: ",").map { part -> Double in
                        guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                            throw LaurelError(
                                .invalidInput,
                                "the score of '\(entry)' must be numbers separated by commas, not '\(raw)'")
                        }
                        return value
                    }
                    lines.append(ScoreSheet.Line(entry: entry, values: values))
                }
                let result = try await service.apply(
                    .scores(ScoreSheet(member: member, lines: lines)), to: campaign,
                    eventID: write.eventID("scores:\(campaign):\(member)"), now: wallClock())
                try report(result, format: format)
            }
        }
    }
}

struct BallotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ballot",
        abstract: "Cast a council member's ballot paper.",
        subcommands: [Cast.self]
    )

    struct Cast: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vote",
            abstract: "Cast one member's paper: for or against each nominee marked; unmarked nominees are blank.",
            discussion: """
                A member votes once per ballot; a paper cannot be changed. In a secret ballot the log keeps only \
                that the member voted: `campaign history` and every other output show no choices.
                """
        )

        @Argument(help: ArgumentHelp("The campaign id.", valueName: "campaign"))
        var campaign: String

        @Option(help: ArgumentHelp("The council member.", valueName: "member"))
        var member: String

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp("A nominee the member approves (repeat for more).", valueName: "nominee"))
        var approve: [String] = []

        @Option(
            name: .customLong("against"),
            help: ArgumentHelp("A nominee the member rejects (repeat for more).", valueName: "nominee"))
        var reject: [String] = []

        @Flag(help: "The member is absent and votes in writing (only where the ballot allows it).")
        var inWriting = false

        @OptionGroup var store: StoreOptions
        @OptionGroup var write: WriteOptions
        @Option var format: OutputFormat = .text

        func run() async throws {
            try await store.withService(.write) { service in
                let choices =
                    approve.map { Vote.Choice(nominee: $0, approve: true) }
                    + reject.map { Vote.Choice(nominee: $0, approve: false) }
                let result = try await service.apply(
                    .vote(Vote(member: member, choices: choices, inWriting: inWriting)), to: campaign,
                    eventID: write.eventID("vote:\(campaign):\(member)"), now: wallClock())
                try report(result, format: format)
            }
        }
    }
}

struct Results: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a campaign's awards: rank, tier, entry with its name or title, total and amount in VND.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, csv, json, markdown
    }

    @Argument(help: ArgumentHelp("The campaign id.", valueName: "campaign"))
    var campaign: String

    @OptionGroup var store: StoreOptions
    @Option var format: Format = .text

    func run() async throws {
        let view = try await store.withService(.read) { try await $0.results(of: campaign) }
        let awards = view.awards
        switch format {
        case .json:
            print(try JSONValue(encoding: view).rendered())
        case .csv:
            print(view.csv, terminator: "")
        case .markdown:
            print(view.markdown, terminator: "")
        case .text:
            if awards.isEmpty {
                print(
                    "\(view.campaign) has no awards yet (state \(view.state))"
                        + (view.results.isEmpty ? "." : "; entries with a result:"))
                guard !view.results.isEmpty else { return }
                print(
                    Self.table(
                        ["entry", "name", "total", "reviews"],
                        view.results.map { [$0.entry, $0.name, $0.total.shownAsTotal, String($0.reviews)] },
                        numeric: [2, 3]))
                return
            }
            let total = awards.reduce(0) { $0 + $1.amount }
            print(
                "\(view.campaign) — \(view.title): \(awards.count.counted("award", "awards"))"
                    + (total > 0 ? ", \(total.groupedByThousands) VND in all" : ""))
            print(
                Self.table(
                    ["rank", "tier", "entry", "name", "total", "amount (VND)"],
                    awards.map { award in
                        [
                            String(award.rank), award.tier, award.entry, award.name, award.total.shownAsTotal,
                            award.amount > 0 ? award.amount.groupedByThousands : "-",
                        ]
                    }, numeric: [0, 4, 5]))
        }
    }

    /// Columns padded to their widest cell, two spaces apart; numeric columns to the right. Cells
    /// are shown with their control characters made visible (``Escaping/line(_:)``).
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int>) -> String {
        let all = ([header] + rows).map { $0.map(Escaping.line) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
