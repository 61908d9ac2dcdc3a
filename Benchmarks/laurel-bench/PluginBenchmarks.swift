import ArgumentParser
import Foundation
import LaurelCore
import LaurelPlugins

/// The council plugins at the sizes issue 4 names, through the real validator, engine and
/// plugins, in memory. Each prints what it timed, and check values so a wrong count is seen.

/// A ballot of M members on N nominees: N entries, then M papers marking every nominee.
struct BallotBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ballot",
        abstract: "Time a secret ballot of M council members on N nominees, from the first paper to the count."
    )

    @Option(help: "Council members.")
    var members = 500

    @Option(help: "Nominees.")
    var nominees = 1_000

    @Option(help: "Timed repetitions; the median and the fastest are printed.")
    var iterations = 5

    func validate() throws {
        guard members > 0, nominees > 0, iterations > 0 else { throw ValidationError("the sizes must be at least 1") }
    }

    func run() throws {
        let memberIDs = (0..<members).map { "council/m\($0)" }
        let text = """
            laurel: 1
            id: ballot-bench
            title: Ballot benchmark
            timezone: Asia/Ho_Chi_Minh
            entries:
              nomination: { fields: { name: { type: text, required: true } } }
            events:
              open: {}
            councils:
              emulation: { members: [\(memberIDs.joined(separator: ", "))], quorum: 2/3 }
            initial: nominating
            states:
              nominating:
                accepts: [nomination]
                on: { open: voting }
              voting:
                step: ballot
                with: { council: emulation, window: P7D, approval: "at least 90% of members" }
                on: { decided: done, no-quorum: done }
              done: { final: true }
            """
        let engine = try BenchmarkSupport.engine(text)
        let entries = (0..<nominees).map {
            Entry(id: "N-\($0)", kind: "nomination", fields: ["name": .text("Nominee \($0)")])
        }
        let start: Instant = 1_714_496_400
        var opened = try engine.start(id: "b", entries: entries, at: start).campaign
        opened = try engine.apply(.command("open"), to: opened, at: start).campaign
        // Nominee k is approved by every member whose number is not a multiple of k + 2: the
        // share falls with k, so the 90%-of-members rule cuts the list at a known place.
        let papers: [CampaignEvent] = (0..<members).map { member in
            .vote(
                Vote(
                    member: memberIDs[member],
                    choices: (0..<nominees).map { k in
                        Vote.Choice(nominee: "N-\(k)", approve: member % (k + 2) != 0)
                    }))
        }
        var result: Campaign?
        let times = ValidateBenchmark.measure(iterations) {
            var campaign = opened
            for paper in papers {
                campaign = try! engine.apply(paper, to: campaign, at: start + 3_600).campaign
            }
            result = campaign
        }
        guard let result, result.state == "done" else { throw ValidationError("the ballot did not close") }
        let approved = result.entries.count { $0.score != nil }
        let expected = (0..<nominees).count { k in
            let approvals = (0..<members).count { $0 % (k + 2) != 0 }
            return approvals * 100 >= 90 * members
        }
        print(
            "laurel-bench ballot: \(members) members x \(nominees) nominees, secret, 'at least 90% of members'; "
                + "\(iterations) runs (median, fastest); build with -c release")
        print(
            "papers cast and counted: \(ValidateBenchmark.format(times.median)) ms (fastest \(ValidateBenchmark.format(times.fastest)))"
                + "  approved=\(approved) expected=\(expected)")
        guard approved == expected else { throw ValidationError("approved \(approved) nominees, expected \(expected)") }
    }
}

/// Ranking and tiering: N entries scored by 5 members on a 3-criterion rubric, then the awards.
struct RankBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Time a council of 5 scoring N entries, and the awards ranking and tiering them."
    )

    @Option(help: "Entries.")
    var entries = 1_000_000

    func validate() throws {
        guard entries >= 10 else { throw ValidationError("--entries must be at least 10") }
    }

    func run() throws {
        let text = """
            laurel: 1
            id: rank-bench
            title: Ranking benchmark
            timezone: Asia/Ho_Chi_Minh
            entries:
              clip: { fields: { title: { type: text } } }
            events:
              close: {}
            councils:
              jury: { members: [j1, j2, j3, j4, j5], quorum: 3 }
            initial: collecting
            states:
              collecting:
                accepts: [clip]
                on: { close: review }
              review:
                step: council-review
                with:
                  council: jury
                  window: P14D
                  rubric: [{ name: content, weight: 3, max: 10 }, { name: form, weight: 2, max: 10 }, { name: message, weight: 5, max: 10 }]
                on: { reviewed: awards, no-quorum: awards }
              awards:
                step: awards-ceremony
                with:
                  tiers:
                    - { name: special, count: \(entries / 100), amount: 10000000 }
                    - { name: first, count: \(entries / 20), amount: 5000000 }
                    - { name: second, count: \(entries / 10), amount: 3000000 }
                    - { name: third, count: \(entries / 5), amount: 2000000 }
                next: closed
              closed: { final: true }
            """
        let engine = try BenchmarkSupport.engine(text)
        let start: Instant = 1_714_496_400
        let clock = ContinuousClock()
        let setup = clock.now
        let list = (0..<entries).map { Entry(id: "C-\($0)", kind: "clip") }
        var campaign = try engine.start(id: "r", entries: list, at: start).campaign
        campaign = try engine.apply(.command("close"), to: campaign, at: start).campaign
        var random = SplitMix64(seed: 7)
        let sheets = (1...5).map { member in
            ScoreSheet(
                member: "j\(member)",
                lines: list.map { entry in
                    ScoreSheet.Line(
                        entry: entry.id,
                        values: [
                            Double(random.next(upTo: 11)), Double(random.next(upTo: 11)),
                            Double(random.next(upTo: 11)),
                        ])
                })
        }
        let setupTime = clock.now - setup
        var scoring: [Duration] = []
        for sheet in sheets.dropLast() {
            let began = clock.now
            campaign = try engine.apply(.scores(sheet), to: consume campaign, at: start + 60).campaign
            scoring.append(clock.now - began)
        }
        // The last sheet closes the review (totals) and the awards rank and tier at once.
        let began = clock.now
        let closed = try engine.apply(.scores(sheets[4]), to: consume campaign, at: start + 60)
        let closing = clock.now - began
        guard closed.campaign.state == "closed" else {
            throw ValidationError("the campaign ended in \(closed.campaign.state)")
        }
        let awards = closed.campaign.awards
        let tierCounts = Dictionary(grouping: awards, by: \.tier).mapValues(\.count)
        let ordered = zip(awards, awards.dropFirst()).allSatisfy { $0.total >= $1.total }
        print("laurel-bench rank: \(entries) entries, 5 members, 3 weighted criteria; build with -c release")
        print("setup (entries started, sheets built): \(Self.seconds(setupTime)) s")
        print("sheets 1-4 recorded: \(scoring.map(Self.seconds).joined(separator: ", ")) s")
        print("sheet 5 + review totals + ranking and tiering: \(Self.seconds(closing)) s")
        print(
            "awards=\(awards.count) special=\(tierCounts["special"] ?? 0) first=\(tierCounts["first"] ?? 0) "
                + "second=\(tierCounts["second"] ?? 0) third=\(tierCounts["third"] ?? 0) ordered=\(ordered) "
                + "top=\(awards.first.map { "\($0.entry) \($0.total.formattedForMessage)" } ?? "-")")
        guard ordered, awards.count == entries / 100 + entries / 20 + entries / 10 + entries / 5 else {
            throw ValidationError("the awards are not as expected")
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.3f", Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
    }
}

enum BenchmarkSupport {
    static func engine(_ text: String) throws -> Engine {
        let result = WorkflowValidator(registry: BuiltInPlugins.registry).validate(
            Array(text.utf8), file: "benchmark.yaml")
        guard let workflow = result.workflow else {
            throw ValidationError("the benchmark workflow is not valid: \(result.diagnostics.map(\.message))")
        }
        return try Engine(workflow: workflow, version: SHA256.hex(Array(text.utf8)), registry: BuiltInPlugins.registry)
    }
}
