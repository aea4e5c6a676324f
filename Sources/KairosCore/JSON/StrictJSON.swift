import Foundation

/// What Foundation's `JSONDecoder` accepts beyond RFC 8259: a trailing comma (`{"a": 1,}`,
/// `[1,]`, outside the grammar) and a repeated member name (`{"key": "a", "key": "b"}`, whose
/// meaning RFC 8259 leaves undefined; the decoder keeps one value, so a request would silently
/// lose what its sender wrote). Run over text that decoded.
///
/// One linear pass over the bytes; it allocates per container (a nesting stack, the member
/// names of each object), never per byte. Short member names are small strings, inline.
///
/// ```swift
/// try data.withUnsafeBytes { try StrictJSON.check($0) }   // duplicate member 'key' at byte 13
/// ```
public enum StrictJSON {
    private struct Container {
        var isObject: Bool
        /// The member names seen so far (objects).
        var names: Set<String> = []
        /// The member being read (objects) or the element index (arrays), for paths.
        var member: String?
        var index = 0
        /// Whether the next string of an object is a member name.
        var expectsName: Bool
    }

    /// Throws at the first trailing comma or repeated member name.
    public static func check(_ bytes: UnsafeRawBufferPointer) throws(StrictJSONError) {
        var stack: [Container] = []
        // The last structural byte or, after a string, number or literal, `v`.
        var previous: UInt8 = 0
        var lastComma = 0
        var i = 0
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            case 0x22:  // "
                let start = i
                var escaped = false
                i += 1
                while i < count, bytes[i] != 0x22 {
                    if bytes[i] == 0x5C { escaped = true; i += 1 }
                    i += 1
                }
                if let top = stack.indices.last, stack[top].isObject, stack[top].expectsName {
                    let name = memberName(UnsafeRawBufferPointer(rebasing: bytes[start..<min(i + 1, count)]), escaped: escaped)
                    if !stack[top].names.insert(name).inserted {
                        throw StrictJSONError(.duplicateMember, offset: start, path: path(stack, member: name), member: name)
                    }
                    stack[top].member = name
                    stack[top].expectsName = false
                }
                previous = 0x76
            case 0x7B, 0x5B:  // { [
                stack.append(Container(isObject: byte == 0x7B, expectsName: byte == 0x7B))
                previous = byte
            case 0x7D, 0x5D:  // } ]
                if previous == 0x2C {
                    throw StrictJSONError(.trailingComma, offset: lastComma, path: path(stack, member: nil))
                }
                if !stack.isEmpty { stack.removeLast() }
                previous = 0x76
            case 0x2C:  // ,
                if let top = stack.indices.last {
                    if stack[top].isObject { stack[top].expectsName = true } else { stack[top].index += 1 }
                }
                lastComma = i
                previous = byte
            case 0x3A:  // :
                previous = byte
            default:  // numbers and literals
                previous = 0x76
            }
            i += 1
        }
    }

    /// A member name as the decoder sees it (escapes resolved; a rare case, decoded the slow way).
    private static func memberName(_ quoted: UnsafeRawBufferPointer, escaped: Bool) -> String {
        if escaped, let name = try? JSONDecoder().decode(String.self, from: Data(quoted)) { return name }
        return String(decoding: UnsafeRawBufferPointer(rebasing: quoted.dropFirst().dropLast()), as: UTF8.self)
    }

    /// The JSON path (`schedule.type`, `args.argv[2]`) of the innermost container, or of its
    /// member `member`; built only for an error.
    private static func path(_ stack: [Container], member: String?) -> String {
        var path = ""
        for (depth, container) in stack.enumerated() {
            let isLast = depth == stack.count - 1
            if container.isObject {
                guard let name = isLast ? member : container.member else { continue }
                path += path.isEmpty ? name : ".\(name)"
            } else if !isLast {
                path += "[\(container.index)]"
            }
        }
        return path
    }
}

/// JSON that Foundation decoded but Kairos refuses (``StrictJSON``), with where: the byte offset (from 0)
/// and the JSON path of the member or container.
public struct StrictJSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case trailingComma
        case duplicateMember
    }

    public var code: Code
    /// Offset of the comma or of the repeated name's opening quote.
    public var offset: Int
    /// The repeated member (`schedule.type`) or the container holding the comma (`""` at the top).
    public var path: String
    public var member: String?

    public init(_ code: Code, offset: Int, path: String, member: String? = nil) {
        self.code = code
        self.offset = offset
        self.path = path
        self.member = member
    }

    public var description: String {
        switch code {
        case .trailingComma: "trailing comma at byte \(offset)\(path.isEmpty ? "" : " in \(path)")"
        case .duplicateMember: "duplicate member '\(member ?? path)' at byte \(offset)\(path == member ? "" : " (\(path))")"
        }
    }
}
