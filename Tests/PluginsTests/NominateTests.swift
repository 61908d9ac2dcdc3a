import LaurelCore
import NominatePlugin
import Testing

/// Nominations within quotas: a number, a share of each unit's head count, numbers per level;
/// and the top-ranked choice after a review.
@Suite struct NominateTests {
    static func workflow(_ with: String) -> String {
        """
        laurel: 1
        id: good-worker
        title: Good Worker
        timezone: Asia/Ho_Chi_Minh
        entries:
          nomination: { fields: { name: { type: text, required: true }, unit: { type: unit } } }
        events:
          open: {}
          collect: {}
        councils:
          jury: { members: [a], quorum: 1 }
        initial: draft
        states:
          draft:
            on: { open: nominating, collect: collecting }
          collecting:
            accepts: [nomination]
            on: { open: review }
          review:
            step: council-review
            with: { council: jury, window: P7D }
            on: { reviewed: nominating, no-quorum: closed }
          nominating:
            step: nominate
            accepts: [nomination]
            with: \(with)
            on:
              nominated:
                - if: outcome.nominated > 0
                  goto: closed
                - goto: empty
          closed: { final: true }
          empty: { final: true }
        """
    }

    static let may1: Instant = 1_714_496_400

    /// A district of two grassroots unions (10 and 20 direct production workers) and a company
    /// union at district level.
    static let organisation = Organisation(
        levels: ["district", "grassroots"],
        units: [
            Organisation.Unit(id: "d", name: "District", level: "district", counts: ["direct-production-workers": 100]),
            Organisation.Unit(
                id: "g1", name: "Grassroots 1", parent: "d", level: "grassroots",
                counts: ["direct-production-workers": 10]),
            Organisation.Unit(
                id: "g2", name: "Grassroots 2", parent: "d", level: "grassroots",
                counts: ["direct-production-workers": 20]),
        ])

    static func engine(_ with: String) throws -> Engine {
        var engine = try EngineTests.engine(workflow(with))
        engine.organisation = organisation
        return engine
    }

    static func nomination(_ id: String, unit: String?) -> CampaignEvent {
        .submit(Entry(id: id, kind: "nomination", unit: unit, fields: ["name": .text("Nguyễn Văn \(id)")]))
    }

    @Test("shares read as written and round the limit down")
    func shares() throws {
        let share = try ShareQuota(parsing: "30.6% of direct-production-workers")
        #expect(share.description == "30.6% of direct-production-workers")
        #expect(share.limit(of: 21_853) == 6_687)  // 6,687.018: Nam Từ Liêm's 6,687 Good Workers fit
        #expect(share.limit(of: 10) == 3)
        #expect(try ShareQuota(parsing: "15% of good-workers").limit(of: 6_687) == 1_003)
        #expect(throws: ShareQuota.ParseError.self) { try ShareQuota(parsing: "30.6 of workers") }
        #expect(throws: ShareQuota.ParseError.self) { try ShareQuota(parsing: "130% of workers") }
        #expect(throws: ShareQuota.ParseError.self) { try ShareQuota(parsing: "30.6125% of workers") }
    }

    @Test("a nomination that breaks the unit's share or the level's number is refused with the reason")
    func quotasRefuse() throws {
        let engine = try Self.engine(
            "{ share: 30.6% of direct-production-workers, per-level: [{ level: grassroots, count: 5 }], until: 2024-05-31 }"
        )
        var campaign = try engine.apply(
            .command("open"), to: try engine.start(id: "n", at: Self.may1).campaign, at: Self.may1
        ).campaign
        for index in 1...3 {
            campaign = try engine.apply(Self.nomination("a\(index)", unit: "g1"), to: campaign, at: Self.may1).campaign
        }
        #expect(
            throws: Refusal(
                "unit 'g1' may nominate at most 3 (30.6% of its 10 direct-production-workers); it has nominated 3")
        ) {
            try engine.apply(Self.nomination("a4", unit: "g1"), to: campaign, at: Self.may1)
        }
        for index in 1...2 {
            campaign = try engine.apply(Self.nomination("b\(index)", unit: "g2"), to: campaign, at: Self.may1).campaign
        }
        #expect(throws: Refusal("at most 5 nomination(s) may come from units of level 'grassroots', and 5 have")) {
            try engine.apply(Self.nomination("b3", unit: "g2"), to: campaign, at: Self.may1)
        }
        #expect(
            throws: Refusal("nomination 'x' names no unit, and the quota is counted per unit: give the entry's unit")
        ) {
            try engine.apply(Self.nomination("x", unit: nil), to: campaign, at: Self.may1)
        }
        #expect(
            throws: Refusal(
                "field 'unit': there is no unit 'nowhere' in the organisation data; 'laurel org list' shows the units")
        ) {
            try engine.apply(Self.nomination("y", unit: "nowhere"), to: campaign, at: Self.may1)
        }
        // A withdrawal frees its place.
        campaign = try engine.apply(.withdraw(entry: "b2"), to: campaign, at: Self.may1).campaign
        campaign = try engine.apply(Self.nomination("b3", unit: "g2"), to: campaign, at: Self.may1).campaign
        // The deadline closes nominations with the count.
        let close = try #require(campaign.timers.first)
        let closed = try engine.apply(.timer(id: close.id), to: campaign, at: close.due)
        #expect(closed.campaign.state == "closed")
        #expect(closed.campaign.entries.map(\.id) == ["a1", "a2", "a3", "b1", "b3"])
    }

    @Test("a full number quota closes nominations at once")
    func quotaFills() throws {
        let engine = try Self.engine("{ quota: 2, window: P30D }")
        var campaign = try engine.apply(
            .command("open"), to: try engine.start(id: "n", at: Self.may1).campaign, at: Self.may1
        ).campaign
        campaign = try engine.apply(Self.nomination("a", unit: nil), to: campaign, at: Self.may1).campaign
        #expect(campaign.state == "nominating")
        campaign = try engine.apply(Self.nomination("b", unit: nil), to: campaign, at: Self.may1).campaign
        #expect(campaign.state == "closed")
    }

    @Test("top-ranked takes the best scored while the quotas allow; the rest lose their score")
    func topRanked() throws {
        let engine = try Self.engine("{ select: top-ranked, quota: 3, share: 10% of direct-production-workers }")
        var campaign = try engine.apply(
            .command("collect"), to: try engine.start(id: "n", at: Self.may1).campaign, at: Self.may1
        ).campaign
        for (id, unit) in [("a", "g1"), ("b", "g1"), ("c", "g2"), ("d", "g2"), ("e", "g2"), ("f", "d")] {
            campaign = try engine.apply(Self.nomination(id, unit: unit), to: campaign, at: Self.may1).campaign
        }
        campaign = try engine.apply(.command("open"), to: campaign, at: Self.may1).campaign
        let scores: [(String, Double)] = [("a", 90), ("b", 80), ("c", 70), ("d", 95), ("e", 60), ("f", 10)]
        let sheet = ScoreSheet(member: "a", lines: scores.map { .init(entry: $0.0, values: [$0.1]) })
        let applied = try engine.apply(.scores(sheet), to: campaign, at: Self.may1)
        #expect(applied.campaign.state == "closed")
        // In order d 95 (g2: 1 of 2), a 90 (g1: 1 of 1), b 80 (g1 full), c 70 (g2: 2 of 2): quota 3 reached.
        let kept = applied.campaign.entries.filter { $0.score != nil }.map(\.id)
        #expect(kept == ["a", "c", "d"])
        let transition = try #require(applied.transitions.last)
        #expect(transition.cause == "outcome nominated")
    }

    @Test("a share of one unit's head count limits all nominations together and closes them when full")
    func sharedScope() throws {
        var engine = try Self.engine("{ share: 3% of direct-production-workers, share-scope: d, window: P30D }")
        engine.organisation = Organisation(
            levels: Self.organisation.levels,
            units: Self.organisation.units + [Organisation.Unit(id: "other", name: "Other", level: "district")])
        var campaign = try engine.apply(
            .command("open"), to: try engine.start(id: "n", at: Self.may1).campaign, at: Self.may1
        ).campaign
        #expect(throws: Refusal("the unit 'other' of nomination 'o' is not within 'd', whose quota this is")) {
            try engine.apply(Self.nomination("o", unit: "other"), to: campaign, at: Self.may1)
        }
        campaign = try engine.apply(Self.nomination("a", unit: "g1"), to: campaign, at: Self.may1).campaign
        campaign = try engine.apply(Self.nomination("b", unit: nil), to: campaign, at: Self.may1).campaign
        let full = try engine.apply(Self.nomination("c", unit: "g2"), to: campaign, at: Self.may1)
        #expect(full.campaign.state == "closed", "3% of the district's 100 is 3")
        #expect(
            full.effects == [
                .notify(
                    audience: "level-above",
                    message: "3 nomination(s) from 2 unit(s) (quota: 3% of direct-production-workers of 'd')",
                    channels: ["nominations"])
            ])
    }
}
