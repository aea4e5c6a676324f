import Foundation
import Hummingbird
import KairosCore
import KairosEngine

extension JobSpec {
    /// Decodes a job from a JSON value, reporting every invalid field (422): when a field is
    /// bad, the task's own argument issues are reported with it, not after it is fixed.
    public static func from(json: JSONValue, registry: TaskRegistry) throws -> JobSpec {
        guard case .object = json else {
            throw APIError(.validationFailed, "a job must be a JSON object, got \(json.typeName)",
                issues: [FieldIssue(field: "", code: "invalidType", message: "the body must be a JSON object")])
        }
        let data = try JSONCoding.encoder.encode(json)
        do {
            return try JSONCoding.decoder.decode(JobSpec.self, from: data)
        } catch let error as ValidationError {
            throw ValidationError(registry.completing(error.issues, ofJobBody: json))
        } catch {
            throw APIError(.validationFailed, "invalid job: \(Request.describe(error))")
        }
    }

    /// The spec as a JSON value (for merge patches).
    var jsonValue: JSONValue {
        get throws { try JSONCoding.decoder.decode(JSONValue.self, from: JSONCoding.encoder.encode(self)) }
    }
}
