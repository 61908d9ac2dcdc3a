import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore
import Synchronization

/// Entries submitted one by one into a campaign that grows to a million: what a submission costs
/// as the campaign grows, and what importing the entries from CSV costs (docs/performance.md,
/// "Submissions into a large campaign").
struct SubmitBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract:
            "Time single-entry submissions (each its own committed transaction through LaurelService on SQLite) as a campaign grows.",
        discussion: """
            The campaign is filled by CSV imports (`laurel entry import`'s code) to 1,000, 10,000, ... \
            entries, up to --entries; at each size --samples entries are submitted one at a time, \
            each in its own committed transaction, and timed. One line per size, then the import's \
            figures, then a last line for the largest size.
            """
    )

    @Option(help: "The campaign's size at the last measurement.")
    var entries = 1_000_000

    @Option(help: "Submissions timed at each size.")
    var samples = 200

    @Option(help: "The database file (default: a new file in the temporary folder, removed afterwards).")
    var database: String?

    @Option(help: "The workflow file the campaign runs.")
    var workflow = "Benchmarks/workflows/submissions.yaml"

    func validate() throws {
        guard entries >= 1_000 else { throw ValidationError("--entries must be at least 1000") }
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
    }

    /// 1,000, 10,000, ... below `entries`, then `entries`.
    var sizes: [Int] {
        var sizes: [Int] = []
        var size = 1_000
        while size < entries {
            sizes.append(size)
            size *= 10
        }
        return sizes + [entries]
    }

    func run() throws {
        try runBlocking { try await self.measure() }
    }

    func measure() async throws {
        try await withBenchmarkDatabase(database, name: "submit") { path in try await measure(at: path) }
    }

    func measure(at path: String) async throws {
        let registry = BuiltInPlugins.registry
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: workflow)))
        let store = try SQLiteStore(path: path, registry: registry)
        let version = WorkflowVersion(
            hash: SHA256.hex(bytes), workflowID: "submissions", file: workflow, source: bytes,
            recordedAt: Self.now)
        try await store.write { try $0.record(version) }
        let service = CampaignService(store: store, registry: registry)
        // On the store's own thread, as the daemon runs: no thread switch per transaction.
        try await withTaskExecutorPreference(store.preferredExecutor) {
            try await submissions(service, store: store, version: version.hash, path: path)
        }
    }

    static let now: Instant = 1_767_225_600  // 2026-01-01T00:00Z

    func submissions(_ service: CampaignService, store: SQLiteStore, version: String, path: String) async throws {
        let campaign = try await service.start(version: version, idempotencyKey: nil, now: Self.now).campaignID
        _ = try await service.apply(.command("launch"), to: campaign, eventID: "launch", now: Self.now)
        var held = 0
        var imported = 0
        var importSeconds = 0.0
        var last = ""
        for size in sizes {
            // Filled by importing a CSV file of the rows missing, as `laurel entry import` does.
            if size > held {
                let rows = (held..<size).map { "I-\($0),Sáng kiến số \($0),\($0 % 997 * 1_000)" }
                let csv = Array(("id,title,savings\n" + rows.joined(separator: "\n") + "\n").utf8)
                let started = ContinuousClock.now
                let tenths = Mutex(0)
                let result = try await service.importEntries(
                    csv: csv, file: "entries-\(size).csv", into: campaign, kind: "initiative",
                    now: Self.now
                ) { done, total in
                    // A line every tenth: the import's progress.
                    let tenth = done * 10 / total
                    if tenths.withLock({ reached in
                        defer { reached = max(reached, tenth) }
                        return tenth > reached
                    }) {
                        print("import: \(done) of \(total) rows into a campaign of \(size - total)", to: &standardError)
                    }
                }
                guard result.submitted == size - held else {
                    throw ValidationError("the import submitted \(result.submitted) entries, expected \(size - held)")
                }
                importSeconds += LifecycleBenchmark.seconds(ContinuousClock.now - started)
                imported += size - held
                held = size
            }
            try await store.checkpoint()
            let before = Self.size(of: path)
            var milliseconds: [Double] = []
            milliseconds.reserveCapacity(samples)
            let started = ContinuousClock.now
            for sample in 0..<samples {
                let id = "S-\(size)-\(sample)"
                let entry = Entry(
                    id: id, kind: "initiative",
                    fields: ["title": .text("Sáng kiến \(id)"), "savings": .number(Double(sample))])
                let submitted = ContinuousClock.now
                _ = try await service.apply(
                    .submit(entry), to: campaign, eventID: "entry:\(campaign):\(id)", now: Self.now)
                milliseconds.append(LifecycleBenchmark.seconds(ContinuousClock.now - submitted) * 1_000)
            }
            let seconds = LifecycleBenchmark.seconds(ContinuousClock.now - started)
            held += samples
            try await store.checkpoint()
            let after = Self.size(of: path)
            milliseconds.sort()
            let figures =
                "entries=\(size) submissions_per_s=\(Int(Double(samples) / seconds))"
                + " p50_ms=\(LifecycleBenchmark.fixed(Self.percentile(milliseconds, 0.5), 3))"
                + " p99_ms=\(LifecycleBenchmark.fixed(Self.percentile(milliseconds, 0.99), 3))"
            print(figures + " db_bytes_per_submission=\((after - before) / samples)")
            last = figures + " db_bytes_per_entry=\(after / held)"
        }
        guard let stored = try await service.campaign(id: campaign), stored.entries.count == held else {
            throw ValidationError("the campaign does not hold the \(held) entries submitted")
        }
        print(
            "import: rows=\(imported) seconds=\(LifecycleBenchmark.fixed(importSeconds, 1))"
                + " rows_per_s=\(Int(Double(imported) / importSeconds))")
        print(last)
    }

    static func percentile(_ sorted: [Double], _ share: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count) * share).rounded(.down)))]
    }

    static func size(of path: String) -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0)
        }
    }
}
