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

    static let workflow = """
        laurel: 1
        id: prize
        title: Giải thưởng sáng kiến
        timezone: Asia/Ho_Chi_Minh
        entries:
          idea: { fields: { name: { type: text, required: true } } }
        events:
          close: {}
        councils:
          jury: { members: [m1], quorum: 1 }
        initial: collecting
        states:
          collecting:
            accepts: [idea]
            on: { close: review }
          review:
            step: council-review
            with: { council: jury, window: P7D }
            on: { reviewed: awards, no-quorum: done }
          awards:
            step: awards-ceremony
            with:
              tiers: [{ name: first, count: 1, amount: 2000000 }]
              certificate:
                heading: "GIẤY KHEN"
                text: "Tặng {recipient}"
            next: done
          done: { final: true }
        """

    @Test(
        "with an audit key, the daemon signs a checkpoint before writing certificates, and each certificate names the award's record, the checkpoint's root and how to prove it"
    )
    func sealed() async throws {
        let (store, folder) = try W.store()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(Self.workflow, id: "prize", in: store)
        let id = try await service.start(version: version, idempotencyKey: nil, now: W.may1).campaignID
        _ = try await service.apply(
            .submit(Entry(id: "a", kind: "idea", fields: ["name": .text("Nguyễn Thị Hoa")])), to: id, eventID: "a",
            now: W.may1)
        _ = try await service.apply(.command("close"), to: id, eventID: "close", now: W.may1)
        let scored = try await service.apply(
            .scores(ScoreSheet(member: "m1", lines: [.init(entry: "a", values: [9])])), to: id, eventID: "scores",
            now: W.may1)
        #expect(scored.campaign?.state == "done", "\(scored.logged.map(\.summary))")

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
