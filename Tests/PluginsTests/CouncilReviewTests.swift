import CouncilReviewPlugin
import Foundation
import LaurelCore
import LaurelTesting
import Testing

/// The council review's pass mark, per-member normalisation and tie-break chain.
@Suite struct CouncilReviewTests {
    /// Entries are collected until `close`, reviewed by a jury of two, and the first two ranked
    /// win. `REVIEW` is replaced by the review's extra parameters.
    static let workflow = """
        laurel: 1
        id: review
        title: Review
        timezone: Asia/Ho_Chi_Minh
        entries:
          clip: { fields: { title: { type: text, required: true } } }
        events:
          close: {}
        councils:
          jury: { members: [a, b], quorum: 2 }
        initial: collecting
        states:
          collecting:
            accepts: [clip]
            on: { close: review }
          review:
            step: council-review
            with:
              council: jury
              window: P7D
              REVIEW
            on: { reviewed: awards, no-quorum: closed }
          awards:
            step: awards-ceremony
            with: { tiers: [{ name: first, count: 1 }, { name: second, count: 1 }] }
            next: closed
          closed: { final: true }
        """

    static let at: Instant = 1_714_496_400

    /// Runs the review of entries x, y, z (submitted in that order) with each member's sheet:
    /// per entry, one value per criterion.
    static func run(_ review: String, sheets: [String: [String: [Double]]]) throws -> (Campaign, [Effect]) {
        let engine = try EngineTests.engine(workflow.replacingOccurrences(of: "REVIEW", with: review))
        var campaign = try engine.start(id: "r", at: at).campaign
        for id in ["x", "y", "z"] {
            campaign = try engine.apply(
                .submit(Entry(id: id, kind: "clip", fields: ["title": .text(id)])), to: campaign, at: at
            ).campaign
        }
        campaign = try engine.apply(.command("close"), to: campaign, at: at).campaign
        var effects: [Effect] = []
        for member in ["a", "b"] {
            let lines = ["x", "y", "z"].map { ScoreSheet.Line(entry: $0, values: sheets[member]![$0]!) }
            let applied = try engine.apply(.scores(ScoreSheet(member: member, lines: lines)), to: campaign, at: at)
            campaign = applied.campaign
            effects += applied.effects
        }
        #expect(campaign.state == "closed")
        return (campaign, effects)
    }

    static func results(_ campaign: Campaign) -> [String: EntryScore] {
        Dictionary(uniqueKeysWithValues: campaign.entries.compactMap { entry in entry.score.map { (entry.id, $0) } })
    }

    @Test("an entry whose mean is below the pass mark fails: no result, no prize, counted in a notice")
    func passMark() throws {
        let rubric =
            "rubric: [{ name: novelty, weight: 2, max: 10 }, { name: impact, weight: 3, max: 10 }]\n      pass-mark: 30"
        // Weighted sheets: x = 2*8+3*6 = 34 and 2*5+3*5 = 25 (mean 29.5); y = 40 and 38; z = 14 and 50 (mean 32).
        let (campaign, effects) = try Self.run(
            rubric,
            sheets: [
                "a": ["x": [8, 6], "y": [5, 10], "z": [7, 0]],
                "b": ["x": [5, 5], "y": [10, 6], "z": [10, 10]],
            ])
        #expect(
            Self.results(campaign) == ["y": EntryScore(total: 78, reviews: 2), "z": EntryScore(total: 64, reviews: 2)])
        #expect(campaign.awards.map(\.entry) == ["y", "z"])
        #expect(
            effects.contains(
                .notify(
                    audience: "organisers", message: "2 entries reached the pass mark of 30; 1 fell below it",
                    channels: ["review"])))
    }

    @Test("z-score puts a strict and a lenient member on one scale; the sum of the totals is kept")
    func zScore() throws {
        // a spreads widely (1, 5, 9); b is lenient and close (10, 10, 7). Raw totals: x 11, y 15, z 16.
        let sheets: [String: [String: [Double]]] = [
            "a": ["x": [1], "y": [5], "z": [9]],
            "b": ["x": [10], "y": [10], "z": [7]],
        ]
        let (raw, _) = try Self.run("normalise: none", sheets: sheets)
        #expect(raw.awards.map(\.entry) == ["z", "y"])

        let (normalised, _) = try Self.run("normalise: z-score", sheets: sheets)
        // The council's six scores: mean 7, standard deviation sqrt(62/6). a's z-scores are
        // -1.2247, 0, 1.2247; b's (mean 9, deviation sqrt 2) 0.7071, 0.7071, -1.4142.
        let deviation = (62.0 / 6).squareRoot()
        let expected = [
            "x": 14 + deviation * (-1.5.squareRoot() + 0.5.squareRoot()),
            "y": 14 + deviation * 0.5.squareRoot(),
            "z": 14 + deviation * (1.5.squareRoot() - 2.0.squareRoot()),
        ]
        let totals = Self.results(normalised).mapValues(\.total)
        for (entry, total) in expected { #expect(abs(totals[entry]! - total) < 1e-9, "\(entry): \(totals[entry]!)") }
        #expect(abs(totals.values.reduce(0, +) - 42) < 1e-9)
        #expect(normalised.awards.map(\.entry) == ["y", "z"])
    }

    @Test("equal totals go to the higher mean on the tie-break criteria in order, then to the earlier entry")
    func tieBreakChain() throws {
        let rubric = "rubric: [{ name: novelty, max: 10 }, { name: impact, max: 10 }, { name: cost, max: 10 }]"
        // Every entry totals 30. Mean impact: x 5, y 6, z 6; mean cost: y 3.5, z 4.5 — so z, y, x.
        let sheets: [String: [String: [Double]]] = [
            "a": ["x": [5, 5, 5], "y": [5, 6, 4], "z": [5, 6, 4]],
            "b": ["x": [5, 5, 5], "y": [6, 6, 3], "z": [4, 6, 5]],
        ]
        let (plain, _) = try Self.run(rubric, sheets: sheets)
        #expect(plain.awards.map(\.entry) == ["x", "y"], "without a chain the earlier submission wins")

        let (chained, _) = try Self.run(rubric + "\n      tie-break: [impact, cost]", sheets: sheets)
        #expect(chained.awards.map(\.entry) == ["z", "y"])
        #expect(Self.results(chained)["z"] == EntryScore(total: 30, reviews: 2, tieBreakers: [6, 4.5]))

        // The chain survives the entries' stored form.
        let codec = CampaignCodec(registry: EngineTests.registry)
        let decoded = try codec.storedAndRead(chained)
        #expect(decoded.entries.array == chained.entries.array)
        #expect(try codec.storedForm(of: decoded) == codec.storedForm(of: chained))
        #expect(
            try JSONDecoder().decode(
                EntryScore.self, from: JSONEncoder().encode(EntryScore(total: 1, reviews: 1, tieBreakers: [2])))
                == EntryScore(total: 1, reviews: 1, tieBreakers: [2]))
    }

    @Test("a pass mark no sheet can reach, or a tie-break on no criterion, is a validation error")
    func validation() {
        let text = Self.workflow.replacingOccurrences(
            of: "REVIEW",
            with:
                "rubric: [{ name: novelty, weight: 2, max: 10 }, { name: impact, max: 10 }]\n      pass-mark: 31\n      tie-break: [impakt]"
        )
        let result = WorkflowValidator(registry: EngineTests.registry).validate(text, file: "review.yaml")
        #expect(
            result.diagnostics.map(\.message) == [
                "the pass mark 31 is above the highest score a member can give (30, each criterion's max times its weight), so no entry could pass",
                "the tie-break names 'impakt', which is not a criterion of the rubric (did you mean 'impact'?); it lists criteria: novelty, impact",
            ])
    }

    /// The review of x, y, z open, before any sheet.
    static func openReview(_ review: String = "") throws -> (Engine, Campaign) {
        let engine = try EngineTests.engine(workflow.replacingOccurrences(of: "REVIEW", with: review))
        var campaign = try engine.start(id: "r", at: at).campaign
        for id in ["x", "y", "z"] {
            campaign = try engine.apply(
                .submit(Entry(id: id, kind: "clip", fields: ["title": .text(id)])), to: campaign, at: at
            ).campaign
        }
        return (engine, try engine.apply(.command("close"), to: campaign, at: at).campaign)
    }

    static func sheet(_ member: String, _ scores: [(String, Double)]) -> CampaignEvent {
        .scores(ScoreSheet(member: member, lines: scores.map { .init(entry: $0.0, values: [$0.1]) }))
    }

    @Test("rule: a sheet scores every entry the member may score; a partial sheet is refused, naming what is missing")
    func partialSheetRefused() throws {
        let (engine, campaign) = try Self.openReview()
        #expect(
            throws: Refusal(
                "the sheet of 'a' leaves out 2 of the 3 entries they must score: 'x', 'z'; a sheet scores every entry under review the member may score"
            )
        ) {
            try engine.apply(Self.sheet("a", [("y", 50)]), to: campaign, at: Self.at)
        }
        #expect(throws: Refusal("the sheet of 'a' scores entry 'y' twice")) {
            try engine.apply(Self.sheet("a", [("x", 1), ("y", 50), ("y", 60), ("z", 2)]), to: campaign, at: Self.at)
        }
        // Whole sheets from both members end the review with every entry's result, and a later
        // sheet of a member replaces their earlier one.
        var next = try engine.apply(Self.sheet("a", [("x", 10), ("y", 20), ("z", 30)]), to: campaign, at: Self.at)
            .campaign
        next = try engine.apply(Self.sheet("a", [("x", 40), ("y", 20), ("z", 30)]), to: next, at: Self.at).campaign
        next = try engine.apply(Self.sheet("b", [("x", 40), ("y", 50), ("z", 60)]), to: next, at: Self.at).campaign
        #expect(next.state == "closed")
        #expect(Self.results(next).mapValues(\.total) == ["x": 80, "y": 70, "z": 90])
    }

    @Test("rule: without quorum no entry has a result, and the notice says so instead of reporting results")
    func noQuorumGivesNoResults() throws {
        let (engine, campaign) = try Self.openReview("pass-mark: 50")
        // One of two members scores (the quorum is 2), then the window closes.
        let scored = try engine.apply(Self.sheet("a", [("x", 90), ("y", 10), ("z", 70)]), to: campaign, at: Self.at)
            .campaign
        let window = try #require(scored.timers.first)
        let closed = try engine.apply(.timer(id: window.id), to: scored, at: window.due)
        #expect(closed.campaign.state == "closed")
        #expect(closed.transitions.last?.cause == "outcome no-quorum")
        #expect(Self.results(closed.campaign).isEmpty)
        #expect(
            closed.effects == [
                .notify(
                    audience: "organisers",
                    message:
                        "The review of council 'jury' closed without quorum: 1 of 2 members scored, 2 needed; no entry has a result",
                    channels: ["review"])
            ])
    }

    @Test(
        "a review that keeps members off their own unit's entries, without people's units, says it checks no conflicts")
    func conflictsUncheckedSaid() throws {
        let engine = try EngineTests.engine(Self.workflow.replacingOccurrences(of: "REVIEW", with: ""))
        var campaign = try engine.start(id: "r", at: Self.at).campaign
        campaign = try engine.apply(
            .submit(Entry(id: "x", kind: "clip", fields: ["title": .text("x")])), to: campaign, at: Self.at
        ).campaign
        let opened = try engine.apply(.command("close"), to: campaign, at: Self.at)
        #expect(
            opened.effects == [
                .notify(
                    audience: "organisers",
                    message:
                        "Council 'jury' reviews without conflict-of-interest checks: no organisation data says which unit each member is from; import it ('laurel org import') or write 'exclude-own-unit: false'",
                    channels: ["review"])
            ])
        let quiet = try EngineTests.engine(
            Self.workflow.replacingOccurrences(of: "REVIEW", with: "exclude-own-unit: false"))
        var other = try quiet.start(id: "r", at: Self.at).campaign
        other = try quiet.apply(
            .submit(Entry(id: "x", kind: "clip", fields: ["title": .text("x")])), to: other, at: Self.at
        ).campaign
        #expect(try quiet.apply(.command("close"), to: other, at: Self.at).effects.isEmpty)
    }

    @Test("a member's task is the rubric and the entries under review, with the sheet they last sent; others have none")
    func task() throws {
        let engine = try EngineTests.engine(
            Self.workflow.replacingOccurrences(
                of: "REVIEW", with: "rubric: [{ name: novelty, weight: 2, max: 10 }, { name: impact, max: 5 }]"))
        var campaign = try engine.start(id: "r", at: Self.at).campaign
        for id in ["x", "y"] {
            campaign = try engine.apply(
                .submit(Entry(id: id, kind: "clip", fields: ["title": .text(id)])), to: campaign, at: Self.at
            ).campaign
        }
        #expect(engine.task(for: "a", in: campaign, at: Self.at) == nil, "collecting asks nothing of the jury")
        campaign = try engine.apply(.command("close"), to: campaign, at: Self.at).campaign
        let sheet = ScoreSheet(
            member: "a", lines: [.init(entry: "x", values: [7, 3]), .init(entry: "y", values: [9, 5])])
        campaign = try engine.apply(.scores(sheet), to: campaign, at: Self.at).campaign
        guard case .scoring(let scoring)? = engine.task(for: "a", in: campaign, at: Self.at) else {
            Issue.record("no score sheet for a member")
            return
        }
        #expect(scoring.council == "jury" && scoring.entries == ["x", "y"] && scoring.excluded == 0)
        #expect(
            scoring.criteria.map { $0.name } == ["novelty", "impact"] && scoring.criteria.map { $0.maximum } == [10, 5])
        #expect(scoring.sent == ["x": [7, 3], "y": [9, 5]])
        guard case .scoring(let other)? = engine.task(for: "b", in: campaign, at: Self.at) else {
            Issue.record("no score sheet for b")
            return
        }
        #expect(other.sent.isEmpty)
        #expect(engine.task(for: "someone-else", in: campaign, at: Self.at) == nil)
    }
}
