import ArgumentParser
import Foundation
import LaurelCore
import LaurelDaemon
import LaurelPlugins
import LaurelSQLite
import LaurelService
import LaurelStore
import Logging

/// A cascade over N child campaigns (issue 4), on a real SQLite file through `CampaignService`
/// and the daemon's own tick:
/// 1. the organisation data holds one district with N grassroots units;
/// 2. *start*: the district campaign is started; entering its cascade starts the N children in
///    that same transaction (each with its `unit` input and its parent link);
/// 3. setup, not timed: each child receives one nominee; a day later its review opens and the
///    chair scores it (the deputy does not, so the review runs to its window);
/// 4. *finish*: when the windows close, one daemon tick fires the N children's review windows,
///    50 to a transaction; each child finishes and its nominee is reported up to the district,
///    which gathers N entries and finishes.
/// Check values: the children started, the entries gathered, the district's final state.
struct CascadeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cascade",
        abstract: "Time a cascade over N child campaigns on SQLite: starting them, and gathering their nominees."
    )

    @Option(help: "Child campaigns (grassroots units).")
    var children = 10_000

    @Option(help: "The database file (default: a new file in the temporary folder, removed afterwards).")
    var database: String?

    func validate() throws {
        guard children > 0 else { throw ValidationError("--children must be at least 1") }
    }

    static let child = """
        laurel: 1
        id: cascade-child
        title: Grassroots choice
        timezone: Asia/Ho_Chi_Minh
        inputs:
          unit: { type: text, required: true }
        entries:
          worker: { fields: { name: { type: text, required: true } } }
        councils:
          unit-council: { members: [chair, deputy], quorum: 1 }
        initial: collecting
        states:
          collecting:
            accepts: [worker]
            timers:
              - after: P1D
                goto: review
          review:
            step: council-review
            with: { council: unit-council, window: P7D }
            on: { reviewed: done, no-quorum: done }
          done: { final: true }
        """

    static let parent = """
        laurel: 1
        id: cascade-district
        title: District choice
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination: { fields: { name: { type: text, required: true } } }
        metrics:
          nominations: { count: nomination }
        initial: gathering
        states:
          gathering:
            step: cascade
            with: { workflow: cascade-child, level: grassroots, entries: nomination, window: P30D }
            on: { gathered: closed, deadline: late }
          closed: { final: true }
          late: { final: true }
        """

    func run() throws {
        try runBlocking { try await self.measure() }
    }

    func measure() async throws {
        try await withBenchmarkDatabase(database, name: "cascade") { path in try await measure(at: path) }
    }

    func measure(at path: String) async throws {
        let registry = BuiltInPlugins.registry
        let store = try SQLiteStore(path: path, registry: registry)
        let units =
            [Organisation.Unit(id: "district", name: "District", level: "district")]
            + (0..<children).map {
                Organisation.Unit(
                    id: String(format: "g%05d", $0), name: "Unit \($0)", parent: "district", level: "grassroots")
            }
        let start: Instant = 1_714_496_400
        var versions: [String: String] = [:]
        for (id, text) in [("cascade-child", Self.child), ("cascade-district", Self.parent)] {
            let bytes = Array(text.utf8)
            versions[id] = SHA256.hex(bytes)
            let version = WorkflowVersion(
                hash: versions[id]!, workflowID: id, file: "\(id).yaml", source: bytes, recordedAt: start)
            try await store.write { try $0.record(version) }
        }
        let service = CampaignService(store: store, registry: registry)
        try await service.replaceOrganisation(
            Organisation(levels: ["district", "grassroots"], units: units), now: start)

        let startClock = ContinuousClock.now
        let parent = try await service.start(version: versions["cascade-district"]!, idempotencyKey: nil, now: start)
        let startSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - startClock)
        let started = try await service.campaigns().count - 1
        print(
            "start: district and \(started) child campaigns in one transaction: \(String(format: "%.3f", startSeconds)) s"
        )

        // Not timed: one nominee per child; a day later the reviews open and each chair scores.
        let setupClock = ContinuousClock.now
        var quiet = Logger(label: "laurel-bench")
        quiet.logLevel = .warning
        let daemon = CampaignDaemon(service: service, configuration: DaemonConfiguration(), logger: quiet)
        for unit in units.dropFirst() {
            let id = "\(parent.campaignID)--\(unit.id)"
            _ = try await service.apply(
                .submit(Entry(id: "w", kind: "worker", fields: ["name": .text("Worker of \(unit.id)")])),
                to: id, eventID: "\(id):w", now: start + 60)
        }
        _ = try await daemon.tick(now: start + 86_400 + 60)
        for (index, unit) in units.dropFirst().enumerated() {
            let id = "\(parent.campaignID)--\(unit.id)"
            _ = try await service.apply(
                .scores(ScoreSheet(member: "chair", lines: [.init(entry: "w", values: [Double(30 + index % 70)])])),
                to: id, eventID: "\(id):scores", now: start + 86_400 + 120)
        }
        print(
            "setup: a nominee in each child, reviews opened and scored, \(String(format: "%.1f", LifecycleBenchmark.seconds(ContinuousClock.now - setupClock))) s (not timed)",
            to: &standardError)

        let finishClock = ContinuousClock.now
        let fired = try await daemon.tick(now: start + 8 * 86_400 + 120)
        let finishSeconds = LifecycleBenchmark.seconds(ContinuousClock.now - finishClock)
        guard let district = try await service.campaign(id: parent.campaignID) else {
            throw ValidationError("the district campaign is gone")
        }
        print(
            "finish: one tick fired \(fired.fired) review windows; the children finished and reported up: \(String(format: "%.3f", finishSeconds)) s (\(String(format: "%.0f", Double(children) / finishSeconds)) children/s)"
        )
        print(
            "cascade over \(children) child campaigns: \(String(format: "%.3f", startSeconds + finishSeconds)) s (start + finish)"
        )
        print(
            "check: children=\(started) gathered=\(district.entries.count) nominations=\(Int(district.metrics["nominations"] ?? 0)) state=\(district.state)"
        )
    }
}
