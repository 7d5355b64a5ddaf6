//! Code 128 (ISO/IEC 15417), subset B: the bar pattern of a text, for shipping labels.
//!
//! The symbol table below is the standard's: each symbol is six alternating bar and space
//! widths in modules (bar first), and the stop symbol has a final two-module bar.

const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", "221312",
    "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", "221231", "213212",
    "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321", "232121",
    "111323", "131123", "131321", "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331",
    "132131", "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131", "311123",
    "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224", "111422", "121124",
    "121421", "141122", "141221", "112214", "112412", "122114", "122411", "142112", "142211", "241211", "221114",
    "413111", "241112", "134111", "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

const START_B: usize = 104;
const STOP: usize = 106;

/// The symbol values of `text` in subset B: start, data, checksum, stop. `None` when the
/// text holds a character outside printable ASCII.
pub fn code128b_symbols(text: &str) -> Option<Vec<usize>> {
    let mut symbols = vec![START_B];
    for b in text.bytes() {
        if !(32..=126).contains(&b) {
            return None;
        }
        symbols.push((b - 32) as usize);
    }
    let checksum = symbols.iter().enumerate().map(|(i, s)| if i == 0 { *s } else { i * s }).sum::<usize>() % 103;
    symbols.push(checksum);
    symbols.push(STOP);
    Some(symbols)
}

/// The modules of `text` as Code 128 B, `true` for bar, without quiet zones.
pub fn code128b(text: &str) -> Option<Vec<bool>> {
    let mut modules = Vec::new();
    for s in code128b_symbols(text)? {
        for (i, w) in PATTERNS[s].bytes().enumerate() {
            modules.extend(std::iter::repeat_n(i % 2 == 0, (w - b'0') as usize));
        }
    }
    Some(modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_is_eleven_modules_and_the_stop_thirteen() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let width: u32 = p.bytes().map(|b| (b - b'0') as u32).sum();
            assert_eq!(width, if i == STOP { 13 } else { 11 }, "symbol {i}");
        }
    }

    #[test]
    fn symbols_and_checksum_follow_the_standard() {
        // 104 + 1·48 + 2·42 + 3·42 + 4·17 + 5·18 + 6·19 + 7·35 = 879, and 879 mod 103 = 55.
        let s = code128b_symbols("PJJ123C").unwrap();
        assert_eq!(s, vec![104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
        assert_eq!(code128b("A").unwrap().len(), 11 * 3 + 13);
        assert_eq!(code128b("é"), None);
        let m = code128b("1Z999").unwrap();
        assert!(m[0] && m[m.len() - 1], "starts and ends with a bar");
    }
}
