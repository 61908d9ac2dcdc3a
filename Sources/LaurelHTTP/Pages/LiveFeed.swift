import Foundation
import Hummingbird
import LaurelCore
import LaurelService
import Logging

/// What open pages follow: one reader per server follows the store's event sequence (every
/// `interval`, only while someone listens) and tells each listener of a campaign when it logged
/// something, so a page hears of a commit within a second without every browser polling.
actor LiveFeed {
    private let service: CampaignService
    private let logger: Logger
    private var cursor: Int64?
    private var listeners: [String: [UUID: AsyncStream<Int64>.Continuation]] = [:]
    private var following: Task<Void, Never>?
    static let interval: Duration = .milliseconds(200)
    /// What a listener is sent every `heartbeatEvery` reads when nothing happened: not a sequence.
    static let heartbeat: Int64 = -1
    static let heartbeatEvery = 75

    init(service: CampaignService, logger: Logger) {
        self.service = service
        self.logger = logger
    }

    /// The sequence numbers of the campaign's new events, as they come; `after`, when given
    /// (a reconnect's `Last-Event-ID`), first says whether anything came since. `end` ends the
    /// stream (the server is shutting down).
    func follow(_ campaignID: String, after: Int64?) async throws -> (
        changes: AsyncStream<Int64>, end: @Sendable () -> Void
    ) {
        if cursor == nil { cursor = try await service.latestEventSequence() }
        let id = UUID()
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(8))
        listeners[campaignID, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.stopFollowing(campaignID, id) } }
        if let after, let missed = try await service.recentHistory(of: campaignID, limit: 1).last,
            missed.sequence > after
        {
            continuation.yield(missed.sequence)
        }
        if following == nil { following = Task { await self.run() } }
        return (stream, { continuation.finish() })
    }

    private func stopFollowing(_ campaignID: String, _ id: UUID) {
        listeners[campaignID]?[id] = nil
        if listeners[campaignID]?.isEmpty == true { listeners[campaignID] = nil }
    }

    private func run() async {
        var quiet = 0
        while !Task.isCancelled, !listeners.isEmpty {
            quiet += 1
            if quiet >= Self.heartbeatEvery {
                quiet = 0
                for continuation in listeners.values.flatMap(\.values) { continuation.yield(Self.heartbeat) }
            }
            do {
                let changes = try await service.eventSequences(after: cursor ?? 0, limit: 10_000)
                var latest: [String: Int64] = [:]
                for change in changes { latest[change.campaignID] = change.sequence }
                if let last = changes.last?.sequence { cursor = last }
                for (campaign, sequence) in latest {
                    for continuation in listeners[campaign]?.values ?? [:].values { continuation.yield(sequence) }
                }
            } catch {
                logger.warning("live pages could not read the log: \(error)")
            }
            try? await Task.sleep(for: Self.interval)
        }
        following = nil
    }
}
