import ArgumentParser
import LaurelCore
import LaurelPlugins

extension Laurel {
    struct Plugins: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the step plugins of this build: their parameters, outcomes and values."
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json, markdown
        }

        @Option(help: "text for people, json for programs, markdown for the docs.")
        var format: Format = .text

        func run() {
            let registry = BuiltInPlugins.registry
            switch format {
            case .text: print(PluginDocumentation.text(registry), terminator: "")
            case .json: print(PluginDocumentation.json(registry).rendered())
            case .markdown: print(PluginDocumentation.markdown(registry), terminator: "")
            }
        }
    }
}
