import Foundation
import LaurelCore
import LaurelDaemon
import LaurelService
import LaurelStore
import LaurelTesting
import Logging
import Testing

/// A certificate carries the audit log's seal: the award's record under a signed checkpoint.
@Suite("Sealed certificates")
struct SealedCertificateTests {
    typealias W = TestWorkflows

    @Test(
        "with an audit key, the daemon signs a checkpoint before writing certificates, and each certificate names the award's record, the checkpoint's root and how to prove it"
    )
    func sealed() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await W.awardedPrize(in: store, service: service)
        #expect(try await service.campaign(id: id)?.state == "done")

        let signer = try AuditSigner.generate(into: folder + "/audit.key")
        let certificates = folder + "/certificates"
        let daemon = CampaignDaemon(
            service: service,
            configuration: DaemonConfiguration(certificatesFolder: certificates, auditSigner: signer),
            logger: Logger(label: "test"))
        try await daemon.deliverOutbox(now: W.may1 + 60)
        let files = try FileManager.default.contentsOfDirectory(atPath: certificates + "/" + id)
        let markdown = try String(
            contentsOfFile: certificates + "/" + id + "/" + #require(files.first { $0.hasSuffix(".md") }),
            encoding: .utf8)
        let checkpoint = try #require(try await service.auditRecords(fromLeaf: 0, limit: 0).checkpoints.last)
        #expect(markdown.contains("Tặng Nguyễn Thị Hoa"))
        #expect(markdown.contains("Sổ kiểm toán / audit log"), "\(markdown)")
        #expect(markdown.contains(checkpoint.root.map { String(format: "%02x", $0) }.joined()))
        #expect(markdown.contains("laurel audit prove scores --key KEY.pub"), "the award came with the scores")
        let proof = try await service.proveAudit(event: "scores", trusting: signer.publicKey)
        #expect(proof.verified && proof.treeSize == checkpoint.size)
    }
}
