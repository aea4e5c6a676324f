import Foundation
import KairosCore

extension Job {
    /// The job's page: by key, which reads well, or by id for the key `new` (the new-job form).
    var pagePath: String { Self.pagePath(key: key, id: id) }

    static func pagePath(key: String, id: UUID) -> String {
        key == "new" ? "/jobs/\(id.uuidString)" : "/jobs/" + FormBody.encode(key)
    }
}
