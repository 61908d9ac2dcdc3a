import BallotPlugin
import LaurelCore
import Testing

/// The ballot: approval rules with explicit denominators, quorum in person, written votes,
/// and secrecy (a secret paper is marked secret for whoever keeps the event).
@Suite struct BallotTests {
    static func workflow(_ with: String) -> String {
        """
        laurel: 1
        id: titles
        title: Emulation titles
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination: { fields: { name: { type: text, required: true } } }
        events:
          open: {}
        councils:
          emulation: { members: [a, b, c, d, e], quorum: 3 }
        initial: nominating
        states:
          nominating:
            accepts: [nomination]
            on: { open: voting }
          voting:
            step: ballot
            with: \(with)
            on: { decided: done, no-quorum: failed }
          done: { final: true }
          failed: { final: true }
        """
    }

    static let may1: Instant = 1_714_496_400  // 2024-05-01T00:00+07:00

    /// A campaign in the voting state with nominees n1, n2, n3.
    static func voting(_ with: String) throws -> (Engine, Campaign) {
        let engine = try EngineTests.engine(workflow(with))
        var campaign = try engine.start(id: "t", at: may1).campaign
        for id in ["n1", "n2", "n3"] {
            let entry = Entry(id: id, kind: "nomination", fields: ["name": .text("Nominee \(id)")])
            campaign = try engine.apply(.submit(entry), to: campaign, at: may1).campaign
        }
        campaign = try engine.apply(.command("open"), to: campaign, at: may1).campaign
        #expect(campaign.state == "voting")
        return (engine, campaign)
    }

    static func vote(
        _ member: String, for approve: [String] = [], against reject: [String] = [],
        inWriting: Bool = false
    ) -> CampaignEvent {
        .vote(
            Vote(
                member: member,
                choices: approve.map { .init(nominee: $0, approve: true) }
                    + reject.map { .init(nominee: $0, approve: false) }, inWriting: inWriting))
    }

    @Test("approval rules read as written and compare in whole numbers")
    func approvalRules() throws {
        let ninety = try ApprovalRule(parsing: "at least 90% of members")
        #expect(ninety.description == "at least 90% of members")
        #expect(ninety.approves(5, of: 5) && !ninety.approves(4, of: 5))  // 4.5 needs 5
        let twoThirds = try ApprovalRule(parsing: "at least two thirds of votes cast")
        #expect(twoThirds.of == .votesCast && twoThirds.approves(6, of: 9) && !twoThirds.approves(5, of: 9))
        let half = try ApprovalRule(parsing: "More than half of present")
        #expect(!half.approves(2, of: 4) && half.approves(3, of: 4) && !half.approves(0, of: 0))
        #expect(throws: ApprovalRule.ParseError.self) { try ApprovalRule(parsing: "90% of members") }
        do {
            _ = try ApprovalRule(parsing: "at least 90% of member")
            Issue.record("a wrong denominator was accepted")
        } catch {
            #expect(error.description.contains("did you mean 'members'"))
        }
    }

    @Test("a bad approval rule is a validation error at the parameter")
    func approvalRuleValidated() throws {
        let result = WorkflowValidator(registry: EngineTests.registry)
            .validate(
                Self.workflow("{ council: emulation, window: P3D, approval: \"at least 120% of members\" }"),
                file: "titles.yaml")
        let message = try #require(result.diagnostics.first)
        #expect(message.message.contains("'120%' in the approval rule is not a share"))
    }

    @Test("a secret ballot counts every paper, closes when all have voted, and keeps votes as scores")
    func secretBallot() throws {
        let (engine, start) = try Self.voting(
            "{ council: emulation, window: P3D, approval: \"at least 90% of members\", written-votes: true }")
        var campaign = start
        let papers = [
            Self.vote("a", for: ["n1", "n2"], against: ["n3"]),
            Self.vote("b", for: ["n1", "n2"]),
            Self.vote("c", for: ["n1"], against: ["n2"]),
            Self.vote("d", for: ["n1", "n2"], inWriting: true),
        ]
        for paper in papers {
            let applied = try engine.apply(paper, to: campaign, at: Self.may1 + 3_600)
            #expect(applied.isSecret, "a secret paper is kept sealed by whoever logs it")
            campaign = applied.campaign
        }
        #expect(throws: Refusal("'a' has already voted in this ballot; a paper cannot be changed once cast")) {
            try engine.apply(Self.vote("a", for: ["n3"]), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("'x' is not a member of council 'emulation'")) {
            try engine.apply(Self.vote("x", for: ["n1"]), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("there is no nominee 'n4' in this ballot (did you mean 'n1'?)")) {
            try engine.apply(Self.vote("e", for: ["n4"]), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("the paper of 'e' marks nominee 'n1' twice")) {
            try engine.apply(Self.vote("e", for: ["n1"], against: ["n1"]), to: campaign, at: Self.may1)
        }
        #expect(
            throws: Refusal(
                "the paper of 'e' was sealed (a secret ballot keeps no choices), so it cannot be counted again")
        ) {
            try engine.apply(Self.vote("e", for: ["n1"]).sealed, to: campaign, at: Self.may1)
        }
        let last = try engine.apply(Self.vote("e", for: ["n1"]), to: campaign, at: Self.may1 + 7_200)
        #expect(last.campaign.state == "done")
        let scores = Dictionary(uniqueKeysWithValues: last.campaign.entries.map { ($0.id, $0.score) })
        // n1: 5 of 5 members; n2: 3 of 5 (below 90%); n3: none.
        #expect(scores["n1"] == EntryScore(total: 5, reviews: 5))
        #expect(scores["n2"] == .some(nil) && scores["n3"] == .some(nil))
        guard case .notify(let audience, let message, let channels) = try #require(last.effects.first) else {
            Issue.record("the minutes are a notice")
            return
        }
        #expect(audience == "council:emulation" && channels == ["minutes"])
        #expect(
            message.contains(
                "5 of 5 members voted (1 in writing); quorum 3 in person met; rule: at least 90% of members."))
        #expect(message.contains("n1: 5 for, 0 against, 0 blank — approved"))
        #expect(message.contains("n2: 3 for, 1 against, 1 blank — not approved"))
        #expect(message.contains("n3: 0 for, 1 against, 4 blank — not approved"))
        for member in ["a", "b", "c", "d", "e"] { #expect(!message.contains("\n\(member)"), "counts, never names") }
    }

    @Test("the window closes the ballot: written votes do not make the quorum; the denominator is the one declared")
    func quorumAndDenominators() throws {
        let with =
            "{ council: emulation, window: P3D, approval: \"more than half of present\", written-votes: true, secret: false }"
        let (engine, start) = try Self.voting(with)
        var campaign = start
        campaign = try engine.apply(Self.vote("a", for: ["n1"]), to: campaign, at: Self.may1).campaign
        campaign = try engine.apply(Self.vote("b", for: ["n1", "n2"]), to: campaign, at: Self.may1).campaign
        let written = try engine.apply(Self.vote("c", for: ["n2"], inWriting: true), to: campaign, at: Self.may1)
        #expect(!written.isSecret, "an open ballot's papers are logged as cast")
        campaign = written.campaign
        let window = try #require(campaign.timers.first)
        let closed = try engine.apply(.timer(id: window.id), to: campaign, at: window.due)
        #expect(closed.campaign.state == "failed", "2 in person, quorum 3")
        #expect(closed.campaign.entries.allSatisfy { $0.score == nil })

        campaign = try engine.apply(Self.vote("d", for: ["n2"]), to: campaign, at: Self.may1).campaign
        let counted = try engine.apply(.timer(id: window.id), to: campaign, at: window.due).campaign
        #expect(counted.state == "done")
        // 4 present: n1 has 2 (not more than half), n2 has 3.
        #expect(counted.entries.map(\.score) == [nil, EntryScore(total: 3, reviews: 4), nil])

        let (strict, opened) = try Self.voting(
            "{ council: emulation, window: P3D, approval: \"more than half of votes-cast\" }")
        var other = opened
        #expect(
            throws: Refusal(
                "this ballot takes no written votes: members vote in person (the step's written-votes is false)")
        ) {
            try strict.apply(Self.vote("a", for: ["n1"], inWriting: true), to: other, at: Self.may1)
        }
        // n3: one for, no against, four blank: more than half of the votes cast on it.
        for member in ["a", "b", "c"] {
            other = try strict.apply(Self.vote(member, for: member == "a" ? ["n3"] : []), to: other, at: Self.may1)
                .campaign
        }
        let timer = try #require(other.timers.first)
        other = try strict.apply(.timer(id: timer.id), to: other, at: timer.due).campaign
        #expect(other.entries.map(\.score) == [nil, nil, EntryScore(total: 1, reviews: 3)])
    }

    @Test("a scripted and a generated ballot run through simulate; the minutes show in the timeline")
    func simulated() throws {
        let engine = try EngineTests.engine(Self.workflow("{ council: emulation, window: P3D, written-votes: true }"))
        let script = """
            - { at: 2024-05-01T08:00, submit: { id: n1, kind: nomination, fields: { name: An } } }
            - { at: 2024-05-01T08:00, submit: { id: n2, kind: nomination, fields: { name: Bình } } }
            - { at: 2024-05-02T08:00, command: open }
            - { at: 2024-05-02T09:00, vote: { member: a, approve: [n1], reject: [n2] } }
            - { at: 2024-05-02T09:00, vote: { member: b, approve: [n1, n2] } }
            - { at: 2024-05-02T09:00, vote: { member: c, approve: [n1] } }
            - { at: 2024-05-03T09:00, vote: { member: d, approve: [n1], in-writing: true } }
            """
        let parsed = SimulationScript.parse(Array(script.utf8), file: "s.yaml", calendar: engine.calendar)
        #expect(parsed.diagnostics.isEmpty)
        let result = Simulator(engine: engine).run(
            start: Self.may1, until: Self.may1 + 30 * 86_400, script: parsed.events, seed: 1)
        #expect(result.campaign.state == "done")
        let text = TimelineRenderer(calendar: engine.calendar, workflow: engine.workflow).text(result, seed: nil)
        #expect(text.contains("n1: 4 for, 0 against, 0 blank — approved"))
        #expect(text.contains("n2: 1 for, 1 against, 2 blank — not approved"))
    }

    @Test("rule: nominees level on votes are ranked by the review's total and tie-break chain, not by submission order")
    func tieBreakAfterBallot() throws {
        let text = """
            laurel: 1
            id: award
            title: Award
            timezone: Asia/Ho_Chi_Minh
            entries:
              nomination: { fields: { name: { type: text, required: true } } }
            events:
              close: {}
            councils:
              jury: { members: [a], quorum: 1 }
              emulation: { members: [a, b, c], quorum: 2 }
            initial: nominating
            states:
              nominating:
                accepts: [nomination]
                on: { close: review }
              review:
                step: council-review
                with: { council: jury, window: P7D, rubric: [{ name: merit, max: 10 }, { name: impact, max: 10 }], tie-break: [impact] }
                on: { reviewed: voting, no-quorum: closed }
              voting:
                step: ballot
                with: { council: emulation, window: P7D, only-nominated: true }
                on: { decided: awards, no-quorum: closed }
              awards:
                step: awards-ceremony
                with: { tiers: [{ name: first, count: 1 }, { name: second, count: 1 }] }
                next: closed
              closed: { final: true }
            """
        let engine = try EngineTests.engine(text)
        var campaign = try engine.start(id: "t", at: Self.may1).campaign
        for id in ["early", "late", "third"] {
            campaign = try engine.apply(
                .submit(Entry(id: id, kind: "nomination", fields: ["name": .text(id)])), to: campaign, at: Self.may1
            ).campaign
        }
        campaign = try engine.apply(.command("close"), to: campaign, at: Self.may1).campaign
        // The review ranks late (total 15, impact 9) before early (15, impact 5) before third (2).
        let lines: [ScoreSheet.Line] = [
            .init(entry: "early", values: [10, 5]), .init(entry: "late", values: [6, 9]),
            .init(entry: "third", values: [1, 1]),
        ]
        campaign = try engine.apply(.scores(ScoreSheet(member: "a", lines: lines)), to: campaign, at: Self.may1)
            .campaign
        #expect(campaign.state == "voting")
        // Every nominee gets three votes: level on votes.
        for member in ["a", "b", "c"] {
            campaign = try engine.apply(
                Self.vote(member, for: ["early", "late", "third"]), to: campaign, at: Self.may1
            ).campaign
        }
        #expect(campaign.state == "closed")
        #expect(
            campaign.awards.map(\.entry) == ["late", "early"], "the review's order decides, not who was submitted first"
        )
    }
}
