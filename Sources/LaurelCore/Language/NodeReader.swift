public import LaurelYAML

/// The known keys of a mapping with their pairs. Mappings in workflows have a handful of keys,
/// so a linear search beats hashing, and it keeps the file's order.
public struct KeyedPairs {
    public var pairs: [(key: String, pair: YAMLPair)] = []

    public subscript(key: String) -> YAMLPair? {
        pairs.first { $0.key == key }?.pair
    }
}

/// Reads typed values out of YAML nodes, collecting a diagnostic for every problem instead of
/// stopping at the first. Each reader returns nil when the value is unusable, so later checks
/// skip it rather than pile more errors on the same mistake.
public struct NodeReader {
    public var diagnostics: [Diagnostic] = []
    private var schedules: [String: RepeatSchedule] = [:]

    public init() {}

    public mutating func error(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(.error(code, message, at: location, notes: notes))
    }

    public mutating func warning(
        _ code: DiagnosticCode, _ message: String, at location: SourceLocation,
        notes: [Diagnostic.Note] = []
    ) {
        diagnostics.append(.warning(code, message, at: location, notes: notes))
    }

    /// The pairs of a mapping by key, after reporting unknown keys (with a suggestion) and
    /// missing required ones. `what` names the mapping in messages ("state 'phase-1'").
    public mutating func mapping(
        _ node: YAMLNode, _ what: String, known: [String], required: [String] = [],
        ownerLocation: SourceLocation? = nil
    ) -> KeyedPairs? {
        guard let pairs = node.mapping else {
            error(
                .wrongType, "\(what) must be a mapping of keys, got \(node.kindDescription)", at: node.location,
                notes: [.init("expected keys such as \(Suggestions.list(Array(known.prefix(4)), conjunction: "and"))")])
            return nil
        }
        var result = KeyedPairs()
        var suggested: Set<String> = []
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { continue }
            if known.contains(key) {
                if result[key] == nil { result.pairs.append((key, pair)) }
            } else if let suggestion = unknownKey(key, in: what, known: known, at: pair.key.location) {
                suggested.insert(suggestion)
            }
        }
        // A misspelt required key was reported with its suggestion; one message is enough.
        for key in required where result[key] == nil && !suggested.contains(key) {
            error(.missingKey, "the key '\(key)' is missing from \(what)", at: ownerLocation ?? node.location)
        }
        return result
    }

    /// Reports an unknown key and returns the known key it was probably meant to be.
    @discardableResult
    mutating func unknownKey(_ key: String, in what: String, known: [String], at location: SourceLocation) -> String? {
        let suggestion = Suggestions.closest(to: key, in: known)
        var notes: [Diagnostic.Note] = []
        if suggestion == nil {
            notes.append(.init("the keys allowed here are \(Suggestions.list(known, conjunction: "and"))"))
        }
        error(
            .unknownKey, "unknown key '\(key)' in \(what)\(suggestion.map { " (did you mean '\($0)'?)" } ?? "")",
            at: location, notes: notes)
        return suggestion
    }

    /// The pairs of a mapping whose keys are names the file chooses (states, metrics, ...).
    /// `personIDs`: the keys are people's ids, which may have one prefix (`hd/nguyen-van-hung`,
    /// as councils list their members).
    public mutating func namedMapping(_ node: YAMLNode, _ what: String, personIDs: Bool = false) -> [(
        name: String, key: YAMLNode, value: YAMLNode
    )]? {
        guard let pairs = node.mapping else {
            error(.wrongType, "\(what) must be a mapping of names, got \(node.kindDescription)", at: node.location)
            return nil
        }
        var result: [(String, YAMLNode, YAMLNode)] = []
        var seen: Set<String> = []
        for pair in pairs {
            guard let name = pair.key.scalar?.text, seen.insert(name).inserted else { continue }
            guard personIDs ? isValidPersonID(name) : isValidName(name) else {
                var (message, notes) = invalidName(name, "this key")
                if personIDs { notes.append(.init("a person's id may have one prefix, like 'hd/nguyen-van-hung'")) }
                error(.invalidValue, message, at: pair.key.location, notes: notes)
                continue
            }
            result.append((name, pair.key, pair.value))
        }
        return result
    }

    /// ASCII letters and digits, then also '-' and '_'; checked on bytes because it runs for
    /// every name in the file.
    /// Why `text` is not a name, and the name it could be: names are plain ASCII, so a
    /// Vietnamese word is offered without its diacritics (`phát-động` -> `phat-dong`).
    public func invalidName(_ text: String, _ what: String) -> (message: String, notes: [Diagnostic.Note]) {
        let plain = VietnameseCollation.ascii(text)
        let notes =
            isValidName(plain) && plain != text
            ? [Diagnostic.Note("as a name it reads '\(plain.truncatedForMessage)'")] : []
        return (
            "\(what) must be a name of ASCII letters (a to z, without diacritics), digits, '-' and '_', starting with a letter or digit, got '\(text.truncatedForMessage)'",
            notes
        )
    }

    /// A name, or two joined by '/': councils list members with a prefix (`hd/nguyen-van-hung`).
    public func isValidPersonID(_ id: String) -> Bool {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count <= 2 && parts.allSatisfy { isValidName(String($0)) }
    }

    func isValidName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let lower = byte | 0x20
            let alphanumeric = (lower >= 97 && lower <= 122) || (byte >= 48 && byte <= 57)
            guard alphanumeric || (!first && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_"))) else {
                return false
            }
            first = false
        }
        return !first
    }

    public mutating func text(_ node: YAMLNode, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.isNull else {
            error(.wrongType, "\(what) must be a text, got \(node.kindDescription)", at: node.location)
            return nil
        }
        // Words followed by ' # ...' on the same line: YAML keeps only the words.
        if scalar.commentFollows, scalar.text.contains(" ") {
            warning(
                .commentInText,
                "\(what) ends before the '#' that follows it on this line: YAML reads ' #' as the start of a comment, so the text is '\(scalar.text.truncatedForMessage)'",
                at: node.location, notes: [.init("to keep the '#' and what follows, put the whole text in quotes")])
        }
        return scalar.text
    }

    /// A name of something the file defines, checked for its form.
    public mutating func name(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = text(node, what) else { return nil }
        guard isValidName(text) else {
            let (message, notes) = invalidName(text, what)
            error(.invalidValue, message, at: node.location, notes: notes)
            return nil
        }
        return text
    }

    public mutating func boolean(_ node: YAMLNode, _ what: String) -> Bool? {
        if let scalar = node.scalar, scalar.style == .plain {
            if scalar.text == "true" { return true }
            if scalar.text == "false" { return false }
        }
        var notes: [Diagnostic.Note] = []
        if let text = node.scalar?.text,
            ["yes", "no", "on", "off", "y", "n", "True", "False", "TRUE", "FALSE"].contains(text)
        {
            notes.append(
                .init("Laurel reads only 'true' and 'false' as yes/no values, so '\(text)' is never taken for one"))
        }
        error(.wrongType, "\(what) must be true or false, got \(node.kindDescription)", at: node.location, notes: notes)
        return nil
    }

    public mutating func integer(_ node: YAMLNode, _ what: String, minimum: Int? = nil, maximum: Int? = nil) -> Int? {
        let expectation = ParameterType.integer(minimum: minimum, maximum: maximum).expectation
        guard let scalar = node.scalar, !scalar.isNull else {
            error(.wrongType, "\(what) must be \(expectation), got \(node.kindDescription)", at: node.location)
            return nil
        }
        let text = scalar.text
        guard scalar.style == .plain else {
            error(
                .wrongType, "\(what) must be \(expectation), got the quoted text '\(text.truncatedForMessage)'",
                at: node.location, notes: [.init("remove the quotes")])
            return nil
        }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
            var notes: [Diagnostic.Note] = []
            if text.contains(".") || text.contains(",") || text.contains("_") || text.contains(" "),
                text.allSatisfy({ $0.isNumber || ".,_ ".contains($0) })
            {
                let plain = text.filter(\.isNumber)
                notes.append(.init("write numbers without thousands separators: \(plain)"))
            }
            error(
                .wrongType, "\(what) must be \(expectation), got '\(text.truncatedForMessage)'", at: node.location,
                notes: notes)
            return nil
        }
        if digits.count > 1, digits.first == "0" {
            error(
                .wrongType, "\(what) must be \(expectation), got '\(text)' with a leading zero",
                at: node.location, notes: [.init("write \(value) (a leading zero means octal in older YAML)")])
            return nil
        }
        if let minimum, value < minimum {
            error(.invalidValue, "\(what) must be at least \(minimum), got \(value)", at: node.location)
            return nil
        }
        if let maximum, value > maximum {
            error(.invalidValue, "\(what) must be at most \(maximum), got \(value)", at: node.location)
            return nil
        }
        return value
    }

    public mutating func number(_ node: YAMLNode, _ what: String, minimum: Double? = nil) -> Double? {
        let expectation = ParameterType.number(minimum: minimum).expectation
        guard let scalar = node.scalar, scalar.style == .plain, !scalar.isNull,
            scalar.text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
            let value = Double(scalar.text), value.isFinite
        else {
            error(.wrongType, "\(what) must be \(expectation), got \(node.kindDescription)", at: node.location)
            return nil
        }
        if let minimum, value < minimum {
            error(
                .invalidValue, "\(what) must be at least \(minimum.formattedForMessage), got \(scalar.text)",
                at: node.location)
            return nil
        }
        return value
    }

    /// The location of a character inside a scalar's text, for errors within it.
    public func location(in node: YAMLNode, offset: Int) -> SourceLocation {
        guard let scalar = node.scalar, !scalar.text.contains("\n") else { return node.location }
        switch scalar.style {
        case .plain: return node.location.advanced(by: offset)
        case .singleQuoted, .doubleQuoted: return node.location.advanced(by: offset + 1)
        case .literal, .folded: return node.location
        }
    }

    public mutating func date(_ node: YAMLNode, _ what: String) -> LocalDate? {
        guard let text = text(node, what) else { return nil }
        switch DateText.parseDate(text) {
        case .success(let date): return date
        case .failure(let failure):
            error(.invalidDate, "\(what): \(failure.message)", at: location(in: node, offset: failure.offset))
            return nil
        }
    }

    public mutating func dateTime(_ node: YAMLNode, _ what: String) -> DateTimeSpec? {
        guard let text = text(node, what) else { return nil }
        switch DateText.parseDateTime(text) {
        case .success(let spec): return spec
        case .failure(let failure):
            error(.invalidDate, "\(what): \(failure.message)", at: location(in: node, offset: failure.offset))
            return nil
        }
    }

    public mutating func duration(_ node: YAMLNode, _ what: String) -> ISODuration? {
        guard let text = text(node, what) else { return nil }
        switch ISODuration.parse(text) {
        case .success(let duration): return duration
        case .failure(let failure):
            error(.invalidDuration, "\(what): \(failure.message)", at: location(in: node, offset: failure.offset))
            return nil
        }
    }

    public mutating func schedule(_ node: YAMLNode, _ what: String) -> RepeatSchedule? {
        guard let text = text(node, what) else { return nil }
        // Large workflows repeat the same few schedules in every state.
        if let known = schedules[text] { return known }
        switch RepeatSchedule.parse(text) {
        case .success(let schedule):
            schedules[text] = schedule
            return schedule
        case .failure(let failure):
            error(.invalidCron, "\(what): \(failure.message)", at: location(in: node, offset: failure.offset))
            return nil
        }
    }

    public mutating func choice(_ node: YAMLNode, _ what: String, _ options: [String]) -> String? {
        guard let text = text(node, what) else { return nil }
        guard options.contains(text) else {
            error(
                .invalidValue,
                "\(what) must be one of \(Suggestions.list(options)), got '\(text.truncatedForMessage)'\(Suggestions.didYouMean(text, in: options))",
                at: node.location)
            return nil
        }
        return text
    }

    /// The items of a list.
    public mutating func list(_ node: YAMLNode, _ what: String, example: String) -> [YAMLNode]? {
        guard let items = node.sequence else {
            error(.wrongType, "\(what) must be a list like \(example), got \(node.kindDescription)", at: node.location)
            return nil
        }
        return items
    }
}
