import ArgumentParser
import Foundation
import LaurelLSP

/// The language server as an editor meets it: a real `laurel lsp` process, a file opened, then
/// the time from writing a whole-buffer `didChange` to reading its `publishDiagnostics`.
struct LSPBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Time from a change to its diagnostics through a real `laurel lsp` (release build)."
    )

    @Option(help: "The laurel binary to start.")
    var laurel = ".build/release/laurel"

    @Option(help: "Timed changes per file; the median, p95 and slowest are printed.")
    var iterations = 30

    @Option(help: "The folder of shipped workflows.")
    var workflows = "workflows"

    func run() throws {
        var inputs: [(name: String, text: String)] = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: workflows)) ?? []
        for file in files.filter({ $0.hasSuffix(".yaml") }).sorted() {
            let text = try String(contentsOfFile: "\(workflows)/\(file)", encoding: .utf8)
            inputs.append(("shipped \(file)", text))
        }
        // The generated workflow at about 100 KB, and at 2,000 states (about 700 KB).
        var states = 100
        while ValidateBenchmark.generatedWorkflow(states: states).utf8.count < 100 * 1024 { states += 20 }
        inputs.append(("generated \(states) states", ValidateBenchmark.generatedWorkflow(states: states)))
        inputs.append(("generated 2000 states", ValidateBenchmark.generatedWorkflow(states: 2_000)))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: laurel)
        process.arguments = ["lsp"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var reader = Reader(handle: output.fileHandleForReading)
        func send(_ object: [String: Any]) throws {
            input.fileHandleForWriting.write(
                Data(MessageFramer.frame(Array(try JSONSerialization.data(withJSONObject: object)))))
        }
        try send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": [:]]])
        _ = try reader.next { $0["id"] as? Int == 1 }
        try send(["jsonrpc": "2.0", "method": "initialized", "params": [:]])

        print("laurel-bench lsp: \(iterations) changes each, from didChange written to publishDiagnostics read")
        for (number, input) in inputs.enumerated() {
            // In a folder of its own, so the files beside it are not part of the measure.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-lsp-bench-\(number)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let uri = "file://" + folder.appendingPathComponent("campaign.yaml").path
            try send([
                "jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": ["textDocument": ["uri": uri, "languageId": "yaml", "version": 1, "text": input.text]],
            ])
            _ = try reader.next { $0["method"] as? String == "textDocument/publishDiagnostics" }
            var times: [Double] = []
            var count = 0
            for version in 2..<(2 + iterations) {
                // A keystroke's worth of change: a comment at the end that grows.
                let text = input.text + "\n# " + String(repeating: "x", count: version)
                let start = ContinuousClock.now
                try send([
                    "jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": [
                        "textDocument": ["uri": uri, "version": version], "contentChanges": [["text": text]],
                    ],
                ])
                let published = try reader.next { $0["method"] as? String == "textDocument/publishDiagnostics" }
                let elapsed = ContinuousClock.now - start
                times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
                count = ((published["params"] as? [String: Any])?["diagnostics"] as? [Any])?.count ?? -1
            }
            times.sort()
            let p95 = times[min(times.count - 1, Int((Double(times.count) * 0.95).rounded(.up)) - 1)]
            print(
                "\(input.name) (\(input.text.utf8.count >> 10) KB): median \(ValidateBenchmark.format(times[times.count / 2])) ms, p95 \(ValidateBenchmark.format(p95)) ms, slowest \(ValidateBenchmark.format(times.last!)) ms; \(count) diagnostic(s)"
            )
        }
        try send(["jsonrpc": "2.0", "id": 2, "method": "shutdown"])
        _ = try reader.next { $0["id"] as? Int == 2 }
        try send(["jsonrpc": "2.0", "method": "exit"])
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("laurel lsp exited with \(process.terminationStatus)")
        }
    }

    /// Messages read from the server's output as they come.
    struct Reader {
        let handle: FileHandle
        var framer = MessageFramer()

        mutating func next(where wanted: ([String: Any]) -> Bool) throws -> [String: Any] {
            while true {
                while case .message(let body)? = framer.next() {
                    let message = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
                    if wanted(message) { return message }
                }
                let data = handle.availableData
                guard !data.isEmpty else { throw ValidationError("laurel lsp closed its output") }
                framer.append(Array(data))
            }
        }
    }
}
