public import LaurelCore

/// An outbox item as a store keeps it, delivered or not: what a copy of the store moves.
public struct StoredOutboxItem: Sendable, Hashable {
    public var item: OutboxItem
    /// When a daemon reported it delivered; nil while it is pending.
    public var deliveredAt: Instant?

    public init(item: OutboxItem, deliveredAt: Instant?) {
        self.item = item
        self.deliveredAt = deliveredAt
    }
}

/// A child campaign's link to the campaign that started it (a cascade).
public struct ParentLink: Sendable, Hashable {
    public var child: String
    public var parent: String
    public var unit: String?

    public init(child: String, parent: String, unit: String?) {
        self.child = child
        self.parent = parent
        self.unit = unit
    }
}

/// What ``StoreTransaction/restore(_:)`` writes exactly as another store had it: the numbers and
/// instants a store's own writes would give anew (sequences, first and last save) are kept, so a
/// copied database goes on where the original stopped (`laurel store copy`).
public enum RestoredRecord: Sendable {
    /// A campaign with every entry it holds; its armed timers go into the due index.
    case campaign(Campaign, entries: [Entry], startedAt: Instant, updatedAt: Instant)
    /// Events with their sequence numbers, in sequence order.
    case events([LoggedEvent])
    /// Outbox items with their sequence numbers (an item's idempotency key is made of it), in order.
    case outbox([StoredOutboxItem])
    /// The last number given to a campaign of the workflow.
    case campaignNumber(workflowID: String, last: Int)
    /// Audit records with their sequences and leaves, and the people behind their hashes.
    case audit([AuditRecord])
    case auditCheckpoint(AuditCheckpoint)
}
