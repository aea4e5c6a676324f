import Foundation
import KairosCore

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Quotes a string as a JSON string literal.
func jsonString(_ value: String) -> String { JSONValue.quote(value) }
