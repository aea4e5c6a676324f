import ArgumentParser
import AsyncHTTPClient
import Foundation
import KairosCore
import KairosEngine
import NIOCore
import NIOHTTP1

/// Exit codes of the commands that talk to a server (`kairos jobs`, `status`, `health`) and of
/// `kairos keys`. Argument-parser's own usage errors exit 64.
enum ClientExit {
    static let failure: Int32 = 1
    static let invalidInput: Int32 = 2
    static let notFound: Int32 = 3
    static let authFailure: Int32 = 4
    static let unreachable: Int32 = 5
    static let conflict: Int32 = 6

    /// The table, for each command's discussion.
    static let help = """
        Exit codes: 0 ok; 1 other error; 2 invalid input (HTTP 400/413/415/422, or a job file that \
        cannot be read or parsed); 3 not found (404); 4 authentication or permission failure \
        (401/403); 5 server unreachable (connection refused, timeout); 6 conflict (409: duplicate key, \
        stale --if-version, triggering a disabled job); 64 bad command-line usage.
        """

    /// The environment, for each command's discussion.
    static let environment = """
        The server is --server, else $KAIROS_SERVER, else http://127.0.0.1:8080; the API key is \
        --key, else $KAIROS_KEY (prefer the variable: arguments are visible to other users in ps).
        """

    /// The exit code for an HTTP error status.
    static func code(forStatus status: Int) -> Int32 {
        switch status {
        case 400, 413, 415, 422: invalidInput
        case 401, 403: authFailure
        case 404: notFound
        case 409, 412: conflict
        default: failure
        }
    }
}

/// Prints `error: message` to stderr and returns the exit code to throw.
func clientFailure(_ code: Int32, _ message: String) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(code)
}

/// Options of every command that talks to a Kairos server.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The Kairos server's base URL (default: $KAIROS_SERVER, else http://127.0.0.1:8080).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The API key (default: $KAIROS_KEY).", valueName: "key"))
    var key: String?

    @Option(help: ArgumentHelp("Seconds to wait for the server to answer.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds, got \(timeout)") }
    }
}

/// A small client of the Kairos REST API over AsyncHTTPClient. Answers are JSON values; a
/// transport failure prints an error and throws exit code 5, an HTTP error (through
/// ``request(_:_:query:body:headers:)``) prints the problem's detail and field errors and
/// throws the matching exit code (``ClientExit``).
///
/// It has its own `HTTPClient` rather than `HTTPClient.shared`: the shared client retries a
/// refused connection until the request's deadline, so a stopped server would take the whole
/// `--timeout` to report; a command line tool should say "unreachable" at once.
final class APIClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var isSuccess: Bool { (200..<300).contains(status) }

        /// The body as JSON (`nil` when empty or not JSON).
        var json: JSONValue? {
            guard !body.isEmpty else { return nil }
            return try? JSONDecoder().decode(JSONValue.self, from: body)
        }
    }

    static let defaultServer = "http://127.0.0.1:8080"
    /// Larger answers are refused.
    static let maxResponseBytes = 64 << 20

    let baseURL: String
    let key: String?
    let timeout: Double
    private let http: HTTPClient

    init(_ options: ClientOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let fromEnvironment = options.server == nil && !(environment["KAIROS_SERVER"] ?? "").isEmpty
        var server = options.server ?? environment["KAIROS_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultServer
        while server.hasSuffix("/") { server.removeLast() }
        let source = fromEnvironment ? "KAIROS_SERVER" : "--server"
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil, (url.query ?? "").isEmpty
        else {
            throw ValidationError("\(source) must be an http:// or https:// URL like http://127.0.0.1:8080, got '\(server)'")
        }
        baseURL = server
        key = options.key ?? environment["KAIROS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        timeout = options.timeout
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(min(timeout, 10) * 1000)), read: .milliseconds(Int64(timeout * 1000))))
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Runs `body` with a client and shuts the client down afterwards.
    static func with<T>(_ options: ClientOptions, _ body: (APIClient) async throws -> T) async throws -> T {
        let client = try APIClient(options)
        do {
            let result = try await body(client)
            try? await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    /// The URL of an API path (`/api/v1/…` or `/health`) with query parameters.
    func url(_ path: String, query: [(String, String)] = []) -> String {
        var text = baseURL + path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        }
        return text
    }

    /// Sends a request and answers the response whatever its status; throws exit code 5 when
    /// the server cannot be reached or does not answer in time.
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json, application/problem+json")
        request.headers.add(name: "User-Agent", value: "kairos-cli/\(KairosEngine.version)")
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            let data = try JSONEncoder().encode(body)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(data)
        }
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            return Response(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
        } catch let error as NIOTooManyBytesError {
            throw clientFailure(ClientExit.failure, "the answer of \(method) \(path) is larger than \(Self.maxResponseBytes >> 20) MiB: \(error)")
        } catch {
            throw clientFailure(ClientExit.unreachable, "cannot reach the Kairos server at \(baseURL): \(Self.describe(error))")
        }
    }

    /// Sends a request and answers its JSON body (or `null` for an empty one) when the status is
    /// 2xx; otherwise prints the problem and throws its exit code.
    @discardableResult
    func request(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil, headers: [(String, String)] = []
    ) async throws -> JSONValue {
        let response = try await send(method, path, query: query, body: body, headers: headers)
        guard response.isSuccess else { throw failure(response) }
        if response.body.isEmpty { return .null }
        guard let json = response.json else {
            throw clientFailure(ClientExit.failure, "the answer of \(method) \(path) is not JSON (HTTP \(response.status))")
        }
        return json
    }

    /// Prints an HTTP error (the problem's detail and each field error) and returns its exit code.
    func failure(_ response: Response) -> ExitCode {
        if let problem = response.json, let detail = problem["detail"]?.stringValue {
            printError("error: \(detail)")
            for issue in problem["errors"]?.arrayValue ?? [] {
                let field = issue["field"]?.stringValue ?? ""
                let message = issue["message"]?.stringValue ?? issue["code"]?.stringValue ?? ""
                printError(field.isEmpty ? "  \(message)" : "  \(field): \(message)")
            }
        } else {
            let text = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            printError("error: HTTP \(response.status) from \(baseURL)\(text.isEmpty ? "" : ": \(text)")")
        }
        if response.status == 401, key == nil {
            printError("hint: pass an API key with --key or KAIROS_KEY (kairos keys create makes one)")
        }
        return ExitCode(ClientExit.code(forStatus: response.status))
    }

    /// Every item of a list route, following `nextCursor` when `all` (at most `maxPages` pages).
    /// Answers the items and the cursor of the next page (`nil` at the end).
    func list(_ path: String, query: [(String, String)], all: Bool, maxPages: Int = 10_000) async throws -> (items: [JSONValue], nextCursor: String?) {
        var items: [JSONValue] = []
        var query = query
        var seen: Set<String> = []
        for _ in 0..<maxPages {
            let page = try await request(.GET, path, query: query)
            items += page["items"]?.arrayValue ?? []
            let next = page["nextCursor"]?.stringValue
            guard all, let next else { return (items, next) }
            guard seen.insert(next).inserted else {
                throw clientFailure(ClientExit.failure, "the server answered the cursor '\(next)' twice; stopping")
            }
            query.removeAll { $0.0 == "cursor" }
            query.append(("cursor", next))
        }
        throw clientFailure(ClientExit.failure, "stopped after \(maxPages) pages; narrow the list with filters")
    }

    /// A path segment (a job key or id), percent-encoded.
    static func segment(_ text: String) -> String { percentEncode(text) }

    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A short description of a transport error.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return "no answer in time (\(error))"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("ECONNREFUSED") || text.lowercased().contains("connection refused") { return "connection refused" }
        return text
    }
}

// MARK: - Output helpers

/// Prints a JSON value, pretty-printed with sorted keys.
func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}

/// A JSON value on one line (for args and schedules in summaries).
func compactJSON(_ value: JSONValue) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
}

/// Prints rows under a header, columns separated by two spaces; the last column is not padded.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
    }
    for row in [header] + rows {
        var line = ""
        for (index, cell) in row.enumerated() {
            if index == row.count - 1 {
                line += cell
            } else {
                line += cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
        }
        while line.hasSuffix(" ") { line.removeLast() }
        print(line)
    }
}

/// An instant of an API answer.
func apiDate(_ value: JSONValue?) -> Date? {
    value?.stringValue.flatMap { try? Timestamp.parse($0) }
}

/// `2026-03-08T02:00:00Z` (UTC, whole seconds), or `-`.
func displayTime(_ date: Date?) -> String {
    guard let date else { return "-" }
    let text = Timestamp.format(date)
    return text.hasSuffix("+00:00") ? String(text.dropLast(6)) + "Z" : text
}

/// `in 4m 10s`, `12s ago`.
func relativeTime(_ date: Date, now: Date = Date()) -> String {
    let seconds = date.timeIntervalSince(now)
    let text = displayDuration(abs(seconds))
    return seconds >= 0 ? "in \(text)" : "\(text) ago"
}

/// `850ms`, `12.5s`, `4m 10s`, `3h 5m`, `2d 4h`.
func displayDuration(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds < 60 {
        let tenths = (seconds * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))s" : "\(tenths)s"
    }
    let total = Int(seconds.rounded())
    if total < 3600 { return "\(total / 60)m \(total % 60)s" }
    if total < 86_400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
    return "\(total / 86_400)d \(total % 86_400 / 3600)h"
}

/// Cuts a cell to `limit` characters (one line).
func cell(_ text: String, limit: Int = 60) -> String {
    let line = text.replacingOccurrences(of: "\n", with: " ")
    return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
}
