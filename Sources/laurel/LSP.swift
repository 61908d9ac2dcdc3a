import ArgumentParser
import Foundation
import LaurelCore
import LaurelLSP
import LaurelPlugins

extension Laurel {
    struct LSP: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lsp",
            abstract: "The language server for editors: workflow files checked as you type.",
            discussion: """
                Speaks the Language Server Protocol over standard input and output (an editor \
                starts it; docs/editors.md shows the set-up for VS Code, Neovim and Helix). It \
                checks the editor's buffer, not the file on disk, with this build's plugins, and \
                publishes the diagnostics 'laurel validate' gives. Logs go to standard error.
                """
        )

        func run() throws {
            let server = LanguageServer(
                registry: BuiltInPlugins.registry, clock: { Int64(Date().timeIntervalSince1970) },
                log: { FileHandle.standardError.write(Data("laurel lsp: \($0)\n".utf8)) },
                besides: { workflow, file in
                    Validate.besides(
                        workflow, file: file, validator: WorkflowValidator(registry: BuiltInPlugins.registry))
                })
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while server.exitCode == nil {
                let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    server.endOfInput()
                    break
                }
                let reply = server.receive(buffer[0..<count])
                if !reply.isEmpty { FileHandle.standardOutput.write(Data(reply)) }
            }
            throw ExitCode(server.exitCode ?? 1)
        }
    }
}
