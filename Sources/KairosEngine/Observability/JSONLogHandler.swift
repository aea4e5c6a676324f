import Foundation
import KairosCore
import Logging

/// A swift-log handler that writes one JSON object per line to standard error:
/// `{"ts":"…","level":"info","label":"kairos","message":"execution.succeeded","jobId":"…",…}`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadata { object[key] = "\(value)" }
        if let extra = event.metadata { for (key, value) in extra { object[key] = "\(value)" } }
        var line = "{\"ts\":\(JSONValue.quote(Self.timestamp()))"
        line += ",\"level\":\(JSONValue.quote(event.level.rawValue)),\"label\":\(JSONValue.quote(label)),\"message\":\(JSONValue.quote(event.message.description))"
        for key in object.keys.sorted() {
            line += ",\(JSONValue.quote(key)):"
            if key == "durationMs", let number = Int(object[key]!) { line += "\(number)" } else { line += JSONValue.quote(object[key]!) }
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
