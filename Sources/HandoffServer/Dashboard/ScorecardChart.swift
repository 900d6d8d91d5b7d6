import HandoffDomain
import HandoffStore

/// An agency's scorecard as an SVG bar chart: for each placement month (vintage), the amount
/// placed beside the amount collected, with the liquidation rate above. One chart per agency
/// and currency; pure, so that its output can be checked without a server.
enum ScorecardChart {
    static let width = 640, height = 240
    static let left = 88, right = 16, top = 40, bottom = 36

    /// The chart for one agency's vintages in one currency (oldest first).
    static func svg(partner: String, currency: Currency, vintages: [VintageFigures]) -> String {
        let rows = vintages.sorted { $0.vintage < $1.vintage }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxValue = max(rows.map(\.accepted_amount).max() ?? 0, 1)
        let title = "\(partner): placed and collected by placement month (\(currency.code))"
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(width) \(height)\" "
                + "role=\"img\" aria-label=\"\(escape(title))\">"
        out += "<title>\(escape(title))</title>"
        // The vertical axis names its currency: its figures are whole units of it.
        out +=
            "<text x=\"\(left - 6)\" y=\"\(top - 12)\" text-anchor=\"end\" class=\"axis unit\">\(currency.code)</text>"
        // Grid lines and axis labels at 0, 50% and 100% of the largest placement.
        for step in 0...2 {
            let value = maxValue * Int64(step) / 2
            let y = top + plotHeight - Int(Int64(plotHeight) * Int64(step) / 2)
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" class=\"grid\"/>"
            out +=
                "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"axis\">"
                    + "\(escape(Money(minorUnits: value, currency: currency).groupedCompact)) \(currency.code)</text>"
        }
        guard !rows.isEmpty else {
            return out
                + "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" class=\"axis\">"
                + "no placements yet</text></svg>"
        }
        let slot = plotWidth / rows.count
        let bar = max(min(slot / 3, 48), 4)
        for (i, r) in rows.enumerated() {
            let x0 = left + i * slot + (slot - 2 * bar - 4) / 2
            func h(_ v: Int64) -> Int { Int(Int64(plotHeight) * max(v, 0) / maxValue) }
            let hp = h(r.accepted_amount), hc = h(r.collected)
            let placed = Money(minorUnits: r.accepted_amount, currency: currency).groupedText
            let collected = Money(minorUnits: r.collected, currency: currency).groupedText
            out +=
                "<rect x=\"\(x0)\" y=\"\(top + plotHeight - hp)\" width=\"\(bar)\" height=\"\(hp)\" class=\"placed\">"
                    + "<title>\(escape(r.vintage)) placed \(escape(placed)) \(currency.code)</title></rect>"
            out +=
                "<rect x=\"\(x0 + bar + 4)\" y=\"\(top + plotHeight - hc)\" width=\"\(bar)\" height=\"\(hc)\" "
                    + "class=\"collected\">"
                    + "<title>\(escape(r.vintage)) collected \(escape(collected)) \(currency.code)</title></rect>"
            out +=
                "<text x=\"\(x0 + bar + 2)\" y=\"\(top + plotHeight - hp - 6)\" text-anchor=\"middle\" class=\"rate\">"
                    + "\(Amount.format(r.liquidation_bp, digits: 2))%</text>"
            out +=
                "<text x=\"\(x0 + bar + 2)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\" class=\"axis\">"
                    + "\(escape(r.vintage))</text>"
        }
        out +=
            "<rect x=\"\(left)\" y=\"6\" width=\"10\" height=\"10\" class=\"placed\"/>"
                + "<text x=\"\(left + 14)\" y=\"15\" class=\"axis\">placed (\(currency.code))</text>"
        out +=
            "<rect x=\"\(left + 110)\" y=\"6\" width=\"10\" height=\"10\" class=\"collected\"/>"
                + "<text x=\"\(left + 124)\" y=\"15\" class=\"axis\">collected (liquidation % above)</text>"
        return out + "</svg>"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension Money {
    /// Whole units with grouping (cents dropped), for axis labels: `12,500`.
    var groupedCompact: String {
        Amount.format(minorUnits / Amount.power(of: currency.minorUnitDigits), digits: 0, grouping: true)
    }
}
