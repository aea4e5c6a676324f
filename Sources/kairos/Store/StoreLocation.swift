import ArgumentParser
import Foundation
import KairosSQLite
import KairosStore

/// Where the jobs live: a `--store` value, parsed once, and the one place that opens a driver
/// for `serve`, `keys`, `migrate` and `bench`. Today `sqlite:PATH`; the PostgreSQL driver adds
/// `postgres://…` here.
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
            throw ValidationError("--store \(Self.redacted(text)): the PostgreSQL driver is not built yet; use \(Self.forms)")
        }
        throw ValidationError("--store must be \(Self.forms) (an SQLite database file, e.g. sqlite:kairos.db); got '\(Self.redacted(text))'")
    }

    /// Opens the store, creating and migrating it when needed. `serving`: this process runs the
    /// scheduler, workers or API on it (SQLite: takes the file's serving lock, so a second
    /// serving process is refused).
    func open(serving: Bool) throws -> any JobStore {
        switch self {
        case .sqlite(let path): try SQLiteJobStore(path: path, exclusive: serving)
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
