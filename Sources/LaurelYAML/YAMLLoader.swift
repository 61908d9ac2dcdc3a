internal import CYAML

/// Bounds that keep a hostile or broken file from exhausting memory or time.
public struct YAMLLimits: Sendable, Hashable {
    /// The largest file read, in bytes.
    public var maxBytes: Int
    /// The deepest nesting of lists and mappings.
    public var maxDepth: Int
    /// The most nodes the document may have once every alias is expanded.
    public var maxNodes: Int

    public init(maxBytes: Int = 4 << 20, maxDepth: Int = 64, maxNodes: Int = 1_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The bounds for a workflow or organisation file.
    public static let workflowFile = YAMLLimits()
}

/// What reading a file gave: the document, if it could be read, and every problem found.
public struct YAMLLoadResult: Sendable {
    /// The root node, or nil when a fatal problem stopped the reading.
    public var root: YAMLNode?
    /// Problems in the order they were found; duplicate keys do not stop the reading.
    public var problems: [YAMLProblem]
}

/// Reads one YAML document with libyaml into a tree of ``YAMLNode`` that knows its locations.
///
/// Scalars stay text: `no`, `on`, `0755` and `1e3` are not converted. Anchors are resolved by
/// sharing the anchored node; the size of what aliases expand to is bounded by ``YAMLLimits``.
public enum YAMLLoader {
    public static func load(_ bytes: [UInt8], file: String, limits: YAMLLimits = .workflowFile) -> YAMLLoadResult {
        if let problem = checkBytes(bytes, file: file, limits: limits) {
            return YAMLLoadResult(root: nil, problems: [problem])
        }
        var composer = Composer(file: file, limits: limits)
        composer.run(bytes)
        return YAMLLoadResult(
            root: composer.problems.contains(where: \.isFatal) ? nil : composer.root,
            problems: composer.problems)
    }

    public static func load(_ text: String, file: String, limits: YAMLLimits = .workflowFile) -> YAMLLoadResult {
        load(Array(text.utf8), file: file, limits: limits)
    }

    /// Checks what libyaml would either accept silently or report without a useful place.
    /// Whether `bytes` are text Laurel reads (UTF-8, no NUL byte), whatever their size: the
    /// first problem with its line and column, or nil. CSV files are checked with it.
    public static func checkText(_ bytes: [UInt8], file: String) -> YAMLProblem? {
        checkBytes(bytes, file: file, limits: YAMLLimits(maxBytes: .max))
    }

    static func checkBytes(_ bytes: [UInt8], file: String, limits: YAMLLimits) -> YAMLProblem? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        if bytes.count > limits.maxBytes {
            return YAMLProblem(
                .sizeLimit,
                "the file is \(formatBytes(bytes.count)); a workflow file may be at most \(formatBytes(limits.maxBytes))",
                at: start, notes: [.init("split the campaign into several workflow files")], isFatal: true)
        }
        var line = 1
        var column = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0 {
                return YAMLProblem(
                    .nulByte, "the file contains a NUL byte; it is not a text file",
                    at: SourceLocation(file: file, line: line, column: column),
                    notes: [.init("save the file as UTF-8 text")], isFatal: true)
            }
            let width = utf8SequenceLength(bytes, at: index)
            if width == 0 {
                return YAMLProblem(
                    .invalidEncoding, "the file is not valid UTF-8 text (byte 0x\(hex(byte)))",
                    at: SourceLocation(file: file, line: line, column: column),
                    notes: [.init("save the file with the UTF-8 encoding")], isFatal: true)
            }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += width
        }
        return nil
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 when it is not valid.
    private static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        if lead < 0x80 { return 1 }
        let length: Int
        var minimum: UInt32
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF:
            length = 2
            minimum = 0x80
            scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            length = 3
            minimum = 0x800
            scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4:
            length = 4
            minimum = 0x10000
            scalar = UInt32(lead & 0x07)
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        for offset in 1..<length {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { return 0 }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return 0 }
        return length
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    static func formatBytes(_ count: Int) -> String {
        if count >= 1 << 20 {
            let tenths = (count * 10 + (1 << 19)) >> 20
            return "\(tenths / 10).\(tenths % 10) MB"
        }
        if count >= 1 << 10 { return "\((count + 512) >> 10) KB" }
        return "\(count) bytes"
    }
}

/// Turns libyaml's event stream into nodes, one container on the stack per open list or mapping.
private struct Composer {
    private struct Container {
        var location: SourceLocation
        var tag: String?
        var anchor: String?
        var isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var pendingKey: YAMLNode?
        /// Where each key was first seen, built only once a mapping outgrows a linear scan.
        var firstSeen: [String: SourceLocation]?
        /// Nodes in this container once aliases are expanded, itself included.
        var size = 1

        /// The location of an earlier key `text` among the first `count` pairs.
        mutating func firstLocation(of text: String, before count: Int) -> SourceLocation? {
            if count < 16 {
                return pairs[..<count].first { $0.key.scalar?.text == text }?.key.location
            }
            if firstSeen == nil {
                var index: [String: SourceLocation] = [:]
                for pair in pairs[..<count] {
                    if let key = pair.key.scalar?.text, index[key] == nil { index[key] = pair.key.location }
                }
                firstSeen = index
            }
            if let first = firstSeen?[text] { return first }
            firstSeen?[text] = pairs[count].key.location
            return nil
        }
    }

    let fileID: UInt32
    let limits: YAMLLimits
    var problems: [YAMLProblem] = []
    var root: YAMLNode?
    private var stack: [Container] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var expandedNodes = 0
    private var documents = 0
    /// The bytes being read, to look past the end of a plain scalar for a comment.
    private var bytes: [UInt8] = []
    /// Where each line begins in `bytes`, worked out when first needed.
    private var lineStarts: [Int] = []
    /// The end of the last plain scalar looked past: its line, column and byte.
    private var cursor = (line: -1, column: 0, index: 0)

    init(file: String, limits: YAMLLimits) {
        self.fileID = FileNames.id(of: file)
        self.limits = limits
    }

    mutating func run(_ bytes: [UInt8]) {
        self.bytes = bytes
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            fail(.syntax, "libyaml could not start (out of memory)", at: location(line: 0, column: 0))
            return
        }
        defer { yaml_parser_delete(&parser) }
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) != 0 else {
                    reportParserError(parser)
                    return
                }
                let finished = event.type == YAML_STREAM_END_EVENT
                handle(event)
                yaml_event_delete(&event)
                if finished || problems.contains(where: \.isFatal) { return }
            }
        }
        if root == nil && !problems.contains(where: \.isFatal) {
            fail(
                .emptyFile, "the file is empty", at: location(line: 0, column: 0),
                notes: [.init("a workflow file starts with 'laurel: 1'")])
        }
    }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(fileID: fileID, line: line + 1, column: column + 1)
    }

    private func location(of mark: yaml_mark_t) -> SourceLocation {
        location(line: Int(mark.line), column: Int(mark.column))
    }

    private mutating func fail(
        _ code: YAMLProblem.Code, _ message: String, at location: SourceLocation,
        notes: [YAMLProblem.Note] = []
    ) {
        problems.append(YAMLProblem(code, message, at: location, notes: notes, isFatal: true))
    }

    private mutating func reportParserError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "the text is not valid YAML"
        var notes: [YAMLProblem.Note] = []
        if let context = parser.context.map({ String(cString: $0) }) {
            notes.append(.init("libyaml: \(context)", at: location(of: parser.context_mark)))
        }
        if let hint = Self.hint(for: problem) { notes.append(.init(hint)) }
        fail(.syntax, "this is not valid YAML: \(problem)", at: location(of: parser.problem_mark), notes: notes)
    }

    /// Advice for the libyaml messages administrators meet most.
    private static func hint(for problem: String) -> String? {
        switch problem {
        case "mapping values are not allowed in this context":
            return "a text that contains ': ' must be put in quotes, or the line is indented wrongly"
        case "found character that cannot start any token":
            return "YAML indents with spaces, never tabs; text starting with '@' or '`' must be quoted"
        case "did not find expected key", "did not find expected '-' indicator":
            return "this line's indentation does not match the lines above it"
        case "could not find expected ':'":
            return "a key must be followed by ':' and a space"
        case "found unexpected end of stream":
            return "a quoted text or a '[' or '{' list is not closed"
        default:
            return nil
        }
    }

    /// Whether a comment starts on the same line after the end of a plain scalar (libyaml's
    /// 0-based line and column, the column in characters).
    private mutating func commentFollows(line: Int, column: Int) -> Bool {
        if lineStarts.isEmpty {
            lineStarts = [0]
            for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(index + 1) }
        }
        guard line < lineStarts.count else { return false }
        // Scalars come in order, and a long flow line holds thousands: go on from the last one.
        var (index, characters) =
            cursor.line == line && cursor.column <= column ? (cursor.index, cursor.column) : (lineStarts[line], 0)
        defer { cursor = (line, column, index) }
        while characters < column, index < bytes.count {
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }  // continuation bytes
            characters += 1
        }
        let end = index
        var next = index
        while next < bytes.count, bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\t") { next += 1 }
        return next > end && next < bytes.count && bytes[next] == UInt8(ascii: "#")
    }

    private mutating func handle(_ event: yaml_event_t) {
        let start = location(of: event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail(
                    .multipleDocuments, "a workflow file holds one document; this is a second one", at: start,
                    notes: [.init("put each campaign in a file of its own")])
            }
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = Self.string(data.value, Int(data.length))
            let style: ScalarStyle
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            var scalar = YAMLScalar(text: text, style: style)
            if style == .plain {
                scalar.commentFollows = commentFollows(
                    line: Int(event.end_mark.line), column: Int(event.end_mark.column))
            }
            let node = YAMLNode(.scalar(scalar), at: start, tag: data.tag.map { Self.string($0) })
            add(node, size: 1, anchor: data.anchor.map { Self.string($0) })
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor)
            guard let anchored = anchors[name] else {
                fail(.unknownAlias, "'*\(name)' refers to no anchor '&\(name)' defined above", at: start)
                return
            }
            var node = anchored.node
            node.location = start
            add(node, size: anchored.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            open(
                Container(
                    location: start, tag: data.tag.map { Self.string($0) },
                    anchor: data.anchor.map { Self.string($0) }, isMapping: false))
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            open(
                Container(
                    location: start, tag: data.tag.map { Self.string($0) },
                    anchor: data.anchor.map { Self.string($0) }, isMapping: true))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let container = stack.popLast() else { return }
            let content: YAMLNode.Content = container.isMapping ? .mapping(container.pairs) : .sequence(container.items)
            add(
                YAMLNode(content, at: container.location, tag: container.tag), size: container.size,
                anchor: container.anchor, alreadyCounted: true)
        default:
            break
        }
    }

    private mutating func open(_ container: Container) {
        if stack.count >= limits.maxDepth {
            fail(
                .depthLimit, "lists and mappings are nested more than \(limits.maxDepth) deep",
                at: container.location,
                notes: [.init("a workflow never needs this much nesting; check the indentation")])
            return
        }
        expandedNodes += 1
        stack.append(container)
    }

    /// Adds a finished node to the open container, or makes it the document's root.
    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?, alreadyCounted: Bool = false) {
        // A closing container's nodes were counted one by one as they arrived.
        if !alreadyCounted { expandedNodes += size }
        if expandedNodes > limits.maxNodes {
            fail(
                .aliasLimit,
                "the document expands to more than \(limits.maxNodes) nodes; aliases ('*name') repeat too much",
                at: node.location,
                notes: [.init("this is how a 'billion laughs' attack looks; remove the nested aliases")])
            return
        }
        if let anchor { anchors[anchor] = (node, size) }
        guard !stack.isEmpty else {
            root = node
            return
        }
        stack[stack.count - 1].size += size
        if !stack[stack.count - 1].isMapping {
            stack[stack.count - 1].items.append(node)
            return
        }
        guard let key = stack[stack.count - 1].pendingKey else {
            stack[stack.count - 1].pendingKey = node
            return
        }
        stack[stack.count - 1].pendingKey = nil
        stack[stack.count - 1].pairs.append(YAMLPair(key: key, value: node))
        guard let text = key.scalar?.text else {
            problems.append(
                YAMLProblem(
                    .nonScalarKey, "a key must be a plain name, not \(key.kindDescription)",
                    at: key.location, isFatal: false))
            return
        }
        if let first = stack[stack.count - 1].firstLocation(of: text, before: stack[stack.count - 1].pairs.count - 1) {
            problems.append(
                YAMLProblem(
                    .duplicateKey, "key '\(text)' is written twice in this mapping; the first is on line \(first.line)",
                    at: key.location,
                    notes: [
                        .init("the first '\(text)' is here", at: first),
                        .init("keep one of the two; YAML does not merge them"),
                    ],
                    isFatal: false))
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>, _ length: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }
}
