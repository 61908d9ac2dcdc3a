import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService

extension LaurelAPI {
    /// The results: the awards by tier with their amounts, every scored entry ranked (the
    /// leaderboard, live), and the certificates to print.
    func resultsPage(_ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let facts = try await service.campaignWithFacts(id).facts
        try await authorize(principal, .readResults, campaign: facts)
        let results = try await service.results(of: id)
        let certificates = try await service.certificates(of: id)
        let certified = Set(certificates.map(\.certificate.entry))
        let ranked = results.results.sorted { ($0.total, $1.entry) > ($1.total, $0.entry) }
        let values: [String: Any] = [
            "live": "/campaigns/\(id)/live", "id": id, "title": results.title, "state": results.state,
            "nav": campaignNavigation(principal, facts: facts, current: "results", words: words),
            "awards": results.awards.map { award -> [String: Any] in
                [
                    "rank": award.rank, "entry": award.entry, "name": award.name.isEmpty ? award.entry : award.name,
                    "tier": award.tier, "total": award.total.shownAsTotal, "amount": award.amount.groupedByThousands,
                    "certificate": certified.contains(award.entry),
                ]
            },
            "hasAwards": !results.awards.isEmpty,
            "leaderboard": ranked.enumerated().map { position, result -> [String: Any] in
                [
                    "place": position + 1, "entry": result.entry,
                    "name": result.name.isEmpty ? result.entry : result.name,
                    "total": result.total.shownAsTotal, "reviews": result.reviews,
                ]
            },
            "hasLeaderboard": !ranked.isEmpty,
            "hasCertificates": !certificates.isEmpty,
            "notYet": results.awards.isEmpty && ranked.isEmpty ? words["noResultsYet"]! : "",
        ]
        return pages.render(
            "results", title: "\(words["results"]!) · \(results.title)", values, session: context.page,
            principal: principal)
    }

    /// The campaign's certificates (or one, `?entry=`) as a page to print: one sheet each, the
    /// page's header and links left off the paper by the print style sheet.
    func certificatesPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let (_, engine, facts) = try await service.campaignWithFacts(id)
        try await authorize(principal, .readResults, campaign: facts)
        let only = request.uri.queryParameters.get("entry")
        var shown: [[String: Any]] = []
        for (certificate, event) in try await service.certificates(of: id)
        where only == nil || certificate.entry == only {
            let seal = try await service.auditSeal(of: event)?.lines ?? []
            shown.append([
                "heading": certificate.heading, "recipient": certificate.recipient,
                "paragraphs": certificate.text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init),
                "tier": certificate.tier,
                "amount": certificate.amount > 0 ? "\(certificate.amount.groupedByThousands) VND" : "",
                "campaignTitle": certificate.campaignTitle, "issuedOn": certificate.issuedOn,
                "issuer": certificate.issuer ?? "",
                "seal": seal, "hasSeal": !seal.isEmpty,
            ])
        }
        guard !shown.isEmpty else {
            throw LaurelError(
                .notFound, only.map { PageText.format(words["noCertificateFor"]!, $0) } ?? words["noCertificates"]!)
        }
        return pages.render(
            "certificates", title: "\(words["certificates"]!) · \(engine.workflow.title)",
            [
                "id": id, "certificates": shown,
                "nav": campaignNavigation(principal, facts: facts, current: "results", words: words),
            ],
            session: context.page, principal: principal)
    }
}
