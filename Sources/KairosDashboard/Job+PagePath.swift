import Foundation
import KairosCore

extension Job {
    /// The job's page: by key, which reads well, or by id for the key `new` (the new-job form).
    var pagePath: String { Self.pagePath(key: key, id: id) }

    /// The name shown for the job: its name, or its key when it has none.
    var displayName: String { spec.name.isEmpty ? key : spec.name }

    static func pagePath(key: String, id: UUID) -> String {
        key == "new" ? "/jobs/\(id.uuidString)" : "/jobs/" + FormBody.encode(key)
    }
}
