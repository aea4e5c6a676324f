import Foundation
import KairosStore
import PostgresNIO

/// Where a ``PostgresJobStore`` connects: parsed from a URL,
/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|require|verify-full]`.
///
/// The password comes from the URL, else from `PGPASSWORD`, else from a password file; it is
/// never part of ``description`` or of an error message.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    /// How the connection uses TLS (libpq's `sslmode` values that Kairos supports).
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (the default, as on loopback).
        case disable
        /// TLS, without checking the server's certificate.
        case require
        /// TLS, the certificate checked against the system's trust roots and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The most connections one handle opens (its `PostgresClient` pool).
    public var poolSize: Int

    /// How often the connection that listens for other handles' changes is checked with a query
    /// (and how long it may take to answer before it is replaced).
    public var listenerKeepAlive: Duration = .seconds(15)

    public static let defaultPoolSize = 10

    public init(
        host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .disable,
        poolSize: Int = defaultPoolSize
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
    }

    /// Parses `url`. Without a password in it, `environment["PGPASSWORD"]` is used, else the
    /// first line of `passwordFile`. Throws `StoreError(.unavailable)` naming what is wrong.
    public init(
        url: String, environment: [String: String] = ProcessInfo.processInfo.environment, passwordFile: String? = nil,
        poolSize: Int = defaultPoolSize
    ) throws {
        let shown = Self.redacted(url)
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), let components = URLComponents(string: url) else {
            throw StoreError(.unavailable, "'\(shown)' is not a PostgreSQL URL: postgres://user@host:port/database?sslmode=disable")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError(.unavailable, "the PostgreSQL URL '\(shown)' names no host: postgres://user@host:port/database")
        }
        guard let username = components.user, !username.isEmpty else {
            throw StoreError(.unavailable, "the PostgreSQL URL '\(shown)' names no user: postgres://user@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.unavailable, "the PostgreSQL URL '\(shown)' names no database: postgres://user@host:port/database")
        }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw StoreError(
                        .unavailable,
                        "the PostgreSQL URL '\(shown)' has sslmode '\(item.value ?? "")': use \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            default:
                throw StoreError(.unavailable, "the PostgreSQL URL '\(shown)' has the unknown parameter '\(item.name)' (Kairos knows sslmode)")
            }
        }
        guard (1...1_000).contains(poolSize) else {
            throw StoreError(.unavailable, "the PostgreSQL pool size must be between 1 and 1000, not \(poolSize)")
        }
        var password = components.password?.removingPercentEncoding ?? components.password
        if password == nil, let fromEnvironment = environment["PGPASSWORD"], !fromEnvironment.isEmpty { password = fromEnvironment }
        if password == nil, let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw StoreError(.unavailable, "cannot read the PostgreSQL password file '\(passwordFile)'")
            }
            password = text.split(whereSeparator: \.isNewline).first.map(String.init)
        }
        self.init(
            host: host, port: components.port ?? 5432, username: components.user?.removingPercentEncoding ?? username, password: password,
            database: database.removingPercentEncoding ?? database, tls: tls, poolSize: poolSize)
    }

    /// `postgres://user@host:port/database?sslmode=…`, never with the password.
    public var description: String {
        let address = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(username)@\(address):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// A URL with any password replaced by `***`, for messages and logs.
    public static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    /// The client's configuration (pool size, TLS, the sessions' settings).
    func clientConfiguration() throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: try clientTLS())
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    /// Settings of every session of the pool, sent when it connects. `jit=off`: PostgreSQL
    /// compiles a statement whose estimated cost passes `jit_above_cost` with LLVM, each time
    /// it runs; the batches of a scheduling pass and of outcomes (whose `jsonb_to_recordset`
    /// it cannot estimate) did, and the compiling took 18 % of the server's CPU at 5,000 fires a
    /// second for statements that run in milliseconds (docs/PERFORMANCE.md, 2026-12-07 late).
    static let sessionSettings = [("jit", "off")]

    /// One connection's configuration (migrations, the first contact).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let connectionTLS: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: connectionTLS = .disable
        case .require, .verifyFull:
            connectionTLS = .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: connectionTLS)
    }

    private func clientTLS() throws -> PostgresClient.Configuration.TLS {
        switch tls {
        case .disable: .disable
        case .require, .verifyFull: .require(tlsConfiguration)
        }
    }

    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tls == .require { configuration.certificateVerification = .none }
        return configuration
    }
}
