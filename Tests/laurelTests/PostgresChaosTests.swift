import Foundation
import LaurelCore
import LaurelPlugins
import LaurelPostgres
import LaurelStore
import LaurelTesting
import Synchronization
import Testing

/// Three real `laurel serve` processes on one PostgreSQL database while their timers fall due
/// and commands keep writing: one of them SIGKILLed 20 times (and started again), one SIGSTOPped
/// past the session timeout 5 times. Afterwards every timer fired once, every accepted command
/// is applied once, every outbox item was delivered (a second delivery only under the same
/// idempotency key), and each campaign equals what an uninterrupted run of the same commands
/// at the same instants makes. Skipped where PostgreSQL is not installed.
@Suite("Chaos on PostgreSQL", .serialized, .enabled(if: PostgresServer.isAvailable))
struct PostgresChaosTests {
    /// Campaigns that collect ideas for a day, then announce and close: one timer and one outbox
    /// item each.
    static let workflow = """
        laurel: 1
        id: chaos
        title: Chaos campaign
        timezone: Asia/Ho_Chi_Minh
        entries:
          idea:
            fields:
              title: { type: text, required: true }
        metrics:
          ideas: { count: idea }
        initial: collecting
        states:
          collecting:
            accepts: [idea]
            step: phase-target
            with: { metric: ideas, target: 1000, window: P1D }
            on: { target-reached: announced, deadline: announced }
          announced:
            step: notify
            with:
              to: [grassroots-unions]
              message: "Đã khép lại đợt thu thập: {metrics.ideas} ý tưởng."
            next: closed
          closed: { final: true }
        """

    static let campaigns = 20_000
    /// Seconds over which the deadlines fall due, from `lead` seconds after the set-up.
    static let spread: Instant = 30
    static let lead: Instant = 12
    static let kills = 20
    static let stops = 5
    static let sessionTimeout = 2

    /// A command the client sent and its answer.
    struct Sent: Sendable {
        var campaign: String
        var key: String
        var entryID: String
        var accepted: Bool
        /// Why the last try was refused, when it was.
        var refusal: String
    }

    @Test(
        "3 daemons, 20,000 campaigns due over 30 s, commands writing; 20 SIGKILLs and 5 SIGSTOPs: nothing lost or done twice"
    )
    func chaos() async throws {
        try await PostgresServer.withDatabase { url in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "laurel-chaos-\(UUID().uuidString)")
            let workflows = folder.appendingPathComponent("workflows")
            try FileManager.default.createDirectory(at: workflows, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = workflows.appendingPathComponent("chaos.yaml")
            try Data(Self.workflow.utf8).write(to: file)

            // Set-up: the campaigns, started a day before their deadlines, written in batches.
            let registry = BuiltInPlugins.registry
            let bytes = Array(Self.workflow.utf8)
            let version = WorkflowVersion(
                hash: SHA256.hex(bytes), workflowID: "chaos", file: file.path, source: bytes,
                recordedAt: Instant(Date().timeIntervalSince1970))
            let definition = try #require(
                WorkflowValidator(registry: registry).validate(bytes, file: "chaos.yaml").workflow)
            let engine = try Engine(workflow: definition, version: version.hash, registry: registry)
            let base = Instant(Date().timeIntervalSince1970) + Self.lead
            let due: @Sendable (Int) -> Instant = { index in
                base + Instant(index) * Self.spread / Instant(Self.campaigns)
            }
            try await TestWorkflows.withPostgresStore(url: url) { store in
                try await store.migrate()
                try await store.write { try $0.record(version) }
                var next = 0
                while next < Self.campaigns {
                    let batch = next..<min(next + 2_000, Self.campaigns)
                    try await store.write { transaction in
                        var events: [LoggedEvent] = []
                        for index in batch {
                            let id = "chaos-\(index + 1)"
                            let at = due(index) - 86_400
                            let started = try engine.start(id: id, at: at)
                            events.append(
                                LoggedEvent(
                                    id: "start:\(id)", campaignID: id, at: at, recordedAt: at,
                                    action: .start(inputs: [:], entries: []), summary: "started"))
                            try transaction.restore(
                                .campaign(started.campaign, entries: [], startedAt: at, updatedAt: at))
                        }
                        try transaction.log(events)
                    }
                    next = batch.upperBound
                }
            }

            // The daemons.
            let names = ["d1", "d2", "d3"]
            let daemons = Mutex<[String: Process]>([:])
            var starts = 0
            func start(_ name: String) throws {
                starts += 1
                let process = Process()
                process.executableURL = CLITests.binary
                process.arguments = [
                    "serve", "--workflows", workflows.path, "--database", url, "--name", name,
                    "--session-timeout", String(Self.sessionTimeout), "--log-level", "notice",
                    "--outbox", folder.appendingPathComponent("outbox-\(name).jsonl").path,
                ]
                let log = folder.appendingPathComponent("\(name)-\(starts).log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: log)
                process.standardError = process.standardOutput
                try process.run()
                daemons.withLock { $0[name] = process }
            }
            for name in names { try start(name) }
            defer {
                for process in daemons.withLock({ Array($0.values) }) where process.isRunning {
                    kill(process.processIdentifier, SIGCONT)
                    kill(process.processIdentifier, SIGKILL)
                }
            }

            // Commands keep writing: entries to campaigns whose deadline is near, each sent twice
            // under one idempotency key (the second is a retry and must change nothing).
            let sent = Mutex<[Sent]>([])
            let writing = Atomic<Bool>(true)
            let client = Thread {
                var random = SplitMix64(seed: 2026)
                var number = 0
                var lastDuration = 1.0
                while writing.load(ordering: .relaxed) {
                    let now = Instant(Date().timeIntervalSince1970)
                    // A campaign due from a second ago to four times as far ahead as the last command
                    // took (6 s at least): a command takes a second or more, many on a loaded machine
                    // (the whole test suite running beside it), so some entries beat the deadline and
                    // some do not, however busy the machine is.
                    let perSecond = Self.campaigns / Int(Self.spread)
                    let ahead = max(6, Int(4 * lastDuration) + 2) * perSecond
                    let near =
                        Int((now - base) * Instant(Self.campaigns) / Self.spread) + random.next(upTo: ahead + perSecond)
                        - perSecond
                    let index = min(max(near, 0), Self.campaigns - 1)
                    number += 1
                    let campaign = "chaos-\(index + 1)"
                    let key = "k\(number)"
                    var accepted = false
                    var refusal = ""
                    for _ in 0..<2 {
                        let began = Date()
                        defer { lastDuration = Date().timeIntervalSince(began) }
                        let run = try? CLITests.laurel([
                            "entry", "submit", campaign, "--kind", "idea", "--id", "idea-\(number)",
                            "--field", "title=Ý tưởng \(number)", "--idempotency-key", key, "--database", url,
                        ])
                        accepted = accepted || run?.status == 0
                        refusal =
                            run?.status == 0
                            ? ""
                            : "\(run?.stderr ?? "not run") (sent at \(Date().timeIntervalSince1970), due at \(due(index)))"
                    }
                    sent.withLock {
                        $0.append(
                            Sent(
                                campaign: campaign, key: key, entryID: "idea-\(number)", accepted: accepted,
                                refusal: refusal))
                    }
                }
            }
            client.start()

            // Chaos: a SIGKILL every 2 s (the daemon started again 0.3 s later), and a SIGSTOP
            // past the session timeout every 8 s.
            var random = SplitMix64(seed: 7)
            var killed = 0
            var stopped = 0
            for round in 0..<Self.kills {
                usleep(1_700_000)
                if round % 4 == 1, stopped < Self.stops {
                    let name = names[random.next(upTo: names.count)]
                    let process = daemons.withLock { $0[name]! }
                    kill(process.processIdentifier, SIGSTOP)
                    usleep(UInt32(Self.sessionTimeout * 1_000_000 + 1_000_000))
                    kill(process.processIdentifier, SIGCONT)
                    stopped += 1
                }
                let name = names[random.next(upTo: names.count)]
                let process = daemons.withLock { $0[name]! }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "\(name) had stopped by itself")
                killed += 1
                usleep(300_000)
                try start(name)
            }
            while stopped < Self.stops {
                let process = daemons.withLock { $0[names[stopped % 3]]! }
                kill(process.processIdentifier, SIGSTOP)
                usleep(UInt32(Self.sessionTimeout * 1_000_000 + 1_000_000))
                kill(process.processIdentifier, SIGCONT)
                stopped += 1
            }
            // Until every deadline has passed; then the daemons finish, uninterrupted.
            while Instant(Date().timeIntervalSince1970) <= base + Self.spread + 1 { usleep(200_000) }
            writing.store(false, ordering: .relaxed)
            while !client.isFinished { usleep(50_000) }

            let end = Instant(Date().timeIntervalSince1970)
            let finished = try await TestWorkflows.withPostgresStore(url: url) { store in
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline {
                    let due = try await store.read { try $0.dueTimers(at: end, limit: 1) }
                    let pending = try await store.read { try $0.pendingOutbox(limit: 1) }
                    if due.isEmpty && pending.isEmpty { return true }
                    try await Task.sleep(for: .milliseconds(200))
                }
                return false
            }
            for process in daemons.withLock({ Array($0.values) }) {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
                #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            }
            #expect(finished, "every timer fired and every outbox item was delivered within 120 s")

            // The checks.
            let commands = sent.withLock { $0 }
            let (kills, stops) = (killed, stopped)
            let codec = CampaignCodec(registry: registry)
            let report = try await TestWorkflows.withPostgresStore(url: url) { store in
                try await store.read { reader -> String in
                    var problems: [String] = []
                    let summaries = reader.campaigns
                    let all = try summaries()
                    if all.count != Self.campaigns { problems.append("\(all.count) campaigns") }
                    if let open = all.first(where: { $0.state != "closed" }) {
                        problems.append("\(open.id) ended in \(open.state)")
                    }
                    // Each timer once, each accepted command once, nothing refused in the log.
                    let events = try reader.events(after: 0, limit: 1_000_000)
                    let timers = events.filter { $0.kind == "timer" }
                    if timers.count != Self.campaigns || Set(timers.map(\.id)).count != timers.count {
                        problems.append("\(timers.count) timer events, \(Set(timers.map(\.id)).count) distinct")
                    }
                    // A timer never fires before it is due (by the database's clock, which the daemons keep).
                    if let early = timers.first(where: { $0.recordedAt < $0.at }) {
                        problems.append("\(early.id) fired at \(early.recordedAt), before it was due at \(early.at)")
                    }
                    let logged = Set(events.map(\.id))
                    for command in commands {
                        let id = "entry:\(command.campaign):\(command.key)"
                        if command.accepted != logged.contains(id) {
                            problems.append("\(id): accepted \(command.accepted), logged \(logged.contains(id))")
                        }
                    }
                    // Each campaign equals an uninterrupted run of its accepted commands at the
                    // instants they were applied, its timers firing when due.
                    var byCampaign: [String: [LoggedEvent]] = [:]
                    for event in events where event.kind == "submit" {
                        byCampaign[event.campaignID, default: []].append(event)
                    }
                    for index in 0..<Self.campaigns {
                        let id = "chaos-\(index + 1)"
                        var campaign = try engine.start(id: id, at: due(index) - 86_400).campaign
                        func fire(until instant: Instant) throws {
                            while let timer = engine.dueTimers(of: campaign, at: instant).first {
                                campaign = try engine.apply(
                                    .timer(id: timer.id), to: campaign, at: max(timer.due, campaign.enteredAt)
                                ).campaign
                            }
                        }
                        for event in byCampaign[id] ?? [] {
                            guard case .event(let action) = event.action else { continue }
                            try fire(until: event.at)
                            campaign = try engine.apply(action, to: campaign, at: event.at).campaign
                        }
                        try fire(until: end)
                        guard let stored = try reader.campaignWithEntries(id: id) else { continue }
                        if try codec.storedForm(of: campaign) != codec.storedForm(of: stored) {
                            problems.append("\(id) differs from the uninterrupted run")
                        }
                    }
                    // Every outbox item delivered; the daemons' files hold each at least once, a
                    // second time only under the same key with the same content.
                    let outbox = try reader.outbox(after: 0, limit: 1_000_000)
                    if outbox.count != Self.campaigns { problems.append("\(outbox.count) outbox items") }
                    if let undelivered = outbox.first(where: { $0.deliveredAt == nil }) {
                        problems.append("outbox item \(undelivered.item.sequence) not delivered")
                    }
                    var deliveries: [String: Set<String>] = [:]
                    var lines = 0
                    for name in names {
                        let text =
                            (try? String(
                                contentsOf: folder.appendingPathComponent("outbox-\(name).jsonl"), encoding: .utf8))
                            ?? ""
                        for line in text.split(separator: "\n") {
                            lines += 1
                            guard
                                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                let key = object["idempotency_key"] as? String
                            else {
                                problems.append("an outbox line without an idempotency key: \(line.prefix(200))")
                                continue
                            }
                            var content = object
                            content["delivered_at"] = nil
                            let normalised = String(
                                decoding: try JSONSerialization.data(withJSONObject: content, options: [.sortedKeys]),
                                as: UTF8.self)
                            deliveries[key, default: []].insert(normalised)
                        }
                    }
                    for stored in outbox where deliveries["laurel-outbox-\(stored.item.sequence)"] == nil {
                        problems.append("outbox item \(stored.item.sequence) is in no daemon's file")
                        break
                    }
                    if let key = deliveries.first(where: { $0.value.count > 1 })?.key {
                        problems.append("two different deliveries under the key \(key)")
                    }
                    let accepted = commands.filter(\.accepted).count
                    // How many of the stops caught a daemon inside a transaction: its session was
                    // ended by the server, and the daemon said so when it went on.
                    let logs = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                    let cutOff = logs.filter { $0.hasSuffix(".log") }.reduce(0) { count, name in
                        let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
                        return count + text.split(separator: "\n").filter { $0.contains("session") }.count
                    }
                    print(
                        "chaos: \(Self.campaigns) campaigns, 3 daemons, \(kills) SIGKILLs, \(stops) SIGSTOPs of \(Self.sessionTimeout + 1) s, "
                            + "\(timers.count) timers fired, \(commands.count) commands (\(accepted) accepted, \(commands.count - accepted) refused), "
                            + "\(outbox.count) outbox items delivered in \(lines) deliveries (\(lines - deliveries.count) repeated under their key), \(cutOff) daemon log lines on a session the server ended"
                    )
                    return problems.prefix(20).joined(separator: "\n")
                }
            }
            #expect(report.isEmpty, "\(report)")
            // Both kinds of answer, or the race between entries and deadlines was not run.
            let accepted = commands.filter(\.accepted).count
            #expect(accepted >= 5, "\(commands.first { !$0.accepted }?.refusal ?? "")")
            #expect(commands.count - accepted >= 5, "some entries came after their deadline")
            // A refusal is the workflow's, said as such: the campaign's deadline passed and it closed.
            for command in commands
            where !command.accepted && !command.refusal.contains("has finished in state 'closed'") {
                Issue.record("refused for another reason: \(command.refusal)")
                break
            }
            #expect(killed == Self.kills && stopped == Self.stops)
        }
    }
}
