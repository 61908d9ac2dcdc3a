import ArgumentParser
import Foundation
import LaurelCore
import LaurelService

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
        subcommands: [
            Validate.self, Simulate.self, Graph.self, Serve.self, CampaignCommand.self, EntryCommand.self,
            ReviewCommand.self, BallotCommand.self, Results.self, OrgCommand.self, AccessCommand.self,
            AuditCommand.self, API.self, LSP.self,
            StoreCommand.self,
            Schema.self,
            Plugins.self,
        ]
    )
}

/// Starts the command and presents every error in one place: argument-parser's usage errors exit
/// 2, as compilers and Unix tools do, instead of its default 64; any other error is said as a
/// ``LaurelError`` and exits by its code (``ExitCode/status(for:)``).
@main
enum LaurelMain {
    /// "laurel campaign start": the command's own words, never an argument (a person's id given
    /// to `access grant` is personal data, recorded only as a hash).
    static func commandPath() -> String {
        var path = ["laurel"]
        var commands = Laurel.configuration.subcommands
        for word in CommandLine.arguments.dropFirst() {
            guard let command = commands.first(where: { $0._commandName == word }) else { break }
            path.append(word)
            commands = command.configuration.subcommands
        }
        return path.joined(separator: " ")
    }

    static func main() async {
        var command: (any ParsableCommand)?
        do {
            command = try Laurel.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command?.run()
            }
        } catch let error as LaurelError {
            present(error, as: (command as? any FormattedCommand)?.format ?? .text)
        } catch {
            let code = Laurel.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Laurel.fullMessage(for: error) + "\n").utf8))
                exit(ExitCode.usageError)
            }
            if error is ExitCode || code == .success { Laurel.exit(withError: error) }
            present(LaurelError(error), as: (command as? any FormattedCommand)?.format ?? .text)
        }
    }

    /// On standard error: each refused item of a batch, then what the error came to, as lines for
    /// people or, with `--format json`, as one object `{"error": CODE, "message": ..., "problems": [...]}`.
    static func present(_ error: LaurelError, as format: OutputFormat) -> Never {
        let text: String
        switch format {
        case .text:
            text = (error.problems.map(\.message) + [error.message]).map { "error: \($0)\n" }.joined()
        case .json:
            // A LaurelError encodes to plain values only, so this cannot fail.
            text = ((try? JSONValue(encoding: error)) ?? .null).rendered() + "\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        exit(ExitCode.status(for: error.code))
    }
}

/// A command with `--format`, so its errors are written in the same format as its output.
protocol FormattedCommand {
    var format: OutputFormat { get }
}

extension ExitCode {
    /// The command line itself was wrong: an unknown option, a missing file.
    static let usageError: Int32 = 2
    /// The input was read and has errors.
    static let inputErrors = ExitCode(1)

    /// 2 for a wrong command line, 1 for everything else (README, "Commands").
    static func status(for code: LaurelError.Code) -> Int32 {
        code == .invalidRequest ? usageError : inputErrors.rawValue
    }
}

/// How a command writes its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

extension Laurel.Validate: FormattedCommand {}
extension Laurel.Simulate: FormattedCommand {}
extension CampaignCommand.Start: FormattedCommand {}
extension CampaignCommand.List: FormattedCommand {}
extension CampaignCommand.Status: FormattedCommand {}
extension CampaignCommand.History: FormattedCommand {}
extension CampaignCommand.Send: FormattedCommand {}
extension CampaignCommand.Migrate: FormattedCommand {}
extension EntryCommand.Submit: FormattedCommand {}
extension EntryCommand.Import: FormattedCommand {}
extension ReviewCommand.Score: FormattedCommand {}
extension BallotCommand.Cast: FormattedCommand {}
extension OrgCommand.Import: FormattedCommand {}
extension OrgCommand.List: FormattedCommand {}
