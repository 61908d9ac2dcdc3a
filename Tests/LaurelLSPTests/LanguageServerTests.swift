import Foundation
import LaurelCore
import LaurelLSP
import LaurelPlugins
import Testing

/// The language server in process: framing, positions in the editor's encoding (Vietnamese text
/// composed and decomposed), the protocol's life cycle, and hostile input.
@Suite("Language server")
struct LanguageServerTests {
    /// A session with the server: what it wrote back, message by message.
    final class Session {
        let server = LanguageServer(registry: BuiltInPlugins.registry, clock: { 1_767_225_600 }, log: { _ in })
        var framer = MessageFramer()

        func send(_ json: String) -> [[String: Any]] {
            send(raw: MessageFramer.frame(Array(json.utf8)))
        }

        func send(raw: [UInt8]) -> [[String: Any]] {
            framer.append(server.receive(raw))
            var messages: [[String: Any]] = []
            while case .message(let body)? = framer.next() {
                messages.append((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:])
            }
            return messages
        }

        func initialize(encodings: [String] = []) -> [String: Any] {
            let offered = encodings.map { "\"\($0)\"" }.joined(separator: ",")
            let answer = send(
                #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{"general":{"positionEncodings":[\#(offered)]}}}}"#
            )
            _ = send(#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#)
            return answer.first ?? [:]
        }

        func open(_ text: String, uri: String = "file:///tmp/laurel-lsp-test/campaign.yaml") -> [[String: Any]] {
            let escaped = String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self)
            return send(
                #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"\#(uri)","languageId":"yaml","version":1,"text":\#(escaped.dropFirst().dropLast())}}}"#
            )
        }
    }

    /// A workflow whose time zone is misspelt on a line that starts with Vietnamese text.
    static func workflow(title: String) -> String {
        """
        laurel: 1
        id: thi-dua
        title: "\(title)"
        timezone: Asia/Hanoi
        initial: open
        states:
          open: { final: true }
        """
    }

    static func diagnostics(_ messages: [[String: Any]]) -> [[String: Any]] {
        messages.filter { $0["method"] as? String == "textDocument/publishDiagnostics" }
            .flatMap { ($0["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? [] }
    }

    static func start(_ diagnostic: [String: Any]) -> (Int, Int)? {
        guard let range = diagnostic["range"] as? [String: Any], let start = range["start"] as? [String: Any],
            let line = start["line"] as? Int, let character = start["character"] as? Int
        else { return nil }
        return (line, character)
    }

    @Test("messages split anywhere and run together are read whole; a header without a length is skipped")
    func framing() {
        var framer = MessageFramer()
        let one = MessageFramer.frame(Array(#"{"a":1}"#.utf8))
        let two = MessageFramer.frame(Array(#"{"b":"Sáng kiến"}"#.utf8))
        let all = one + Array("Bogus: yes\r\n\r\n".utf8) + two
        for byte in all.prefix(5) { framer.append([byte]) }
        #expect(framer.next() == nil)
        framer.append(all.dropFirst(5))
        #expect(framer.next() == .message(Array(#"{"a":1}"#.utf8)))
        guard case .malformed? = framer.next() else {
            Issue.record("a header without Content-Length is reported")
            return
        }
        #expect(framer.next() == .message(Array(#"{"b":"Sáng kiến"}"#.utf8)))
        #expect(framer.next() == nil)
        var huge = MessageFramer()
        huge.append(Array("Content-Length: 999999999\r\n\r\n{}".utf8))
        guard case .malformed? = huge.next() else {
            Issue.record("a message above the limit is refused")
            return
        }
    }

    @Test(
        "positions count UTF-16 units by default and bytes when UTF-8 is offered; decomposed accents count as written")
    func positions() throws {
        let composed = "  title: \"Sáng kiến\" # x"
        let decomposed = composed.decomposedStringWithCanonicalMapping
        #expect(decomposed.unicodeScalars.count > composed.unicodeScalars.count)
        for text in [composed, decomposed] {
            let index = LineIndex(text)
            // Laurel's column of '#': scalars before it, plus one.
            let column = text.unicodeScalars.firstIndex(of: "#").map {
                text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: $0) + 1
            }!
            let prefix = String(text.unicodeScalars.prefix(column - 1))
            let utf16 = index.position(line: 1, column: column, encoding: .utf16)
            let utf8 = index.position(line: 1, column: column, encoding: .utf8)
            #expect(utf16 == Position(line: 0, character: prefix.utf16.count))
            #expect(utf8 == Position(line: 0, character: prefix.utf8.count))
            #expect(index.location(of: utf16, encoding: .utf16) == (1, column))
            #expect(index.location(of: utf8, encoding: .utf8) == (1, column))
        }
        // Windows line ends: the "\r" is not part of the line, but counts in the text's offsets.
        let crlf = LineIndex("a: 1\r\nb: é\r\n")
        #expect(crlf.lines == ["a: 1", "b: é", ""])
        #expect(crlf.offset(of: Position(line: 1, character: 3), encoding: .utf8) == 9)
        #expect(crlf.position(line: 2, column: 5, encoding: .utf16) == Position(line: 1, character: 4))
        // A character outside the BMP is two UTF-16 units and four bytes.
        let emoji = LineIndex("a🏆b")
        #expect(emoji.position(line: 1, column: 3, encoding: .utf16).character == 3)
        #expect(emoji.position(line: 1, column: 3, encoding: .utf8).character == 5)
    }

    @Test("a buffer's diagnostics are the validator's, at the editor's positions; a change re-checks, a close clears")
    func diagnosticsFollowTheBuffer() throws {
        for (offered, expected) in [([String](), "utf-16"), (["utf-8", "utf-16"], "utf-8")] {
            let session = Session()
            let answer = session.initialize(encodings: offered)
            let capabilities = (answer["result"] as? [String: Any])?["capabilities"] as? [String: Any]
            #expect(capabilities?["positionEncoding"] as? String == expected)
            let text = Self.workflow(title: "Thi đua")
            let found = Self.diagnostics(session.open(text))
            let timezone = try #require(found.first { $0["code"] as? String == "unknown-timezone" })
            #expect(Self.start(timezone)! == (3, 10))
            #expect(timezone["severity"] as? Int == 1 && timezone["source"] as? String == "laurel")
            let related = timezone["relatedInformation"] as? [[String: Any]]
            #expect(related?.first?["message"] as? String != nil, "the note comes as related information")

            // Fix the zone with an incremental edit: line 3, characters 10..<20 ("Asia/Hanoi").
            let fixed = session.send(
                #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml","version":2},"contentChanges":[{"range":{"start":{"line":3,"character":10},"end":{"line":3,"character":20}},"text":"Asia/Ho_Chi_Minh"}]}}"#
            )
            #expect(Self.diagnostics(fixed).isEmpty, "\(fixed)")
            let closed = session.send(
                #"{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml"}}}"#
            )
            #expect(closed.count == 1 && Self.diagnostics(closed).isEmpty)
        }
    }

    @Test("a diagnostic after Vietnamese text on its line is placed by UTF-16 units, composed or decomposed")
    func vietnameseColumns() throws {
        for title in ["Thi đua sáng tạo", "Thi đua sáng tạo".decomposedStringWithCanonicalMapping] {
            let session = Session()
            _ = session.initialize()
            let text = """
                laurel: 1
                id: thi-dua
                title: "\(title)"
                timezone: Asia/Ho_Chi_Minh
                initial: open
                states:
                  open: { description: "\(title)", final: true, nxt: open }
                """
            let found = Self.diagnostics(session.open(text))
            let unknown = try #require(found.first { $0["code"] as? String == "unknown-key" }, "\(found)")
            let line = "  open: { description: \"\(title)\", final: true, "
            #expect(Self.start(unknown)! == (6, line.utf16.count), "\(unknown)")
        }
    }

    @Test(
        "hostile input: not JSON, no method, unknown method, before initialize, a lying length; the server answers and goes on"
    )
    func hostileInput() {
        let session = Session()
        let early = session.send(#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}"#)
        #expect((early.first?["error"] as? [String: Any])?["code"] as? Int == -32002)
        _ = session.initialize()
        let garbage = session.send(raw: MessageFramer.frame(Array("{not json".utf8)))
        #expect((garbage.first?["error"] as? [String: Any])?["code"] as? Int == -32700)
        let unknown = session.send(#"{"jsonrpc":"2.0","id":8,"method":"workspace/unknown","params":{}}"#)
        #expect((unknown.first?["error"] as? [String: Any])?["code"] as? Int == -32601)
        // A length shorter than the body: the cut body is not JSON, the rest is skipped to the next header.
        let body = Array(#"{"jsonrpc":"2.0","id":9,"method":"shutdown"}"#.utf8)
        let lying = session.send(raw: Array("Content-Length: 10\r\n\r\n".utf8) + body)
        #expect((lying.first?["error"] as? [String: Any])?["code"] as? Int == -32700)
        let after = session.send(#"{"jsonrpc":"2.0","id":10,"method":"shutdown"}"#)
        #expect(after.first?["id"] as? Int == 10 && after.first?["result"] is NSNull)
        _ = session.send(#"{"jsonrpc":"2.0","method":"exit"}"#)
        #expect(session.server.exitCode == 0)
    }

    static let navigable = """
        laurel: 1
        id: thi-dua
        title: "Thi đua"
        timezone: Asia/Ho_Chi_Minh
        entries:
          initiative:
            fields:
              title: { type: text, required: true }
        metrics:
          initiatives: { count: initiative }
        events:
          launch: { by: admin }
        initial: draft
        states:
          draft:
            description: "Chuẩn bị"
            on: { launch: phase-1 }
          phase-1:
            description: "Giai đoạn một"
            accepts: [initiative]
            step: phase-target
            with: { metric: initiatives, target: 10, window: P30D }
            on: { target-reached: closed, deadline: closed }
          closed: { final: true }
        """

    func ask(_ session: Session, _ method: String, _ params: String) -> Any? {
        let answer = session.send(
            #"{"jsonrpc":"2.0","id":5,"method":"\#(method)","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml"},\#(params)}}"#
        )
        return answer.first { $0["id"] as? Int == 5 }?["result"]
    }

    @Test("hover, definition, references, rename, the outline and completion follow the workflow's own names")
    func navigation() throws {
        let session = Session()
        _ = session.initialize()
        #expect(!Self.diagnostics(session.open(Self.navigable)).contains { $0["severity"] as? Int == 1 })
        let hover = ask(session, "textDocument/hover", #""position":{"line":20,"character":12}"#) as? [String: Any]
        let markdown = (hover?["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(markdown.contains("**step `phase-target`**") && markdown.contains("`metric`"), "\(markdown)")
        let stateHover = ask(session, "textDocument/hover", #""position":{"line":16,"character":20}"#) as? [String: Any]
        #expect(((stateHover?["contents"] as? [String: Any])?["value"] as? String)?.contains("Giai đoạn một") == true)

        let keyHover = ask(session, "textDocument/hover", #""position":{"line":19,"character":5}"#) as? [String: Any]
        let keyText = (keyHover?["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(keyText.hasPrefix("**`accepts`**") && keyText.contains("entry kinds"), "\(keyText)")
        let topHover = ask(session, "textDocument/hover", #""position":{"line":3,"character":2}"#) as? [String: Any]
        #expect(((topHover?["contents"] as? [String: Any])?["value"] as? String)?.contains("IANA") == true)
        let definition =
            ask(session, "textDocument/definition", #""position":{"line":16,"character":20}"#) as? [String: Any]
        let start = ((definition?["range"] as? [String: Any])?["start"] as? [String: Any])
        #expect(start?["line"] as? Int == 17 && start?["character"] as? Int == 2, "\(String(describing: definition))")

        let references = ask(
            session, "textDocument/references",
            #""position":{"line":23,"character":3},"context":{"includeDeclaration":true}"#)
        #expect((references as? [Any])?.count == 3)
        let rename =
            ask(session, "textDocument/rename", #""position":{"line":23,"character":3},"newName":"done""#)
            as? [String: Any]
        let edits =
            (rename?["changes"] as? [String: Any])?["file:///tmp/laurel-lsp-test/campaign.yaml"] as? [[String: Any]]
        #expect(edits?.count == 3 && edits?.allSatisfy { $0["newText"] as? String == "done" } == true)
        let refused = session.send(
            #"{"jsonrpc":"2.0","id":6,"method":"textDocument/rename","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml"},"position":{"line":23,"character":3},"newName":"draft"}}"#
        )
        #expect(
            (refused.first?["error"] as? [String: Any])?["message"] as? String == "there is a state 'draft' already")

        // A metric: its definition and the step parameter that names it.
        let metricReferences = ask(
            session, "textDocument/references",
            #""position":{"line":9,"character":4},"context":{"includeDeclaration":true}"#)
        #expect((metricReferences as? [Any])?.count == 2, "\(String(describing: metricReferences))")
        let outline = ask(session, "textDocument/documentSymbol", #""x":0"#) as? [[String: Any]]
        #expect(outline?.map { $0["name"] as? String ?? "" } == ["draft", "phase-1", "closed"])

        func labels(_ line: Int, _ character: Int) -> [String] {
            let list = ask(
                session, "textDocument/completion", #""position":{"line":\#(line),"character":\#(character)}"#)
            return ((list as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        }
        #expect(labels(12, 9) == ["draft", "phase-1", "closed"], "after initial:")
        #expect(labels(20, 10).contains("council-review"), "after step:")
        #expect(labels(16, 18) == ["draft", "phase-1", "closed"], "a value in on: { ... }")
        #expect(labels(3, 10).contains("Asia/Ho_Chi_Minh"), "after timezone:")
        // Keys: a state's keys on a new line inside a state, a step's parameters under with:.
        _ = session.send(
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml","version":3},"contentChanges":[{"range":{"start":{"line":21,"character":0},"end":{"line":22,"character":0}},"text":"    with:\n      metric: initiatives\n      \n      target: 10\n      window: P30D\n"}]}}"#
        )
        let parameters = labels(23, 6)
        #expect(parameters.contains("end-early") && parameters.contains("window"), "\(parameters)")
        #expect(labels(22, 14).contains("initiatives"), "a metric parameter's value: the workflow's metrics")
        let stateKeys = labels(19, 4)
        #expect(
            stateKeys.contains("accepts") && stateKeys.contains("timers") && stateKeys.contains("on"), "\(stateKeys)")
        #expect(labels(8, 0).contains("councils"), "top-level keys")
    }

    @Test("quick fixes: each 'did you mean' and a number with thousands separators, as an edit of the range")
    func quickFixes() throws {
        let session = Session()
        _ = session.initialize()
        let text = Self.navigable.replacingOccurrences(of: "Asia/Ho_Chi_Minh", with: "Asia/Hanoi")
            .replacingOccurrences(of: "target: 10,", with: "target: 10.000,")
        let found = Self.diagnostics(session.open(text))
        #expect(found.filter { $0["severity"] as? Int == 1 }.count == 2, "\(found)")
        let data = try JSONSerialization.data(withJSONObject: found)
        let answer = session.send(
            #"{"jsonrpc":"2.0","id":7,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml"},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":\#(String(decoding: data, as: UTF8.self))}}}"#
        )
        let actions = answer.first { $0["id"] as? Int == 7 }?["result"] as? [[String: Any]] ?? []
        let texts = actions.compactMap { action -> String? in
            let changes = (action["edit"] as? [String: Any])?["changes"] as? [String: Any]
            return (changes?["file:///tmp/laurel-lsp-test/campaign.yaml"] as? [[String: Any]])?.first?["newText"]
                as? String
        }
        #expect(Set(texts) == ["Asia/Ho_Chi_Minh", "10000"], "\(actions)")
        #expect(actions.allSatisfy { $0["kind"] as? String == "quickfix" })
    }

    @Test("in a condition, the names after metrics., inputs. and outcome. (the state's step's outcome values)")
    func conditionNames() {
        let session = Session()
        _ = session.initialize()
        _ = session.open(Self.navigable)
        let text = Self.navigable.replacingOccurrences(
            of: "    on: { target-reached: closed, deadline: closed }",
            with:
                "    on:\n      deadline: closed\n      target-reached:\n        - if: metrics.initiatives >= 5 and outcome.\n          goto: closed"
        )
        let data = try! JSONSerialization.data(withJSONObject: [text])
        _ = session.send(
            #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/laurel-lsp-test/campaign.yaml","version":2},"contentChanges":[{"text":\#(String(decoding: data, as: UTF8.self).dropFirst().dropLast())}]}}"#
        )
        func labels(_ line: Int, _ character: Int) -> [String] {
            let list = ask(
                session, "textDocument/completion", #""position":{"line":\#(line),"character":\#(character)}"#)
            return ((list as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        }
        let line = "        - if: metrics.initiatives >= 5 and outcome."
        #expect(labels(25, line.utf16.count) == ["value", "target", "reached"])
        #expect(labels(25, "        - if: metrics.".utf16.count) == ["initiatives"])
    }

    @Test("a date-time under the cursor shows the instant in the workflow's zone and in UTC")
    func dateTimeHover() {
        let session = Session()
        _ = session.initialize()
        _ = session.open(Self.navigable.replacingOccurrences(of: "window: P30D", with: "until: 2026-05-31T23:59"))
        let line = "    with: { metric: initiatives, target: 10, until: "
        let hover = ask(session, "textDocument/hover", #""position":{"line":21,"character":\#(line.utf16.count + 3)}"#)
        let text = ((hover as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String ?? ""
        #expect(text.contains("2026-05-31 23:59 Asia/Ho_Chi_Minh") && text.contains("2026-05-31 16:59 UTC"), "\(text)")
    }
}
