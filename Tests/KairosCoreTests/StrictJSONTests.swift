import Foundation
import Testing

import KairosCore

/// ``StrictJSON``: what Foundation's decoder lets through beyond RFC 8259 (bug 9 of issue #11).
@Suite("Strict JSON")
struct StrictJSONTests {
    static func check(_ text: String) -> StrictJSONError? {
        do {
            try Data(text.utf8).withUnsafeBytes { try StrictJSON.check($0) }
            return nil
        } catch {
            return error as? StrictJSONError
        }
    }

    @Test("valid JSON passes, commas, braces and escaped quotes inside strings included", arguments: [
        #"{}"#, #"[]"#, #""text""#, "42", #"{"a": 1, "b": [1, 2, {"a": 2}], "c": {"a": 3}}"#,
        #"{"a,}": "b,]", "c": "\"a\", \"a\""}"#, #"[{"a": 1}, {"a": 1}]"#, #"{"a": {"a": {"a": []}}}"#,
        " \n\t{ \"a\" : [ 1 , 2 ] }\r\n",
    ])
    func accepts(text: String) {
        #expect(Self.check(text) == nil)
    }

    @Test("trailing commas and repeated members are named with their place", arguments: [
        (#"{"a": 1,}"#, StrictJSONError(.trailingComma, offset: 7, path: "")),
        (#"[1, 2, ]"#, StrictJSONError(.trailingComma, offset: 5, path: "")),
        (#"{"a": {"b": [1, {"c": [true,]}]}}"#, StrictJSONError(.trailingComma, offset: 27, path: "a.b[1].c")),
        (#"{"key": "dup", "key": "dup2"}"#, StrictJSONError(.duplicateMember, offset: 15, path: "key", member: "key")),
        (#"{"s": {"type": 1, "t": 2, "type": 3}}"#, StrictJSONError(.duplicateMember, offset: 26, path: "s.type", member: "type")),
        (#"{"key": 1, "k\u0065y": 2}"#, StrictJSONError(.duplicateMember, offset: 11, path: "key", member: "key")),
    ])
    func rejects(text: String, expected: StrictJSONError) {
        #expect(Self.check(text) == expected)
    }

    @Test("messages say what and where")
    func messages() {
        #expect(StrictJSONError(.trailingComma, offset: 7, path: "").description == "trailing comma at byte 7")
        #expect(StrictJSONError(.trailingComma, offset: 7, path: "args").description == "trailing comma at byte 7 in args")
        #expect(StrictJSONError(.duplicateMember, offset: 15, path: "key", member: "key").description == "duplicate member 'key' at byte 15")
        #expect(StrictJSONError(.duplicateMember, offset: 26, path: "s.type", member: "type").description == "duplicate member 'type' at byte 26 (s.type)")
    }
}
