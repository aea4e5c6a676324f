extension JobsFile {
    enum Resolved: Equatable {
        case null, bool(Bool), number(Double), string
    }

    /// Resolves a plain scalar by the YAML 1.2 core schema.
    static func resolvePlain(_ text: String) -> Resolved {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        case ".nan", ".NaN", ".NAN": return .number(.nan)
        default: break
        }
        if let number = integer(text) ?? float(text) { return .number(number) }
        return .string
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
    private static func integer(_ text: String) -> Double? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        var negative = false
        if radix == 10, let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit && Int(String($0), radix: 16)! < radix }) else {
            return nil
        }
        if let value = Int64(digits, radix: radix) { return Double(negative ? -value : value) }
        guard radix == 10, let value = Double(digits) else { return nil }
        return negative ? -value : value
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func float(_ text: String) -> Double? {
        var rest = Substring(text)
        if let sign = rest.first, sign == "-" || sign == "+" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in part.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.allSatisfy(isDigits), !parts.joined().isEmpty else { return nil }
        if !exponent.isEmpty {
            var digits = exponent.dropFirst()
            if let sign = digits.first, sign == "-" || sign == "+" { digits = digits.dropFirst() }
            guard !digits.isEmpty, isDigits(digits) else { return nil }
        }
        return Double(text)
    }
}
