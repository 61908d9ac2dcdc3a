import LaurelYAML

/// Reads organisation data from a YAML file or CSV files and checks it, with the same
/// diagnostics as workflow files: every problem at its file, line and column, with the fix.
///
/// YAML (docs/organisation.md):
///
///     laurel-organisation: 1
///     levels: [city, district, grassroots]
///     units:
///       hoan-kiem: { name: LĐLĐ quận Hoàn Kiếm, level: district }
///       ck-hang-bac: { name: CĐCS Hàng Bạc, level: grassroots, parent: hoan-kiem,
///                      counts: { members: 120, direct-production-workers: 85 } }
///     people:
///       nguyen-van-an: { name: Nguyễn Văn An, unit: hoan-kiem, roles: [council] }
///
/// CSV: a units file with the columns `id,name,level[,parent][,COUNT...]` (every other column is
/// a head count) or a people file with `id,name,unit[,roles]` (roles separated by `;`). Several
/// files read into one `Draft` make one organisation. No I/O: callers hand over the text.
public struct OrganisationReader {
    public struct Result: Sendable {
        /// The organisation when there is no error.
        public var organisation: Organisation?
        public var diagnostics: [Diagnostic]

        public init(organisation: Organisation?, diagnostics: [Diagnostic]) {
            self.organisation = organisation
            self.diagnostics = diagnostics
        }
    }

    /// What the files read so far give, with where each thing was written.
    public struct Draft: Sendable {
        var levels: [String] = []
        var levelsLocation: SourceLocation?
        var units: [(unit: Organisation.Unit, at: SourceLocation, parentAt: SourceLocation?, levelAt: SourceLocation)] =
            []
        var people: [(person: Organisation.Person, at: SourceLocation, unitAt: SourceLocation)] = []
        var diagnostics: [Diagnostic] = []

        public init() {}
    }

    public var draft = Draft()

    public init() {}

    // MARK: YAML

    public mutating func read(yaml bytes: [UInt8], file: String) {
        let loaded = YAMLLoader.load(bytes, file: file)
        draft.diagnostics += loaded.problems.map(Diagnostic.init)
        guard let root = loaded.root else { return }
        var reader = NodeReader()
        defer { draft.diagnostics += reader.diagnostics }
        guard
            let top = reader.mapping(
                root, "the organisation file", known: ["laurel-organisation", "title", "levels", "units", "people"],
                required: ["laurel-organisation", "units"])
        else { return }
        if let version = top["laurel-organisation"],
            let number = reader.integer(version.value, "'laurel-organisation'"), number != 1
        {
            reader.error(.unsupportedVersion, "'laurel-organisation' must be the number 1", at: version.value.location)
        }
        if let title = top["title"] { _ = reader.text(title.value, "'title'") }
        if let levels = top["levels"],
            let items = reader.list(levels.value, "'levels'", example: "[city, district, grassroots]")
        {
            draft.levels = items.compactMap { reader.name($0, "a level") }
            draft.levelsLocation = levels.key.location
        }
        if let units = top["units"], let named = reader.namedMapping(units.value, "'units'") {
            for (id, key, value) in named {
                let what = "unit '\(id)'"
                guard reader.isValidName(id) else {
                    let (message, notes) = reader.invalidName(id, "the unit id")
                    reader.error(.invalidValue, message, at: key.location, notes: notes)
                    continue
                }
                guard
                    let fields = reader.mapping(
                        value, what, known: ["name", "level", "parent", "counts"],
                        required: ["name", "level"], ownerLocation: key.location),
                    let name = fields["name"].flatMap({ reader.text($0.value, "the name of \(what)") }),
                    let levelPair = fields["level"], let level = reader.name(levelPair.value, "the level of \(what)")
                else { continue }
                var parent: String?
                if let pair = fields["parent"] { parent = reader.name(pair.value, "the parent of \(what)") }
                var counts: [String: Int] = [:]
                if let pair = fields["counts"], let named = reader.namedMapping(pair.value, "the counts of \(what)") {
                    for (count, _, node) in named {
                        if let number = reader.integer(node, "the count '\(count)' of \(what)", minimum: 0) {
                            counts[count] = number
                        }
                    }
                }
                draft.units.append(
                    (
                        Organisation.Unit(id: id, name: name, parent: parent, level: level, counts: counts),
                        key.location, fields["parent"]?.value.location, levelPair.value.location
                    ))
            }
        }
        if let people = top["people"], let named = reader.namedMapping(people.value, "'people'", personIDs: true) {
            for (id, key, value) in named {
                let what = "person '\(id)'"
                guard
                    let fields = reader.mapping(
                        value, what, known: ["name", "unit", "roles"], required: ["name", "unit"],
                        ownerLocation: key.location),
                    let name = fields["name"].flatMap({ reader.text($0.value, "the name of \(what)") }),
                    let unitPair = fields["unit"], let unit = reader.name(unitPair.value, "the unit of \(what)")
                else { continue }
                var roles: [String] = []
                if let pair = fields["roles"],
                    let items = reader.list(pair.value, "the roles of \(what)", example: "[council]")
                {
                    roles = items.compactMap { reader.name($0, "a role of \(what)") }
                }
                draft.people.append(
                    (
                        Organisation.Person(id: id, name: name, unit: unit, roles: roles), key.location,
                        unitPair.value.location
                    ))
            }
        }
    }

    // MARK: CSV

    public mutating func read(csv text: String, file: String) {
        let rows: [CSV.Row]
        do {
            rows = try CSV.parse(text)
        } catch {
            draft.diagnostics.append(
                .error(
                    .csvSyntax, error.message, at: SourceLocation(file: file, line: error.line, column: error.column)))
            return
        }
        guard let header = rows.first else {
            draft.diagnostics.append(
                .error(
                    .emptyFile, "the file is empty; its first row names the columns",
                    at: SourceLocation(file: file, line: 1, column: 1)))
            return
        }
        let columns = header.cells.map { $0.trimmingSpaces.lowercased() }
        func at(_ row: CSV.Row, _ index: Int) -> SourceLocation {
            SourceLocation(file: file, line: row.line, column: index < row.columns.count ? row.columns[index] : 1)
        }
        func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
        let isPeople = column("unit") != nil
        let required = isPeople ? ["id", "name", "unit"] : ["id", "name", "level"]
        let missing = required.filter { column($0) == nil }
        guard missing.isEmpty else {
            draft.diagnostics.append(
                .error(
                    .missingKey,
                    "the header lacks the column\(missing.count > 1 ? "s" : "") \(Suggestions.list(missing, conjunction: "and"))",
                    at: at(header, 0),
                    notes: [
                        .init(
                            "a units file starts with id,name,level[,parent][,COUNT...]; a people file with id,name,unit[,roles]"
                        )
                    ]))
            return
        }
        for (index, name) in columns.enumerated() where columns.firstIndex(of: name) != index {
            draft.diagnostics.append(
                .error(.duplicateKey, "the column '\(name)' is named twice", at: at(header, index)))
            return
        }
        let reader = NodeReader()
        for row in rows.dropFirst() {
            if row.cells.allSatisfy({ $0.trimmingSpaces.isEmpty }) { continue }
            guard row.cells.count == columns.count else {
                draft.diagnostics.append(
                    .error(
                        .wrongType, "this row has \(row.cells.count) cells, the header \(columns.count)",
                        at: at(row, 0),
                        notes: [.init("a cell with a comma must be in double quotes: \"Hà Nội, Việt Nam\"")]))
                continue
            }
            func cell(_ name: String) -> String? {
                guard let index = column(name) else { return nil }
                let value = row.cells[index].trimmingSpaces
                return value.isEmpty ? nil : value
            }
            func requiredCell(_ name: String) -> String? {
                if let value = cell(name) { return value }
                draft.diagnostics.append(.error(.missingKey, "the '\(name)' cell is empty", at: at(row, column(name)!)))
                return nil
            }
            guard let id = requiredCell("id"), let name = requiredCell("name") else { continue }
            guard isPeople ? reader.isValidPersonID(id) : reader.isValidName(id) else {
                let (message, notes) = reader.invalidName(id, "the id")
                draft.diagnostics.append(.error(.invalidValue, message, at: at(row, column("id")!), notes: notes))
                continue
            }
            if isPeople {
                guard let unit = requiredCell("unit") else { continue }
                let roles =
                    cell("roles").map { $0.split(separator: ";").map { $0.trimmingSpaces }.filter { !$0.isEmpty } }
                    ?? []
                draft.people.append(
                    (
                        Organisation.Person(id: id, name: name, unit: unit, roles: roles),
                        at(row, column("id")!), at(row, column("unit")!)
                    ))
            } else {
                guard let level = requiredCell("level") else { continue }
                var counts: [String: Int] = [:]
                for (index, count) in columns.enumerated() where !["id", "name", "level", "parent"].contains(count) {
                    let text = row.cells[index].trimmingSpaces
                    if text.isEmpty { continue }
                    guard let number = Int(text.filter { $0 != "_" && $0 != " " }), number >= 0 else {
                        draft.diagnostics.append(
                            .error(
                                .wrongType, "the count '\(count)' must be a whole number of people, not '\(text)'",
                                at: at(row, index)))
                        continue
                    }
                    counts[count] = number
                }
                draft.units.append(
                    (
                        Organisation.Unit(id: id, name: name, parent: cell("parent"), level: level, counts: counts),
                        at(row, column("id")!), column("parent").map { at(row, $0) }, at(row, column("level")!)
                    ))
            }
        }
    }

    // MARK: Checking

    /// Checks what was read as one organisation.
    public func finish() -> Result {
        var diagnostics = draft.diagnostics
        var unitAt: [String: SourceLocation] = [:]
        for entry in draft.units {
            if let first = unitAt[entry.unit.id] {
                diagnostics.append(
                    .error(
                        .duplicateID, "the unit id '\(entry.unit.id)' is given twice", at: entry.at,
                        notes: [.init("first given here", at: first)]))
            } else {
                unitAt[entry.unit.id] = entry.at
            }
        }
        let unitIDs = Array(unitAt.keys).sorted()
        var levelOf: [String: String] = [:]
        for entry in draft.units where levelOf[entry.unit.id] == nil { levelOf[entry.unit.id] = entry.unit.level }
        for entry in draft.units {
            if !draft.levels.isEmpty, !draft.levels.contains(entry.unit.level) {
                diagnostics.append(
                    .error(
                        .invalidValue,
                        "unit '\(entry.unit.id)' has the level '\(entry.unit.level)', which 'levels' does not list\(Suggestions.didYouMean(entry.unit.level, in: draft.levels))",
                        at: entry.levelAt,
                        notes: [.init("the levels are \(Suggestions.list(draft.levels, conjunction: "and"))")]))
            }
            guard let parent = entry.unit.parent else { continue }
            guard unitAt[parent] != nil else {
                diagnostics.append(
                    .error(
                        .unknownUnit,
                        "the parent '\(parent)' of unit '\(entry.unit.id)' is not a unit\(Suggestions.didYouMean(parent, in: unitIDs))",
                        at: entry.parentAt ?? entry.at,
                        notes: [.init("define the unit '\(parent)', or leave 'parent' empty for a unit at the top")]))
                continue
            }
            if let own = draft.levels.firstIndex(of: entry.unit.level),
                let parentLevel = levelOf[parent].flatMap({ draft.levels.firstIndex(of: $0) }),
                parentLevel >= own
            {
                diagnostics.append(
                    .error(
                        .invalidValue,
                        "unit '\(entry.unit.id)' (\(entry.unit.level)) is under '\(parent)' (\(draft.levels[parentLevel])), which is not a higher level",
                        at: entry.parentAt ?? entry.at,
                        notes: [.init("'levels' runs from the top down: \(draft.levels.joined(separator: " > "))")]))
            }
        }
        // Loops of parents: each reported once, at the first of its units in the file. Every unit
        // is walked up once (a unit seen on an earlier walk ends the walk), so a tree 8,000 deep
        // costs 8,000 steps, not 8,000 cubed.
        var parents: [String: String] = [:]
        var order: [String: Int] = [:]
        for (index, entry) in draft.units.enumerated() {
            if let parent = entry.unit.parent, parents[entry.unit.id] == nil { parents[entry.unit.id] = parent }
            if order[entry.unit.id] == nil { order[entry.unit.id] = index }
        }
        var walked: Set<String> = []
        var loops: [[String]] = []
        for entry in draft.units where !walked.contains(entry.unit.id) {
            var path: [String] = []
            var position: [String: Int] = [:]
            var current: String? = entry.unit.id
            while let id = current, !walked.contains(id), position[id] == nil {
                position[id] = path.count
                path.append(id)
                current = parents[id]
            }
            if let id = current, let start = position[id] { loops.append(Array(path[start...])) }
            walked.formUnion(path)
        }
        for loop in loops {
            // Told from the loop's first unit in the file, following its parents round.
            let first = loop.min { order[$0, default: .max] < order[$1, default: .max] } ?? loop[0]
            var chain = [first]
            while let parent = parents[chain[chain.count - 1]], parent != first, chain.count <= loop.count {
                chain.append(parent)
            }
            guard let entry = draft.units.first(where: { $0.unit.id == first }) else { continue }
            diagnostics.append(
                .error(
                    .unitCycle,
                    "the units \((chain + [first]).joined(separator: " -> ")) are each other's parents",
                    at: entry.parentAt ?? entry.at,
                    notes: [.init("one unit of the loop must have no parent, or a parent outside it")]))
        }
        var personAt: [String: SourceLocation] = [:]
        for entry in draft.people {
            if let first = personAt[entry.person.id] {
                diagnostics.append(
                    .error(
                        .duplicateID, "the person id '\(entry.person.id)' is given twice", at: entry.at,
                        notes: [.init("first given here", at: first)]))
                continue
            }
            personAt[entry.person.id] = entry.at
            if unitAt[entry.person.unit] == nil {
                diagnostics.append(
                    .error(
                        .unknownUnit,
                        "person '\(entry.person.id)' is in the unit '\(entry.person.unit)', which is not defined\(Suggestions.didYouMean(entry.person.unit, in: unitIDs))",
                        at: entry.unitAt, notes: [.init("import the units file together with the people file")]))
            }
        }
        diagnostics = diagnostics.sortedByLocation()
        guard !diagnostics.hasErrors else { return Result(organisation: nil, diagnostics: diagnostics) }
        return Result(
            organisation: Organisation(
                levels: draft.levels, units: draft.units.map(\.unit), people: draft.people.map(\.person)),
            diagnostics: diagnostics)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (no Foundation here).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
