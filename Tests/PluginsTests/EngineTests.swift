import AnnouncePlugin
import AwardsCeremonyPlugin
import CouncilReviewPlugin
import Foundation
import LaurelTesting
import PhaseTargetPlugin
import PropertyBased
import Testing

@testable import LaurelCore

/// The engine with the shipped plugins: lifecycles, refusals, timers and determinism.
@Suite struct EngineTests {
    static var registry: PluginRegistry { try! PluginRegistry(PluginDeclarationTests.plugins) }

    static let workflowText = """
        laurel: 1
        id: contest
        title: Contest
        timezone: Asia/Ho_Chi_Minh
        entries:
          clip: { fields: { title: { type: text, required: true }, minutes: { type: number } } }
        metrics:
          clips: { count: clip }
          minutes: { sum: clip.minutes }
        events:
          launch: {}
          cancel: {}
          remind: { by: system }
        councils:
          jury: { members: [a, b, c], quorum: 2 }
        initial: draft
        states:
          draft:
            on: { launch: launched, cancel: cancelled }
          launched:
            step: announce
            with: { audience: schools }
            next: collecting
          collecting:
            step: phase-target
            accepts: [clip]
            with: { metric: clips, target: 3, until: 2024-05-31 }
            timers:
              - every: "0 8 * * MON"
                send: remind
            on:
              target-reached: review
              deadline:
                - if: outcome.value >= 2
                  goto: review
                - goto: cancelled
              cancel: cancelled
          review:
            step: council-review
            with: { council: jury, window: P7D }
            on: { reviewed: awards, no-quorum: cancelled }
          awards:
            step: awards-ceremony
            with: { tiers: [{ name: first, count: 1, amount: 1000000 }, { name: second, count: 2, amount: 500000 }] }
            next: closed
          closed: { final: true }
          cancelled: { final: true }
        """

    static func engine(_ text: String = workflowText) throws -> Engine {
        let result = WorkflowValidator(registry: registry).validate(text, file: "contest.yaml")
        let workflow = try #require(result.workflow, "\(result.diagnostics.map(\.message))")
        return try Engine(workflow: workflow, version: SHA256.hex(Array(text.utf8)), registry: registry)
    }

    static let may1: Instant = 1_714_496_400  // 2024-05-01T00:00+07:00
    static let day: Instant = 86_400

    /// The contest's workflow with clips that come from a unit (a field of type unit).
    static func engineWithUnits() throws -> Engine {
        try engine(
            workflowText.replacingOccurrences(
                of: "minutes: { type: number } }", with: "minutes: { type: number }, unit: { type: unit } }"))
    }

    static func clip(_ id: String, minutes: Double = 3) -> CampaignEvent {
        .submit(Entry(id: id, kind: "clip", fields: ["title": .text("Clip \(id)"), "minutes": .number(minutes)]))
    }

    @Test("a campaign runs from launch to awards, metrics and transitions recorded")
    func lifecycle() throws {
        let engine = try Self.engine()
        var campaign = try engine.start(id: "c1", at: Self.may1).campaign
        #expect(campaign.state == "draft" && campaign.transitions.map(\.cause) == ["start"])
        let launched = try engine.apply(.command("launch"), to: campaign, at: Self.may1 + 3600)
        campaign = launched.campaign
        #expect(campaign.state == "collecting", "announce completes at once")
        #expect(launched.effects == [.notify(audience: "schools", message: "Contest", channels: ["notice"])])
        #expect(launched.effectPlacement == [1], "the notice comes after the move to 'launched', before 'collecting'")
        // The deadline is the end of 2024-05-31 in Ho Chi Minh City: 2024-05-31T17:00Z.
        #expect(campaign.timers.contains { $0.source == .step(name: "deadline") && $0.due == 1_717_174_800 })
        for id in ["x", "y", "z"] {
            campaign = try engine.apply(Self.clip(id), to: campaign, at: Self.may1 + Self.day).campaign
        }
        #expect(campaign.state == "review")
        #expect(campaign.metrics == ["clips": 3, "minutes": 9])
        for (member, scores) in [("a", [90.0, 70, 50]), ("b", [80.0, 75, 50])] {
            let sheet = ScoreSheet(
                member: member, lines: zip(["x", "y", "z"], scores).map { ScoreSheet.Line(entry: $0, values: [$1]) })
            campaign = try engine.apply(.scores(sheet), to: campaign, at: Self.may1 + 2 * Self.day).campaign
        }
        #expect(campaign.state == "review", "c has not scored and the window is open")
        let window = try #require(engine.dueTimers(of: campaign, at: Self.may1 + 9 * Self.day).first)
        campaign = try engine.apply(.timer(id: window.id), to: campaign, at: Self.may1 + 9 * Self.day).campaign
        #expect(campaign.state == "closed" && campaign.status == .finished)
        #expect(campaign.awards.map(\.entry) == ["x", "y", "z"])
        #expect(campaign.awards.map(\.tier) == ["first", "second", "second"])
        #expect(campaign.awards.map(\.total) == [170, 145, 100])
        #expect(campaign.timers.isEmpty)
        #expect(campaign.transitions.map(\.to) == ["draft", "launched", "collecting", "review", "awards", "closed"])
    }

    @Test(
        "refused events say why and change nothing",
        arguments: [
            (
                CampaignEvent.submit(Entry(id: "x", kind: "clip", fields: ["title": .text("t")])),
                "state 'draft' accepts no entries"
            ),
            (.command("lunch"), "'lunch' is not an event of 'contest' (did you mean 'launch'?)"),
            (.command("remind"), "state 'draft' does not take the event 'remind'; it takes 'launch' or 'cancel'"),
            (.scores(ScoreSheet(member: "a", lines: [])), "state 'draft' takes no scores"),
            (.report(metric: "clip", amount: 1), "there is no metric 'clip' (did you mean 'clips'?)"),
            (.timer(id: 99), "timer 99 is not armed: it fired already, or its state was left"),
        ])
    func refusals(_ event: CampaignEvent, _ reason: String) throws {
        let engine = try Self.engine()
        let campaign = try engine.start(id: "c1", at: Self.may1).campaign
        #expect(throws: Refusal(reason)) { try engine.apply(event, to: campaign, at: Self.may1 + 1) }
    }

    @Test("entries given at the start are submitted as events would be, and refused the same way")
    func entriesAtStart() throws {
        let engine = try Self.engine()
        #expect(throws: Refusal("state 'draft' accepts no entries")) {
            try engine.start(
                id: "c", entries: [Entry(id: "x", kind: "clip", fields: ["title": .text("t")])], at: Self.may1)
        }
        let started = try engine.start(id: "c", at: Self.may1).campaign
        #expect(started.entries.isEmpty && started.eventCount == 0)
    }

    @Test("entries are checked against their kind")
    func entryChecks() throws {
        let engine = try Self.engine()
        let campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        #expect(throws: Refusal("field 'title' is required")) {
            try engine.apply(.submit(Entry(id: "x", kind: "clip")), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("entries of kind 'clip' have no field 'titel' (did you mean 'title'?)")) {
            try engine.apply(
                .submit(Entry(id: "x", kind: "clip", fields: ["titel": .text("t")])), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("field 'minutes' must be number, not 'long'")) {
            try engine.apply(
                .submit(Entry(id: "x", kind: "clip", fields: ["title": .text("t"), "minutes": .text("long")])),
                to: campaign, at: Self.may1)
        }
        let once = try engine.apply(Self.clip("x"), to: campaign, at: Self.may1).campaign
        #expect(throws: Refusal("an entry with id 'x' was already submitted")) {
            try engine.apply(Self.clip("x"), to: once, at: Self.may1)
        }
    }

    @Test("a member scores only in their council, within the rubric")
    func scoreChecks() throws {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        for id in ["x", "y", "z"] { campaign = try engine.apply(Self.clip(id), to: campaign, at: Self.may1).campaign }
        #expect(throws: Refusal("'mallory' is not a member of council 'jury'")) {
            try engine.apply(
                .scores(ScoreSheet(member: "mallory", lines: [.init(entry: "x", values: [50])])), to: campaign,
                at: Self.may1)
        }
        #expect(throws: Refusal("the score 101 for 'score' of entry 'x' is outside 0 to 100")) {
            try engine.apply(
                .scores(ScoreSheet(member: "a", lines: [.init(entry: "x", values: [101])])), to: campaign, at: Self.may1
            )
        }
        #expect(throws: Refusal("there is no entry 'w' under review")) {
            try engine.apply(
                .scores(ScoreSheet(member: "a", lines: [.init(entry: "w", values: [1])])), to: campaign, at: Self.may1)
        }
    }

    @Test("a member never scores an entry of their own unit; their place on it takes the others' mean")
    func ownUnitExcluded() throws {
        var engine = try Self.engineWithUnits()
        engine.organisation = Organisation(
            levels: ["grassroots"],
            units: [
                Organisation.Unit(id: "u1", name: "Unit 1", level: "grassroots"),
                Organisation.Unit(id: "u2", name: "Unit 2", level: "grassroots"),
            ],
            people: [
                Organisation.Person(id: "a", name: "A", unit: "u1"),
                Organisation.Person(id: "b", name: "B", unit: "u2"),
            ])
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        for (id, unit) in [("x", "u1"), ("y", "u2"), ("z", "u1")] {
            let entry = Entry(id: id, kind: "clip", unit: unit, fields: ["title": .text("Clip \(id)")])
            campaign = try engine.apply(.submit(entry), to: campaign, at: Self.may1).campaign
        }
        #expect(campaign.state == "review")
        func sheet(_ member: String, _ scores: [(String, Double)]) -> CampaignEvent {
            .scores(ScoreSheet(member: member, lines: scores.map { .init(entry: $0.0, values: [$0.1]) }))
        }
        #expect(throws: Refusal("'a' may not score entry 'x': it comes from their own unit 'u1' (exclude-own-unit)")) {
            try engine.apply(sheet("a", [("x", 50), ("y", 60)]), to: campaign, at: Self.may1)
        }
        // a (u1) scores y only, b (u2) scores x and z, c (no unit) scores all: every sheet is complete.
        campaign = try engine.apply(sheet("a", [("y", 60)]), to: campaign, at: Self.may1).campaign
        campaign = try engine.apply(sheet("b", [("x", 40), ("z", 80)]), to: campaign, at: Self.may1).campaign
        #expect(campaign.state == "review")
        campaign = try engine.apply(sheet("c", [("x", 70), ("y", 90), ("z", 20)]), to: campaign, at: Self.may1).campaign
        #expect(campaign.state == "closed")
        let scores = Dictionary(uniqueKeysWithValues: campaign.entries.map { ($0.id, $0.score) })
        #expect(scores["x"] == EntryScore(total: 165, reviews: 2))  // 40 + 70, and a's place: 55
        #expect(scores["y"] == EntryScore(total: 225, reviews: 2))  // 60 + 90, and b's place: 75
        #expect(scores["z"] == EntryScore(total: 150, reviews: 2))  // 80 + 20, and a's place: 50
        #expect(campaign.awards.map(\.entry) == ["y", "x", "z"])

        // With exclude-own-unit: false the same sheet is taken.
        var open = try Self.engine(
            Self.workflowText.replacingOccurrences(
                of: "with: { council: jury, window: P7D }",
                with: "with: { council: jury, window: P7D, exclude-own-unit: false }"
            )
            .replacingOccurrences(
                of: "minutes: { type: number } }", with: "minutes: { type: number }, unit: { type: unit } }"))
        open.organisation = engine.organisation
        var other = try open.apply(
            .command("launch"), to: try open.start(id: "c", at: Self.may1).campaign, at: Self.may1
        ).campaign
        for (id, unit) in [("x", "u1"), ("y", "u2"), ("z", "u1")] {
            other = try open.apply(
                .submit(Entry(id: id, kind: "clip", unit: unit, fields: ["title": .text(id)])), to: other,
                at: Self.may1
            ).campaign
        }
        other = try open.apply(sheet("a", [("x", 50), ("y", 60), ("z", 1)]), to: other, at: Self.may1).campaign
        #expect(other.state == "review")
    }

    @Test("a timer of a state that was left never fires, and a timer fires once")
    func timersOfLeftStates() throws {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        let deadline = try #require(campaign.timers.first { $0.source == .step(name: "deadline") })
        for id in ["x", "y", "z"] { campaign = try engine.apply(Self.clip(id), to: campaign, at: Self.may1).campaign }
        #expect(campaign.state == "review")
        #expect(throws: Refusal("timer \(deadline.id) is not armed: it fired already, or its state was left")) {
            try engine.apply(.timer(id: deadline.id), to: campaign, at: deadline.due + 1)
        }
        let window = try #require(campaign.timers.first)
        #expect(throws: Refusal("timer \(window.id) is not due until 2024-05-08 00:00")) {
            try engine.apply(.timer(id: window.id), to: campaign, at: window.due - 1)
        }
        let fired = try engine.apply(.timer(id: window.id), to: campaign, at: window.due).campaign
        #expect(fired.state == "cancelled", "nobody scored: no quorum")
        #expect(throws: Refusal.self) { try engine.apply(.timer(id: window.id), to: fired, at: window.due) }
    }

    @Test("a deadline takes the first guarded branch that holds")
    func guardedDeadline() throws {
        let engine = try Self.engine()
        for (clips, expected) in [(2, "review"), (1, "cancelled")] {
            var campaign = try engine.apply(
                .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
                at: Self.may1
            ).campaign
            for index in 0..<clips {
                campaign = try engine.apply(Self.clip("e\(index)"), to: campaign, at: Self.may1).campaign
            }
            let deadline = try #require(campaign.timers.first { $0.source == .step(name: "deadline") })
            campaign = try engine.apply(.timer(id: deadline.id), to: campaign, at: deadline.due).campaign
            #expect(campaign.state == expected)
        }
    }

    @Test("a repeating state timer sends its event to the step and is armed again")
    func reminders() throws {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        let reminder = try #require(campaign.timers.first { $0.source == .state(index: 0) })
        #expect(engine.calendar.format(reminder.due) == "2024-05-06 08:00")
        let applied = try engine.apply(.timer(id: reminder.id), to: campaign, at: reminder.due)
        campaign = applied.campaign
        #expect(
            applied.effects == [
                .notify(audience: "participants", message: "remind: clips 0 of 3", channels: ["notice"])
            ])
        let next = try #require(campaign.timers.first { $0.source == .state(index: 0) })
        #expect(engine.calendar.format(next.due) == "2024-05-13 08:00")
    }

    /// A launched campaign with three clips under review, scored by one member.
    static func scoredCampaign() throws -> Campaign {
        let engine = try Self.engine()
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        for id in ["x", "y", "z"] { campaign = try engine.apply(Self.clip(id), to: campaign, at: Self.may1).campaign }
        let lines: [ScoreSheet.Line] = [
            .init(entry: "x", values: [7]), .init(entry: "y", values: [42]), .init(entry: "z", values: [0]),
        ]
        return try engine.apply(.scores(ScoreSheet(member: "a", lines: lines)), to: campaign, at: Self.may1).campaign
    }

    @Test("the encoded campaign decodes to an equal campaign, byte for byte, its entries from their rows")
    func codecRoundTrip() throws {
        let codec = CampaignCodec(registry: Self.registry)
        let campaign = try Self.scoredCampaign()
        let bytes = try codec.encode(campaign)
        let decoded = try codec.storedAndRead(campaign)
        #expect(decoded == campaign)
        #expect(try codec.encode(decoded) == bytes)
        #expect(try codec.storedForm(of: decoded) == codec.storedForm(of: campaign))
        #expect(throws: CampaignCodec.CorruptData.self) { try codec.decode(Array(bytes.dropLast())) }
        #expect(throws: CampaignCodec.CorruptData.self) { try codec.decode(Array("{}".utf8)) }
    }

    @Test("every truncation of a campaign or an entry is refused, and any one damaged byte is refused or reads back")
    func codecDamage() throws {
        // The reader goes through a pointer: this walks it over every end and every byte value
        // it might meet, which must end in an error or a value, never a read out of bounds.
        let codec = CampaignCodec(registry: Self.registry)
        for campaign in [try Self.scoredCampaign(), try Self.awardedCampaign()] {
            for bytes in try codec.storedForm(of: campaign) {
                let isEntry = bytes.prefix(3) != [0x4C, 0x43, 0x42]
                func read(_ bytes: [UInt8]) throws {
                    var entries: [Entry] = []
                    if isEntry {
                        try CampaignCodec.decodeEntries(bytes[...], count: campaign.entries.count, into: &entries)
                    } else {
                        _ = try codec.decode(bytes)
                    }
                }
                for length in 0..<bytes.count {
                    #expect(throws: CampaignCodec.CorruptData.self) { try read(Array(bytes[..<length])) }
                }
                for position in (isEntry ? 0 : 4)..<bytes.count {
                    for value: UInt8 in [0, 1, 0x7F, 0x80, 0xFF] where value != bytes[position] {
                        var damaged = bytes
                        damaged[position] = value
                        try? read(damaged)
                    }
                }
            }
        }
    }

    @Test("a campaign reads back with its entries unloaded, known by count and kinds; a save writes only what changed")
    func unloadedEntries() throws {
        let engine = try Self.engine(
            Self.workflowText.replacingOccurrences(of: "target: 3", with: "target: 10").replacingOccurrences(
                of: "minutes: { type: number } }", with: "minutes: { type: number }, unit: { type: unit } }"))
        let codec = CampaignCodec(registry: Self.registry)
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        for id in ["x", "y"] {
            campaign = try engine.apply(
                .submit(
                    Entry(
                        id: id, kind: "clip", unit: "u-\(id)", submittedBy: "p",
                        fields: ["minutes": .number(-0.0), "title": .text("Clip \(id) — Hà Nội")])),
                to: campaign, at: Self.may1
            ).campaign
        }
        #expect(campaign.entries.pendingRows == .replace(campaign.entries.array), "a new campaign writes every row")
        let bytes = try codec.encode(campaign)
        let unloaded = try codec.decode(bytes)
        #expect(!unloaded.entries.isLoaded && unloaded.entries.count == 2 && unloaded.entries.kinds == ["clip"])
        #expect(try codec.encode(unloaded) == bytes)
        #expect(unloaded.entries.pendingRows == .append(after: 2, []))

        // A submission to the unloaded campaign: the step (a phase target) reads no entries, so
        // none are read, and the save writes the one row.
        let submitted = try engine.apply(
            .submit(Entry(id: "z", kind: "clip", fields: ["title": .text("z")])), to: unloaded, at: Self.may1
        ).campaign
        #expect(!submitted.entries.isLoaded && submitted.entries.count == 3)
        guard case .append(after: 2, let appended) = submitted.entries.pendingRows, appended.map(\.id) == ["z"] else {
            Issue.record("the submission's save: \(submitted.entries.pendingRows)")
            return
        }
        // A withdrawal reads the entries: the engine asks for them and changes nothing.
        do {
            _ = try engine.apply(.withdraw(entry: "x"), to: submitted, at: Self.may1)
            Issue.record("a withdrawal from an unloaded campaign was applied")
        } catch {
            #expect(error.needsEntries)
        }
        var loaded = submitted
        try loaded.loadEntries(campaign.entries.array)
        #expect(
            loaded.entries.map(\.id) == ["x", "y", "z"] && loaded.entries.pendingRows == .append(after: 2, appended))
        let withdrawn = try engine.apply(.withdraw(entry: "x"), to: loaded, at: Self.may1).campaign
        #expect(withdrawn.entries.pendingRows == .replace(withdrawn.entries.array), "a removal replaces the rows")
        #expect(withdrawn.entries.map(\.id) == ["y", "z"])
        var scored = loaded
        scored.entries[0].score = EntryScore(total: 1, reviews: 1)
        #expect(scored.entries.pendingRows == .update(count: 2, scored.entries.array), "a result updates the rows")

        // Version 1 wrote the entries without the block length: version 2's bytes less those four.
        let version2 = try #require(
            Data(base64Encoded: TestWorkflows.contestVersion2Document.replacingOccurrences(of: "\n", with: "")))
        let firstEntry = try #require(version2.firstRange(of: Data([1, UInt8(ascii: "x"), 4] + Array("clip".utf8))))
        var version1 = Array(version2[..<(firstEntry.lowerBound - 4)]) + Array(version2[firstEntry.lowerBound...])
        version1[3] = 1
        let old = try codec.decode(version1)
        let awarded = try Self.awardedCampaign()
        #expect(old == awarded && old.entries.isLoaded)
        #expect(
            try codec.storedForm(of: old) == codec.storedForm(of: awarded),
            "a version 1 campaign is saved as version 5, its entries as rows")
    }

    @Test("a review opens on a campaign whose entries were not read, and its first scores ask for them")
    func reviewOpensUnloaded() throws {
        let engine = try Self.engine()
        let codec = CampaignCodec(registry: Self.registry)
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign, at: Self.may1
        ).campaign
        for id in ["x", "y"] { campaign = try engine.apply(Self.clip(id), to: campaign, at: Self.may1).campaign }
        let unloaded = try codec.decode(try codec.encode(campaign))
        // The third clip reaches the target: council-review opens on the entries' kinds alone.
        let opened = try engine.apply(Self.clip("z"), to: unloaded, at: Self.may1).campaign
        #expect(opened.state == "review" && !opened.entries.isLoaded && opened.entries.count == 3)
        #expect(opened.timers.contains { $0.source == .step(name: "window") })
        let sheet = ScoreSheet(member: "a", lines: ["x", "y", "z"].map { .init(entry: $0, values: [5]) })
        do {
            _ = try engine.apply(.scores(sheet), to: opened, at: Self.may1)
            Issue.record("scores were recorded on a campaign whose entries were not read")
        } catch {
            #expect(error.needsEntries)
        }
        var loaded = opened
        try loaded.loadEntries(campaign.entries.array)
        let scored = try engine.apply(.scores(sheet), to: loaded, at: Self.may1).campaign
        let direct = try engine.apply(
            .scores(sheet), to: try engine.apply(Self.clip("z"), to: campaign, at: Self.may1).campaign, at: Self.may1
        ).campaign
        #expect(scored == direct, "opening the review without the entries changes nothing it decides")
    }

    @Test("a campaign with entries in many chunks takes scores and entries after a load, and saves them")
    func manyEntries() throws {
        let engine = try Self.engine(Self.workflowText.replacingOccurrences(of: "target: 3", with: "target: 601"))
        let codec = CampaignCodec(registry: Self.registry)
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign,
            at: Self.may1
        ).campaign
        for number in 0..<600 {
            campaign = try engine.apply(Self.clip("x\(number)"), to: campaign, at: Self.may1).campaign
        }
        var loaded = try codec.storedAndRead(campaign)
        #expect(loaded == campaign)
        let before = loaded
        loaded = try engine.apply(Self.clip("late"), to: loaded, at: Self.may1).campaign
        #expect(loaded.state == "review" && loaded.entries.count == 601 && loaded.entries.last?.id == "late")
        // A whole sheet, starting with entries in the third and the first chunk, out of order.
        let rest = loaded.entries.map(\.id).filter { $0 != "x590" && $0 != "x3" }.map {
            ScoreSheet.Line(entry: $0, values: [1])
        }
        loaded = try engine.apply(
            .scores(
                ScoreSheet(
                    member: "a", lines: [.init(entry: "x590", values: [9]), .init(entry: "x3", values: [8])] + rest)),
            to: loaded, at: Self.may1
        ).campaign
        #expect(before.entries.count == 600 && before == campaign, "the campaign an event was applied to is unchanged")
        let again = try codec.storedAndRead(loaded)
        #expect(again == loaded)
        #expect(again.entries.map(\.id) == (0..<600).map { "x\($0)" } + ["late"])
        #expect(again.metrics["clips"] == 601)
    }

    /// One generated event: which kind of event, how long after the previous one, and a number
    /// that picks its details (the command, the member, the score, the timer id).
    struct GeneratedStep: Sendable, CustomStringConvertible {
        var kind: Int
        var delay: Int
        var pick: Int
        var description: String { "(\(kind), \(delay)s, \(pick))" }
    }

    /// Up to 60 events; shrinking cuts a failing sequence down to the few events that matter.
    static let generatedSequences = zip(Gen.int(in: 0...6), Gen.int(in: 0...(3 * 86_400)), Gen.int(in: 0...1_000))
        .map { GeneratedStep(kind: $0, delay: $1, pick: $2) }
        .array(of: 1...60)

    @Test(
        "random event sequences: known states only, no timer of a left state or fired twice, replay gives the same bytes"
    )
    func randomSequences() async {
        await propertyCheck(count: 200, input: Self.generatedSequences) { steps in
            try Self.checkSequence(steps)
        }
    }

    static func checkSequence(_ steps: [GeneratedStep]) throws {
        let engine = try Self.engine()
        let codec = CampaignCodec(registry: Self.registry)
        var now = Self.may1
        var campaign = try engine.start(id: "r", at: now).campaign
        var accepted: [(CampaignEvent, Instant)] = []
        var firedTimers: Set<Int> = []
        let stateNames = Set(engine.workflow.states.map(\.name))
        for (number, step) in steps.enumerated() where campaign.status == .running {
            now += Instant(step.delay)
            let event: CampaignEvent
            switch step.kind {
            case 0: event = .command(["launch", "cancel", "remind"][step.pick % 3])
            case 1, 2: event = Self.clip("e\(number)", minutes: Double(step.pick % 10))
            case 3: event = .report(metric: "clips", amount: Double(step.pick % 2))
            case 4:
                let member = ["a", "b", "c", "d"][step.pick % 4]
                let lines = campaign.entries.map {
                    ScoreSheet.Line(entry: $0.id, values: [Double((step.pick + $0.id.count) % 120)])
                }
                event = .scores(ScoreSheet(member: member, lines: lines))
            default:
                // A due timer, or a stale or unknown id.
                let due = engine.dueTimers(of: campaign, at: now)
                event = .timer(id: due.first?.id ?? step.pick % 20)
            }
            let before = campaign
            do {
                let applied = try engine.apply(event, to: campaign, at: now)
                if case .timer(let id) = event {
                    #expect(firedTimers.insert(id).inserted, "timer \(id) fired twice")
                    #expect(before.timers.contains { $0.id == id }, "a timer fired that was not armed")
                }
                campaign = applied.campaign
                accepted.append((event, now))
            } catch {
                #expect(campaign == before, "a refused event changed the campaign")
            }
            #expect(stateNames.contains(campaign.state))
            let state = try #require(engine.workflow.state(named: campaign.state))
            for timer in campaign.timers {
                switch timer.source {
                case .state(let index): #expect(index < state.timers.count, "a timer of another state is armed")
                case .step: #expect(state.step != nil, "a step timer is armed in a state without a step")
                }
            }
        }
        var replayed = try engine.start(id: "r", at: Self.may1).campaign
        for (event, instant) in accepted { replayed = try engine.apply(event, to: replayed, at: instant).campaign }
        #expect(try codec.storedForm(of: replayed) == codec.storedForm(of: campaign))
    }
}

extension EngineTests {
    /// The campaign of `lifecycle()`, with a half point in one score so a total is not whole.
    static func awardedCampaign() throws -> Campaign {
        let engine = try engine()
        var campaign = try engine.start(id: "c1", at: may1).campaign
        campaign = try engine.apply(.command("launch"), to: campaign, at: may1 + 3600).campaign
        for id in ["x", "y", "z"] { campaign = try engine.apply(clip(id), to: campaign, at: may1 + day).campaign }
        for (member, scores) in [("a", [90.5, 70, 50]), ("b", [80.0, 75, 50])] {
            let sheet = ScoreSheet(
                member: member, lines: zip(["x", "y", "z"], scores).map { ScoreSheet.Line(entry: $0, values: [$1]) })
            campaign = try engine.apply(.scores(sheet), to: campaign, at: may1 + 2 * day).campaign
        }
        let window = try #require(engine.dueTimers(of: campaign, at: may1 + 9 * day).first)
        return try engine.apply(.timer(id: window.id), to: campaign, at: may1 + 9 * day).campaign
    }

    @Test("numbers are compact since version 3; a version 2 campaign still reads, and is saved as version 5")
    func compactNumbers() throws {
        let codec = CampaignCodec(registry: Self.registry)
        let campaign = try Self.awardedCampaign()
        #expect(campaign.awards.map(\.total) == [170.5, 145, 100] && campaign.metrics == ["clips": 3, "minutes": 9])
        let bytes = try codec.storedForm(of: campaign).joined().map { $0 }
        #expect(bytes[3] == 5)
        let version2 = try #require(
            Data(base64Encoded: TestWorkflows.contestVersion2Document.replacingOccurrences(of: "\n", with: "")))
        #expect(version2[3] == 2)
        #expect(bytes.count < version2.count - 100, "\(bytes.count) bytes, against \(version2.count) in version 2")

        let old = try codec.decode(Array(version2))
        #expect(old == campaign)
        #expect(
            old.entries.array == campaign.entries.array,
            "the entries block of version 2 decodes with eight-byte numbers")
        #expect(
            try codec.storedForm(of: old).joined().map { $0 } == bytes,
            "a version 2 campaign is saved as version 5, its entries as rows")
        #expect(try codec.storedAndRead(campaign) == campaign)

        // Every kind of number round-trips, in entries, awards, metrics and transitions alike.
        var numbers = campaign
        let values: [Double] = [
            0, -0.0, 1, -1, 170.5, 1e300, -3.25, Double(1 << 52), Double(1 << 52) - 1, -Double(1 << 52) + 1,
            .infinity, -.infinity, .leastNonzeroMagnitude,
        ]
        for (index, value) in values.enumerated() {
            numbers.entries.append(
                Entry(
                    id: "n\(index)", kind: "clip", fields: ["minutes": .number(value), "title": .text("n")],
                    score: EntryScore(total: value, reviews: 1, tieBreakers: [value, 2])))
            numbers.metrics["m\(index)"] = value
        }
        let decoded = try codec.storedAndRead(numbers)
        for (index, value) in values.enumerated() {
            let entry = decoded.entries[campaign.entries.count + index]
            for read in [
                entry.fields["minutes"]?.number, entry.score?.total, entry.score?.tieBreakers.first,
                decoded.metrics["m\(index)"],
            ] {
                #expect(read?.bitPattern == value.bitPattern, "\(value) read back as \(String(describing: read))")
            }
        }
        #expect(try codec.storedForm(of: decoded) == codec.storedForm(of: numbers))
    }

    @Test("short strings read back as written, and ill-formed UTF-8 in one is repaired as in a long one")
    func shortStrings() throws {
        let codec = CampaignCodec(registry: Self.registry)
        var campaign = try Self.awardedCampaign()
        campaign.entries.append(Entry(id: "Hà", kind: "clip", fields: ["title": .text("Hội thi — vòng chung kết")]))
        let bytes = try #require(try codec.storedForm(of: campaign).last)
        let decoded = try codec.storedAndRead(campaign)
        #expect(
            decoded.entries.last?.id == "Hà"
                && decoded.entries.last?.fields["title"] == .text("Hội thi — vòng chung kết"))

        // "Hà" is 48 C3 A0 after its length; C3 followed by 41 is ill-formed, in a short and a long string alike.
        var damaged = bytes
        let short = try #require(bytes.firstRange(of: [3, 0x48, 0xC3, 0xA0]))
        damaged[short.upperBound - 1] = 0x41
        let long = try #require(bytes.firstRange(of: Array("Hội".utf8)))
        damaged[long.lowerBound + 2] = 0x41
        var read: [Entry] = []
        try CampaignCodec.decodeEntries(damaged[...], count: campaign.entries.count, into: &read)
        let repaired = read.last
        #expect(repaired?.id == String(decoding: [0x48, 0xC3, 0x41], as: UTF8.self))
        #expect(
            repaired?.fields["title"]?.text
                == String(
                    decoding: Array("Hội thi — vòng chung kết".utf8).enumerated().map {
                        $0.offset == 2 ? 0x41 : $0.element
                    },
                    as: UTF8.self))
    }
}

extension EngineTests {
    @Test(
        "an entry's unit and people are checked against the organisation data, with the closest id; its id has a form")
    func valuesChecked() throws {
        var engine = try Self.engine(
            Self.workflowText.replacingOccurrences(
                of: "minutes: { type: number } }",
                with: "minutes: { type: number }, unit: { type: unit }, by: { type: person }, link: { type: url } }"))
        engine.organisation = Organisation(
            levels: ["grassroots"], units: [Organisation.Unit(id: "cd-my-dinh", name: "Mỹ Đình", level: "grassroots")],
            people: [Organisation.Person(id: "nguyen-van-an", name: "Nguyễn Văn An", unit: "cd-my-dinh")])
        let campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: Self.may1).campaign, at: Self.may1
        ).campaign
        func clip(_ id: String, _ fields: NamedValues<Value>) -> CampaignEvent {
            var all: NamedValues<Value> = ["title": .text("Clip")]
            for pair in fields.pairs { all[pair.name] = pair.value }
            return .submit(Entry(id: id, kind: "clip", fields: all))
        }
        #expect(
            throws: Refusal(
                "field 'unit': there is no unit 'cd-my-dhin' in the organisation data (did you mean 'cd-my-dinh'?); 'laurel org list' shows the units"
            )
        ) {
            try engine.apply(clip("a", ["unit": .text("cd-my-dhin")]), to: campaign, at: Self.may1)
        }
        #expect(
            throws: Refusal(
                "field 'by': there is no person 'nguyen-van-a' in the organisation data (did you mean 'nguyen-van-an'?); 'laurel org list --people' shows them"
            )
        ) {
            try engine.apply(clip("a", ["by": .text("nguyen-van-a")]), to: campaign, at: Self.may1)
        }
        #expect(
            throws: Refusal("field 'link' must be a web address starting with http:// or https://, not 'not-a-url'")
        ) {
            try engine.apply(clip("a", ["link": .text("not-a-url")]), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("field 'title' is required, so it may not be empty")) {
            try engine.apply(
                .submit(Entry(id: "a", kind: "clip", fields: ["title": .text("  ")])), to: campaign, at: Self.may1)
        }
        #expect(throws: Refusal("the entry id 'a b' contains a space; an id is letters, digits, '-', '_' and '.'")) {
            try engine.apply(clip("a b", [:]), to: campaign, at: Self.may1)
        }
        let fine = try engine.apply(
            clip(
                "Đề-án.1",
                [
                    "unit": .text("cd-my-dinh"), "by": .text("nguyen-van-an"),
                    "link": .text("https://video.example.vn/1"),
                ]),
            to: campaign, at: Self.may1)
        #expect(fine.campaign.entries.first?.unit == "cd-my-dinh", "the field of type unit is the entry's unit")
    }
}
