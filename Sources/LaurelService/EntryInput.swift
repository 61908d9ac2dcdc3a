import Foundation
public import LaurelCore
import LaurelStore
import LaurelYAML

// Input from people, as text: a command-line option, a CSV cell, a form field. Every front end
// reads it through these, so a value is refused with the same message wherever it was typed.

/// Turns text from the command line or a CSV cell into a value of a declared type.
public enum FieldValues {
    public static func value(_ text: String, type: EntryField.FieldType, name: String, calendar: ZonedCalendar) throws
        -> Value
    {
        switch type {
        case .integer:
            // Digits only (and '_' between them): no 1e20, no 0x1F, nothing past 2^53 that would lose precision.
            let digits = text.replacingOccurrences(of: "_", with: "")
            guard DecimalText.isWhole(text), let whole = Int64(digits),
                abs(whole) <= 9_007_199_254_740_992
            else {
                throw LaurelError(
                    .invalidInput,
                    "\(name) must be a whole number written in digits (at most 9,007,199,254,740,992), not '\(text)'")
            }
            return .number(Double(whole))
        case .number: return try value(text, type: ValueType.number, name: name, calendar: calendar)
        case .boolean: return try value(text, type: ValueType.boolean, name: name, calendar: calendar)
        case .date: return try value(text, type: ValueType.date, name: name, calendar: calendar)
        case .text, .choice, .unit, .person, .url: return .text(text)
        }
    }

    public static func value(_ text: String, type: ValueType, name: String, calendar: ZonedCalendar) throws -> Value {
        switch type {
        case .number:
            // Decimal notation only: no hex floats, infinity or NaN, and a size a person would write.
            guard DecimalText.isDecimal(text),
                let number = Double(text.replacingOccurrences(of: "_", with: "")), number.isFinite, abs(number) <= 1e15
            else {
                throw LaurelError(
                    .invalidInput,
                    "\(name) must be a number like 12 or 3.5 (at most 1,000,000,000,000,000 in size), not '\(text)'")
            }
            return .number(number)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes": return .boolean(true)
            case "false", "no": return .boolean(false)
            default: throw LaurelError(.invalidInput, "\(name) must be true or false, not '\(text)'")
            }
        case .date:
            guard case .success(let date) = DateText.parseDate(text) else {
                throw LaurelError(.invalidInput, "\(name) must be a date like 2022-05-31, not '\(text)'")
            }
            return .instant(calendar.instant(date, LocalTime(hour: 0, minute: 0)!))
        case .dateTime:
            guard case .success(let spec) = DateText.parseDateTime(text) else {
                throw LaurelError(.invalidInput, "\(name) must be a date-time like 2022-05-31T17:00, not '\(text)'")
            }
            return .instant(calendar.instant(spec, endOfDay: false))
        case .duration:
            guard case .success(let duration) = ISODuration.parse(text) else {
                throw LaurelError(.invalidInput, "\(name) must be an ISO 8601 duration like P14D, not '\(text)'")
            }
            return .duration(duration)
        case .text:
            return .text(text)
        }
    }
}

/// The forms of number people write: `[+-]?[0-9][0-9_]*` for a whole number, and with
/// `(\.[0-9]+)?([eE][+-]?[0-9]+)?` after it for a decimal. Checked byte by byte: a `Regex` was
/// four fifths of a CSV import's time (docs/performance.md).
enum DecimalText {
    static func isWhole(_ text: String) -> Bool {
        var utf8 = text.utf8[...]
        return wholePart(&utf8) && utf8.isEmpty
    }

    static func isDecimal(_ text: String) -> Bool {
        var utf8 = text.utf8[...]
        guard wholePart(&utf8) else { return false }
        if utf8.first == UInt8(ascii: ".") {
            utf8 = utf8.dropFirst()
            guard digits(&utf8) > 0 else { return false }
        }
        if utf8.first == UInt8(ascii: "e") || utf8.first == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            if utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
            guard digits(&utf8) > 0 else { return false }
        }
        return utf8.isEmpty
    }

    /// A sign, a digit, then digits and underscores.
    private static func wholePart(_ utf8: inout Substring.UTF8View) -> Bool {
        if utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        guard let first = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        while let byte = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        {
            utf8 = utf8.dropFirst()
        }
        return true
    }

    private static func digits(_ utf8: inout Substring.UTF8View) -> Int {
        var count = 0
        while let byte = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            utf8 = utf8.dropFirst()
            count += 1
        }
        return count
    }
}

public enum EntryRows {
    /// An entry with its fields typed by the entry kind's declaration.
    public static func entry(id: String, kind: String, unit: String?, pairs: [(String, String)], engine: Engine) throws
        -> Entry
    {
        guard let definition = engine.workflow.entryKinds.first(where: { $0.name == kind }) else {
            throw LaurelError(
                .notFound,
                "there is no entry kind '\(kind)'\(Suggestions.didYouMean(kind, in: engine.workflow.entryKinds.map(\.name)))"
            )
        }
        guard !id.isEmpty else { throw LaurelError(.invalidInput, "an entry needs an id") }
        var fields = NamedValues<Value>()
        for (name, text) in pairs {
            guard fields[name] == nil else {
                throw LaurelError(.invalidInput, "field '\(name)' is given twice; give each field once")
            }
            guard let field = definition.fields.first(where: { $0.name == name }) else {
                throw LaurelError(
                    .invalidInput,
                    "entries of kind '\(kind)' have no field '\(name)'\(Suggestions.didYouMean(name, in: definition.fields.map(\.name)))"
                )
            }
            fields[name] = try FieldValues.value(
                text, type: field.type, name: "field '\(name)'", calendar: engine.calendar)
        }
        return Entry(id: id, kind: kind, unit: unit, fields: fields)
    }
}

/// What an import of entries came to.
public struct EntryImport: Sendable {
    public var result: ServiceResult
    /// The rows that name an entry (blank lines left out).
    public var rows: Int
    /// Of them, the entries submitted now; the others were imported before, with the same values.
    public var submitted: Int
}

extension CampaignService {
    /// Submits the entries of a CSV file (UTF-8, a header row naming `id`, `kind` unless `kind` is
    /// given, optionally `unit`, and the kind's fields), all in one transaction, or none: every
    /// bad row is reported, as `laurel validate` reports every problem of a file, with its line
    /// as the problem's index, and nothing is written. Rows imported before with the same values
    /// are left out, so the same file can be imported again. `progress` is told how many of how
    /// many rows were handled.
    public func importEntries(
        csv bytes: [UInt8], file: String, into campaignID: String, kind: String?, now: Instant, dryRun: Bool = false,
        progress: @escaping @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> EntryImport {
        let engine = try await campaignAndEngine(campaignID).engine
        if let problem = YAMLLoader.checkText(bytes, file: file) {
            throw LaurelError(
                .invalidInput, "\(problem.location): \(problem.message); save it as UTF-8 (in Excel: 'CSV UTF-8')")
        }
        let rows: [CSV.Row]
        do {
            rows = try CSV.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw LaurelError(.invalidInput, "\(file):\(error.line):\(error.column): \(error.message)")
        }
        guard let header = rows.first else {
            throw LaurelError(.invalidInput, "\(file) is empty; its first row names the columns")
        }
        if let twice = header.cells.enumerated().first(where: { header.cells.firstIndex(of: $0.element) != $0.offset })
        {
            throw LaurelError(
                .invalidInput,
                "\(file):\(header.line): the column '\(twice.element)' is named twice; name each column once")
        }
        guard let idColumn = header.cells.firstIndex(of: "id") else {
            throw LaurelError(.invalidInput, "\(file):\(header.line): the first row has no 'id' column")
        }
        let kindColumn = header.cells.firstIndex(of: "kind")
        guard kindColumn != nil || kind != nil else {
            throw LaurelError(
                .invalidInput, "\(file):\(header.line): there is no 'kind' column; add one or pass --kind")
        }
        var problems: [(line: Int, message: String)] = []
        var events: [(event: CampaignEvent, id: String)] = []
        var lines: [Int] = []
        var rowCount = 0
        var lineOfID: [String: Int] = [:]
        for row in rows.dropFirst() where !(row.cells.count == 1 && row.cells[0].isEmpty) {
            rowCount += 1
            guard row.cells.count == header.cells.count else {
                problems.append((row.line, "\(row.cells.count) cells where the first row names \(header.cells.count)"))
                continue
            }
            let rowKind = kindColumn.map { row.cells[$0] } ?? kind ?? ""
            var pairs: [(String, String)] = []
            var unit: String?
            let fieldNames = engine.workflow.entryKinds.first { $0.name == rowKind }?.fields.map(\.name) ?? []
            for (index, name) in header.cells.enumerated() where index != idColumn && index != kindColumn {
                let cell = row.cells[index]
                // A column 'unit' that is not a field of the kind is the entry's unit, which
                // fills the kind's field of type unit (docs/workflow-language.md, entries).
                if name == "unit", !fieldNames.contains("unit") {
                    unit = cell.isEmpty ? nil : cell
                } else if !cell.isEmpty {
                    pairs.append((name, cell))
                }
            }
            if let earlier = lineOfID.updateValue(row.line, forKey: row.cells[idColumn]) {
                problems.append(
                    (row.line, "entry '\(row.cells[idColumn])' is also on line \(earlier); an id is given once"))
                continue
            }
            do {
                let entry = try EntryRows.entry(
                    id: row.cells[idColumn], kind: rowKind, unit: unit, pairs: pairs, engine: engine)
                events.append((.submit(entry), "import:\(campaignID):\(entry.id)"))
                lines.append(row.line)
            } catch let error as LaurelError {
                problems.append((row.line, error.message))
            }
        }
        let total = events.count
        var code = LaurelError.Code.invalidInput
        do {
            // With bad rows already found the others are only checked, so every problem shows at once.
            let result = try await applyAll(events, to: campaignID, now: now, dryRun: dryRun || !problems.isEmpty) {
                progress($0, total)
            }
            if problems.isEmpty {
                // A dry run's answer is what the import would come to; nothing was written.
                return EntryImport(
                    result: result, rows: total, submitted: result.logged.filter { $0.kind == "submit" }.count)
            }
        } catch let error as LaurelError where !error.problems.isEmpty {
            if problems.isEmpty { code = error.code }
            problems += error.problems.map { (lines[$0.index], $0.message) }
            problems.sort { $0.line < $1.line }
        }
        let refused = Set(problems.map(\.line)).count
        throw LaurelError(
            code,
            "\(refused.groupedByThousands) of \(rowCount.counted("row", "rows")) refused; nothing of \(file) was written",
            problems: problems.map { LaurelError.Problem(index: $0.line, message: "\(file):\($0.line): \($0.message)") }
        )
    }
}
