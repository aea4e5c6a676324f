import ArgumentParser
import Foundation
import KairosSQLite
import KairosStore

/// Where the jobs live: an SQLite `--store` value, parsed once, and the one place that opens the
/// SQLite driver for `serve`, `keys`, `migrate` and `bench`. ``StoreAddress`` adds
/// `postgres://…` for the commands that open either driver.
enum StoreLocation: Equatable, CustomStringConvertible {
    /// The embedded database file.
    case sqlite(path: String)

    /// The accepted forms, for help texts and errors.
    static let forms = "sqlite:PATH"

    init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ValidationError("--store sqlite:PATH needs a path, e.g. sqlite:kairos.db") }
            self = .sqlite(path: path)
            return
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            throw ValidationError("--store \(Self.redacted(text)): this command works on SQLite only for now; use \(Self.forms)")
        }
        throw ValidationError("--store must be \(Self.forms) (an SQLite database file, e.g. sqlite:kairos.db); got '\(Self.redacted(text))'")
    }

    /// Opens the store and migrates it. `serving`: this process runs the scheduler, workers or
    /// API on it (SQLite: takes the file's serving lock, so a second serving process is
    /// refused). `create`: a database file that does not exist is created; otherwise it throws
    /// ``Missing``, so that a command run in the wrong directory, or with a typo in the path,
    /// does not work on a new empty store that no server reads.
    func open(serving: Bool, create: Bool) throws -> any JobStore {
        switch self {
        case .sqlite(let path):
            guard create || FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
            return try SQLiteJobStore(path: path, exclusive: serving)
        }
    }

    /// A store that does not exist, opened without `create`.
    struct Missing: Error, CustomStringConvertible {
        /// The path as given.
        let path: String

        /// The path resolved against the working directory (the same when it is absolute).
        var absolutePath: String {
            URL(fileURLWithPath: path).standardizedFileURL.path
        }

        /// `no store at PATH (ABSOLUTE): the file does not exist`.
        var description: String {
            let shown = absolutePath == path ? path : "\(path) (\(absolutePath))"
            return "no store at \(shown): the file does not exist"
        }
    }

    var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        }
    }

    /// A store argument with any password left out, for messages and logs.
    static func redacted(_ text: String) -> String {
        guard let url = URLComponents(string: text), url.password != nil else { return text }
        var redacted = url
        redacted.password = "***"
        return redacted.string ?? text
    }
}
