import Foundation

/// How the API serves: where it listens, the body limit, and its authentication switches.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Request bodies over this many bytes get 413.
    public var maxBodySize: Int
    /// `false` only for a server that listens on loopback (``validate()`` refuses otherwise).
    public var authEnabled: Bool
    /// Serve `/metrics` without a key.
    public var publicMetrics: Bool
    /// Seconds a verified key is trusted before the store is read again.
    public var keyCacheTTL: TimeInterval
    /// Seconds `/ready` waits for the store before answering 503 (a database that is down can
    /// keep a request waiting for a connection much longer).
    public var readyTimeout: TimeInterval

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodySize: Int = 1 << 20, authEnabled: Bool = true,
        publicMetrics: Bool = false, keyCacheTTL: TimeInterval = 5, readyTimeout: TimeInterval = 2
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.authEnabled = authEnabled
        self.publicMetrics = publicMetrics
        self.keyCacheTTL = keyCacheTTL
        self.readyTimeout = readyTimeout
    }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses settings that would be unsafe or meaningless.
    public func validate() throws {
        if !authEnabled && !Self.isLoopback(host) {
            throw APIError(.badRequest, "--no-auth is only allowed when listening on loopback (127.0.0.1, ::1 or localhost), not on '\(host)'")
        }
        guard (0...65_535).contains(port) else { throw APIError(.badRequest, "--port must be between 0 and 65535, got \(port)") }
        guard maxBodySize >= 1024 else { throw APIError(.badRequest, "--max-body must be at least 1024 bytes, got \(maxBodySize)") }
    }
}
