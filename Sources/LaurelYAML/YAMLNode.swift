import Synchronization

/// A place in a source file: 1-based line and column, columns counted in characters.
///
/// Every node of a document carries one, so it is kept small and free of reference counting:
/// the file name is interned once per name and stored as a number (``FileNames``).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let fileID: UInt32
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.init(fileID: FileNames.id(of: file), line: line, column: column)
    }

    public init(fileID: UInt32, line: Int, column: Int) {
        self.fileID = fileID
        self.line = line
        self.column = column
    }

    /// The path of the file, as it was given to the loader.
    public var file: String { FileNames.name(of: fileID) }

    /// The location `offset` characters to the right on the same line.
    public func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(fileID: fileID, line: line, column: column + offset)
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        if lhs.fileID != rhs.fileID { return lhs.file < rhs.file }
        return (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// The file names locations refer to, each stored once for the life of the process.
///
/// A location that held its file name as a `String` made every copy of every node retain and
/// release it; interning cut validating a 2,000-state workflow by about a third
/// (docs/performance.md). Names are only ever added, so an id stays valid.
public enum FileNames {
    private struct Table {
        var ids: [String: UInt32] = [:]
        var names: [String] = []
    }

    private static let table = Mutex(Table())

    public static func id(of name: String) -> UInt32 {
        table.withLock { table in
            if let id = table.ids[name] { return id }
            let id = UInt32(table.names.count)
            table.names.append(name)
            table.ids[name] = id
            return id
        }
    }

    public static func name(of id: UInt32) -> String {
        table.withLock { $0.names.indices.contains(Int(id)) ? $0.names[Int(id)] : "?" }
    }
}

/// How a scalar was written, which matters for column arithmetic and for telling `"1"` from `1`.
public enum ScalarStyle: String, Sendable, Hashable {
    case plain
    case singleQuoted = "single-quoted"
    case doubleQuoted = "double-quoted"
    case literal
    case folded
}

/// A scalar exactly as written: its text is never turned into a number, a boolean or a null here.
/// The workflow language asks for a type where a key needs one.
public struct YAMLScalar: Sendable, Hashable {
    public var text: String
    public var style: ScalarStyle

    /// A plain scalar followed by a comment on its line (`message: 50 ideas # week 1`): YAML
    /// ends the text before ` #`, which a person may not expect.
    public var commentFollows = false

    public init(text: String, style: ScalarStyle) {
        self.text = text
        self.style = style
    }

    /// A plain scalar that YAML would read as null (`~`, `null`, or nothing at all).
    public var isNull: Bool {
        style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

/// One node of a YAML document with the location where it starts.
public struct YAMLNode: Sendable, Hashable {
    public indirect enum Content: Sendable, Hashable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var content: Content
    public var location: SourceLocation
    /// The explicit tag, if the file wrote one (`!!str`); nothing is inferred.
    public var tag: String?

    public init(_ content: Content, at location: SourceLocation, tag: String? = nil) {
        self.content = content
        self.location = location
        self.tag = tag
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value for a scalar key of a mapping node.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar?.text == key }?.value
    }

    /// A word for what this node is, for messages such as "expected a mapping, got a list".
    public var kindDescription: String {
        switch content {
        case .scalar(let scalar): return scalar.isNull ? "nothing" : "'\(scalar.text.truncatedForMessage)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// A key and its value in a mapping, in the order of the file.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

extension String {
    /// The text shortened to a length that reads well inside a message.
    public var truncatedForMessage: String {
        let firstLine = split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if firstLine.count <= 40 && firstLine.count == count { return firstLine }
        return String(firstLine.prefix(37)) + "..."
    }
}
