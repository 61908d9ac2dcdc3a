import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService
import LaurelStore

extension LaurelAPI {
    /// An administrator's page for a campaign: send an event, migrate to another version with
    /// the dry run shown first.
    func managePage(
        _ request: Request, _ context: APIContext, pages: Pages, outcome: PageOutcome = PageOutcome(),
        dryRun: (MigrationView, to: String, map: String)? = nil
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let (campaign, engine, facts) = try await service.campaignWithFacts(id)
        try await authorize(principal, .migrate, campaign: facts)
        var values = outcome.values
        if let sent = request.uri.queryParameters.get("sent") {
            values["notice"] = PageText.format(words["eventSent"]!, sent)
        } else if let migrated = request.uri.queryParameters.get("migrated") {
            values["notice"] = PageText.format(words["migrated"]!, migrated)
        }
        values["id"] = id
        values["title"] = engine.workflow.title
        values["state"] = campaign.state
        values["nav"] = campaignNavigation(principal, facts: facts, current: "manage", words: words)
        values["nonce"] = PageForm.newNonce()
        // The events the campaign's state answers to now; others would be refused.
        let answered = Set(engine.workflow.state(named: campaign.state)?.handlers.map(\.key.value) ?? [])
        values["events"] = engine.workflow.events.filter { $0.sender != .system && answered.contains($0.name) }.map {
            ["name": $0.name, "summary": $0.summary ?? "", "sender": $0.sender.rawValue]
        }
        values["running"] = campaign.status == .running
        let calendar = ZonedCalendar(zoneName: engine.workflow.timeZone) ?? engine.calendar
        values["versions"] = try await service.workflowVersions(workflowID: campaign.workflowID).reversed().map {
            [
                "hash": $0.hash, "short": String($0.hash.prefix(12)), "recorded": calendar.format($0.recordedAt),
                "current": $0.hash == campaign.workflowVersion, "selected": $0.hash == dryRun?.to,
            ] as [String: Any]
        }
        values["map"] = dryRun?.map ?? ""
        if let (view, to, map) = dryRun {
            values["dryRun"] =
                [
                    "to": to, "map": map, "fromState": view.fromState, "toState": view.toState,
                    "keptStep": view.keptStep ? words["yes"]! : words["no"]!,
                    "timersBefore": view.timersBefore, "timersAfter": view.timersAfter,
                    "added": view.addedMetrics.joined(separator: ", "),
                    "dropped": view.droppedMetrics.joined(separator: ", "),
                    "logged": view.logged, "timeZone": view.timeZone,
                ] as [String: Any]
        }
        return pages.render(
            "manage", title: "\(words["manage"]!) · \(engine.workflow.title)", values, session: context.page,
            principal: principal, status: outcome.status)
    }

    /// An event sent from the manage page; with four eyes it waits for a second administrator.
    func sendEventPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let words = PageText.table(context.page.language)
        let form = try await PageForm.read(request, session: context.page)
        guard let nonce = PageForm.nonce(form), let name = form["event"] else {
            throw LaurelError(.invalidRequest, words["badForm"]!)
        }
        do {
            let (campaign, engine, facts) = try await service.campaignWithFacts(id)
            guard let definition = engine.workflow.events.first(where: { $0.name == name }) else {
                throw LaurelError(.invalidInput, "'\(engine.workflow.id)' declares no event '\(name)'")
            }
            try await authorize(principal, .sendEvent(sender: definition.sender), campaign: facts)
            if fourEyes.events.contains(name) {
                let approval = try await service.requestApproval(
                    campaignID: id, action: "event", detail: .object([("event", .string(name))]),
                    summary: "send \(name)", version: campaign.eventCount, by: principal.person, now: clock())
                return try await managePage(
                    request, context, pages: pages,
                    outcome: PageOutcome(notice: PageText.format(words["awaitsApproval"]!, approval.id)))
            }
            _ = try await applying(
                to: id, eventID: "page:\(nonce)", kind: "event", principal: principal,
                action: { _ in .sendEvent(sender: definition.sender) }, event: { _ in .command(name) })
        } catch {
            return try await managePage(
                request, context, pages: pages, outcome: PageOutcome.failed(error, words: words))
        }
        return Response.redirect(to: "/campaigns/\(id)/manage?sent=\(name)", type: .normal)
    }

    /// A migration from the manage page: first its dry run (nothing written), then, asked again
    /// with the same version and mapping, the migration itself.
    func migratePage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try context.parameters.require("id")
        let words = PageText.table(context.page.language)
        let form = try await PageForm.read(request, session: context.page)
        guard let nonce = PageForm.nonce(form), let to = form["to"], !to.isEmpty else {
            throw LaurelError(.invalidRequest, words["badForm"]!)
        }
        let mapText = (form["map"] ?? "").trimmingCharacters(in: .whitespaces)
        let apply = form["apply"] == "1"
        do {
            let (campaign, _, facts) = try await service.campaignWithFacts(id)
            try await authorize(principal, .migrate, campaign: facts)
            // "from=to, from=to": where states the new version lacks go.
            var map: [String: String] = [:]
            for pair in mapText.split(separator: ",") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw LaurelError(.invalidInput, PageText.format(words["badMap"]!, String(pair)))
                }
                map[parts[0]] = parts[1]
            }
            let hash = try await service.recordedVersion(of: campaign.workflowID, matching: to)
            let asking = apply && fourEyes.migrate
            let result = try await service.migrate(
                id, toVersion: hash, mapState: Self.stateMapping(map, hash: hash), eventID: "page:\(nonce)",
                now: clock(), dryRun: !apply || asking)
            let view = MigrationView(result, applied: apply && !asking)
            if asking {
                let approval = try await service.requestApproval(
                    campaignID: id, action: "migrate",
                    detail: .object([
                        ("to", .string(hash)),
                        ("map", .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ]), summary: "migrate to \(hash.prefix(12))", version: campaign.eventCount, by: principal.person,
                    now: clock())
                return try await managePage(
                    request, context, pages: pages,
                    outcome: PageOutcome(notice: PageText.format(words["awaitsApproval"]!, approval.id)),
                    dryRun: (view, hash, mapText))
            }
            if !apply { return try await managePage(request, context, pages: pages, dryRun: (view, hash, mapText)) }
            return Response.redirect(to: "/campaigns/\(id)/manage?migrated=\(hash.prefix(12))", type: .normal)
        } catch {
            return try await managePage(
                request, context, pages: pages, outcome: PageOutcome.failed(error, words: words))
        }
    }

    /// The grants an administrator may manage, a form to grant one (a sign-in link shown once),
    /// and a button to revoke each.
    func accessPage(
        _ request: Request, _ context: APIContext, pages: Pages, outcome: PageOutcome = PageOutcome(),
        link: String? = nil
    ) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        try await authorize(principal, .manageAccess(unit: principal.unit), campaign: nil)
        let organisation = try await service.organisationInUse()
        let now = clock()
        var values = outcome.values
        if let revoked = request.uri.queryParameters.get("revoked") {
            values["notice"] = PageText.format(words["revokedGrant"]!, revoked)
        }
        let grants = try await service.accessGrants().filter {
            Authorization.decide(principal, .manageAccess(unit: $0.unit), campaign: nil, organisation: organisation)
                .isAllowed
        }.map { GrantView($0, now: now) }
        let names = Dictionary(organisation.people.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        values["grants"] = grants.filter { $0.status == "active" }.map { grant -> [String: String] in
            let person = names[grant.person].map { "\($0) (\(grant.person))" } ?? grant.person
            return [
                "id": grant.id, "person": person, "role": grant.role, "scope": grant.unit ?? grant.council ?? "–",
                "kind": grant.kind, "expires": grant.expires,
            ]
        }
        let inactive = grants.count { $0.status != "active" }
        values["inactive"] = inactive > 0
        values["inactiveText"] = PageText.format(words["inactiveGrants"]!, String(inactive))
        values["people"] = VietnameseCollation.sorted(organisation.people) { $0.name }.map {
            ["id": $0.id, "label": "\($0.name) (\($0.id))", "selected": $0.id == outcome.typed["person"]]
                as [String: Any]
        }
        values["roles"] = Role.allCases.map {
            ["id": $0.rawValue, "selected": $0.rawValue == outcome.typed["role"]] as [String: Any]
        }
        values["unit"] = outcome.typed["unit"] ?? ""
        if let link { values["newLink"] = link }
        values["nonce"] = PageForm.newNonce()
        values["council"] = outcome.typed["council"] ?? ""
        return pages.render(
            "access", title: words["access"]!, values, session: context.page, principal: principal,
            status: outcome.status)
    }

    func grantPage(_ request: Request, _ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let form = try await PageForm.read(request, session: context.page)
        do {
            guard let person = form["person"], !person.isEmpty, let role = form["role"].flatMap(Role.init(rawValue:))
            else {
                throw LaurelError(.invalidInput, words["grantNeeds"]!)
            }
            let organisation = try await service.organisationInUse()
            let given = form["unit"].flatMap { $0.isEmpty ? nil : $0 }
            let unit = given ?? (role == .unitOfficer ? organisation.person(person)?.unit : principal.unit)
            try await authorize(principal, .manageAccess(unit: unit), campaign: nil)
            let issued = try await service.grantAccess(
                person: person, role: role, unit: unit, council: form["council"].flatMap { $0.isEmpty ? nil : $0 },
                secret: .link, lifetime: nil, grantedBy: principal.person, now: clock())
            // Shown once: the link's code is not stored.
            let host = request.head.authority ?? "127.0.0.1"
            var outcome = PageOutcome(notice: PageText.format(words["linkMade"]!, person))
            outcome.status = .created
            return try await accessPage(
                request, context, pages: pages, outcome: outcome, link: "http://\(host)/signin?code=\(issued.secret)")
        } catch {
            var outcome = PageOutcome.failed(error, words: words)
            outcome.typed = form.fields
            return try await accessPage(request, context, pages: pages, outcome: outcome)
        }
    }

    func revokePage(_ request: Request, _ context: APIContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let form = try await PageForm.read(request, session: context.page)
        guard let id = form["grant"], !id.isEmpty else {
            throw LaurelError(.invalidRequest, PageText.table(context.page.language)["badForm"]!)
        }
        let grant = try await service.accessGrants().first { $0.id == id }
        try await authorize(principal, .manageAccess(unit: grant?.unit), campaign: nil)
        try await service.revokeAccess(id: id, now: clock())
        return Response.redirect(to: "/access?revoked=\(id)", type: .normal)
    }
}
