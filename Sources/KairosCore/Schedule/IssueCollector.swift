import Foundation

/// Decodes members one by one, collecting a ``FieldIssue`` per bad member instead of stopping
/// at the first: a member of the wrong type is named with the type it must have, and the
/// issues of a nested value are nested under its member.
struct IssueCollector {
    var issues: [FieldIssue] = []

    mutating func decode<T: Decodable, K: CodingKey>(
        _ type: T.Type, _ key: K, in container: KeyedDecodingContainer<K>, typeName: String, prefix: String = ""
    ) -> T? {
        guard container.contains(key), (try? container.decodeNil(forKey: key)) != true else { return nil }
        let field = prefix + key.stringValue
        do {
            return try container.decode(T.self, forKey: key)
        } catch let error as ValidationError {
            issues += error.nested(under: field).issues
        } catch {
            issues.append(FieldIssue(field: field, code: "invalidType", message: "\(field) must be \(typeName)"))
        }
        return nil
    }

    func throwIfAny() throws(ValidationError) {
        if !issues.isEmpty { throw ValidationError(issues) }
    }
}
