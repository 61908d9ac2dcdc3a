import Foundation
import LaurelCore
import LaurelStore

/// Why Laurel could not do what was asked; nothing was changed. Every front end presents it in
/// one place: the command-line tool maps ``code`` to an exit status, the HTTP API to a status.
public struct LaurelError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. A struct over a private enum (as postgres-nio's
    /// `PSQLError.Code`), so a code can be added without breaking a `switch` in a front end.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidRequest = "invalid-request"
            case invalidInput = "invalid-input"
            case notFound = "not-found"
            case unauthenticated
            case forbidden
            case refused
            case conflict
            case unavailable
            case preconditionFailed = "precondition-failed"
            case tooLarge = "too-large"
            case `internal`
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The request itself is wrong: an option's value that cannot be read, a file or folder
        /// that does not exist. The command line exits 2.
        public static let invalidRequest = Code(.invalidRequest)
        /// The request was read and what it carries has errors: a field's value, a CSV row, a
        /// workflow file with errors.
        public static let invalidInput = Code(.invalidInput)
        /// A campaign, workflow, entry kind or version that is not there.
        public static let notFound = Code(.notFound)
        /// No valid proof of who is asking: a missing, unknown, expired or revoked token.
        public static let unauthenticated = Code(.unauthenticated)
        /// The person's role or scope does not allow it (``Authorization``).
        public static let forbidden = Code(.forbidden)
        /// The workflow's rules refuse it now: the state does not take that event, a target is
        /// not met, a vote from someone who is not on the council.
        public static let refused = Code(.refused)
        /// It contradicts what was done before: an idempotency key used for something else, an
        /// import row changed since it was imported.
        public static let conflict = Code(.conflict)
        /// The store could not be used: the database is locked, damaged, or the disk is full.
        /// Trying again later (or after repairing the store) may succeed.
        public static let unavailable = Code(.unavailable)
        /// The campaign changed since the version the request names (HTTP `If-Match`).
        public static let preconditionFailed = Code(.preconditionFailed)
        /// The request is larger than Laurel takes (a body, a file).
        public static let tooLarge = Code(.tooLarge)
        /// A fault in Laurel itself or in stored data it cannot read.
        public static let `internal` = Code(.internal)

        /// A stable name for programs (`--format json`, the HTTP API's problem documents).
        public var description: String { base.rawValue }
    }

    /// One refused item of a batch (an import's row), or one wrong field of a request.
    public struct Problem: Sendable, Equatable {
        /// Where it is: its index in the batch the service was given, or the line of the file a
        /// front end read the batch from.
        public var index: Int
        /// The field it is about, as a JSON pointer into the request (`/fields/savings-vnd`);
        /// nil for a batch's item.
        public var field: String?
        public var message: String

        public init(index: Int, message: String) {
            self.index = index
            self.field = nil
            self.message = message
        }

        public init(field: String, message: String) {
            self.index = 0
            self.field = field
            self.message = message
        }
    }

    public var code: Code
    /// What went wrong and, where it can, how to fix it; for people.
    public var message: String
    /// Each refused item of a batch, when the error is about several; empty otherwise.
    public var problems: [Problem]

    public init(_ code: Code, _ message: String, problems: [Problem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var description: String { message }

    /// Any error as a `LaurelError`: the engine's refusals keep their reason, a store's errors are
    /// said in words (never a backend's result code alone), anything else is internal.
    public init(_ error: any Error) {
        switch error {
        case let error as LaurelError: self = error
        case let refusal as Refusal: self.init(.refused, refusal.reason)
        case let duplicate as DuplicateEntry: self.init(.refused, duplicate.descriptionForPeople)
        case is any StoreErrorDescribing, is CocoaError: self.init(.unavailable, StoreMessages.describe(error))
        case let error as NSError where error.domain == NSPOSIXErrorDomain:
            self.init(.unavailable, StoreMessages.describe(error))
        default: self.init(.internal, StoreMessages.describe(error))
        }
    }
}

/// As a program reads it (`--format json` on standard error):
/// `{"error": CODE, "message": ..., "problems": [{"at": INDEX, "message": ...}]}`.
extension LaurelError: Encodable {
    enum CodingKeys: String, CodingKey { case error, message, problems }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code.description, forKey: .error)
        try container.encode(message, forKey: .message)
        try container.encode(problems, forKey: .problems)
    }
}

extension LaurelError.Problem: Encodable {
    enum CodingKeys: String, CodingKey {
        case index = "at"
        case field
        case message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let field {
            try container.encode(field, forKey: .field)
        } else {
            try container.encode(index, forKey: .index)
        }
        try container.encode(message, forKey: .message)
    }
}
