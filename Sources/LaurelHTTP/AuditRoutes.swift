import Foundation
import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore

/// One audit record as an auditor reads it: its exact bytes (what its leaf hashes), never the
/// people behind its hashes.
struct AuditRecordView: Encodable {
    var sequence: Int64
    /// Its leaf in the Merkle tree; nil until a checkpoint places it.
    var leaf: Int64?
    var leafHash: String
    var body: String

    enum CodingKeys: String, CodingKey {
        case sequence, leaf, body
        case leafHash = "leaf_hash"
    }
}

struct AuditCheckpointView: Encodable {
    var size: Int64
    var root: String
    var signedAt: String
    /// The signed text and its signature line, as published.
    var checkpoint: String

    enum CodingKeys: String, CodingKey {
        case size, root, checkpoint
        case signedAt = "signed_at"
    }
}

struct AuditPage: Encodable {
    var records: [AuditRecordView]
    var checkpoints: [AuditCheckpointView]
    /// The `from` of the next page; nil on the last.
    var next: Int64?
}

extension LaurelAPI {
    /// Pages of at most this many records.
    static let auditPage = 1_000

    func addAuditRoutes(to api: RouterGroup<APIContext>) {
        // The audit log for auditors: records from leaf `from` (those no checkpoint placed yet come
        // last), and every signed checkpoint.
        api.get("audit") { request, context in
            let principal = try context.requirePrincipal()
            try await authorize(principal, .readAudit, campaign: nil)
            let from = try Self.wholeNumber(request.uri.queryParameters.get("from"), name: "from", default: 0)
            let limit = try Self.wholeNumber(
                request.uri.queryParameters.get("limit"), name: "limit", default: Self.auditPage)
            guard (1...Self.auditPage).contains(limit) else {
                throw Problem(
                    LaurelError(.invalidInput, "limit must be from 1 to \(Self.auditPage)"),
                    errors: [.init(pointer: "/limit", line: nil, detail: "out of range")])
            }
            let (records, checkpoints) = try await service.auditRecords(fromLeaf: Int64(from), limit: limit)
            return JSONBody(
                AuditPage(
                    records: records.map {
                        AuditRecordView(
                            sequence: $0.sequence, leaf: $0.leafIndex,
                            leafHash: Hex.string($0.leafHash),
                            body: String(decoding: $0.body, as: UTF8.self))
                    },
                    checkpoints: checkpoints.map {
                        AuditCheckpointView(
                            size: $0.size, root: Hex.string($0.root),
                            signedAt: ZonedCalendar.utcTimestamp($0.signedAt), checkpoint: PublishedCheckpoint($0).text)
                    },
                    next: records.count == limit ? records.last.flatMap { $0.leafIndex.map { $0 + 1 } } : nil))
        }
    }

    /// A query parameter that must be a whole number of 0 or more.
    static func wholeNumber(_ text: String?, name: String, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), number >= 0 else {
            throw Problem(
                LaurelError(.invalidInput, "\(name) must be a whole number of 0 or more, not '\(text)'"),
                errors: [.init(pointer: "/\(name)", line: nil, detail: "not a whole number")])
        }
        return number
    }
}
