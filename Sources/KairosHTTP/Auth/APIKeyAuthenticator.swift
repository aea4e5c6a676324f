import Foundation
import HTTPTypes
import KairosCore
import KairosStore

/// Checks `Authorization: Bearer <key>` against the store's hashed keys. A key found valid is
/// trusted for `cacheTTL` seconds without hashing it or reading the store again (a hot read
/// path costs one dictionary lookup); a revocation through this process takes effect at once,
/// through another process within `cacheTTL`.
public final class APIKeyAuthenticator: Sendable {
    private let store: any APIKeyStore
    private let cacheTTL: TimeInterval
    private let cache = Locked<[String: (record: APIKeyRecord, checkedAt: ContinuousClock.Instant)]>([:])
    /// Keys named by their stored hash (a dashboard session's key), cached the same way.
    private let hashCache = Locked<[String: (record: APIKeyRecord, checkedAt: ContinuousClock.Instant)]>([:])

    public init(store: any APIKeyStore, cacheTTL: TimeInterval = 5) {
        self.store = store
        self.cacheTTL = cacheTTL
    }

    /// The valid key of a request, or an `unauthorized` error saying what is wrong.
    public func authenticate(_ authorization: String?) async throws -> APIKeyRecord {
        guard let authorization, !authorization.isEmpty else {
            throw APIError(.unauthorized, "this route needs an API key: send Authorization: Bearer <key>")
        }
        guard let token = HeaderValue.bearerToken(authorization) else {
            throw APIError(.unauthorized, "the Authorization header must be 'Bearer <key>'")
        }
        // Cached by the secret itself (only in memory, like the request that carries it), so
        // that a hot path skips the SHA-256 too.
        let secret = String(token)
        return try await validKey(cachedAs: secret, in: cache) { APIKeySecret.hash(secret) }
    }

    /// The valid key whose stored hash (``APIKeyRecord/hash``) is `keyHash`: how a dashboard
    /// session, which keeps no secret, names its key. `unauthorized` when it is unknown or revoked.
    public func authenticate(keyHash: String) async throws -> APIKeyRecord {
        try await validKey(cachedAs: keyHash, in: hashCache) { keyHash }
    }

    /// The key cached under `name` while younger than `cacheTTL`, else the stored key with the
    /// hash `hash()` gives, if it exists and is not revoked (then cached).
    private func validKey(
        cachedAs name: String, in cache: Locked<[String: (record: APIKeyRecord, checkedAt: ContinuousClock.Instant)]>, hash: () -> String
    ) async throws -> APIKeyRecord {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[name] }), cached.checkedAt.duration(to: now) < .seconds(cacheTTL) {
            return cached.record
        }
        guard let record = try await store.apiKey(hash: hash()) else {
            cache.withLock { _ = $0.removeValue(forKey: name) }
            throw APIError(.unauthorized, "the API key is not valid")
        }
        guard !record.isRevoked else {
            cache.withLock { _ = $0.removeValue(forKey: name) }
            throw APIError(.unauthorized, "the API key '\(record.prefix)…' (\(record.name)) was revoked")
        }
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[name] = (record, now)
        }
        return record
    }

    /// The valid key of a request if it has at least `required`: `unauthorized` without a valid
    /// key, `forbidden` below the role. The one role check of the API and the dashboard.
    public func authorize(_ authorization: String?, for required: APIKeyRole) async throws -> APIKeyRecord {
        try Self.check(try await authenticate(authorization), for: required)
    }

    /// Like ``authorize(_:for:)`` for a credential an ``APIAddition`` vouches for.
    public func authorize(_ credential: APICredential?, for required: APIKeyRole) async throws -> APIKeyRecord {
        switch credential {
        case .keyHash(let hash): try Self.check(try await authenticate(keyHash: hash), for: required)
        case .authorization(let header): try await authorize(header, for: required)
        case nil: try await authorize(nil as String?, for: required)
        }
    }

    private static func check(_ key: APIKeyRecord, for required: APIKeyRole) throws -> APIKeyRecord {
        guard key.role >= required else {
            throw APIError(.forbidden, "this route needs the \(required.rawValue) role; the key '\(key.prefix)…' (\(key.name)) has \(key.role.rawValue)")
        }
        return key
    }

    /// Forgets a key at once (after revoking it).
    func forget(keyId: UUID) {
        cache.withLock { cache in cache = cache.filter { $0.value.record.id != keyId } }
        hashCache.withLock { cache in cache = cache.filter { $0.value.record.id != keyId } }
    }
}

/// Creates the first admin key (docs/API.md, authentication).
public enum AdminKeyBootstrap {
    /// With `environmentKey` (`KAIROS_ADMIN_KEY`): makes sure that value is an active admin key
    /// and returns `nil`. Otherwise, on a store that never had a key, creates an admin key and
    /// returns its secret, to be printed once. Returns `nil` when keys exist.
    public static func run(store: any APIKeyStore, environmentKey: String?, now: Date) async throws -> String? {
        if let environmentKey {
            guard environmentKey.count >= 16 else {
                throw APIError(.badRequest, "KAIROS_ADMIN_KEY must be at least 16 characters")
            }
            let record = APIKeySecret.record(for: environmentKey, name: "admin (KAIROS_ADMIN_KEY)", role: .admin, now: now)
            if try await isUsableAdminKey(record.hash, in: store) { return nil }
            do {
                try await store.createAPIKey(record)
            } catch let error as StoreError where error.code == .keyConflict {
                // Another instance starting at the same moment created it first.
                guard try await isUsableAdminKey(record.hash, in: store) else { throw error }
            }
            return nil
        }
        guard try await store.apiKeyCount() == 0 else { return nil }
        let (secret, record) = APIKeySecret.make(name: "admin (first start)", role: .admin, now: now)
        // Instances starting together on an empty database: one of them creates the key.
        return try await store.createFirstAPIKey(record) ? secret : nil
    }

    /// Whether the key with `hash` exists and is an active admin key; throws when it exists
    /// but is revoked or of another role (the value cannot be made an admin key).
    private static func isUsableAdminKey(_ hash: String, in store: any APIKeyStore) async throws -> Bool {
        guard let existing = try await store.apiKey(hash: hash) else { return false }
        guard !existing.isRevoked, existing.role == .admin else {
            throw APIError(.conflict, "KAIROS_ADMIN_KEY matches a key that is revoked or not an admin key ('\(existing.name)'); choose another value")
        }
        return true
    }
}
