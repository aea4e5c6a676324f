import AsyncHTTPClient
import Foundation
import KairosCore
import NIOCore
import NIOPosix

/// `http.request`: sends one HTTP request and succeeds when the response status is accepted.
///
/// Arguments: `method` (GET, HEAD, POST, PUT, PATCH, DELETE; default GET), `url` (http or
/// https, required), `headers` (object of strings), `body` (a string, or a JSON object or
/// array sent as `application/json` unless a `Content-Type` header is given), `timeout`
/// (seconds, 0 < t ≤ 3600, default 30) and `acceptedStatus` (status codes; default any 2xx).
/// The result is `HTTP <status>: <first 200 bytes of the body>`.
///
/// ```json
/// {"task": "http.request", "args": {"method": "POST", "url": "https://example.com/hooks/nightly",
///                                   "body": {"report": "daily"}, "acceptedStatus": [200, 202]}}
/// ```
public struct HTTPRequestTask: KairosTask {
    public let name = "http.request"
    /// The program runs outside this process: its start is recorded first (``KairosTask/recordsStartBeforeRunning``).
    public var recordsStartBeforeRunning: Bool { true }
    public static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    public static let defaultTimeout: Double = 30
    /// Bytes of the response body kept for the result.
    static let bodyPrefixBytes = 200

    let httpClient: HTTPClient

    /// The client for this task unless an embedder brings its own: AsyncHTTPClient's
    /// browser-like configuration (redirects, decompression), except that a connection that
    /// cannot be established fails the request at once. By default the client retries it until
    /// the deadline, so a port nobody listens on took the whole timeout (30 s) per attempt to
    /// answer "connection refused". Lives as long as the process, like `HTTPClient.shared`.
    public static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// - Parameter httpClient: the client requests go through (``defaultClient`` fails fast on
    ///   refused connections); its owner shuts it down.
    public init(httpClient: HTTPClient) {
        self.httpClient = httpClient
    }

    enum Body: Equatable {
        case text(String)
        case json(JSONValue)
    }

    struct Arguments {
        var method = "GET"
        var url: String
        var headers: [(name: String, value: String)] = []
        var body: Body?
        var timeout = HTTPRequestTask.defaultTimeout
        var acceptedStatus: Set<Int>?

        func accepts(_ status: Int) -> Bool {
            acceptedStatus.map { $0.contains(status) } ?? (200...299).contains(status)
        }
    }

    static func parse(_ args: JSONValue) throws(ValidationError) -> Arguments {
        var check = ArgumentChecker(args, known: ["method", "url", "headers", "body", "timeout", "acceptedStatus"])
        var arguments = Arguments(url: "")

        if let method = check.string("method") {
            if methods.contains(method.uppercased()) {
                arguments.method = method.uppercased()
            } else {
                check.issue("method", "invalidValue", "method must be one of \(methods.joined(separator: ", ")), got '\(method)'")
            }
        }

        if let url = check.string("url", required: true) {
            if let problem = urlProblem(url) {
                check.issue("url", "invalidFormat", "url \(problem), got '\(url)'")
            } else {
                arguments.url = url
            }
        }

        if let headers = check.stringObject("headers") {
            for (name, value) in headers {
                if name.isEmpty || !name.unicodeScalars.allSatisfy(isTokenCharacter) {
                    check.issue("headers.\(name)", "invalidValue", "header name '\(name)' is not a valid HTTP field name")
                } else if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                    check.issue("headers.\(name)", "invalidValue", "headers.\(name) must not contain line breaks or NUL")
                }
            }
            arguments.headers = headers
        }

        if let body = check.value("body", required: false, expected: "a string, or a JSON object or array") {
            switch body {
            case .string(let text): arguments.body = .text(text)
            case .object, .array: arguments.body = .json(body)
            default: check.typeMismatch("body", expected: "a string, or a JSON object or array", got: body)
            }
        }

        if let timeout = check.value("timeout", required: false, expected: "a number of seconds") {
            if let seconds = timeout.doubleValue {
                if seconds.isFinite, seconds > 0, seconds <= 3600 {
                    arguments.timeout = seconds
                } else {
                    check.issue("timeout", "outOfRange", "timeout must be more than 0 and at most 3600 seconds, got \(ArgumentChecker.format(seconds))")
                }
            } else {
                check.typeMismatch("timeout", expected: "a number of seconds", got: timeout)
            }
        }

        if let accepted = check.value("acceptedStatus", required: false, expected: "an array of status codes") {
            if let codes = accepted.arrayValue {
                if codes.isEmpty {
                    check.issue("acceptedStatus", "required", "acceptedStatus must list at least one status code (omit it to accept any 2xx)")
                }
                var set = Set<Int>()
                for (index, code) in codes.enumerated() {
                    if let status = check.integer(code, field: "acceptedStatus[\(index)]", in: 100...599) { set.insert(status) }
                }
                arguments.acceptedStatus = set
            } else {
                check.typeMismatch("acceptedStatus", expected: "an array of status codes", got: accepted)
            }
        }

        try check.finish()
        return arguments
    }

    /// Why `text` is not an absolute http(s) URL with a host, or `nil` when it is.
    static func urlProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "must be an absolute http or https URL"
        }
        guard scheme == "http" || scheme == "https" else { return "must use http or https (not \(scheme))" }
        guard let host = components.host, !host.isEmpty else { return "must name a host" }
        return nil
    }

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": true
        default: false
        }
    }

    public func validate(args: JSONValue) throws(ValidationError) {
        _ = try Self.parse(args)
    }

    public func run(args: JSONValue, context: TaskContext) async throws -> String? {
        let arguments: Arguments
        do { arguments = try Self.parse(args) } catch { throw invalidArguments(error, task: name) }

        var request = HTTPClientRequest(url: arguments.url)
        request.method = .init(rawValue: arguments.method)
        for (name, value) in arguments.headers { request.headers.add(name: name, value: value) }
        for (name, value) in Self.identityHeaders(context) { request.headers.replaceOrAdd(name: name, value: value) }
        switch arguments.body {
        case nil:
            break
        case .text(let text):
            request.body = .bytes(ByteBuffer(string: text))
        case .json(let value):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            request.body = .bytes(ByteBuffer(bytes: try encoder.encode(value)))
            if !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
        }

        let target = "\(arguments.method) \(arguments.url)"
        let prepared = request
        let (status, bodyPrefix): (Int, [UInt8])
        do {
            // The client's deadline covers connecting and the response head, and reports why a
            // connection failed; this one, a moment later, also bounds reading the body.
            (status, bodyPrefix) = try await Self.withTimeout(arguments.timeout + 1) { [httpClient] in
                let response = try await httpClient.execute(prepared, timeout: .nanoseconds(Int64(arguments.timeout * 1e9)))
                var prefix: [UInt8] = []
                if arguments.method != "HEAD" {
                    // One byte more than kept, to know whether the body was cut.
                    for try await chunk in response.body {
                        prefix += chunk.readableBytesView.prefix(Self.bodyPrefixBytes + 1 - prefix.count)
                        if prefix.count > Self.bodyPrefixBytes { break }
                    }
                }
                return (Int(response.status.code), prefix)
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if error is RequestTimeout || (error as? HTTPClientError) == .deadlineExceeded {
                throw TaskFailure(message: "\(target) timed out after \(ArgumentChecker.format(arguments.timeout))s")
            }
            throw TaskFailure(message: "\(target) failed: \(Self.describe(error, url: arguments.url))")
        }

        let cut = bodyPrefix.count > Self.bodyPrefixBytes
        var text = String(decoding: bodyPrefix.prefix(Self.bodyPrefixBytes), as: UTF8.self)
        while cut && text.last == "\u{FFFD}" { text.removeLast() }  // a character cut in the middle
        var line = oneLine(text, limit: Self.bodyPrefixBytes)
        if cut && !line.hasSuffix("…") { line += "…" }
        let result = line.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(line)"
        guard arguments.accepts(status) else {
            let expected = arguments.acceptedStatus.map { "one of " + $0.sorted().map(String.init).joined(separator: ", ") } ?? "2xx"
            throw TaskFailure(reason: "http status", message: "\(target) answered \(status), expected \(expected)", result: result)
        }
        return result
    }

    struct RequestTimeout: Error {}

    /// Who is calling, for a receiver that de-duplicates (as Google Cloud Scheduler and
    /// EventBridge Scheduler pass their context): the execution is the same across its retries,
    /// the attempt counts them. They replace headers of the same names in `args.headers`.
    static func identityHeaders(_ context: TaskContext) -> [(String, String)] {
        [
            ("Kairos-Execution-Id", context.executionId.uuidString.lowercased()),
            ("Kairos-Job-Key", context.jobKey),
            ("Kairos-Scheduled-At", Timestamp.formatPrecise(context.scheduledAt)),
            ("Kairos-Attempt", "\(context.attempt)"),
        ]
    }

    /// A connection error in words (`connection refused: 127.0.0.1:18649`), instead of NIO's
    /// `connection reset (error set): Connection refused (errno: 111)`; other errors as they are.
    /// A connection to an address is an `IOError`; to a name, a `NIOConnectionError` holding
    /// one per address tried.
    static func describe(_ error: any Error, url: String) -> String {
        let codes: [Int32]
        var target: String
        if let connection = error as? NIOConnectionError {
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve \(connection.host): \(dns)" }
            codes = connection.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            target = "\(connection.host):\(connection.port)"
        } else if let io = error as? IOError {
            codes = [io.errnoCode]
            let parsed = URLComponents(string: url)
            let port = parsed?.port ?? (parsed?.scheme?.lowercased() == "https" ? 443 : 80)
            target = "\(parsed?.host ?? url):\(port)"
        } else {
            return "\(error)"
        }
        if codes.contains(ECONNREFUSED) { return "connection refused: \(target)" }
        if let code = codes.first { return "cannot connect to \(target): \(String(cString: strerror(code)).lowercased())" }
        return "cannot connect to \(target)"
    }

    /// Runs `operation`, cancelling it and throwing ``RequestTimeout`` after `seconds` (the
    /// client's own deadline only covers the response head, not the body).
    static func withTimeout<T: Sendable>(
        _ seconds: Double, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw RequestTimeout() }
            return value
        }
    }
}

extension HTTPRequestTask {
    public var summary: String { "Sends one HTTP request; fails on a status outside acceptedStatus (default: any 2xx)." }

    public var argumentSchema: JSONValue {
        [
            "type": "object", "required": ["url"], "additionalProperties": false,
            "properties": [
                "method": ["type": "string", "enum": .array(Self.methods.map { .string($0) }), "default": "GET"],
                "url": ["type": "string", "description": "http or https URL"],
                "headers": ["type": "object", "additionalProperties": ["type": "string"]],
                "body": ["description": "a string, or a JSON object or array (sent as JSON)"],
                "timeout": ["type": "number", "exclusiveMinimum": 0, "maximum": 3600, "description": "seconds"],
                "acceptedStatus": ["type": "array", "minItems": 1, "items": ["type": "integer", "minimum": 100, "maximum": 599]],
            ],
        ]
    }
}
