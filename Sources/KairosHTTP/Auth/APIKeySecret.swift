import Crypto
import Foundation
import KairosStore

/// API key secrets: `kairos_` followed by 32 random bytes in base64url (256 bits), stored only
/// as their SHA-256. A fast hash is right here: the secret is random and long, so there is
/// nothing to brute-force, and every request verifies one.
///
/// ```swift
/// let (secret, record) = APIKeySecret.make(name: "deploy", role: .operator, now: .now)
/// try await store.createAPIKey(record)   // show `secret` once; it cannot be recovered
/// ```
public enum APIKeySecret {
    public static let scheme = "kairos_"

    /// A new secret and the record to store for it.
    public static func make(name: String, role: APIKeyRole, now: Date) -> (secret: String, record: APIKeyRecord) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = scheme + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (secret, record(for: secret, name: name, role: role, now: now))
    }

    /// The record for a given secret (`KAIROS_ADMIN_KEY`).
    public static func record(for secret: String, name: String, role: APIKeyRole, now: Date) -> APIKeyRecord {
        APIKeyRecord(name: name, role: role, prefix: prefix(of: secret), hash: hash(secret), createdAt: now)
    }

    /// Lower-case hex SHA-256 of the secret.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The part of a secret shown in lists: the scheme and 4 characters.
    public static func prefix(of secret: String) -> String {
        String(secret.prefix(scheme.count + 4))
    }
}
