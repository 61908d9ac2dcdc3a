import Crypto
import Foundation
import Hummingbird
import LaurelCore
import LaurelDaemon
import LaurelService
import LaurelStore
import LaurelTesting
import Logging
import Synchronization
import Testing

/// A real HTTP endpoint on 127.0.0.1 that records what it is sent: it answers 503 to the first
/// `failing` requests, and waits `delay` before each answer.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var headers: [String: String]
        var body: String
    }

    let received = Mutex<[Received]>([])
    private let failing: Int
    private let delay: Duration

    init(failing: Int = 0, delay: Duration = .zero) {
        self.failing = failing
        self.delay = delay
    }

    /// Starts the endpoint; returns its URL and the task to cancel when done.
    func start() async throws -> (url: URL, task: Task<Void, any Error>) {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            // HTTP field names are case-insensitive: kept in lowercase.
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let count = self.received.withLock { list in
                list.append(Received(headers: headers, body: String(buffer: body)))
                return list.count
            }
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            return Response(status: count <= self.failing ? .serviceUnavailable : .ok)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await application.run() }
        var iterator = stream.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        return (URL(string: "http://127.0.0.1:\(port)/hook")!, task)
    }
}

@Suite("Webhooks")
struct WebhookTests {
    typealias W = TestWorkflows
    static let secret = Array("a shared secret of the union's relay".utf8)

    @Test(
        "each outbox item is POSTed as JSON, signed with HMAC-SHA256 over timestamp.body, under its idempotency key; a 503 is tried again after a delay, under the same key, until it is taken"
    )
    func signedAndRetried() async throws {
        let receiver = WebhookReceiver(failing: 1)
        let (url, server) = try await receiver.start()
        defer { server.cancel() }
        let store = InMemoryStore()
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await W.launchedAnnouncement(in: store, service: service)
        let log = CapturedLog()
        let daemon = CampaignDaemon(
            service: service,
            configuration: DaemonConfiguration(webhooks: WebhookConfiguration(endpoints: [url], secret: Self.secret)),
            logger: log.logger)
        try await daemon.deliverOutbox(now: W.may1 + 1, moment: 0)
        #expect(try await store.read { try $0.outboxBacklog() } == 1, "the 503 left it pending")
        #expect(
            log.lines(.error).count == 1 && log.linesWithMetadata(.error)[0].contains("/hook answered 503"),
            "\(log.linesWithMetadata(.error))")
        try await daemon.deliverOutbox(now: W.may1 + 2, moment: 0.1)
        #expect(receiver.received.withLock { $0.count } == 1, "not tried again before its delay")
        try await daemon.deliverOutbox(now: W.may1 + 3, moment: 5)
        #expect(try await store.read { try $0.outboxBacklog() } == 0)
        let received = receiver.received.withLock { $0 }
        #expect(received.count == 2)
        #expect(received[0].headers["idempotency-key"] == received[1].headers["idempotency-key"])
        for request in received {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
            #expect(body["kind"] as? String == "notify" && body["campaign"] as? String == id)
            #expect(body["idempotency_key"] as? String == request.headers["idempotency-key"])
            // The receiver's check: t=SECONDS,v1=HMAC-SHA256(secret, "SECONDS.BODY") in hex.
            let signature = try #require(request.headers["laurel-signature"])
            let parts = Dictionary(
                uniqueKeysWithValues: signature.split(separator: ",").map {
                    let pair = $0.split(separator: "=", maxSplits: 1)
                    return (String(pair[0]), String(pair[1]))
                })
            let code = HMAC<Crypto.SHA256>.authenticationCode(
                for: Array("\(parts["t"] ?? "").\(request.body)".utf8), using: SymmetricKey(data: Self.secret))
            #expect(parts["v1"] == code.map { String(format: "%02x", $0) }.joined())
            #expect(request.headers["content-type"] == "application/json")
        }
        #expect(!log.linesWithMetadata(.error).joined().contains(String(decoding: Self.secret, as: UTF8.self)))
    }

    @Test("an endpoint that takes 5 s to answer does not hold up the ticks: the deadline fires meanwhile")
    func slowEndpointDoesNotBlockTicks() async throws {
        let receiver = WebhookReceiver(delay: .seconds(5))
        let (url, server) = try await receiver.start()
        defer { server.cancel() }
        let store = InMemoryStore()
        let service = CampaignService(store: store, registry: W.registry)
        let id = try await W.launchedAnnouncement(in: store, service: service)
        let clock = ManualClock(W.may1 + 1)
        let daemon = CampaignDaemon(
            service: service,
            configuration: DaemonConfiguration(
                clock: clock.daemonClock, webhooks: WebhookConfiguration(endpoints: [url], secret: Self.secret)),
            logger: Logger(label: "test"))
        let running = Task { try await daemon.run() }
        defer { running.cancel() }
        // The announcement is on its way to the slow endpoint; then the deadline falls due.
        for _ in 0..<40 where receiver.received.withLock({ $0.isEmpty }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(receiver.received.withLock { $0.count } == 1, "the delivery started")
        clock.advance(by: 3 * W.day)
        var state = ""
        for _ in 0..<40 {
            state = try await service.campaign(id: id)?.state ?? ""
            if state == "closed" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state == "closed", "the deadline fired within 2 s while the endpoint had not answered")
        #expect(try await store.read { try $0.outboxBacklog() } >= 1, "the announcement is still on its way")
    }

    @Test("webhook options are checked before anything starts")
    func options() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("short".utf8).write(to: URL(fileURLWithPath: folder + "/short"))
        try Data("0123456789abcdef0123456789abcdef\n".utf8).write(to: URL(fileURLWithPath: folder + "/good"))
        func lines(_ urls: [String], _ file: String?) -> [String] {
            if case .failure(let problems) = WebhookConfiguration.make(endpoints: urls, secretFile: file) {
                return problems.lines
            }
            return []
        }
        #expect(
            lines(["ftp://relay"], folder + "/good") == [
                "--webhook: 'ftp://relay' is not an http:// or https:// address with a host"
            ])
        #expect(lines(["https://relay.example/hook"], nil).first?.contains("needs --webhook-secret-file") == true)
        #expect(
            lines(["https://relay.example/hook"], folder + "/short").first?.contains("shorter than 16 bytes") == true)
        #expect(lines(["https://relay.example/hook"], folder + "/missing").first?.contains("cannot read") == true)
        #expect(lines([], folder + "/good").first?.contains("at least one --webhook") == true)
        if case .success(let made) = WebhookConfiguration.make(
            endpoints: ["https://relay.example/hook"], secretFile: folder + "/good")
        {
            #expect(made?.secret == Array("0123456789abcdef0123456789abcdef".utf8), "the line break is not part of it")
        } else {
            Issue.record("a good configuration was refused")
        }
        #expect(
            WebhookConfiguration.display(URL(string: "https://user:pw@relay.example/hook?token=x")!)
                == "https://relay.example/hook")
    }
}
