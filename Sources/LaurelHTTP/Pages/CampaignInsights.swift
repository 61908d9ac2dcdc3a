import Foundation
import LaurelCore
import LaurelService

/// What a campaign page draws from the entries: the watched metric per unit (units in
/// Vietnamese order) and its growth day by day. One pass over the entries, kept until the
/// campaign logs something else (a campaign of 100,000 entries takes tens of milliseconds to read).
struct CampaignInsights: Sendable {
    struct UnitRow: Sendable {
        var unit: String
        var name: String
        var value: Double
    }

    /// The metric shown: the current state's target's, else the workflow's first counted one.
    var metric: String
    var units: [UnitRow]
    /// The metric's total at the end of each local day with entries, in order.
    var days: [(day: LocalDate, total: Double)]

    static func make(campaign: Campaign, engine: Engine, unit: String?, organisation: Organisation)
        -> CampaignInsights?
    {
        let counted = engine.workflow.metrics.filter {
            if case .reported = $0.source { return false } else { return true }
        }.map(\.name)
        let watched = engine.goal(ofState: campaign.state, enteredAt: campaign.enteredAt)?.metric
        guard let metric = watched.flatMap({ counted.contains($0) ? $0 : nil }) ?? counted.first else { return nil }
        var byUnit: [String: Double] = [:]
        var byDay: [LocalDate: Double] = [:]
        for entry in campaign.entries.array {
            for (name, amount) in engine.metricDeltas(of: entry) where name == metric {
                byUnit[entry.unit ?? "", default: 0] += amount
                byDay[engine.calendar.local(entry.submittedAt).date, default: 0] += amount
            }
        }
        // Every unit at the lowest level under the campaign's unit is listed, those without
        // entries too: who has not started is what an organiser looks for.
        let lowest = organisation.levels.last
        var rows: [String: UnitRow] = [:]
        for candidate in lowest.map({ organisation.units(atLevel: $0, under: unit) }) ?? [] {
            rows[candidate.id] = UnitRow(unit: candidate.id, name: candidate.name, value: 0)
        }
        for (id, value) in byUnit where !id.isEmpty {
            rows[id] = UnitRow(unit: id, name: organisation.unit(id)?.name ?? id, value: value)
        }
        var total = 0.0
        let days = byDay.keys.sorted().map { day -> (day: LocalDate, total: Double) in
            total += byDay[day]!
            return (day, total)
        }
        return CampaignInsights(
            metric: metric, units: VietnameseCollation.sorted(Array(rows.values)) { $0.name }, days: days)
    }

    /// The growth as an inline SVG line (no script, no style attribute: the page's CSP forbids
    /// both), with the target as a dashed line when there is one.
    func chart(target: Double?, words: [String: String]) -> [String: Any]? {
        guard days.count >= 2, let last = days.last else { return nil }
        let width = 600.0
        let height = 200.0
        let top = max(target ?? 0, last.total, 1) * 1.05
        let first = days[0].day.daysSinceEpoch
        let span = Double(max(1, last.day.daysSinceEpoch - first))
        func x(_ day: LocalDate) -> Double { (Double(day.daysSinceEpoch - first) / span * width).rounded() }
        func y(_ value: Double) -> Double { (height - value / top * height).rounded() }
        let points = days.map { "\(Int(x($0.day))),\(Int(y($0.total)))" }.joined(separator: " ")
        var chart: [String: Any] = [
            "points": points, "width": Int(width), "height": Int(height),
            "from": days[0].day.description, "to": last.day.description,
            "summary": PageText.format(
                words["chartSummary"]!, metric, days[0].day.description, last.day.description,
                last.total.shownGrouped),
            "top": top.shownGrouped,
        ]
        if let target, target > 0 {
            chart["targetY"] = Int(y(target))
            chart["target"] = target.shownGrouped
        }
        return chart
    }
}

/// The latest insights of each campaign. The first page of a campaign waits for them; after
/// that a page shows the kept ones, worked out again behind the page once the campaign changed
/// and they are `refreshEvery` seconds old: reading 100,000 entries takes about 75 ms, which a
/// page must not pay at every change of a busy campaign. The page says when they were made.
actor InsightsCache {
    struct Kept: Sendable {
        var events: Int
        var at: Instant
        var insights: CampaignInsights?
    }

    private var kept: [String: Kept] = [:]
    /// Work under way per campaign, so pages opened at once share one reading.
    private var running: [String: Task<Kept, any Error>] = [:]
    static let refreshEvery: Instant = 10

    func insights(of campaign: Campaign, service: CampaignService, unit: String?, now: Instant) async throws -> Kept {
        let id = campaign.id
        if let cached = kept[id] {
            if cached.events != campaign.eventCount, now - cached.at >= Self.refreshEvery, running[id] == nil {
                let task = Self.make(id, service: service, unit: unit, now: now)
                running[id] = task
                Task { self.store(try? await task.value, of: id) }
            }
            return cached
        }
        let task = running[id] ?? Self.make(id, service: service, unit: unit, now: now)
        running[id] = task
        do {
            let made = try await task.value
            store(made, of: id)
            return made
        } catch {
            running[id] = nil
            throw error
        }
    }

    private func store(_ made: Kept?, of id: String) {
        running[id] = nil
        if let made, made.events >= kept[id]?.events ?? 0 { kept[id] = made }
    }

    private static func make(_ id: String, service: CampaignService, unit: String?, now: Instant) -> Task<
        Kept, any Error
    > {
        Task {
            let (campaign, engine) = try await service.campaignAndEngine(id, withEntries: true)
            let insights = CampaignInsights.make(
                campaign: campaign, engine: engine, unit: unit, organisation: try await service.organisationInUse())
            return Kept(events: campaign.eventCount, at: now, insights: insights)
        }
    }
}
