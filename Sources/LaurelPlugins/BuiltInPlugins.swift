import AnnouncePlugin
import AwardsCeremonyPlugin
import BallotPlugin
import CascadePlugin
import CouncilReviewPlugin
public import LaurelCore
import NominatePlugin
import NotifyPlugin
import PhaseTargetPlugin
import ScreeningPlugin

/// The step plugins compiled into this build: the one list, used by the tool, the benchmarks, the
/// fuzz targets and the tests. Adding a plugin is a folder in `plugins/`, a line in Package.swift's
/// `stepPlugins`, and a line here.
public enum BuiltInPlugins {
    public static var types: [any StepPlugin.Type] {
        [
            Announce.self,
            PhaseTarget.self,
            CouncilReview.self,
            AwardsCeremony.self,
            Ballot.self,
            Nominate.self,
            Screening.self,
            Notify.self,
            Cascade.self,
        ]
    }

    /// The registry, built once; a duplicate kind is a programming error caught at start-up
    /// (and by the tests), so it stops the program with the message.
    public static let registry: PluginRegistry = {
        do {
            return try PluginRegistry(types)
        } catch {
            fatalError("\(error)")
        }
    }()
}
