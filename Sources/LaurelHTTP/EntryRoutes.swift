import Foundation
import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore

/// An entry as the API shows it; `score` only once the campaign's results are out.
struct EntryView: Encodable, Sendable {
    var id: String
    var kind: String
    var unit: String?
    var submitted: String
    var fields: [String: String]
    var total: Double?

    init(_ entry: Entry, calendar: ZonedCalendar, showScore: Bool) {
        id = entry.id
        kind = entry.kind
        unit = entry.unit
        submitted = calendar.format(entry.submittedAt)
        fields = Dictionary(
            entry.fields.names.map { ($0, entry.fields[$0]?.description ?? "") }, uniquingKeysWith: { a, _ in a })
        total = showScore ? entry.score?.total : nil
    }
}

extension LaurelAPI {
    func addEntryRoutes(to api: RouterGroup<APIContext>) {
        api.get("campaigns/:id/entries") { _, context in
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let (campaign, engine, facts) = try await service.campaignWithFacts(id, withEntries: true)
            try await authorize(principal, .readEntries, campaign: facts)
            let organisation = try await service.organisationInUse()
            let ownUnit = organisation.person(principal.person)?.unit
            let entries = campaign.entries.array.filter { entry in
                switch principal.role {
                case .administrator: return true
                // A unit officer sees the entries of their units.
                case .unitOfficer:
                    return Authorization.decide(
                        principal, .submitEntry(unit: entry.unit), campaign: facts, organisation: organisation
                    ).isAllowed
                // A council member never sees an entry of their own unit: they may not score it.
                case .councilMember: return entry.unit == nil || entry.unit != ownUnit
                case .observer, .auditor: return false
                }
            }
            return JSONBody(
                entries.map {
                    EntryView(
                        $0, calendar: engine.calendar,
                        showScore: facts.isPublished || principal.role == .administrator)
                })
        }
        api.post("campaigns/:id/entries") { request, context in
            struct Body: JSONRequest {
                static let keys: Set<String> = ["id", "kind", "unit", "fields"]
                var id: String
                var kind: String
                var unit: String?
                var fields: [String: FieldText]?
            }
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let body = try await request.json(Body.self)
            // One transaction: the campaign read, the fields typed by its engine, the decision on
            // the campaign as it is then, and the submission.
            return try await change(
                to: id, request: request, principal: principal, status: .created,
                action: { engine in
                    let unit =
                        body.unit
                        ?? engine.workflow.entryKinds.first { $0.name == body.kind }?.unitField
                        .flatMap { body.fields?[$0.name]?.text }
                    return .submitEntry(unit: unit)
                },
                event: { engine in
                    let unit =
                        body.unit
                        ?? engine.workflow.entryKinds.first { $0.name == body.kind }?.unitField
                        .flatMap { body.fields?[$0.name]?.text }
                    var entry = try Self.entry(
                        id: body.id, kind: body.kind, unit: unit, fields: body.fields ?? [:], engine: engine)
                    entry.submittedBy = principal.person
                    return .submit(entry)
                })
        }
        api.post("campaigns/:id/entries/:entry/withdraw") { request, context in
            let id = try context.parameters.require("id")
            let entryID = try context.parameters.require("entry")
            let principal = try context.requirePrincipal()
            let (campaign, _, facts) = try await service.campaignWithFacts(id, withEntries: true)
            guard let entry = campaign.entries.array.first(where: { $0.id == entryID }) else {
                throw LaurelError(.notFound, "campaign '\(id)' has no entry '\(entryID)'")
            }
            try await authorize(principal, .withdrawEntry(unit: entry.unit), campaign: facts)
            return try await change(
                .withdraw(entry: entryID), to: id, request: request, principal: principal,
                action: .withdrawEntry(unit: entry.unit))
        }
        api.post("campaigns/:id/entries/import") { request, context in
            let id = try context.parameters.require("id")
            let principal = try context.requirePrincipal()
            let kind = request.uri.queryParameters.get("kind")
            let (_, engine, facts) = try await service.campaignWithFacts(id)
            try await authorize(principal, .submitEntry(unit: principal.unit ?? facts.unit), campaign: facts)
            let bytes = try await request.file(upTo: Limits.csvBody, what: "a CSV file of entries")
            // Every row's unit must be in the person's scope: the rows are read as the import will.
            let units = try Self.csvUnits(bytes, engine: engine, kind: kind)
            for (line, unit) in units {
                if case .deny(let reason) = Authorization.decide(
                    principal, .submitEntry(unit: unit), campaign: facts,
                    organisation: try await service.organisationInUse()
                ) {
                    throw Problem(
                        LaurelError(.forbidden, "line \(line): \(reason); nothing was imported"),
                        errors: [.init(pointer: nil, line: line, detail: reason)])
                }
            }
            let imported = try await Self.counting("import") {
                try await service.importEntries(csv: bytes, file: "upload.csv", into: id, kind: kind, now: clock())
            }
            return JSONBody(ImportView(imported, campaign: id))
        }
    }

    /// An entry from a request's fields, each wrong field named with its JSON pointer, all at once.
    static func entry(id: String, kind: String, unit: String?, fields: [String: FieldText], engine: Engine) throws
        -> Entry
    {
        let pairs = fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.text) }
        var problems: [LaurelError.Problem] = []
        for pair in pairs {
            do {
                _ = try EntryRows.entry(id: id, kind: kind, unit: unit, pairs: [pair], engine: engine)
            } catch let error as LaurelError where error.code == .invalidInput {
                problems.append(.init(field: "/fields/\(pair.0)", message: error.message))
            }
        }
        guard problems.isEmpty else {
            throw LaurelError(
                .invalidInput, "\(problems.count) of the fields cannot be used; nothing was submitted",
                problems: problems)
        }
        return try EntryRows.entry(id: id, kind: kind, unit: unit, pairs: pairs, engine: engine)
    }

    /// Each row's unit (its `unit` column, else the kind's unit field), with its line.
    static func csvUnits(_ bytes: [UInt8], engine: Engine, kind: String?) throws -> [(line: Int, unit: String?)] {
        guard let rows = try? CSV.parse(String(decoding: bytes, as: UTF8.self)), let header = rows.first else {
            return []  // The import reports what is wrong with the file.
        }
        let unitColumn = header.cells.firstIndex(of: "unit")
        let kindColumn = header.cells.firstIndex(of: "kind")
        return rows.dropFirst().filter { !$0.cells.allSatisfy(\.isEmpty) }.map { row in
            func cell(_ index: Int?) -> String? {
                guard let index, index < row.cells.count, !row.cells[index].isEmpty else { return nil }
                return row.cells[index]
            }
            let rowKind = cell(kindColumn) ?? kind
            let unitField = engine.workflow.entryKinds.first { $0.name == rowKind }?.unitField
            return (row.line, cell(unitColumn) ?? cell(unitField.flatMap { header.cells.firstIndex(of: $0.name) }))
        }
    }
}
