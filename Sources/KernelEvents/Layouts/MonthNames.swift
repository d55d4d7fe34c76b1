/// Month names as `strftime("%b")` / `%B` print them in the locales people run `dmesg -T` and
/// `journalctl` in (glibc's LC_TIME data: English, German, French, Spanish, Italian, Portuguese,
/// Dutch, Swedish, Polish, Russian, Turkish; Chinese, Japanese and Korean write the number with
/// 月 / 월). Matching is case-insensitive, ignores a trailing dot, and accepts any prefix of
/// three or more letters of a full name (`janv.`, `févr.`, `sept`, `Mär`). A test checks that
/// no form names two different months.
public enum MonthNames {
    /// Full names and the abbreviations that are not prefixes of one (nominative and genitive).
    static let forms: [[String]] = [
        ["january", "januar", "jänner", "janvier", "enero", "gennaio", "janeiro", "januari", "styczeń", "stycznia",
         "январь", "января", "ocak"],
        ["february", "februar", "février", "febrero", "febbraio", "fevereiro", "februari", "luty", "lutego",
         "февраль", "февраля", "şubat"],
        ["march", "märz", "mars", "marzo", "março", "maart", "mrt", "mars", "marzec", "marca", "март", "марта", "mart"],
        ["april", "avril", "abril", "aprile", "kwiecień", "kwietnia", "апрель", "апреля", "nisan"],
        ["may", "mai", "mayo", "maggio", "maio", "mei", "maj", "maja", "май", "мая", "mayıs"],
        ["june", "juni", "juin", "junio", "giugno", "junho", "czerwiec", "czerwca", "июнь", "июня", "haziran"],
        ["july", "juli", "juillet", "julio", "luglio", "julho", "lipiec", "lipca", "июль", "июля", "temmuz"],
        ["august", "août", "agosto", "augustus", "sierpień", "sierpnia", "август", "августа", "ağustos"],
        ["september", "septembre", "septiembre", "setiembre", "settembre", "setembro", "wrzesień", "września",
         "сентябрь", "сентября", "eylül"],
        ["october", "oktober", "octobre", "octubre", "ottobre", "outubro", "październik", "października",
         "октябрь", "октября", "ekim"],
        ["november", "novembre", "noviembre", "novembro", "listopad", "listopada", "ноябрь", "ноября", "kasım"],
        ["december", "dezember", "décembre", "diciembre", "dicembre", "dezembro", "grudzień", "grudnia",
         "декабрь", "декабря", "aralık"],
    ]

    private static let table: [(form: [Character], month: Int)] = forms.enumerated().flatMap { i, names in
        names.map { (Array($0), i + 1) }
    }

    private static let cjkDigits: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10]

    /// 1...12 for a month token, or nil.
    public static func month(_ token: Substring) -> Int? {
        var t = token
        while let l = t.last, l == "." || l == "," { t = t.dropLast() }
        guard !t.isEmpty, t.count <= 14 else { return nil }
        // 3月 / 12월 / 三月 / 十二月
        if let l = t.last, l == "月" || l == "월" {
            let body = t.dropLast()
            if let n = Int(body), (1...12).contains(n) { return n }
            var v = 0
            for c in body {
                guard let d = cjkDigits[c] else { return nil }
                v = d == 10 ? (v == 0 ? 10 : v * 10) : v + d
            }
            return (1...12).contains(v) ? v : nil
        }
        guard t.count >= 3, t.allSatisfy({ $0.isLetter }) else { return nil }
        let lower = Array(t.lowercased())
        var found: Int?
        for (form, m) in table where form.count >= lower.count && form.starts(with: lower) {
            if let f = found, f != m { return nil }   // ambiguous prefix: refuse rather than guess
            found = m
        }
        return found
    }

    /// All forms, for the uniqueness test.
    public static var allForms: [(String, Int)] { table.map { (String($0.form), $0.month) } }
}
