import AwardsCeremonyPlugin
import Foundation
import LaurelCore
import Testing

/// Prize amounts from coefficients, and budgets.
@Suite struct AwardsCeremonyTests {
    @Test(
        "a coefficient times the base is rounded up to the next 10,000 VND, in whole numbers",
        arguments: [
            (0.3, 1_800_000, 540_000),
            (1.5, 1_490_000, 2_240_000),  // 2,235,000 rounds up
            (0.1, 1_490_000, 150_000),  // 149,000 rounds up
            (0.15, 2_340_000, 360_000),  // 351,000 rounds up
            (1.0, 2_340_000, 2_340_000),  // already a multiple
            (0.001, 1_000_000, 10_000),
        ])
    func prizes(coefficient: Double, base: Int, expected: Int) {
        #expect(AwardsCeremony.prize(coefficient: coefficient, base: base, roundUpTo: 10_000) == expected)
    }

    static func workflow(_ with: String) -> String {
        EngineTests.workflowText.replacingOccurrences(
            of:
                "with: { tiers: [{ name: first, count: 1, amount: 1000000 }, { name: second, count: 2, amount: 500000 }] }",
            with: "with: \(with)")
    }

    @Test("the tiers' amounts come from coefficients; the prizes are recorded with them")
    func coefficientsAwarded() throws {
        let engine = try EngineTests.engine(
            Self.workflow(
                "{ base-amount: 1490000, budget: 3000000, tiers: [{ name: first, count: 1, coefficient: 1.0 }, { name: second, count: 2, coefficient: 0.3 }] }"
            ))
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: EngineTests.may1).campaign,
            at: EngineTests.may1
        ).campaign
        for id in ["x", "y", "z"] {
            campaign = try engine.apply(EngineTests.clip(id), to: campaign, at: EngineTests.may1).campaign
        }
        for (member, scores) in [("a", [30.0, 20, 10]), ("b", [30, 20, 10]), ("c", [30, 20, 10])] {
            let sheet = ScoreSheet(
                member: member, lines: zip(["x", "y", "z"], scores).map { .init(entry: $0, values: [$1]) })
            campaign = try engine.apply(.scores(sheet), to: campaign, at: EngineTests.may1).campaign
        }
        #expect(campaign.state == "closed")
        #expect(campaign.awards.map(\.amount) == [1_490_000, 450_000, 450_000])  // 447,000 rounded up
    }

    @Test("tiers that can exceed the budget, or mix an amount and a coefficient, are validation errors")
    func validation() {
        let validator = WorkflowValidator(registry: EngineTests.registry)
        let over = validator.validate(
            Self.workflow(
                "{ base-amount: 1490000, budget: 2000000, tiers: [{ name: first, count: 1, coefficient: 1.0 }, { name: second, count: 2, amount: 500000 }] }"
            ),
            file: "w.yaml")
        #expect(
            over.diagnostics.map(\.message) == [
                "the tiers can give 2,490,000 VND (1 x 1,490,000 + 2 x 500,000), more than the budget of 2,000,000 VND; lower the counts or amounts, or raise the budget"
            ])
        let mixed = validator.validate(
            Self.workflow(
                "{ tiers: [{ name: first, count: 1, coefficient: 1.25, amount: 5 }, { name: second, count: 2, coefficient: 0.3333 }] }"
            ),
            file: "w.yaml")
        #expect(
            mixed.diagnostics.map(\.message) == [
                "tier 'first' gives both an amount and a coefficient; keep one",
                "tier 'second' has a coefficient, so the step needs 'base-amount' (the amount it multiplies)",
                "the coefficient 0.3333 has more than three decimals",
            ])
    }

    @Test("each winner gets a certificate with its places filled in, as Markdown and escaped HTML")
    func certificates() throws {
        let engine = try EngineTests.engine(
            Self.workflow(
                "{ tiers: [{ name: first, count: 1, amount: 1000000 }, { name: second, count: 1 }], certificate: { text: \"{recipient} đạt giải {tier} (hạng {rank}, {amount} đồng) — {title}\", issuer: \"Ban Tổ chức <BTC>\" } }"
            ))
        var campaign = try engine.apply(
            .command("launch"), to: try engine.start(id: "c", at: EngineTests.may1).campaign,
            at: EngineTests.may1
        ).campaign
        for id in ["x", "y", "z"] {
            campaign = try engine.apply(EngineTests.clip(id), to: campaign, at: EngineTests.may1).campaign
        }
        var effects: [Effect] = []
        for (member, scores) in [("a", [10.0, 30, 20]), ("b", [10, 30, 20]), ("c", [10, 30, 20])] {
            let sheet = ScoreSheet(
                member: member, lines: zip(["x", "y", "z"], scores).map { .init(entry: $0, values: [$1]) })
            let applied = try engine.apply(.scores(sheet), to: campaign, at: EngineTests.may1 + 3_600)
            campaign = applied.campaign
            effects += applied.effects
        }
        let certificates = effects.compactMap { effect -> Certificate? in
            if case .certificate(let certificate) = effect { return certificate } else { return nil }
        }
        #expect(certificates.map(\.entry) == ["y", "z"])
        let first = try #require(certificates.first)
        #expect(first.recipient == "Clip y" && first.heading == "GIẤY KHEN" && first.issuedOn == "2024-05-01")
        #expect(first.text == "Clip y đạt giải first (hạng 1, 1,000,000 đồng) — Contest")
        #expect(
            first.markdown() == """
                # GIẤY KHEN

                **Clip y**

                Clip y đạt giải first (hạng 1, 1,000,000 đồng) — Contest

                - Giải / tier: first
                - Tiền thưởng / prize: 1,000,000 VND
                - Contest
                - 2024-05-01

                *Ban Tổ chức \\<BTC\\>*

                """)
        #expect(first.html().contains("<p><em>Ban Tổ chức &lt;BTC&gt;</em></p>"))
        #expect(!first.html().contains("<BTC>"))
        #expect(Certificate.safeFileName("../../etc/passwd") == "______etc_passwd~3754d6cb")
        // Two ids never share a file, whatever they hold or however long they are.
        #expect(Certificate.safeFileName("a_b") == "a_b")
        #expect(Certificate.safeFileName("a/b") != Certificate.safeFileName("a_b"))
        #expect(Certificate.safeFileName("Đề-án") == "De-an~" + String(SHA256.hex(Array("Đề-án".utf8)).prefix(8)))
        let long = String(repeating: "ữ", count: 300)
        #expect(Certificate.safeFileName(long).utf8.count <= 89)
        // Markdown from people's text reads as written.
        #expect(Escaping.markdown("# 1. *Sao* | [x](y) <b>") == "\\# 1. \\*Sao\\* \\| \\[x\\](y) \\<b\\>")
        #expect(Escaping.markdown("12. tháng") == "12\\. tháng")
    }

    @Test("a certificate text with an unknown place is a validation error naming the places")
    func certificateValidation() {
        let result = WorkflowValidator(registry: EngineTests.registry).validate(
            Self.workflow(
                "{ tiers: [{ name: first, count: 1 }], certificate: { text: \"{recipent} {tier}\" } }"), file: "w.yaml")
        #expect(
            result.diagnostics.map(\.message) == [
                "the certificate's text reads '{recipent}' (did you mean 'recipient'?); a certificate can fill in {recipient}, {tier}, {rank}, {amount}, {total}, {title}"
            ])
    }
}
