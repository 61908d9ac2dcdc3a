public import LaurelYAML

/// How serious a diagnostic is: an error stops the file from running, a warning does not.
public enum Severity: String, Sendable, Hashable, Codable {
    case error
    case warning
}

/// One problem found in a file, with where it is, what is wrong and how to fix it.
public struct Diagnostic: Sendable, Hashable {
    /// A further remark, pointing at another place in the file or at nothing in particular.
    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation?

        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation
    public var notes: [Note]

    public init(
        _ severity: Severity, _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        notes: [Note] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.notes = notes
    }

    public static func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.error, code, message, at: location, notes: notes)
    }

    public static func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.warning, code, message, at: location, notes: notes)
    }
}

extension Diagnostic {
    /// The diagnostic for a problem the YAML loader found.
    public init(_ problem: YAMLProblem) {
        let code: DiagnosticCode
        switch problem.code {
        case .duplicateKey: code = .duplicateKey
        case .nonScalarKey: code = .complexKey
        case .unknownAlias: code = .unknownAlias
        case .aliasLimit: code = .aliasLimit
        case .depthLimit: code = .depthLimit
        case .sizeLimit: code = .sizeLimit
        case .invalidEncoding: code = .invalidEncoding
        case .nulByte: code = .nulByte
        case .multipleDocuments: code = .multipleDocuments
        case .emptyFile: code = .emptyFile
        default: code = .yamlSyntax
        }
        self.init(
            .error, code, problem.message, at: problem.location,
            notes: problem.notes.map { Note($0.message, at: $0.location) })
    }
}

extension Array where Element == Diagnostic {
    public var errorCount: Int { count { $0.severity == .error } }
    public var warningCount: Int { count { $0.severity == .warning } }
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// The diagnostics in file order, so output reads top to bottom.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            lhs.element.location == rhs.element.location
                ? lhs.offset < rhs.offset
                : lhs.element.location < rhs.element.location
        }.map(\.element)
    }
}
extension Diagnostic: Error {}
