import Foundation
import LaurelService
import LaurelYAML

/// Reads a file a person named, and says in words why it cannot be read (it does not exist, it is
/// a folder, it may not be read) instead of passing on a Foundation error text.
enum ReadableFile {
    /// The largest file read by default: a workflow file's bound (4 MB), which an organisation
    /// file or a script shares. A CSV of entries may be larger (``largestCSV``).
    static let largest = YAMLLimits.workflowFile.maxBytes
    static let largestCSV = 512 << 20

    /// The file's bytes, or the reason it cannot be read. Only regular files are read (a device
    /// such as /dev/zero would never end, a pipe may never come), and only up to `maximum`
    /// bytes, checked before reading.
    static func read(_ path: String, maximum: Int = largest) -> Result<[UInt8], ReadFailure> {
        // O_NONBLOCK: opening a pipe nobody writes to must not hang; a regular file ignores it.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadFailure(path: path, errorNumber: errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return .failure(ReadFailure(path: path, errorNumber: errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .failure(ReadFailure(path: path, errorNumber: EISDIR))
        case S_IFREG: break
        default: return .failure(ReadFailure(path: path, errorNumber: ENODEV))
        }
        if Int(status.st_size) > maximum {
            return .failure(ReadFailure(path: path, errorNumber: EFBIG, size: (Int(status.st_size), maximum)))
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(path: path, errorNumber: errno))
            }
            bytes += buffer[0..<count]
        }
    }

    /// The file's bytes; a file that cannot be read is a wrong command line (exit 2).
    static func bytes(_ path: String, maximum: Int = largest) throws -> [UInt8] {
        switch read(path, maximum: maximum) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw LaurelError(.invalidRequest, failure.description)
        }
    }
}

/// Why a file cannot be read, in words.
struct ReadFailure: Error, CustomStringConvertible {
    var path: String
    var errorNumber: Int32
    /// For a file too large: its size and the most that is read, in bytes.
    var size: (actual: Int, maximum: Int)?

    /// The reason alone: "it does not exist".
    var reason: String {
        switch errorNumber {
        case ENOENT: return "it does not exist"
        case EISDIR: return "it is a folder, not a file"
        case EACCES, EPERM: return "you may not read it (permission denied)"
        case ENOTDIR: return "a part of its path is not a folder"
        case ENAMETOOLONG: return "its name is too long"
        case ENODEV: return "it is not a regular file (a device, a pipe or a socket)"
        case EFBIG:
            let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
            return size.map { "it is \(megabytes($0.actual)); at most \(megabytes($0.maximum)) is read" }
                ?? "it is too large"
        default: return String(cString: strerror(errorNumber)).lowercased()
        }
    }

    var description: String { "cannot read '\(path)': \(reason)" }
}
