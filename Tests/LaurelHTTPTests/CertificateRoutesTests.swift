import Foundation
import HTTPTypes
import LaurelCore
import LaurelService
import LaurelTesting
import Testing

@Suite("Certificates over HTTP")
struct CertificateRoutesTests {
    @Test(
        "a finished campaign's certificates are listed and printable as HTML or Markdown, with the audit log's seal once a checkpoint signs the award; an unknown entry is 404"
    )
    func listedAndPrinted() async throws {
        let harness = try await APIHarness()
        let id = try await TestWorkflows.awardedPrize(in: harness.store, service: harness.service)
        try await harness.test { client in
            let unsealed = try await client.send(.get, "/api/campaigns/\(id)/certificates", as: "observer")
            #expect(unsealed.status == 200, "\(unsealed.text)")
            #expect(unsealed.list?.first?["recipient"] as? String == "Nguyễn Thị Hoa")
            #expect(unsealed.list?.first?["seal"] == nil, "no checkpoint yet")

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let signer = try AuditSigner.generate(into: folder.appendingPathComponent("audit.key").path)
            try await harness.service.checkpointAudit(signer: signer, now: TestWorkflows.may1 + 60)

            let html = try await client.send(.get, "/api/campaigns/\(id)/certificates/a", as: "observer")
            #expect(html.status == 200 && html.headers[.contentType] == "text/html; charset=utf-8")
            #expect(html.text.contains("Tặng Nguyễn Thị Hoa") && html.text.contains("laurel audit prove scores"))
            let markdown = try await client.send(
                .get, "/api/campaigns/\(id)/certificates/a?format=markdown", as: "observer")
            #expect(markdown.status == 200 && markdown.text.hasPrefix("# GIẤY KHEN"), "\(markdown.text)")
            #expect(try await client.send(.get, "/api/campaigns/\(id)/certificates/zz", as: "observer").status == 404)
            #expect(
                try await client.send(.get, "/api/campaigns/\(id)/certificates/a?format=pdf", as: "observer").status
                    == 400)
        }
    }
}
