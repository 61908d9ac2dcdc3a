import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real `laurel serve --http` process, with the command line beside it on the same file.
@Suite("API process")
struct APIProcessTests {
    @Test(
        "serve --http answers a token laurel access grant made; laurel access revoke in another process refuses it from the next request; --log-format json writes only JSON lines"
    )
    func revocationAcrossProcesses() async throws {
        let (folder, database) = try DaemonProcessTests.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let organisation = folder.appendingPathComponent("org.yaml")
        try Data(
            """
            laurel-organisation: 1
            units:
              d1: { name: Quận Một, level: district }
            people:
              p1: { name: Nguyễn Văn An, unit: d1 }
            """.utf8
        ).write(to: organisation)
        #expect(try DaemonProcessTests.command(["org", "import", organisation.path], folder, database).status == 0)
        let granted = try DaemonProcessTests.command(
            ["access", "grant", "p1", "--role", "observer", "--format", "json"], folder, database)
        #expect(granted.status == 0, "\(granted.stderr)")
        let issued = try #require(try JSONSerialization.jsonObject(with: Data(granted.stdout.utf8)) as? [String: Any])
        let token = try #require(issued["secret"] as? String)
        let grant = try #require((issued["grant"] as? [String: Any])?["id"] as? String)

        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = [
            "serve", "--workflows", folder.appendingPathComponent("workflows").path, "--database", database,
            "--http", "127.0.0.1:0", "--log-format", "json",
        ]
        let logURL = folder.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
        var port: Int?
        for _ in 0..<300 where port == nil {
            if let range = log().range(of: #"listening on http://127\.0\.0\.1:([0-9]+)"#, options: .regularExpression) {
                port = Int(log()[range].split(separator: ":").last ?? "")
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let base = try #require(port.map { "http://127.0.0.1:\($0)" }, "the API did not start: \(log())")

        func me() async throws -> Int {
            var request = URLRequest(url: URL(string: "\(base)/api/me")!)
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            let (_, response) = try await URLSession.shared.data(for: request)
            return (response as? HTTPURLResponse)?.statusCode ?? 0
        }
        #expect(try await me() == 200)

        // A campaign page left open (its live stream) must not hold the server up when it stops.
        let campaign = try DaemonProcessTests.command(
            ["campaign", "start", "quick", "--workflows", folder.appendingPathComponent("workflows").path], folder,
            database
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        stream.arguments = [
            "curl", "-sN", "-H", "Cookie: laurel_session=\(token)", "\(base)/campaigns/\(campaign)/live",
        ]
        let streamed = folder.appendingPathComponent("stream.txt")
        _ = FileManager.default.createFile(atPath: streamed.path, contents: nil)
        stream.standardOutput = try FileHandle(forWritingTo: streamed)
        try stream.run()
        defer { if stream.isRunning { stream.terminate() } }
        for _ in 0..<50 where ((try? String(contentsOf: streamed, encoding: .utf8)) ?? "").isEmpty {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try String(contentsOf: streamed, encoding: .utf8).hasPrefix("retry: 2000"), "the live stream opened")

        let revoked = try DaemonProcessTests.command(["access", "revoke", grant], folder, database)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await me() == 401, "the next request after the revocation")
        let again = try DaemonProcessTests.command(["access", "revoke", grant], folder, database)
        #expect(again.status == 1 && again.stderr.contains("already revoked"), "a revocation that does nothing says so")

        kill(process.processIdentifier, SIGTERM)
        let asked = ContinuousClock.now
        while process.isRunning && ContinuousClock.now - asked < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!process.isRunning, "the server still runs 10 s after SIGTERM with a live page open")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let lines = log().split(separator: "\n")
        #expect(lines.count >= 3)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] != nil && object?["level"] != nil, "not a JSON log line: \(line)")
        }
        #expect(log().contains(#""message":"daemon stopped""#))
        #expect(!log().contains(token), "the token is never logged")
    }

    @Test("an address the API cannot listen on stops serve at once, exit 1, saying which address and why")
    func addressInUse() async throws {
        let (folder, database) = try DaemonProcessTests.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A listening socket of this test's own holds the port.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) }
        }
        _ = listen(holder, 1)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(holder, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let run = try CLITests.laurel([
            "serve", "--workflows", folder.appendingPathComponent("workflows").path, "--database", database,
            "--http", "127.0.0.1:\(port)",
        ])
        #expect(run.status == 1)
        #expect(
            run.stderr.contains(
                "the HTTP API cannot listen on 127.0.0.1:\(port): the address is already in use"), "\(run.stderr)")
        #expect(run.stdout.contains("daemon stopped"), "the daemon stopped with it")
    }
}
