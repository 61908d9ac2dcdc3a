import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelService
import ServiceLifecycle

extension LaurelAPI {
    /// The campaigns the person may see, each with its state and a bar per phase target.
    func campaignsPage(_ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let organisation = try await service.organisationInUse()
        let summaries = try await service.campaigns()
        var visible: [[String: Any]] = []
        for (id, facts) in try await service.campaignFacts(of: summaries)
        where Authorization.decide(principal, .readProgress, campaign: facts, organisation: organisation).isAllowed {
            let (campaign, engine) = try await service.campaignAndEngine(id)
            visible.append([
                "id": campaign.id, "title": engine.workflow.title, "state": campaign.state,
                "statusText": words[campaign.status.rawValue] ?? campaign.status.rawValue,
                "entries": campaign.entries.count.groupedByThousands,
                "goals": Self.goalBars(campaign, engine: engine),
            ])
        }
        return pages.render(
            "campaigns", title: words["campaigns"]!, ["campaigns": visible], session: context.page,
            principal: principal)
    }

    /// One campaign: its progress, pending timers, forecast and timeline.
    func campaignPage(_ context: APIContext, pages: Pages) async throws -> Response {
        let principal = try context.requirePrincipal()
        let words = PageText.table(context.page.language)
        let id = try context.parameters.require("id")
        let (campaign, engine, facts) = try await service.campaignWithFacts(id)
        try await authorize(principal, .readProgress, campaign: facts)
        let status = CampaignStatus(campaign, engine: engine)
        var values: [String: Any] = [
            "live": "/campaigns/\(campaign.id)/live",
            "nav": campaignNavigation(principal, facts: facts, current: "overview", words: words),
            "id": campaign.id, "title": engine.workflow.title, "state": campaign.state,
            "statusText": words[campaign.status.rawValue] ?? campaign.status.rawValue, "since": status.since,
            "timeZone": status.timeZone, "entries": campaign.entries.count.groupedByThousands,
            "goals": Self.goalBars(campaign, engine: engine),
            "timers": status.timers.map { ["what": $0.what, "due": $0.due] },
            "hasTimers": !status.timers.isEmpty,
        ]
        if campaign.status == .running {
            let forecast = try await forecasts.forecast(of: id, state: campaign.state, service: service, now: clock())
            values["forecast"] = Self.forecastValues(forecast, words: words)
        }
        let kept = try await insights.insights(of: campaign, service: service, unit: facts.unit, now: clock())
        if let insights = kept.insights {
            if kept.events != campaign.eventCount {
                values["insightsAsOf"] = PageText.format(words["asOf"]!, engine.calendar.format(kept.at))
            }
            let goal = engine.goal(ofState: campaign.state, enteredAt: campaign.enteredAt)
            let target = goal?.metric == insights.metric ? goal?.target : nil
            let highest = max(insights.units.map(\.value).max() ?? 0, 1)
            values["unitMetric"] = insights.metric
            values["units"] = insights.units.prefix(500).map { row -> [String: Any] in
                [
                    "name": row.name, "unit": row.unit, "value": row.value.shownGrouped,
                    "percent": Int((row.value / highest * 100).rounded()),
                ]
            }
            values["moreUnits"] =
                insights.units.count > 500 ? PageText.format(words["moreUnits"]!, String(insights.units.count)) : ""
            if let chart = insights.chart(target: target, words: words) { values["chart"] = chart }
        }
        // The latest events first, read from the end of the log (a campaign may hold millions).
        let history = try await service.recentHistory(of: id, limit: 51)
        values["timeline"] = history.suffix(50).reversed().map { ["at": $0.at, "summary": $0.summary] }
        if history.count > 50 { values["moreTimeline"] = words["earlierEvents"]! }
        return pages.render(
            "campaign", title: engine.workflow.title, values, session: context.page, principal: principal)
    }

    /// The campaign's changes as Server-Sent Events (`event: change`, its id the log's sequence
    /// number, so a reconnect's `Last-Event-ID` says what the page saw), with a comment every
    /// 15 s so a closed connection is noticed.
    func liveChanges(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let facts = try await service.campaignWithFacts(id).facts
        try await authorize(try context.requirePrincipal(), .readProgress, campaign: facts)
        let after = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) }
        let (changes, end) = try await live.follow(id, after: after)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                // A page left open must not hold the server up when it is asked to stop.
                try await withGracefulShutdownHandler {
                    for await sequence in changes {
                        let message =
                            sequence == LiveFeed.heartbeat
                            ? ": still here\n\n" : "id: \(sequence)\nevent: change\ndata: \(sequence)\n\n"
                        try await writer.write(ByteBuffer(string: message))
                    }
                } onGracefulShutdown: {
                    end()
                }
                try await writer.finish(nil)
            })
    }

    /// A bar per phase target of the workflow, in its order: the metric now against each target.
    static func goalBars(_ campaign: Campaign, engine: Engine) -> [[String: Any]] {
        engine.workflow.states.compactMap { state -> [String: Any]? in
            guard let goal = engine.goal(ofState: state.name, enteredAt: campaign.enteredAt) else { return nil }
            let value = campaign.metrics[goal.metric] ?? 0
            let percent = goal.target > 0 ? min(100, Int((value / goal.target * 100).rounded(.down))) : 100
            return [
                "state": state.name, "metric": goal.metric, "value": value.shownGrouped,
                "target": goal.target.shownGrouped,
                "valueNumber": value, "targetNumber": goal.target, "percent": percent,
                "current": state.name == campaign.state,
            ]
        }
    }

    static func forecastValues(_ view: ForecastView, words: [String: String]) -> [String: Any] {
        let history =
            view.history.days > 0
            ? PageText.format(
                words["historyDays"]!, view.history.entries.groupedByThousands, String(view.history.units),
                String(view.history.days))
            : words["historyNone"]!
        let notReached = words["notReached"]!
        var values: [String: Any] = [
            "runs": view.runs, "historyText": history, "hasGoals": !view.goals.isEmpty && view.waitingFor.isEmpty,
            "goals": view.goals.map { goal -> [String: Any] in
                [
                    "state": goal.state, "target": goal.target.shownGrouped,
                    "deadline": goal.deadline.map { String($0.prefix(16)) } ?? "–",
                    "p15": goal.p15.map { String($0.prefix(10)) } ?? notReached,
                    "p50": goal.p50.map { String($0.prefix(10)) } ?? notReached,
                    "p85": goal.p85.map { String($0.prefix(10)) } ?? notReached,
                    "miss": Int((goal.missProbability * 100).rounded()),
                ]
            },
            "calibrationText": PageText.format(
                words["calibration"]!, String(Int((view.calibration.coverage * 100).rounded())),
                String(view.calibration.backtests)),
        ]
        if !view.waitingFor.isEmpty {
            values["waiting"] = PageText.format(
                words["waitingFor"]!, view.waitingFor.joined(separator: " \(words["or"]!) "))
        }
        return values
    }
}

/// The latest forecast of each campaign: a forecast takes up to a second for a large campaign, a
/// page must not. The first page of a campaign waits for it; after that a page shows the kept
/// one while a newer one is worked out, once it is older than `lifetime` or the state changed.
actor ForecastCache {
    private var kept: [String: (at: Instant, state: String, view: ForecastView)] = [:]
    private var refreshing: Set<String> = []
    /// The first forecast of a campaign under way: pages opened at once wait for the same one.
    private var first: [String: Task<ForecastView, any Error>] = [:]
    static let lifetime: Instant = 300

    func forecast(of id: String, state: String, service: CampaignService, now: Instant) async throws -> ForecastView {
        guard let cached = kept[id] else {
            let task = first[id] ?? Task { try await service.forecast(of: id, ForecastRequest(), now: now) }
            first[id] = task
            defer { first[id] = nil }
            let view = try await task.value
            if kept[id] == nil { kept[id] = (now, state, view) }
            return view
        }
        if cached.state != state || now - cached.at >= Self.lifetime, refreshing.insert(id).inserted {
            Task {
                let view = try? await service.forecast(of: id, ForecastRequest(), now: now)
                self.store(view, of: id, state: state, at: now)
            }
        }
        return cached.view
    }

    private func store(_ view: ForecastView?, of id: String, state: String, at now: Instant) {
        refreshing.remove(id)
        if let view { kept[id] = (now, state, view) }
    }
}
