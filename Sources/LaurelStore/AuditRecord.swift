public import LaurelCore

/// One record of the audit log: who did what, written in the same transaction as the change.
/// The service writes its body (canonical JSON, the bytes its Merkle leaf is the hash of); the
/// store keeps it as given, numbers it, and later gives it its place in the tree.
public struct AuditRecord: Sendable, Hashable {
    /// Assigned by the store in the order records were written; 0 before.
    public var sequence: Int64
    /// Its leaf in the Merkle tree, from 0, given by the checkpoint that took it in; nil until then.
    public var leafIndex: Int64?
    /// The campaign the record is about, for finding a campaign's records; nil for the rest.
    public var campaignID: String?
    /// The record as its leaf hashes it: canonical JSON, never rewritten.
    public var body: [UInt8]
    /// Its Merkle leaf hash as written (``MerkleTree/leafHash(_:)`` of the body). Kept so a
    /// checkpoint hashes nothing again, and so `laurel audit verify` can name a record whose
    /// body was changed; the checkpoints' signed roots are what prove it.
    public var leafHash: [UInt8]
    /// The people behind the salted hashes in the body; nil once erased.
    public var personal: AuditPersonal?

    public init(
        sequence: Int64 = 0, leafIndex: Int64? = nil, campaignID: String?, body: [UInt8], leafHash: [UInt8]? = nil,
        personal: AuditPersonal?
    ) {
        self.sequence = sequence
        self.leafIndex = leafIndex
        self.campaignID = campaignID
        self.body = body
        self.leafHash = leafHash ?? MerkleTree.leafHash(body)
        self.personal = personal
    }
}

/// What a record's body holds only as salted hashes (a person's id, an address they came from),
/// kept beside the record so the log stays whole when a person's data is erased.
public struct AuditPersonal: Sendable, Hashable {
    /// 16 random bytes mixed into each hash, so a hash cannot be matched against a list of ids.
    public var salt: [UInt8]
    /// The person who acted.
    public var actor: String?
    /// Where they acted from (a client's address).
    public var address: String?
    /// The person the action was about (the holder of an access grant).
    public var subject: String?

    public init(salt: [UInt8], actor: String?, address: String?, subject: String?) {
        self.salt = salt
        self.actor = actor
        self.address = address
        self.subject = subject
    }
}

/// A signed statement that the audit log's first `size` records have this Merkle root.
public struct AuditCheckpoint: Sendable, Hashable {
    public var size: Int64
    public var root: [UInt8]
    /// The roots of the tree's perfect subtrees (``MerkleTree/Frontier``): the next checkpoint
    /// hashes only the records after this one.
    public var peaks: [[UInt8]]
    public var signedAt: Instant
    /// The signed text (``AuditNote``), exactly as signed.
    public var note: String
    /// The Ed25519 signature of `note`.
    public var signature: [UInt8]

    public init(size: Int64, root: [UInt8], peaks: [[UInt8]], signedAt: Instant, note: String, signature: [UInt8]) {
        self.size = size
        self.root = root
        self.peaks = peaks
        self.signedAt = signedAt
        self.note = note
        self.signature = signature
    }
}

/// A checkpoint could not place a record: another daemon placed it first.
public struct AuditConflict: Error, CustomStringConvertible {
    public var sequence: Int64

    public init(sequence: Int64) { self.sequence = sequence }

    public var description: String {
        "audit record \(sequence) was placed by another checkpoint meanwhile; the next checkpoint goes on from it"
    }
}
