/// Something wrong with a YAML file, found while reading it, with where it is.
///
/// Codes are a struct around a private enum so that new ones do not break callers.
public struct YAMLProblem: Sendable, Hashable, Error, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case syntax = "yaml-syntax"
            case duplicateKey = "duplicate-key"
            case nonScalarKey = "complex-key"
            case unknownAlias = "unknown-alias"
            case aliasLimit = "alias-limit"
            case depthLimit = "depth-limit"
            case sizeLimit = "size-limit"
            case invalidEncoding = "invalid-encoding"
            case nulByte = "nul-byte"
            case multipleDocuments = "multiple-documents"
            case emptyFile = "empty-file"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// libyaml could not read the text as YAML.
        public static let syntax = Code(.syntax)
        /// The same key appears twice in one mapping.
        public static let duplicateKey = Code(.duplicateKey)
        /// A key that is a list or a mapping.
        public static let nonScalarKey = Code(.nonScalarKey)
        /// `*name` without an `&name` before it.
        public static let unknownAlias = Code(.unknownAlias)
        /// Aliases expand to more nodes than the bound (the "billion laughs").
        public static let aliasLimit = Code(.aliasLimit)
        /// Lists and mappings nested deeper than the bound.
        public static let depthLimit = Code(.depthLimit)
        /// The file is larger than the bound.
        public static let sizeLimit = Code(.sizeLimit)
        /// The bytes are not UTF-8.
        public static let invalidEncoding = Code(.invalidEncoding)
        /// A NUL byte, which no text file contains.
        public static let nulByte = Code(.nulByte)
        /// More than one `---` document in one file.
        public static let multipleDocuments = Code(.multipleDocuments)
        /// Nothing but blanks and comments.
        public static let emptyFile = Code(.emptyFile)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    public var location: SourceLocation
    /// Further explanation, each optionally pointing at another place.
    public var notes: [Note]
    /// Whether reading stopped here: a fatal problem leaves no document to check further.
    public var isFatal: Bool

    public struct Note: Sendable, Hashable {
        public var message: String
        public var location: SourceLocation?

        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public init(_ code: Code, _ message: String, at location: SourceLocation, notes: [Note] = [], isFatal: Bool) {
        self.code = code
        self.message = message
        self.location = location
        self.notes = notes
        self.isFatal = isFatal
    }

    public var description: String { "\(location): \(message)" }
}
