import Foundation
import LaurelCore
import LaurelLSP
import LaurelPlugins
import Testing

@testable import laurel

/// `laurel lsp` as an editor drives it, and its diagnostics against `laurel validate`'s.
@Suite struct LSPTests {
    /// The server's diagnostics of `path` (its text, opened as an editor opens it) as Laurel's
    /// (line, column, code, severity), positions converted back from UTF-16.
    static func served(_ path: String) throws -> [String] {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        let server = LanguageServer(
            registry: BuiltInPlugins.registry, clock: { FixtureTests.asOf }, log: { _ in },
            besides: {
                Laurel.Validate.besides($0, file: $1, validator: WorkflowValidator(registry: BuiltInPlugins.registry))
            })
        var framer = MessageFramer()
        framer.append(
            server.receive(
                MessageFramer.frame(Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8))))
        let open: [String: Any] = [
            "jsonrpc": "2.0", "method": "textDocument/didOpen",
            "params": ["textDocument": ["uri": "file://" + path, "languageId": "yaml", "version": 1, "text": text]],
        ]
        framer.append(server.receive(MessageFramer.frame(Array(try JSONSerialization.data(withJSONObject: open)))))
        let index = LineIndex(text)
        var found: [String] = []
        while case .message(let body)? = framer.next() {
            let message = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
            guard message["method"] as? String == "textDocument/publishDiagnostics" else { continue }
            for diagnostic in (message["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? [] {
                let start = (diagnostic["range"] as? [String: Any])?["start"] as? [String: Any] ?? [:]
                let (line, column) = index.location(
                    of: Position(line: start["line"] as? Int ?? -1, character: start["character"] as? Int ?? -1),
                    encoding: .utf16)
                let severity = diagnostic["severity"] as? Int == 1 ? "error" : "warning"
                found.append("\(line):\(column) \(diagnostic["code"] as? String ?? "") \(severity)")
            }
        }
        return found.sorted()
    }

    /// `laurel validate PATH --format json` as the same strings.
    static func validated(_ path: String) throws -> [String] {
        let run = try CLITests.laurel(["validate", path, "--format", "json", "--as-of", "2026-01-01"])
        let items = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
        return items.map {
            "\($0["line"] as? Int ?? 0):\($0["column"] as? Int ?? 0) \($0["code"] as? String ?? "") \($0["severity"] as? String ?? "")"
        }.sorted()
    }

    @Test(
        "parity: for every diagnostics fixture (each alone in a folder) and every shipped workflow (in its folder), the server publishes what laurel validate --format json reports"
    )
    func parity() throws {
        var files: [String] = []
        for folder in ["invalid", "warnings", "valid"] {
            // An editor's buffer is Unicode text (JSON carries no invalid bytes): a file that is
            // not UTF-8 reaches the server already decoded, so only `laurel validate` can say so.
            for name in FixtureTests.names(folder) where name != "invalid/invalid-utf8.yaml" {
                // Alone in a folder: beside the other fixtures, each would also be checked against 150 others.
                let copy = try CLITests.temporaryFile(
                    Array(try Data(contentsOf: FixtureTests.fixtures.appendingPathComponent(name))),
                    name: (name as NSString).lastPathComponent)
                files.append(copy.path)
            }
        }
        let shipped = try FileManager.default.contentsOfDirectory(
            atPath: CLITests.packageRoot.appendingPathComponent("workflows").path
        ).filter { $0.hasSuffix(".yaml") }.sorted()
        files += shipped.map { CLITests.packageRoot.appendingPathComponent("workflows/\($0)").path }
        #expect(files.count > 80)
        var differing: [String] = []
        for file in files {
            let (served, validated) = (try Self.served(file), try Self.validated(file))
            if served != validated { differing.append("\(file): served \(served), validated \(validated)") }
        }
        #expect(differing.isEmpty, "\(differing.prefix(5).joined(separator: "\n"))")
    }

    @Test(
        "the built binary as an editor drives it: initialize, open, change, hover, completion, definition, rename, a quick fix, a message that is not JSON, shutdown, exit with 0"
    )
    func endToEnd() throws {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["lsp"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let uri = "file:///tmp/laurel-lsp-e2e/cuoc-thi.yaml"
        let broken = """
            laurel: 1
            id: cuoc-thi
            title: "Cuộc thi ảnh đẹp"
            timezone: Asia/Hanoi
            initial: mo
            states:
              mo: { description: "Nhận ảnh dự thi", final: true }
            """
        let fixed = broken.replacingOccurrences(of: "Asia/Hanoi", with: "Asia/Ho_Chi_Minh")
        func text(_ value: String) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: [value]), as: UTF8.self).dropFirst().dropLast()
                .description
        }
        let messages = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"capabilities":{}}}"#,
            #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"\#(uri)","languageId":"yaml","version":1,"text":\#(text(broken))}}}"#,
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"\#(uri)","version":2},"contentChanges":[{"text":\#(text(fixed))}]}}"#,
            // states: line 5; `mo:` at line 6, character 2.
            #"{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{"textDocument":{"uri":"\#(uri)"},"position":{"line":6,"character":3}}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"textDocument/completion","params":{"textDocument":{"uri":"\#(uri)"},"position":{"line":4,"character":9}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"textDocument/definition","params":{"textDocument":{"uri":"\#(uri)"},"position":{"line":4,"character":10}}}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"textDocument/rename","params":{"textDocument":{"uri":"\#(uri)"},"position":{"line":4,"character":10},"newName":"nhan-anh"}}"#,
            #"{"jsonrpc":"2.0","id":7,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"\#(uri)"},"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":20}},"context":{"diagnostics":[{"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":20}},"message":"'Asia/Hanoi' is not an IANA time zone name (did you mean 'Asia/Ho_Chi_Minh'?)","code":"unknown-timezone","severity":1}]}}}"#,
            "{this is not json",
            #"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
            #"{"jsonrpc":"2.0","method":"exit"}"#,
        ]
        // One message at a time, as an editor writes them: each change is checked on its own.
        for message in messages {
            input.fileHandleForWriting.write(Data(MessageFramer.frame(Array(message.utf8))))
            usleep(100_000)
        }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("laurel lsp did not exit after 'exit'")
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var framer = MessageFramer()
        framer.append(Array(output.fileHandleForReading.readDataToEndOfFile()))
        var replies: [[String: Any]] = []
        while case .message(let body)? = framer.next() {
            replies.append(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:])
        }
        let initialize = try #require(replies.first { $0["id"] as? Int == 1 })
        #expect(
            ((initialize["result"] as? [String: Any])?["capabilities"] as? [String: Any])?["positionEncoding"]
                as? String == "utf-16")
        let published = replies.filter { $0["method"] as? String == "textDocument/publishDiagnostics" }
            .map { ($0["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? [] }
        #expect(published.count == 2, "\(replies)")
        #expect(published.first?.first?["code"] as? String == "unknown-timezone")
        let start = (published.first?.first?["range"] as? [String: Any])?["start"] as? [String: Any]
        #expect(start?["line"] as? Int == 3 && start?["character"] as? Int == 10)
        #expect(published.last?.isEmpty == true, "the fixed buffer has no diagnostics")
        func result(_ id: Int) -> Any? { replies.first { $0["id"] as? Int == id }?["result"] }
        let hover = ((result(3) as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String
        #expect(hover?.contains("Nhận ảnh dự thi") == true, "\(String(describing: hover))")
        let labels = ((result(4) as? [String: Any])?["items"] as? [[String: Any]])?.compactMap {
            $0["label"] as? String
        }
        #expect(labels == ["mo"], "after initial:")
        let target = ((result(5) as? [String: Any])?["range"] as? [String: Any])?["start"] as? [String: Any]
        #expect(target?["line"] as? Int == 6 && target?["character"] as? Int == 2)
        let edits = ((result(6) as? [String: Any])?["changes"] as? [String: Any])?[uri] as? [[String: Any]]
        #expect(edits?.count == 2 && edits?.allSatisfy { $0["newText"] as? String == "nhan-anh" } == true)
        let fixes = (result(7) as? [[String: Any]])?.compactMap { $0["title"] as? String }
        #expect(fixes == ["Change to 'Asia/Ho_Chi_Minh'"])
        #expect(replies.contains { ($0["error"] as? [String: Any])?["code"] as? Int == -32700 })
        #expect(replies.contains { $0["id"] as? Int == 2 && $0["result"] is NSNull })
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!log.contains("Content-Length"), "nothing of the protocol on stderr: \(log)")
    }
}
