import ArgumentParser
import Foundation

/// The `laurel` command: checks, simulates and runs emulation campaigns.
struct Laurel: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "laurel",
        abstract: "A workflow engine for emulation campaigns: phases with targets, councils, awards.",
        discussion: """
            Administrators describe each campaign in a YAML workflow file. 'laurel validate' checks \
            such files and reports every problem with its file, line and column; 'laurel simulate' \
            runs one on a virtual clock; 'laurel serve' runs the daemon, and the campaign, entry, \
            review and results commands work with the campaigns it runs.
            """,
        version: version,
        subcommands: [Validate.self, Simulate.self, Graph.self, Serve.self, CampaignCommand.self, EntryCommand.self,
                      ReviewCommand.self, BallotCommand.self, Results.self, OrgCommand.self, Schema.self, Plugins.self]
    )
}

/// Starts the command and maps argument-parser's usage errors to exit status 2, as compilers
/// and Unix tools do, instead of its default 64.
@main
enum LaurelMain {
    static func main() async {
        do {
            var command = try Laurel.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            exit(ExitCode.usageError)
        } catch {
            let code = Laurel.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Laurel.fullMessage(for: error) + "\n").utf8))
                exit(ExitCode.usageError)
            }
            Laurel.exit(withError: error)
        }
    }
}

extension ExitCode {
    /// The command line itself was wrong: an unknown option, a missing file.
    static let usageError: Int32 = 2
    /// The input was read and has errors.
    static let inputErrors = ExitCode(1)
}

/// How a command writes its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// A usage error raised after parsing (a path that does not exist), reported like parse errors.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}
