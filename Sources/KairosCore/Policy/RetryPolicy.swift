import Foundation

/// How a failed execution is retried: exponential backoff, capped, with optional full jitter
/// (README.md, jobs files: `retry`; like Celery's `retry_backoff`, `retry_backoff_max`,
/// `retry_jitter`).
///
/// ```swift
/// let policy = try RetryPolicy(maxRetries: 3, backoff: .init(initial: 2, max: 60, multiplier: 2))
/// policy.delay(afterFailedAttempt: 1, jitterFraction: .random(in: 0...1))   // up to 2 s (full jitter), then 4 s, 8 s
/// policy.delay(afterFailedAttempt: 4, jitterFraction: .random(in: 0...1))   // nil: no retries left
/// ```
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// Exponential backoff: `min(max, initial × multiplier^(n-1))` seconds before retry n.
    /// Decoded, a missing member takes its default (`initial` 1, `max` 600, `multiplier` 2)
    /// and other members are ignored, as the OpenAPI document says.
    public struct Backoff: Sendable, Hashable, Codable {
        public var initial: Double
        public var max: Double
        public var multiplier: Double

        public init(initial: Double = 1, max: Double = 600, multiplier: Double = 2) {
            self.initial = initial
            self.max = max
            self.multiplier = multiplier
        }

        public init(from decoder: any Decoder) throws {
            var issues = IssueCollector()
            self.init(decoding: try decoder.container(keyedBy: Keys.self), issues: &issues, prefix: "")
            try issues.throwIfAny()
        }

        enum Keys: String, CodingKey { case initial, max, multiplier }

        /// The members present, the defaults for the others; a member of the wrong type is an
        /// issue (named `prefix` + member) and takes its default.
        init(decoding container: KeyedDecodingContainer<Keys>, issues: inout IssueCollector, prefix: String) {
            let defaults = Backoff()
            self.init(
                initial: issues.decode(Double.self, .initial, in: container, typeName: "a number of seconds", prefix: prefix) ?? defaults.initial,
                max: issues.decode(Double.self, .max, in: container, typeName: "a number of seconds", prefix: prefix) ?? defaults.max,
                multiplier: issues.decode(Double.self, .multiplier, in: container, typeName: "a number", prefix: prefix) ?? defaults.multiplier)
        }
    }

    /// Retries after the first attempt, 0–20.
    public var maxRetries: Int
    public var backoff: Backoff
    /// Full jitter: the delay is uniform in `0...computed` (spreads a thundering herd).
    public var jitter: Bool

    /// No retries.
    public static let none = RetryPolicy(uncheckedMaxRetries: 0, backoff: Backoff(), jitter: true)

    /// - Throws: ``ValidationError`` naming `maxRetries` or `backoff.*`.
    public init(maxRetries: Int = 0, backoff: Backoff = Backoff(), jitter: Bool = true) throws(ValidationError) {
        self.init(uncheckedMaxRetries: maxRetries, backoff: backoff, jitter: jitter)
        try validate()
    }

    private init(uncheckedMaxRetries: Int, backoff: Backoff, jitter: Bool) {
        self.maxRetries = uncheckedMaxRetries
        self.backoff = backoff
        self.jitter = jitter
    }

    /// Decoded, every member is optional (`maxRetries` 0, the default ``Backoff``, `jitter`
    /// true) and other members are ignored; a member of the wrong type is named.
    public init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey { case maxRetries, backoff, jitter }
        let container = try decoder.container(keyedBy: Keys.self)
        var issues = IssueCollector()
        var backoff = Backoff()
        if container.contains(.backoff), (try? container.decodeNil(forKey: .backoff)) != true {
            if let members = try? container.nestedContainer(keyedBy: Backoff.Keys.self, forKey: .backoff) {
                backoff = Backoff(decoding: members, issues: &issues, prefix: "backoff.")
            } else {
                issues.issues.append(FieldIssue(field: "backoff", code: "invalidType", message: "backoff must be an object"))
            }
        }
        self.init(
            uncheckedMaxRetries: issues.decode(Int.self, .maxRetries, in: container, typeName: "an integer") ?? 0,
            backoff: backoff,
            jitter: issues.decode(Bool.self, .jitter, in: container, typeName: "a boolean") ?? true)
        // Bounds of the members that decoded (the others took valid defaults).
        do { try validate() } catch { issues.issues += error.issues }
        try issues.throwIfAny()
    }

    /// Checks the bounds; every problem is reported.
    public func validate() throws(ValidationError) {
        var issues: [FieldIssue] = []
        if !(0...20).contains(maxRetries) {
            issues.append(FieldIssue(field: "maxRetries", code: "outOfRange", message: "maxRetries must be between 0 and 20, got \(maxRetries)"))
        }
        if !(backoff.initial.isFinite && backoff.initial >= 0 && backoff.initial <= 86_400) {
            issues.append(FieldIssue(field: "backoff.initial", code: "outOfRange", message: "backoff.initial must be between 0 and 86400 seconds"))
        }
        if !(backoff.max.isFinite && backoff.max >= 0 && backoff.max <= 7 * 86_400) {
            issues.append(FieldIssue(field: "backoff.max", code: "outOfRange", message: "backoff.max must be between 0 and 604800 seconds"))
        } else if backoff.initial.isFinite && backoff.max < backoff.initial {
            issues.append(FieldIssue(field: "backoff.max", code: "outOfRange", message: "backoff.max must not be less than backoff.initial"))
        }
        if !(backoff.multiplier.isFinite && backoff.multiplier >= 1 && backoff.multiplier <= 100) {
            issues.append(FieldIssue(field: "backoff.multiplier", code: "outOfRange", message: "backoff.multiplier must be between 1 and 100"))
        }
        if !issues.isEmpty { throw ValidationError(issues) }
    }

    /// The delay in seconds before the next attempt after attempt number `attempt` (1-based)
    /// failed, or `nil` when no retries are left. With jitter the delay is
    /// `jitterFraction × capped delay`; the caller draws `jitterFraction` uniformly in `0...1`
    /// (`.random(in: 0...1)`), so the decision stays a pure function of its inputs.
    ///
    /// A plain number rather than an `inout some RandomNumberGenerator`: the thread-sanitizer
    /// build crashed passing the empty `SystemRandomNumberGenerator` that way (README,
    /// "Thread sanitizer").
    public func delay(afterFailedAttempt attempt: Int, jitterFraction: Double) -> TimeInterval? {
        precondition((0...1).contains(jitterFraction), "jitterFraction must be in 0...1, got \(jitterFraction)")
        guard attempt >= 1, attempt <= maxRetries else { return nil }
        let capped = cappedDelay(retry: attempt)
        guard jitter else { return capped }
        return jitterFraction * capped
    }

    /// The delay before retry `retry` (1-based) without jitter.
    public func cappedDelay(retry: Int) -> TimeInterval {
        let exponent = Double(max(0, retry - 1))
        let raw = backoff.initial * pow(backoff.multiplier, exponent)
        return raw.isFinite ? min(backoff.max, raw) : backoff.max
    }
}
