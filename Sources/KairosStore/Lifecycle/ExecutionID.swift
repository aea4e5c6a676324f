import Foundation
import KairosCore

/// Execution ids are time-ordered (``RandomID/timeOrdered(at:)``): a burst of fires appends
/// to the end of the executions' primary-key index.
public enum ExecutionID {
    public static func make(at date: Date) -> UUID {
        RandomID.timeOrdered(at: date)
    }
}
