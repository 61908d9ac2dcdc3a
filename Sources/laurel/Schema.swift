import ArgumentParser
import LaurelCore
import LaurelPlugins

extension Laurel {
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of the workflow language, with every plugin's parameters.",
            discussion: """
                Save it and name it in a workflow's first line for completion and checks in editors:
                  laurel schema > docs/laurel.schema.json
                  # yaml-language-server: $schema=../docs/laurel.schema.json
                """
        )

        func run() {
            print(WorkflowSchema.make(registry: BuiltInPlugins.registry).rendered())
        }
    }
}
