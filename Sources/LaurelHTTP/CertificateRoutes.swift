import Hummingbird
import LaurelCore
import LaurelService

/// A certificate in a campaign's list.
struct CertificateView: Encodable {
    var entry: String
    var recipient: String
    var heading: String
    var tier: String
    var amount: Int
    var issuedOn: String
    /// The audit log's seal, once a checkpoint signs the award: the text the certificate prints.
    var seal: [String]?

    enum CodingKeys: String, CodingKey {
        case entry, recipient, heading, tier, amount, seal
        case issuedOn = "issued_on"
    }
}

extension LaurelAPI {
    func addCertificateRoutes(to api: RouterGroup<APIContext>) {
        // Who may read the results may read the certificates: all roles once published.
        api.get("campaigns/:id/certificates") { _, context in
            let id = try context.parameters.require("id")
            let facts = try await service.campaignWithFacts(id).facts
            try await authorize(try context.requirePrincipal(), .readResults, campaign: facts)
            var views: [CertificateView] = []
            for (certificate, event) in try await service.certificates(of: id) {
                views.append(
                    CertificateView(
                        entry: certificate.entry, recipient: certificate.recipient, heading: certificate.heading,
                        tier: certificate.tier, amount: certificate.amount, issuedOn: certificate.issuedOn,
                        seal: try await service.auditSeal(of: event)?.lines))
            }
            return JSONBody(views)
        }
        // One certificate, printable: HTML (with its own print styles) or Markdown.
        api.get("campaigns/:id/certificates/:entry") { request, context in
            let id = try context.parameters.require("id")
            let entry = try context.parameters.require("entry")
            let facts = try await service.campaignWithFacts(id).facts
            try await authorize(try context.requirePrincipal(), .readResults, campaign: facts)
            guard
                let (certificate, event) = try await service.certificates(of: id).last(where: {
                    $0.certificate.entry == entry
                })
            else {
                throw LaurelError(.notFound, "campaign '\(id)' has no certificate for entry '\(entry)'")
            }
            let footer = try await service.auditSeal(of: event)?.lines ?? []
            switch request.uri.queryParameters.get("format") ?? "html" {
            case "html":
                return TextBody(text: certificate.html(footer: footer), type: "text/html; charset=utf-8").response(
                    status: .ok)
            case "markdown":
                return TextBody(text: certificate.markdown(footer: footer), type: "text/markdown; charset=utf-8")
                    .response(status: .ok)
            case let other:
                throw LaurelError(.invalidRequest, "format is html or markdown, not '\(other)'")
            }
        }
    }
}
