import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins
import LaurelSQLite
import LaurelStore

/// The campaign-lifecycle scenario of shared/bench/campaign-lifecycle.md, through the real
/// loader, engine, plugins and campaign encoding.
struct LifecycleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifecycle",
        abstract: "Run the campaign-lifecycle scenario for N instances and print its summary and checks."
    )

    enum Store: String, ExpressibleByArgument, CaseIterable {
        case memory
        case sqlite
    }

    @Option(help: "How many campaign instances.")
    var instances = 10_000

    @Option(
        help:
            "Where saves go: memory (a key-to-document map of encoded campaigns) or sqlite (a real SQLite file, each save committed)."
    )
    var store: Store = .memory

    @Option(
        help:
            "With --store sqlite: the database file (default: a new file in the temporary folder, removed afterwards).")
    var database: String?

    @Option(help: "The workflow file the scenario runs.")
    var workflow = "Benchmarks/workflows/campaign-lifecycle.yaml"

    func validate() throws {
        guard instances > 0 else { throw ValidationError("--instances must be at least 1") }
        if database != nil && store != .sqlite { throw ValidationError("--database only applies with --store sqlite") }
    }

    static let t0: Instant = 1_736_154_000  // 2025-01-06T09:00:00Z
    static let minute: Instant = 60
    static let day: Instant = 86_400

    func run() throws {
        try runBlocking { try await self.measure() }
    }

    func measure() async throws {
        var sqlite: SQLiteStore?
        var temporaryFolder: String?
        if store == .sqlite {
            let path: String
            if let database {
                path = database
            } else {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-bench-\(getpid())")
                    .path
                temporaryFolder = folder
                path = folder + "/lifecycle.sqlite"
            }
            sqlite = try SQLiteStore(path: path, registry: BuiltInPlugins.registry)
        }
        defer { if let temporaryFolder { try? FileManager.default.removeItem(atPath: temporaryFolder) } }
        // With SQLite the scenario runs on the store's own thread, as the daemon's loop does.
        try await withTaskExecutorPreference(sqlite?.preferredExecutor) { try await scenario(sqlite) }
    }

    func scenario(_ sqlite: SQLiteStore?) async throws {
        let parseStart = ContinuousClock.now
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: workflow)))
        let registry = BuiltInPlugins.registry
        let result = WorkflowValidator(registry: registry).validate(bytes, file: workflow)
        guard let definition = result.workflow else {
            throw ValidationError("\(workflow) is not valid: \(result.diagnostics.map(\.message))")
        }
        let engine = try Engine(workflow: definition, version: SHA256.hex(bytes), registry: registry)
        let parseSeconds = Self.seconds(ContinuousClock.now - parseStart)

        let codec = CampaignCodec(registry: registry)
        // The memory store: each campaign's document and its entries' rows, encoded as a store
        // keeps them, so the run measures the engine and the codec without a database.
        var documents = [String: [UInt8]](minimumCapacity: instances)
        var rows = [String: [(count: Int, body: [UInt8])]](minimumCapacity: instances)
        var savedBytes = 0
        let ids = (0..<instances).map { "C" + Self.pad($0, 6) }
        let entryIDs = (0..<54).map { "E" + Self.pad($0, 2) }
        // The SQLite store: the real LaurelStore. A round's load, apply and save of one instance
        // are one committed transaction, as in the daemon (the snapshot, its entries' rows and
        // its due-timer index); the final check's loads are plain reads.
        if let sqlite {
            let version = WorkflowVersion(
                hash: engine.version, workflowID: definition.id, file: workflow, source: bytes,
                recordedAt: Self.t0)
            try await sqlite.write { try $0.record(version) }
        }
        func save(_ campaign: Campaign) async throws {
            if let sqlite {
                savedBytes += try await sqlite.write {
                    try $0.save(campaign, events: [], effects: [], at: campaign.enteredAt)
                }
                return
            }
            let encoded = try codec.encode(campaign)
            savedBytes += encoded.count
            documents[campaign.id] = encoded
            switch campaign.entries.pendingRows {
            case .append(_, let appended):
                rows[campaign.id, default: []].append((appended.count, CampaignCodec.encodeEntries(appended[...])))
            case .update(_, let all), .replace(let all):
                rows[campaign.id] = [(all.count, CampaignCodec.encodeEntries(all[...]))]
            }
        }
        func load(_ id: String) async throws -> Campaign {
            if let sqlite { return try await sqlite.read { try $0.campaign(id: id)! } }
            return try codec.decode(documents[id]!)
        }
        /// Loads an instance, applies `change` (again with the entries loaded, when it reads
        /// them, as the service does), saves the result.
        func update(_ id: String, _ change: @escaping @Sendable (Campaign) throws -> Campaign) async throws {
            if let sqlite {
                savedBytes += try await sqlite.write { transaction in
                    var campaign = try transaction.campaign(id: id)!
                    let changed = try transaction.withEntriesWhenNeeded(&campaign, change)
                    return try transaction.save(changed, events: [], effects: [], at: changed.enteredAt)
                }
                return
            }
            var campaign = try codec.decode(documents[id]!)
            let changed: Campaign
            do {
                changed = try change(campaign)
            } catch let refusal as Refusal where refusal.needsEntries {
                var entries: [Entry] = []
                for (count, body) in rows[id]! {
                    try CampaignCodec.decodeEntries(body[...], count: count, into: &entries)
                }
                try campaign.loadEntries(entries)
                changed = try change(campaign)
            }
            try await save(changed)
        }
        var phaseEnds = [Instant](repeating: 0, count: instances)

        let runStart = ContinuousClock.now
        // R0: create in draft with the 54 entries (the instance data), and save.
        // Every instance gets the same 54 entries, so they are built once (the engine copies
        // nothing of them but references).
        let entries = entryIDs.enumerated().map { e, entryID in
            Entry(id: entryID, kind: "clip", fields: ["title": .text("Clip \(e)")])
        }
        for i in 0..<instances {
            try await save(try engine.start(id: ids[i], entries: entries, at: Self.t0).campaign)
        }
        // R1: launch at t1.
        let t1 = Self.t0 + 3_600
        for i in 0..<instances {
            try await update(ids[i]) { try engine.apply(.command("launch"), to: $0, at: t1).campaign }
        }
        // R2 and R3: each phase ends by its target or by its deadline tick.
        for (round, target) in [(2, 100.0), (3, 250.0)] {
            for i in 0..<instances {
                let opened = round == 2 ? t1 : phaseEnds[i]
                let byTarget = round == 2 ? i % 2 == 0 : i % 3 != 0
                let end = byTarget ? opened + 10 * Self.day : opened + 14 * Self.day + Self.minute
                phaseEnds[i] = end
                try await update(ids[i]) { loaded in
                    guard byTarget else { return try Self.tick(engine, loaded, at: end) }
                    let campaign = loaded
                    let missing = target - (campaign.metrics["progress"] ?? 0)
                    return try engine.apply(.report(metric: "progress", amount: missing), to: consume campaign, at: end)
                        .campaign
                }
            }
        }
        // R4: the scores arrive at t4; when someone abstains, the review deadline tick at t5.
        for i in 0..<instances {
            let t3 = phaseEnds[i]
            try await update(ids[i]) { loaded in
                var campaign = loaded
                let scoring = i % 5 != 4 ? 5 : 3
                for r in 0..<scoring {
                    let lines = (0..<54).map { e in
                        ScoreSheet.Line(entry: entryIDs[e], score: Double(Self.score(i, r, e)))
                    }
                    campaign = try engine.apply(
                        .scores(ScoreSheet(member: "R\(r + 1)", lines: lines)), to: consume campaign,
                        at: t3 + 3 * Self.day
                    ).campaign
                }
                if scoring < 5 { campaign = try Self.tick(engine, campaign, at: t3 + 7 * Self.day + Self.minute) }
                return campaign
            }
        }
        // R5: load and check.
        var p1Deadlines = 0
        var p2Deadlines = 0
        var abstentions = 0
        var checksum = 0
        for i in 0..<instances {
            let campaign = try await load(ids[i])
            guard campaign.status == .finished, campaign.state == "closed", campaign.awards.count == 54 else {
                throw ValidationError("\(ids[i]) ended in \(campaign.state) with \(campaign.awards.count) awards")
            }
            for transition in campaign.transitions where transition.cause == "outcome deadline" {
                if transition.from == "phase1" { p1Deadlines += 1 }
                if transition.from == "phase2" { p2Deadlines += 1 }
            }
            abstentions += 5 - campaign.awards[0].reviews
            for award in campaign.awards {
                checksum += award.rank * (Int(award.entry.dropFirst())! + 1) + Int(award.total) * award.tierNumber
            }
        }
        let runSeconds = Self.seconds(ContinuousClock.now - runStart)

        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        print(
            "instances=\(instances) parse_s=\(Self.fixed(parseSeconds, 4)) run_s=\(Self.fixed(runSeconds, 3))"
                + " transitions_per_s=\(Int(Double(12 * instances) / runSeconds))"
                + " serialize_bytes_avg=\(savedBytes / (5 * instances)) peak_rss_mb=\(Self.fixed(peakMB, 1))")
        print(
            "store=\(store.rawValue) transitions=\(12 * instances) saves=\(5 * instances) loads=\(5 * instances)"
                + " p1_deadline_fired=\(p1Deadlines) p2_deadline_fired=\(p2Deadlines)"
                + " review_abstentions=\(abstentions) awards_checksum=\(checksum)")
    }

    /// Fires every timer due strictly before `now`, in due order, as a scheduler tick would.
    static func tick(_ engine: Engine, _ campaign: Campaign, at now: Instant) throws -> Campaign {
        var campaign = campaign
        while let timer = engine.dueTimers(of: campaign, at: now - 1).first {
            campaign = try engine.apply(.timer(id: timer.id), to: consume campaign, at: now).campaign
        }
        return campaign
    }

    static func score(_ i: Int, _ r: Int, _ e: Int) -> Int {
        // splitmix64(x) of the scenario is the first output of the generator seeded with x.
        var generator = SplitMix64(seed: UInt64(i * 1_000_000 + r * 1_000 + e))
        return Int(generator.next() % 101)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    static func fixed(_ value: Double, _ places: Int) -> String { String(format: "%.\(places)f", value) }
}
