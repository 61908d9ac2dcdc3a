import LaurelCore
import LaurelService
import LaurelStore
import Metrics

/// What the daemon counts, through swift-metrics (the `laurel` command exports them to
/// Prometheus at the API's `/metrics`; without a backend they cost nothing). Labels are workflows
/// and outcomes, never a person, an entry or a unit.
struct DaemonMetrics: Sendable {
    /// Timers that fell due, by workflow and what became of them (fired, skipped, stale).
    func timer(_ result: ServiceResult, of timer: DueTimer) {
        let workflow = result.campaign?.workflowID ?? "unknown"
        let disposition: String =
            switch result.status {
            case .applied, .alreadyApplied, .checked: "fired"
            case .skipped: "skipped"
            case .stale: "stale"
            }
        Counter(label: "laurel_timers_total", dimensions: [("workflow", workflow), ("disposition", disposition)])
            .increment()
        guard disposition == "fired", let event = result.logged.first(where: { $0.kind == "timer" }) else { return }
        // How late after its due instant the timer fired: whole seconds, as the log records it.
        Metrics.Timer(
            label: "laurel_timer_lateness_seconds", dimensions: [("workflow", workflow)], preferredDisplayUnit: .seconds
        ).recordSeconds(Double(event.lateBy))
    }

    /// A timer that could not fire and is tried again later.
    func timerFailed() {
        Counter(label: "laurel_timer_failures_total").increment()
    }

    /// The daemon started and found timers that fell due while it was down or crashed: it
    /// recovered `caughtUp` of them in its first tick.
    func recovered(caughtUp: Int) {
        Counter(label: "laurel_daemon_recoveries_total").increment()
        Counter(label: "laurel_daemon_recovered_timers_total").increment(by: caughtUp)
    }

    func outboxDelivered(_ count: Int) {
        Counter(label: "laurel_outbox_delivered_total").increment(by: count)
    }

    func outboxFailed() {
        Counter(label: "laurel_outbox_delivery_failures_total").increment()
    }
}
