public import LaurelCore

/// A destructive action one administrator asked for, which a second must approve before it is
/// carried out (four eyes): an event such as `cancel`, or a migration. Kept until decided, and
/// after, for the record.
public struct Approval: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable {
        case approved, rejected
    }

    /// A short public name, for `/api/approvals/ID`.
    public var id: String
    public var campaignID: String
    /// `event` or `migrate`.
    public var action: String
    /// What exactly is to be done, as JSON: `{"event":"cancel"}`, `{"to":"HASH","map":{...}}`.
    public var detail: [UInt8]
    /// A line for people: "send cancel", "migrate to 1a2b3c4d5e6f".
    public var summary: String
    /// The campaign's version (its ETag) when it was asked: approved, it is carried out only on
    /// that version, so the second administrator approves what the first one saw.
    public var version: Int
    public var requestedBy: String
    public var requestedAt: Instant
    public var expiresAt: Instant
    public var decision: Decision?
    public var decidedBy: String?
    public var decidedAt: Instant?

    public init(
        id: String, campaignID: String, action: String, detail: [UInt8], summary: String, version: Int,
        requestedBy: String, requestedAt: Instant, expiresAt: Instant, decision: Decision? = nil,
        decidedBy: String? = nil, decidedAt: Instant? = nil
    ) {
        self.id = id
        self.campaignID = campaignID
        self.action = action
        self.detail = detail
        self.summary = summary
        self.version = version
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.decision = decision
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}
