import Foundation
import LaurelCore
import LaurelService
import LaurelStore
import LaurelTesting
import Testing

/// `CampaignService.copyStore`: what every backend writes is checked by the store conformance
/// suite; these check the copy's own promises.
@Suite("Store copy")
struct StoreCopyTests {
    typealias W = TestWorkflows

    /// A target that loses the last event of each batch it restores: a copy that does not read
    /// back as the source must not be committed.
    final class LosingStore: CampaignStore {
        let inner = InMemoryStore()

        final class Transaction: ForwardingStoreTransaction {
            let inner: any StoreTransaction
            init(_ inner: any StoreTransaction) { self.inner = inner }

            func restore(_ record: RestoredRecord) throws {
                if case .events(let events) = record {
                    try inner.restore(.events(Array(events.dropLast())))
                } else {
                    try inner.restore(record)
                }
            }
        }

        func read<T: Sendable>(_ body: @Sendable (any StoreReader) throws -> T) async throws -> T {
            try await inner.read(body)
        }

        func write<T: Sendable>(_ end: TransactionEnd, _ body: @Sendable (any StoreTransaction) throws -> T)
            async throws -> T
        {
            try await inner.write(end) { try body(Transaction($0)) }
        }
    }

    /// A store with two campaigns of the quick workflow, one launched with entries.
    static func filledStore() async throws -> InMemoryStore {
        let store = InMemoryStore()
        let service = CampaignService(store: store, registry: W.registry)
        let version = try await W.record(W.quick, in: store)
        let first = try await service.start(version: version, idempotencyKey: nil, now: W.may1)
        _ = try await service.start(version: version, idempotencyKey: nil, now: W.may1 + 10)
        _ = try await service.apply(.command("launch"), to: first.campaignID, eventID: "launch", now: W.may1 + 20)
        for n in 1...3 {
            _ = try await service.apply(
                .submit(Entry(id: "SK-\(n)", kind: "idea", fields: ["title": .text("Sáng kiến \(n)")])),
                to: first.campaignID, eventID: "submit-\(n)", now: W.may1 + 30)
        }
        return store
    }

    @Test("a copy that does not read back as the source writes nothing and says which part differs")
    func verificationFails() async throws {
        let source = try await Self.filledStore()
        let target = LosingStore()
        await #expect {
            _ = try await CampaignService.copyStore(from: source, to: target, registry: W.registry)
        } throws: { error in
            guard let error = error as? LaurelError else { return false }
            return error.code == .internal && error.message.contains("events: 6 with checksum")
                && error.message.contains("5 with checksum") && error.message.contains("nothing was written")
        }
        #expect(try await target.read { try $0.campaigns() }.isEmpty)
        #expect(try await target.read { try $0.latestWorkflowVersions() }.isEmpty)
    }

    @Test("a copy tells its progress and reports the same counts and checksums as a copy of the copy")
    func copyOfTheCopy() async throws {
        let source = try await Self.filledStore()
        let copy = InMemoryStore()
        let lines = LockedLines()
        let first = try await CampaignService.copyStore(
            from: source, to: copy, registry: W.registry, progress: { lines.append($0) })
        let second = try await CampaignService.copyStore(from: copy, to: InMemoryStore(), registry: W.registry)
        #expect(first.parts == second.parts)
        #expect(first.parts.first { $0.name == "entries" }?.count == 3)
        #expect(lines.all.contains("read 2 campaigns, 6 events; writing the target in one transaction"))
        #expect(lines.all.last == "reading the copy back to verify it")
    }

    final class LockedLines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }
}
