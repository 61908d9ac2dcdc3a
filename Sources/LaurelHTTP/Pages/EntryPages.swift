import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService

/// What a page shows after a form: a notice (it worked) or an alert with its problems, and the
/// values typed, so nothing is lost.
struct PageOutcome: Sendable {
    var notice: String?
    var alert: String?
    var problems: [String] = []
    /// Each field's problem, by field name.
    var fieldErrors: [String: String] = [:]
    var typed: [String: String] = [:]
    var status: HTTPResponse.Status = .ok

    /// What went wrong with a form's change: Laurel's own message (it says what to fix) with the
    /// problems of each row or field, anything else as a plain failure.
    static func failed(_ error: any Error, words: [String: String]) -> PageOutcome {
        var outcome = PageOutcome(status: .internalServerError)
        if let problem = error as? Problem {
            outcome.alert = problem.detail
            outcome.problems = problem.errors.map { error in error.line.map { "\(words["line"]!) \($0): " } ?? "" }
                .enumerated().map { $0.element + problem.errors[$0.offset].detail }
            outcome.status = HTTPResponse.Status(code: problem.status)
        } else if let error = error as? LaurelError {
            outcome.alert = error.message
            outcome.status = Problem.status(of: error.code)
            for problem in error.problems {
                if let field = problem.field, field.hasPrefix("/fields/") {
                    outcome.fieldErrors[String(field.dropFirst("/fields/".count))] = problem.message
                } else {
                    outcome.problems.append(problem.message)
                }
            }
        } else {
            outcome.alert = words["error"]!
        }
        return outcome
    }

    var values: [String: Any] {
        var values: [String: Any] = [:]
        if let notice { values["notice"] = notice }
        if let alert { values["alert"] = alert }
        if !problems.isEmpty {
            values["problems"] = problems
            values["hasProblems"] = true
        }
        return values
    }
}

extension LaurelAPI {
    /// The links under a campaign's title: what this person may do in it.
    func campaignNavigation(_ principal: Principal, facts: CampaignFacts, current: String, words: [String: String])
        -> [String: Any]
    {
        let inCouncil =
            principal.role == .councilMember
            && facts.openCouncil.map { facts.councils[$0]?.contains(principal.person) == true } == true
        let links: [(String, String, Bool)] = [
            ("overview", "/campaigns/\(facts.id)", true),
            ("entries", "/campaigns/\(facts.id)/entries", [.administrator, .unitOfficer].contains(principal.role)),
            ("council", "/campaigns/\(facts.id)/council", inCouncil),
            (
                "results", "/campaigns/\(facts.id)/results",
                facts.isPublished || principal.role == .administrator || principal.role == .auditor
            ),
            ("manage", "/campaigns/\(facts.id)/manage", principal.role == .administrator),
        ]
        return [
            "links": links.filter(\.2).map { name, href, _ in
                ["label": words[name] ?? name, "href": href, "current": name == current] as [String: Any]
            }
        ]
    }

    /// A unit officer's (or administrator's) entries page: the form for each kind the campaign
    /// accepts now, typed from the workflow, a CSV upload, and their units' entries.
    func entriesPage(_ request: Request, _ context: APIContext, pages: Pages, outcome: PageOutcome = PageOutcome())
        async throws -> Response
    {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let (campaign, engine, facts) = try await service.campaignWithFacts(id, withEntries: true)
        try await authorize(principal, .readEntries, campaign: facts)
        guard [.administrator, .unitOfficer].contains(principal.role) else {
            throw LaurelError(.forbidden, words["entriesForOfficers"]!)
        }
        let organisation = try await service.organisationInUse()
        var outcome = outcome
        let query = request.uri.queryParameters
        if let submitted = query.get("submitted") {
            outcome.notice = PageText.format(words["entrySubmitted"]!, submitted)
        } else if let imported = query.get("imported").flatMap(Int.init) {
            let before = query.get("before").flatMap(Int.init) ?? 0
            outcome.notice =
                imported == 0
                ? PageText.format(words["importedNone"]!, before.groupedByThousands)
                : PageText.format(words["importedSome"]!, imported.groupedByThousands, before.groupedByThousands)
        }
        let accepted = campaign.status == .running ? engine.acceptedKinds(inState: campaign.state) : []
        let kind =
            query.get("kind").flatMap { accepted.contains($0) ? $0 : nil } ?? outcome.typed["kind"] ?? accepted.first
        // The units this person submits for: their grant's unit and those under it, or all.
        let scope =
            principal.unit.map { [organisation.unit($0)].compactMap { $0 } + organisation.descendants(of: $0) }
            ?? organisation.units
        let units = VietnameseCollation.sorted(scope) { $0.name }
        let kindFields = engine.workflow.entryKinds.first { $0.name == kind }?.fields.map(\.name) ?? []
        let columns: [String] = ["id", "unit"] + kindFields.filter { $0 != "unit" }
        var values = outcome.values
        values["id"] = id
        values["title"] = engine.workflow.title
        values["nav"] = campaignNavigation(principal, facts: facts, current: "entries", words: words)
        values["nonce"] = PageForm.newNonce()
        values["csvHint"] = PageText.format(words["csvHint"]!, columns.joined(separator: ","))
        if let kind, let definition = engine.workflow.entryKinds.first(where: { $0.name == kind }) {
            values["kind"] = kind
            values["kinds"] =
                accepted.count > 1
                ? accepted.map { ["name": $0, "href": "/campaigns/\(id)/entries?kind=\($0)", "current": $0 == kind] }
                : []
            values["hasFields"] = !definition.fields.isEmpty
            values["hasKinds"] = accepted.count > 1
            values["fields"] = definition.fields.map {
                Self.fieldValues(
                    $0, typed: outcome.typed["f.\($0.name)"], error: outcome.fieldErrors[$0.name], units: units)
            }
        } else {
            values["notAccepting"] = PageText.format(words["notAccepting"]!, campaign.state)
        }
        // Their units' entries, the latest first (an administrator's: all).
        let own = campaign.entries.array.filter { entry in
            principal.role == .administrator
                || Authorization.decide(
                    principal, .submitEntry(unit: entry.unit), campaign: facts, organisation: organisation
                )
                .isAllowed
        }
        let names = Dictionary(organisation.units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        values["entryCount"] = PageText.format(words["entryCount"]!, own.count.groupedByThousands)
        var listed: [[String: Any]] = []
        for entry in own.suffix(100).reversed() {
            let summary = entry.fields.names.prefix(3).compactMap { name -> String? in
                guard let value = entry.fields[name] else { return nil }
                return "\(name): \(value.description)"
            }
            let unit: String = entry.unit.map { names[$0] ?? $0 } ?? "–"
            listed.append([
                "id": entry.id, "kind": entry.kind, "unit": unit,
                "submitted": engine.calendar.format(entry.submittedAt),
                "summary": summary.joined(separator: " · "),
            ])
        }
        values["entries"] = listed
        if own.count > 100 { values["moreEntries"] = words["latest100"]! }
        return pages.render(
            "entries", title: "\(words["entries"]!) · \(engine.workflow.title)", values, session: context.page,
            principal: principal, status: outcome.status)
    }

    /// One field of an entry form: its input typed from the declaration.
    static func fieldValues(_ field: EntryField, typed: String?, error: String?, units: [Organisation.Unit])
        -> [String: Any]
    {
        // A person who submits for one unit only finds it chosen.
        let typed = typed ?? (field.type == .unit && units.count == 1 ? units[0].id : nil)
        var values: [String: Any] = ["name": field.name, "required": field.isRequired, "value": typed ?? ""]
        if let error { values["error"] = error }
        switch field.type {
        case .choice:
            values["isSelect"] = true
            values["options"] = field.options.map { ["value": $0, "label": $0, "selected": $0 == typed] }
        case .unit where units.count <= 500:
            values["isSelect"] = true
            values["options"] = units.map {
                ["value": $0.id, "label": "\($0.name) (\($0.id))", "selected": $0.id == typed] as [String: Any]
            }
        case .boolean:
            values["isCheckbox"] = true
            values["checked"] = typed == "true"
        default:
            values["isInput"] = true
            // Numbers are typed as text, so "12.000.000" reaches the same checks as the CLI's.
            var type = "text"
            switch field.type {
            case .number: values["inputMode"] = "decimal"
            case .integer: values["inputMode"] = "numeric"
            case .date: type = "date"
            case .url: type = "url"
            default: break
            }
            values["inputType"] = type
        }
        return values
    }

    /// The entry form sent: checked as the CLI and the API check it, each wrong field named.
    func submitEntryPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let form = try await PageForm.read(request, session: context.page)
        let words = PageText.table(context.page.language)
        guard let nonce = PageForm.nonce(form), let kind = form["kind"], !kind.isEmpty else {
            throw LaurelError(.invalidRequest, words["badForm"]!)
        }
        let engine = try await service.campaignAndEngine(id).engine
        guard let definition = engine.workflow.entryKinds.first(where: { $0.name == kind }) else {
            throw LaurelError(.invalidRequest, words["badForm"]!)
        }
        var fields: [String: FieldText] = [:]
        for field in definition.fields {
            let text = (form["f.\(field.name)"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if field.type == .boolean {
                fields[field.name] = FieldText(text: text.isEmpty ? "false" : "true")
            } else if !text.isEmpty {
                fields[field.name] = FieldText(text: text)
            }
        }
        let unit = definition.unitField.flatMap { fields[$0.name]?.text }
        let typedFields = fields
        let entryID = "\(kind)-\(nonce.prefix(12))"
        do {
            _ = try await applying(
                to: id, eventID: "page:\(nonce)", kind: "entry", principal: principal,
                action: { _ in .submitEntry(unit: unit) },
                event: { engine in
                    var entry = try Self.entry(
                        id: entryID, kind: kind, unit: unit, fields: typedFields, engine: engine)
                    entry.submittedBy = principal.person
                    return .submit(entry)
                })
        } catch {
            var outcome = PageOutcome.failed(error, words: words)
            outcome.typed = form.fields
            return try await entriesPage(request, context, pages: pages, outcome: outcome)
        }
        return Response.redirect(to: "/campaigns/\(id)/entries?kind=\(kind)&submitted=\(entryID)", type: .normal)
    }

    /// The line a problem of `file:line: message` is on, for ordering.
    static func lineNumber(_ problem: String) -> Int {
        let parts = problem.split(separator: ":", maxSplits: 2)
        return parts.count > 1 ? Int(parts[1]) ?? .max : .max
    }

    /// A CSV file of entries from the page: all rows or none, every bad row listed with its line.
    func importEntriesPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let words = PageText.table(context.page.language)
        let form = try await PageForm.read(request, session: context.page, limit: Limits.csvBody + 64 * 1024)
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            var outcome = PageOutcome(alert: words["chooseFile"]!, status: .unprocessableContent)
            outcome.typed = form.fields
            return try await entriesPage(request, context, pages: pages, outcome: outcome)
        }
        let kind = form["kind"].flatMap { $0.isEmpty ? nil : $0 }
        let name = file.name.isEmpty ? "upload.csv" : String(file.name.suffix(100))
        do {
            let (_, engine, facts) = try await service.campaignWithFacts(id)
            let organisation = try await service.organisationInUse()
            // Every row's unit must be in the person's scope, as over the API.
            var outOfScope: [String] = []
            for (line, unit) in try Self.csvUnits(file.bytes, engine: engine, kind: kind) {
                if case .deny(let reason) = Authorization.decide(
                    principal, .submitEntry(unit: unit), campaign: facts, organisation: organisation)
                {
                    outOfScope.append("\(name):\(line): \(reason)")
                }
            }
            guard outOfScope.isEmpty else {
                // The other rows are checked too (nothing is written), so every bad row shows at once.
                var problems = outOfScope
                do {
                    _ = try await service.importEntries(
                        csv: file.bytes, file: name, into: id, kind: kind, now: clock(), dryRun: true)
                } catch let error as LaurelError {
                    problems += error.problems.isEmpty ? [error.message] : error.problems.map(\.message)
                }
                problems.sort { Self.lineNumber($0) < Self.lineNumber($1) }
                let refused = Set(problems.map(Self.lineNumber)).count
                throw LaurelError(
                    .forbidden,
                    "\(refused.counted("row", "rows")) refused, \(outOfScope.count) for units you may not submit for; nothing of \(name) was imported",
                    problems: problems.enumerated().map { LaurelError.Problem(index: $0.offset, message: $0.element) })
            }
            let imported = try await Self.counting("import") {
                try await service.importEntries(csv: file.bytes, file: name, into: id, kind: kind, now: clock())
            }
            return Response.redirect(
                to:
                    "/campaigns/\(id)/entries?imported=\(imported.submitted)&before=\(imported.rows - imported.submitted)",
                type: .normal)
        } catch {
            var outcome = PageOutcome.failed(error, words: words)
            outcome.typed = form.fields
            return try await entriesPage(request, context, pages: pages, outcome: outcome)
        }
    }
}
