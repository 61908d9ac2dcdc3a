import Foundation
public import LaurelCore
import LaurelYAML

/// Laurel's language server: it keeps the editor's buffers and publishes, for each, the
/// diagnostics `laurel validate` gives for the same text, with positions in the editor's
/// encoding. It runs on one thread: the command feeds it bytes and writes what it returns.
public final class LanguageServer {
    /// A buffer the editor has open.
    struct Document {
        var text: String
        var version: Int
        var file: String
        /// The workflow last read from the buffer (kept while an error stops the reading).
        var workflow: Workflow?
    }

    let validator: WorkflowValidator
    /// The language's JSON Schema with this build's plugins: the keys and choices completion offers.
    let schema: JSONValue
    let clock: () -> Int64
    let log: (String) -> Void
    private var framer = MessageFramer()
    private var documents: [String: Document] = [:]
    /// Buffers changed since their diagnostics were last published, and buffers closed.
    private var dirty: Set<String> = []
    private var closed: [String] = []
    private(set) var encoding = PositionEncoding.utf16
    private var initialized = false
    private var shuttingDown = false
    /// Set by `exit`: 0 after `shutdown`, 1 without it (as the protocol says).
    public private(set) var exitCode: Int32?

    /// What is checked beyond the buffer itself: its organisation files and the workflow files
    /// beside it on disk, as `laurel validate` checks them.
    let besides: (Workflow?, String) -> [Diagnostic]

    public init(
        registry: PluginRegistry, clock: @escaping () -> Int64, log: @escaping (String) -> Void,
        besides: @escaping (Workflow?, String) -> [Diagnostic] = { _, _ in [] }
    ) {
        validator = WorkflowValidator(registry: registry)
        schema = WorkflowSchema.make(registry: registry)
        self.clock = clock
        self.log = log
        self.besides = besides
    }

    /// Takes bytes from the editor and returns the framed messages to write back: the answers,
    /// then the diagnostics of every buffer changed by these bytes (a burst of typing is checked
    /// once, at its latest text).
    public func receive(_ bytes: some Collection<UInt8>) -> [UInt8] {
        framer.append(bytes)
        var out: [UInt8] = []
        while exitCode == nil, let frame = framer.next() {
            switch frame {
            case .message(let body):
                for reply in handle(body) { out += MessageFramer.frame(Array(reply.rendered(pretty: false).utf8)) }
            case .malformed(let reason):
                log("skipped: \(reason)")
            }
        }
        for uri in dirty.sorted() {
            out += MessageFramer.frame(Array(publish(uri).rendered(pretty: false).utf8))
        }
        // A closed buffer's diagnostics go with it.
        for uri in closed {
            out += MessageFramer.frame(Array(Self.diagnostics(uri: uri, version: nil, []).rendered(pretty: false).utf8))
        }
        dirty.removeAll()
        closed.removeAll()
        return out
    }

    /// The editor closed the connection: the server ends as after `exit`.
    public func endOfInput() {
        if exitCode == nil { exitCode = shuttingDown ? 0 : 1 }
    }

    // MARK: Messages

    func handle(_ body: [UInt8]) -> [JSONValue] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return [Self.error(id: .null, code: -32700, "the message is not a JSON object")]
        }
        let id = object["id"].flatMap(Self.idValue)
        guard let method = object["method"] as? String else {
            // A response to a request of ours (the server sends none) or a message without a method.
            return id == nil ? [] : [Self.error(id: id!, code: -32600, "a request needs a method")]
        }
        let params = object["params"] as? [String: Any] ?? [:]
        if let id {
            // A question about a buffer changed in this burst is answered on its latest text.
            var replies: [JSONValue] = []
            if let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String, dirty.contains(uri) {
                replies.append(publish(uri))
                dirty.remove(uri)
            }
            return replies + [request(method, params: params, id: id)]
        }
        notification(method, params: params)
        return []
    }

    private func request(_ method: String, params: [String: Any], id: JSONValue) -> JSONValue {
        if shuttingDown, method != "shutdown" {
            return Self.error(id: id, code: -32600, "the server is shutting down")
        }
        guard initialized || method == "initialize" else {
            return Self.error(id: id, code: -32002, "the server is not initialized yet")
        }
        switch method {
        case "initialize":
            initialized = true
            let general = (params["capabilities"] as? [String: Any])?["general"] as? [String: Any]
            let offered = general?["positionEncodings"] as? [String] ?? []
            encoding = offered.contains("utf-8") ? .utf8 : .utf16
            return Self.result(
                id: id,
                .object([
                    (
                        "capabilities",
                        .object([
                            ("positionEncoding", .string(encoding.rawValue)),
                            (
                                "textDocumentSync",
                                .object([("openClose", .bool(true)), ("change", .number(2))])
                            ),
                            ("hoverProvider", .bool(true)), ("definitionProvider", .bool(true)),
                            ("referencesProvider", .bool(true)), ("renameProvider", .bool(true)),
                            ("documentSymbolProvider", .bool(true)),
                            (
                                "completionProvider",
                                .object([("triggerCharacters", .array([.string(":"), .string(" ")]))])
                            ),
                            ("codeActionProvider", .object([("codeActionKinds", .array([.string("quickfix")]))])),
                        ])
                    ),
                    ("serverInfo", .object([("name", .string("laurel")), ("version", .string("1"))])),
                ]))
        case "shutdown":
            shuttingDown = true
            return Self.result(id: id, .null)
        case "textDocument/hover", "textDocument/definition", "textDocument/references", "textDocument/rename",
            "textDocument/documentSymbol", "textDocument/completion", "textDocument/codeAction":
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String, let document = documents[uri]
            else {
                return Self.error(id: id, code: -32602, "'\(method)' names no open document")
            }
            let position = Self.position(params["position"])
            if position == nil, !["textDocument/documentSymbol", "textDocument/codeAction"].contains(method) {
                return Self.error(id: id, code: -32602, "'\(method)' needs a position")
            }
            let at = position ?? Position(line: 0, character: 0)
            switch method {
            case "textDocument/hover": return Self.result(id: id, hover(document, at: at))
            case "textDocument/definition": return Self.result(id: id, definition(document, uri: uri, at: at))
            case "textDocument/references":
                let declaration = (params["context"] as? [String: Any])?["includeDeclaration"] as? Bool ?? true
                return Self.result(id: id, references(document, uri: uri, at: at, declaration: declaration))
            case "textDocument/rename":
                guard let name = params["newName"] as? String else {
                    return Self.error(id: id, code: -32602, "a rename needs newName")
                }
                do {
                    return Self.result(id: id, try rename(document, uri: uri, at: at, to: name))
                } catch {
                    return Self.error(id: id, code: error.code, error.message)
                }
            case "textDocument/documentSymbol": return Self.result(id: id, documentSymbols(document))
            case "textDocument/completion": return Self.result(id: id, completion(document, at: at))
            default:
                let diagnostics = (params["context"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? []
                return Self.result(id: id, codeActions(uri: uri, diagnostics: diagnostics))
            }
        default:
            return Self.error(id: id, code: -32601, "this server does not answer '\(method)'")
        }
    }

    private func notification(_ method: String, params: [String: Any]) {
        switch method {
        case "exit":
            exitCode = shuttingDown ? 0 : 1
        case "textDocument/didOpen":
            guard initialized, let item = params["textDocument"] as? [String: Any], let uri = item["uri"] as? String,
                let text = item["text"] as? String
            else { return log("didOpen without a text document") }
            documents[uri] = Document(
                text: text, version: item["version"] as? Int ?? 0, file: Self.fileName(uri), workflow: nil)
            dirty.insert(uri)
        case "textDocument/didChange":
            guard initialized, let item = params["textDocument"] as? [String: Any], let uri = item["uri"] as? String,
                var document = documents[uri], let changes = params["contentChanges"] as? [[String: Any]]
            else { return log("didChange for a document not open") }
            for change in changes {
                guard let text = change["text"] as? String else { continue }
                if let range = change["range"] as? [String: Any], let start = Self.position(range["start"]),
                    let end = Self.position(range["end"])
                {
                    let index = LineIndex(document.text)
                    var bytes = Array(document.text.utf8)
                    let from = min(index.offset(of: start, encoding: encoding), bytes.count)
                    let to = max(from, min(index.offset(of: end, encoding: encoding), bytes.count))
                    bytes.replaceSubrange(from..<to, with: Array(text.utf8))
                    document.text = String(decoding: bytes, as: UTF8.self)
                } else {
                    document.text = text
                }
            }
            document.version = item["version"] as? Int ?? document.version
            documents[uri] = document
            dirty.insert(uri)
        case "textDocument/didClose":
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else { return }
            documents[uri] = nil
            dirty.remove(uri)
            closed.append(uri)
        default:
            break
        }
    }

    // MARK: Diagnostics

    /// The diagnostics of buffer `uri` as `laurel validate` finds them, in the editor's positions.
    func publish(_ uri: String) -> JSONValue {
        guard let document = documents[uri] else { return Self.diagnostics(uri: uri, version: nil, []) }
        let result = validator.validate(Array(document.text.utf8), file: document.file, now: clock())
        let index = LineIndex(document.text)
        if let workflow = result.workflow { documents[uri]?.workflow = workflow }
        let all = result.diagnostics + besides(result.workflow, document.file)
        let items = all.filter { $0.location.file == document.file }.map { diagnostic -> JSONValue in
            let location = diagnostic.location
            var fields: [(String, JSONValue)] = [
                ("range", range(index, line: location.line, column: location.column)),
                ("severity", .number(diagnostic.severity == .error ? 1 : 2)),
                ("code", .string(diagnostic.code.rawValue)),
                ("source", .string("laurel")),
                ("message", .string(diagnostic.message)),
            ]
            if !diagnostic.notes.isEmpty {
                fields.append(
                    (
                        "relatedInformation",
                        .array(
                            diagnostic.notes.map { note in
                                let at = note.location ?? location
                                return .object([
                                    (
                                        "location",
                                        .object([
                                            ("uri", .string(uri)),
                                            ("range", range(index, line: at.line, column: at.column)),
                                        ])
                                    ),
                                    ("message", .string(note.message)),
                                ])
                            })
                    ))
            }
            return .object(fields)
        }
        return Self.diagnostics(uri: uri, version: document.version, items)
    }

    func range(_ index: LineIndex, line: Int, column: Int) -> JSONValue {
        let start = index.position(line: line, column: column, encoding: encoding)
        let end = index.tokenEnd(line: line, column: column, encoding: encoding)
        return .object([("start", Self.json(start)), ("end", Self.json(end))])
    }

    static func diagnostics(uri: String, version: Int?, _ items: [JSONValue]) -> JSONValue {
        var params: [(String, JSONValue)] = [("uri", .string(uri))]
        if let version { params.append(("version", .number(Double(version)))) }
        params.append(("diagnostics", .array(items)))
        return .object([
            ("jsonrpc", .string("2.0")), ("method", .string("textDocument/publishDiagnostics")),
            ("params", .object(params)),
        ])
    }

    // MARK: JSON

    static func json(_ position: Position) -> JSONValue {
        .object([("line", .number(Double(position.line))), ("character", .number(Double(position.character)))])
    }

    static func position(_ value: Any?) -> Position? {
        guard let object = value as? [String: Any], let line = object["line"] as? Int,
            let character = object["character"] as? Int, line >= 0, character >= 0
        else { return nil }
        return Position(line: line, character: character)
    }

    static func idValue(_ value: Any) -> JSONValue? {
        if let text = value as? String { return .string(text) }
        if let number = value as? NSNumber { return .number(number.doubleValue) }
        return nil
    }

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)])
    }

    static func error(id: JSONValue, code: Int, _ message: String) -> JSONValue {
        .object([
            ("jsonrpc", .string("2.0")), ("id", id),
            ("error", .object([("code", .number(Double(code))), ("message", .string(message))])),
        ])
    }

    /// The path of a `file://` URI (percent-decoded), else the URI itself: the name diagnostics
    /// are filed under.
    static func fileName(_ uri: String) -> String {
        guard uri.hasPrefix("file://") else { return uri }
        let path = String(uri.dropFirst("file://".count))
        return path.removingPercentEncoding ?? path
    }
}
