import AnnouncePlugin
import AwardsCeremonyPlugin
import BallotPlugin
import CascadePlugin
import CouncilReviewPlugin
import LaurelCore
import NominatePlugin
import NotifyPlugin
import PhaseTargetPlugin
import ScreeningPlugin

/// The step plugins compiled into this build: the one list. Adding a plugin is a folder in
/// `plugins/`, a line in Package.swift's `stepPlugins`, and a line here.
enum BuiltInPlugins {
    static var types: [any StepPlugin.Type] { [
        Announce.self,
        PhaseTarget.self,
        CouncilReview.self,
        AwardsCeremony.self,
        Ballot.self,
        Nominate.self,
        Screening.self,
        Notify.self,
        Cascade.self,
    ] }

    /// The registry, built once; a duplicate kind is a programming error caught at start-up
    /// (and by the tests), so it stops the program with the message.
    static let registry: PluginRegistry = {
        do {
            return try PluginRegistry(types)
        } catch {
            fatalError("\(error)")
        }
    }()
}
