import AsyncHTTPClient
import Crypto
public import Foundation
import LaurelCore
import NIOCore
import NIOHTTP1

/// Where the daemon delivers outbox items besides its log and files: HTTP endpoints a union
/// runs (a relay to email, Zalo, a Facebook page), each item POSTed as the JSON of the outbox
/// file, signed, under its idempotency key (docs/operations.md, "Webhooks").
public struct WebhookConfiguration: Sendable {
    public var endpoints: [URL]
    /// The shared secret of the signature; read from a file, never from the command line.
    public var secret: [UInt8]
    /// How long one delivery may take before it counts as failed (and is tried again later).
    public var timeout: Duration

    public init(endpoints: [URL], secret: [UInt8], timeout: Duration = .seconds(10)) {
        self.endpoints = endpoints
        self.secret = secret
        self.timeout = timeout
    }

    /// The configuration from `--webhook URL` options and `--webhook-secret-file PATH`, or the
    /// problems that stand in its way, one line each (nothing is started then).
    public static func make(endpoints texts: [String], secretFile: String?) -> Result<WebhookConfiguration?, Problems> {
        guard !texts.isEmpty || secretFile != nil else { return .success(nil) }
        var problems: [String] = []
        var endpoints: [URL] = []
        for text in texts {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme),
                let host = url.host, !host.isEmpty
            else {
                problems.append("--webhook: '\(text)' is not an http:// or https:// address with a host")
                continue
            }
            endpoints.append(url)
        }
        if texts.isEmpty { problems.append("--webhook-secret-file needs at least one --webhook URL") }
        var secret: [UInt8] = []
        if let secretFile {
            if let data = FileManager.default.contents(atPath: secretFile) {
                secret = Array(
                    String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
                if secret.count < 16 {
                    problems.append(
                        "--webhook-secret-file: the secret in '\(secretFile)' is shorter than 16 bytes; write a long random one, like the output of 'openssl rand -hex 32'"
                    )
                }
            } else {
                problems.append("--webhook-secret-file: cannot read '\(secretFile)'")
            }
        } else if !texts.isEmpty {
            problems.append(
                "--webhook needs --webhook-secret-file PATH: deliveries are signed with the secret it holds")
        }
        guard problems.isEmpty else { return .failure(Problems(lines: problems)) }
        return .success(WebhookConfiguration(endpoints: endpoints, secret: secret))
    }

    public struct Problems: Error, Sendable {
        public var lines: [String]
    }

    /// `t=SECONDS,v1=HEX`: HMAC-SHA256 with the shared secret over "SECONDS.BODY", so a receiver
    /// checks both who sent it and when (and refuses one replayed much later).
    public static func signature(body: [UInt8], timestamp: Int64, secret: [UInt8]) -> String {
        let signed = Array("\(timestamp).".utf8) + body
        let code = HMAC<Crypto.SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret))
        return "t=\(timestamp),v1=" + Hex.string(code)
    }

    /// An endpoint as the log names it: without a user, password or query, which may hold secrets.
    public static func display(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        components?.query = nil
        return components?.string ?? url.host ?? "the endpoint"
    }
}

/// POSTs one outbox item to every endpoint at once; throws, naming each endpoint that did not
/// answer 2xx in time. A receiver may see an item again (a retry, another daemon's late
/// delivery): always under the same `Idempotency-Key`.
struct WebhookSender: Sendable {
    let configuration: WebhookConfiguration

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func deliver(body: String, idempotencyKey: String, timestamp: Int64) async throws {
        let bytes = Array(body.utf8)
        let signature = WebhookConfiguration.signature(body: bytes, timestamp: timestamp, secret: configuration.secret)
        let seconds = configuration.timeout.components.seconds
        let failures = await withTaskGroup(of: String?.self) { group in
            for endpoint in configuration.endpoints {
                group.addTask {
                    var request = HTTPClientRequest(url: endpoint.absoluteString)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
                    request.headers.add(name: "Laurel-Signature", value: signature)
                    request.headers.add(name: "User-Agent", value: "laurel")
                    request.body = .bytes(ByteBuffer(bytes: bytes))
                    let name = WebhookConfiguration.display(endpoint)
                    do {
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(seconds))
                        _ = try? await response.body.collect(upTo: 64 * 1024)
                        return (200..<300).contains(response.status.code)
                            ? nil : "\(name) answered \(response.status.code)"
                    } catch {
                        return "\(name): \(error)"
                    }
                }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures.sorted()
        }
        if !failures.isEmpty { throw Failure(description: "webhook " + failures.joined(separator: "; ")) }
    }
}
