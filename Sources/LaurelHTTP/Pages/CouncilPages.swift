import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService

extension LaurelAPI {
    /// A council member's page for the step open now: the score sheet of a review (rubric from
    /// the workflow, their own unit's entries left out) or the ballot paper of a ballot.
    func councilPage(_ request: Request, _ context: APIContext, pages: Pages, outcome: PageOutcome = PageOutcome())
        async throws -> Response
    {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let (campaign, engine, facts) = try await service.campaignWithFacts(id, withEntries: true)
        try await authorize(principal, .readProgress, campaign: facts)
        var values = outcome.values
        values["id"] = id
        values["title"] = engine.workflow.title
        values["nav"] = campaignNavigation(principal, facts: facts, current: "council", words: words)
        values["nonce"] = PageForm.newNonce()
        let task = engine.task(for: principal.person, in: campaign, at: clock())
        let byID = Dictionary(campaign.entries.array.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let units = Dictionary(
            try await service.organisationInUse().units.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        func described(_ entryID: String) -> [String: Any] {
            let entry = byID[entryID]
            var described: [String: Any] = [
                "entry": entryID, "name": entry.map(Self.entryName) ?? entryID,
                "unit": entry?.unit.map { units[$0] ?? $0 } ?? "–",
            ]
            let details = (entry?.fields.names ?? []).filter { !["name", "title", "unit"].contains($0) }.prefix(4)
                .compactMap { name in entry?.fields[name].map { "\(name): \($0.description)" } }
            if !details.isEmpty { described["details"] = details.joined(separator: " · ") }
            return described
        }
        let template: String
        switch task {
        case .scoring(let scoring)?:
            template = "score"
            let typed = outcome.typed
            var scored = 0
            values["criteria"] = scoring.criteria.map {
                ["name": $0.name, "weight": $0.weight.shownGrouped, "maximum": $0.maximum.shownGrouped]
            }
            values["sheet"] = scoring.entries.enumerated().map { position, entryID -> [String: Any] in
                let sent = scoring.sent[entryID]
                var line = described(entryID)
                line["position"] = position
                let scores = scoring.criteria.enumerated().map { offset, criterion -> [String: Any] in
                    let key = "s.\(position).\(offset)"
                    var score: [String: Any] = [
                        "key": key, "criterion": criterion.name, "maximum": criterion.maximum.shownGrouped,
                        "maximumNumber": criterion.maximum.formattedForMessage,
                        "value": typed[key] ?? sent.map { $0[offset].formattedForMessage } ?? "",
                    ]
                    if let error = outcome.fieldErrors[key] { score["error"] = error }
                    return score
                }
                if scores.allSatisfy({ !($0["value"] as? String ?? "").isEmpty }) { scored += 1 }
                line["scores"] = scores
                return line
            }
            values["storageKey"] = "laurel-score:\(id):\(principal.person)"
            values["progressText"] = PageText.format(
                words["scoredOf"]!, String(scored), String(scoring.entries.count))
            values["scoredCount"] = scored
            values["entryTotal"] = scoring.entries.count
            values["council"] = scoring.council
            values["hasSent"] = !scoring.sent.isEmpty
            if scoring.excluded > 0 {
                values["excludedText"] = PageText.format(words["excludedOwn"]!, String(scoring.excluded))
            }
            if request.uri.queryParameters.get("sent") != nil { values["notice"] = words["sheetSent"]! }
        case .ballot(let ballot)?:
            template = "ballot"
            values["council"] = ballot.council
            values["secret"] = ballot.secret
            // Once cast, the page says only that the paper was received: nothing shows how.
            if ballot.voted {
                values["voted"] = true
            } else {
                values["nominees"] = ballot.nominees.enumerated().map { position, entryID -> [String: Any] in
                    var nominee = described(entryID)
                    nominee["position"] = position
                    return nominee
                }
                values["writtenVotes"] = ballot.writtenVotes
            }
        case nil:
            template = "council"
            values["nothing"] = PageText.format(words["nothingToDo"]!, campaign.state)
        }
        return pages.render(
            template, title: "\(words["council"]!) · \(engine.workflow.title)", values, session: context.page,
            principal: principal, status: outcome.status)
    }

    /// A council form sent: who sends it, to which campaign, its fields and nonce, and what the
    /// open step asks of the sender now (refused when it asks nothing).
    private func councilForm(_ request: Request, _ context: APIContext) async throws -> (
        principal: Principal, id: String, words: [String: String], form: PageForm, nonce: String, task: StepTask,
        state: String
    ) {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let words = PageText.table(context.page.language)
        let form = try await PageForm.read(request, session: context.page, limit: 1024 * 1024)
        guard let nonce = PageForm.nonce(form) else { throw LaurelError(.invalidRequest, words["badForm"]!) }
        let (campaign, engine, _) = try await service.campaignWithFacts(id, withEntries: true)
        guard let task = engine.task(for: principal.person, in: campaign, at: clock()) else {
            throw LaurelError(.refused, PageText.format(words["nothingToDo"]!, campaign.state))
        }
        return (principal, id, words, form, nonce, task, campaign.state)
    }

    /// An entry as people call it: its `name` field, else its `title`, else its id.
    static func entryName(_ entry: Entry) -> String {
        (entry.fields["name"] ?? entry.fields["title"])?.text ?? entry.id
    }

    /// The score sheet sent: a whole sheet is applied (a review counts whole sheets); one with
    /// entries left blank comes back with what was typed and how many are done.
    func submitScoresPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let (principal, id, words, form, nonce, task, state) = try await councilForm(request, context)
        guard case .scoring(let scoring) = task else {
            throw LaurelError(.refused, PageText.format(words["nothingToDo"]!, state))
        }
        var outcome = PageOutcome(status: .unprocessableContent)
        outcome.typed = form.fields
        var lines: [ScoreSheet.Line] = []
        var blank = 0
        for (position, entryID) in scoring.entries.enumerated() {
            guard form["e.\(position)"] == entryID else { throw LaurelError(.conflict, words["sheetChanged"]!) }
            var numbers: [Double] = []
            for (offset, criterion) in scoring.criteria.enumerated() {
                let key = "s.\(position).\(offset)"
                let text = (form[key] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(
                    of: ",", with: ".")
                guard !text.isEmpty else { continue }
                guard let number = Double(text), number.isFinite, (0...criterion.maximum).contains(number) else {
                    outcome.fieldErrors[key] = PageText.format(words["scoreRange"]!, criterion.maximum.shownGrouped)
                    continue
                }
                numbers.append(number)
            }
            if numbers.count == scoring.criteria.count {
                lines.append(ScoreSheet.Line(entry: entryID, values: numbers))
            } else {
                blank += 1
            }
        }
        if !outcome.fieldErrors.isEmpty {
            outcome.alert = PageText.format(words["scoresWrong"]!, String(outcome.fieldErrors.count))
            return try await councilPage(request, context, pages: pages, outcome: outcome)
        }
        if blank > 0 {
            outcome.alert = PageText.format(
                words["sheetIncomplete"]!, String(scoring.entries.count - blank), String(scoring.entries.count))
            return try await councilPage(request, context, pages: pages, outcome: outcome)
        }
        let sheet = ScoreSheet(member: principal.person, lines: lines)
        do {
            _ = try await applying(
                to: id, eventID: "page:\(nonce)", kind: "scores", principal: principal,
                action: { _ in .score(member: principal.person) }, event: { _ in .scores(sheet) })
        } catch {
            var failed = PageOutcome.failed(error, words: words)
            failed.typed = form.fields
            return try await councilPage(request, context, pages: pages, outcome: failed)
        }
        return Response.redirect(to: "/campaigns/\(id)/council?sent=1", type: .normal)
    }

    /// The ballot paper sent: for, against or blank per nominee. What the member chose is not
    /// kept anywhere by the page (a secret ballot's log keeps only that they voted).
    func submitBallotPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let (principal, id, words, form, nonce, task, state) = try await councilForm(request, context)
        guard case .ballot(let ballot) = task else {
            throw LaurelError(.refused, PageText.format(words["nothingToDo"]!, state))
        }
        var choices: [Vote.Choice] = []
        for (position, nominee) in ballot.nominees.enumerated() {
            guard form["n.\(position)"] == nominee else { throw LaurelError(.conflict, words["sheetChanged"]!) }
            switch form["v.\(position)"] {
            case "for": choices.append(Vote.Choice(nominee: nominee, approve: true))
            case "against": choices.append(Vote.Choice(nominee: nominee, approve: false))
            default: break
            }
        }
        let vote = Vote(member: principal.person, choices: choices, inWriting: form["in-writing"] == "on")
        do {
            _ = try await applying(
                to: id, eventID: "page:\(nonce)", kind: "ballot", principal: principal,
                action: { _ in .vote(member: principal.person) }, event: { _ in .vote(vote) })
        } catch {
            // The choices are not sent back into the page: the member marks the paper again.
            return try await councilPage(
                request, context, pages: pages, outcome: PageOutcome.failed(error, words: words))
        }
        return Response.redirect(to: "/campaigns/\(id)/council", type: .normal)
    }
}
