/// The stable name of a kind of diagnostic, printed in brackets and in JSON, listed in
/// docs/diagnostics.md with an example and the fix.
///
/// A struct with static members rather than a public enum, so that new codes do not break callers.
public struct DiagnosticCode: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let rawValue: String
    /// One line saying what the code means, for `laurel` output and the docs test.
    public let summary: String

    private init(_ rawValue: String, _ summary: String) {
        self.rawValue = rawValue
        self.summary = summary
    }

    public var description: String { rawValue }

    public static func == (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public static func < (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool { lhs.rawValue < rhs.rawValue }

    // Reading the file.
    public static let yamlSyntax = DiagnosticCode("yaml-syntax", "the text is not valid YAML")
    public static let duplicateKey = DiagnosticCode("duplicate-key", "a key is written twice in one mapping")
    public static let complexKey = DiagnosticCode("complex-key", "a key is a list or a mapping")
    public static let unknownAlias = DiagnosticCode("unknown-alias", "an alias names no anchor")
    public static let aliasLimit = DiagnosticCode("alias-limit", "aliases expand beyond the bound")
    public static let depthLimit = DiagnosticCode("depth-limit", "nesting deeper than the bound")
    public static let sizeLimit = DiagnosticCode("size-limit", "the file is larger than the bound")
    public static let invalidEncoding = DiagnosticCode("invalid-encoding", "the file is not UTF-8")
    public static let nulByte = DiagnosticCode("nul-byte", "the file contains a NUL byte")
    public static let multipleDocuments = DiagnosticCode("multiple-documents", "more than one YAML document")
    public static let emptyFile = DiagnosticCode("empty-file", "the file has no content")
    public static let unreadableFile = DiagnosticCode("unreadable-file", "the file cannot be read")
    public static let csvSyntax = DiagnosticCode("csv-syntax", "the text is not valid CSV")

    // Structure.
    public static let unsupportedVersion = DiagnosticCode("unsupported-version", "the `laurel:` version is not 1")
    public static let missingKey = DiagnosticCode("missing-key", "a required key is absent")
    public static let unknownKey = DiagnosticCode("unknown-key", "a key the language does not define")
    public static let wrongType = DiagnosticCode("wrong-type", "a value of the wrong form")
    public static let invalidValue = DiagnosticCode("invalid-value", "a value outside what the key allows")
    public static let invalidDate = DiagnosticCode("invalid-date", "not a date or date-time")
    public static let invalidDuration = DiagnosticCode("invalid-duration", "not an ISO 8601 duration")
    public static let invalidCron = DiagnosticCode("invalid-cron", "not a five-field cron expression")
    public static let unknownTimeZone = DiagnosticCode("unknown-timezone", "not an IANA time zone name")
    public static let conflictingKeys = DiagnosticCode("conflicting-keys", "keys that cannot be used together")

    // References.
    public static let unknownState = DiagnosticCode("unknown-state", "a state that is not defined")
    public static let unknownEntryKind = DiagnosticCode("unknown-entry-kind", "an entry kind that is not defined")
    public static let unknownMetric = DiagnosticCode("unknown-metric", "a metric that is not defined")
    public static let unknownCouncil = DiagnosticCode("unknown-council", "a council that is not defined")
    public static let unknownEvent = DiagnosticCode("unknown-event", "an event that is not declared")
    public static let unknownStep = DiagnosticCode("unknown-step", "a step kind no plugin provides")
    public static let unknownField = DiagnosticCode("unknown-field", "an entry field that is not defined")
    public static let unknownOutcome = DiagnosticCode("unknown-outcome", "an `on:` key that is no outcome or event")
    public static let unhandledOutcome = DiagnosticCode("unhandled-outcome", "a step outcome that leads nowhere")
    public static let ambiguousNext = DiagnosticCode("ambiguous-next", "`next:` on a step with several outcomes")
    public static let branchOrder = DiagnosticCode("branch-order", "guarded branches without a final fallback")
    public static let unreachableState = DiagnosticCode("unreachable-state", "a state that `initial` never leads to")
    public static let noWayOut = DiagnosticCode("no-way-out", "a state that can never be left")
    public static let noFinalState = DiagnosticCode("no-final-state", "no final state can be reached")
    public static let quorumTooLarge = DiagnosticCode("quorum-too-large", "a quorum larger than the council")
    public static let duplicateMember = DiagnosticCode("duplicate-member", "a council member listed twice")

    // Organisation files.
    public static let duplicateID = DiagnosticCode(
        "duplicate-id", "an id given twice: a unit, a person, or a workflow in two files")
    public static let unknownUnit = DiagnosticCode("unknown-unit", "a unit that is not defined")
    public static let unitCycle = DiagnosticCode("unit-cycle", "units whose parents form a loop")

    // Expressions.
    public static let expressionSyntax = DiagnosticCode("expression-syntax", "an `if:` that cannot be read")
    public static let unknownName = DiagnosticCode("unknown-name", "a name an expression cannot resolve")
    public static let typeMismatch = DiagnosticCode("type-mismatch", "operands of the wrong type")

    // Plugins.
    public static let invalidParameter = DiagnosticCode("invalid-parameter", "a step's parameters disagree")

    // Warnings.
    public static let deadlinePassed = DiagnosticCode("deadline-passed", "a deadline already in the past")
    public static let deadlinesOutOfOrder = DiagnosticCode("deadlines-out-of-order", "a later phase ends earlier")
    public static let waitsForever = DiagnosticCode("waits-forever", "a state only an administrator can end")
    public static let cannotFinish = DiagnosticCode("cannot-finish", "a state from which no final state is reachable")
    public static let commentInText = DiagnosticCode("comment-in-text", "a text cut short by a comment on its line")

    /// Every code, in the order docs/diagnostics.md lists them.
    public static let all: [DiagnosticCode] = [
        .yamlSyntax, .duplicateKey, .complexKey, .unknownAlias, .aliasLimit, .depthLimit, .sizeLimit,
        .invalidEncoding, .nulByte, .multipleDocuments, .emptyFile, .unreadableFile, .csvSyntax,
        .unsupportedVersion, .missingKey, .unknownKey, .wrongType, .invalidValue, .invalidDate,
        .invalidDuration, .invalidCron, .unknownTimeZone, .conflictingKeys,
        .unknownState, .unknownEntryKind, .unknownMetric, .unknownCouncil, .unknownEvent, .unknownStep,
        .unknownField, .unknownOutcome, .unhandledOutcome, .ambiguousNext, .branchOrder, .unreachableState,
        .noWayOut, .noFinalState, .quorumTooLarge, .duplicateMember,
        .duplicateID, .unknownUnit, .unitCycle,
        .expressionSyntax, .unknownName, .typeMismatch,
        .invalidParameter,
        .deadlinePassed, .deadlinesOutOfOrder, .waitsForever, .cannotFinish, .commentInText,
    ]
}
