//! The XML Schema regular expressions of `pattern` facets: branches,
//! groups, character classes (ranges, negation, `\d \s \w \i \c` and
//! escapes), `. * + ? {n} {n,m} {n,}`, always anchored at both ends.
//! Matching computes the set of reachable end positions, so it never
//! backtracks exponentially.

#[derive(Debug)]
enum Item {
    Class(Class),
    Group(Vec<Vec<(Item, u32, Option<u32>)>>),
}

#[derive(Debug, Default)]
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
    classes: Vec<(char, bool)>,
    subtract: Option<Box<Class>>,
}

fn builtin(c: char, ch: char) -> bool {
    match c {
        'd' => ch.is_ascii_digit() || ch.is_numeric(),
        's' => matches!(ch, ' ' | '\t' | '\n' | '\r'),
        'w' => !(ch.is_ascii_punctuation() || ch.is_whitespace() || ch.is_control()),
        'i' => ch.is_alphabetic() || ch == '_' || ch == ':',
        'c' => ch.is_alphanumeric() || matches!(ch, '_' | ':' | '.' | '-'),
        '.' => ch != '\n' && ch != '\r',
        _ => false,
    }
}

impl Class {
    fn matches(&self, ch: char) -> bool {
        let mut hit = self.ranges.iter().any(|&(a, b)| a <= ch && ch <= b)
            || self.classes.iter().any(|&(c, neg)| builtin(c, ch) != neg);
        if self.negated {
            hit = !hit;
        }
        if hit {
            if let Some(s) = &self.subtract {
                return !s.matches(ch);
            }
        }
        hit
    }

    fn single(ch: char) -> Class {
        Class { ranges: vec![(ch, ch)], ..Default::default() }
    }
}

pub struct Regex {
    top: Item,
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

fn escape_char(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        o => o,
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn branches(&mut self) -> Option<Item> {
        let mut alts = vec![self.branch()?];
        while self.peek() == Some('|') {
            self.i += 1;
            alts.push(self.branch()?);
        }
        Some(Item::Group(alts))
    }

    fn branch(&mut self) -> Option<Vec<(Item, u32, Option<u32>)>> {
        let mut seq = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let (min, max) = self.quantifier()?;
            seq.push((atom, min, max));
        }
        Some(seq)
    }

    fn number(&mut self) -> Option<u32> {
        let st = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.s[st..self.i].iter().collect::<String>().parse().ok()
    }

    fn quantifier(&mut self) -> Option<(u32, Option<u32>)> {
        Some(match self.peek() {
            Some('*') => {
                self.i += 1;
                (0, None)
            }
            Some('+') => {
                self.i += 1;
                (1, None)
            }
            Some('?') => {
                self.i += 1;
                (0, Some(1))
            }
            Some('{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.i += 1;
                    if self.peek() == Some('}') {
                        None
                    } else {
                        Some(self.number()?)
                    }
                } else {
                    Some(min)
                };
                if self.peek() != Some('}') {
                    return None;
                }
                self.i += 1;
                (min, max)
            }
            _ => (1, Some(1)),
        })
    }

    fn atom(&mut self) -> Option<Item> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            '(' => {
                let g = self.branches()?;
                if self.peek() != Some(')') {
                    return None;
                }
                self.i += 1;
                g
            }
            '[' => Item::Class(self.class()?),
            '.' => Item::Class(Class { classes: vec![('.', false)], ..Default::default() }),
            '\\' => Item::Class(self.escape()?),
            o => Item::Class(Class::single(o)),
        })
    }

    fn escape(&mut self) -> Option<Class> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            'd' | 's' | 'w' | 'i' | 'c' => Class { classes: vec![(c, false)], ..Default::default() },
            'D' | 'S' | 'W' | 'I' | 'C' => {
                Class { classes: vec![(c.to_ascii_lowercase(), true)], ..Default::default() }
            }
            o => Class::single(escape_char(o)),
        })
    }

    fn class_char(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\\' {
            let e = self.peek()?;
            self.i += 1;
            return Some(escape_char(e));
        }
        Some(c)
    }

    fn class(&mut self) -> Option<Class> {
        let mut cl = Class::default();
        if self.peek() == Some('^') {
            cl.negated = true;
            self.i += 1;
        }
        let mut first = true;
        loop {
            let c = self.peek()?;
            if c == ']' && !first {
                self.i += 1;
                return Some(cl);
            }
            first = false;
            if c == '-' && self.s.get(self.i + 1) == Some(&'[') {
                self.i += 2;
                cl.subtract = Some(Box::new(self.class()?));
                continue;
            }
            if c == '\\' && self.s.get(self.i + 1).is_some_and(|e| "dswicDSWIC".contains(*e)) {
                self.i += 1;
                let e = self.escape()?;
                cl.classes.extend(e.classes);
                continue;
            }
            let lo = self.class_char()?;
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&n| n != ']' && n != '[') {
                self.i += 1;
                let hi = self.class_char()?;
                cl.ranges.push((lo, hi));
            } else {
                cl.ranges.push((lo, lo));
            }
        }
    }
}

fn step(item: &Item, s: &[char], from: &[bool]) -> Vec<bool> {
    let mut out = vec![false; s.len() + 1];
    match item {
        Item::Class(c) => {
            for (p, _) in from.iter().enumerate().filter(|(_, &b)| b) {
                if p < s.len() && c.matches(s[p]) {
                    out[p + 1] = true;
                }
            }
        }
        Item::Group(alts) => {
            for alt in alts {
                let r = seq(alt, s, from.to_vec());
                for (o, x) in out.iter_mut().zip(r) {
                    *o |= x;
                }
            }
        }
    }
    out
}

fn seq(items: &[(Item, u32, Option<u32>)], s: &[char], mut cur: Vec<bool>) -> Vec<bool> {
    for (item, min, max) in items {
        for _ in 0..*min {
            cur = step(item, s, &cur);
        }
        let mut acc = cur.clone();
        let extra = max.map(|m| m.saturating_sub(*min));
        let mut n = 0;
        while extra.is_none_or(|e| n < e) {
            let next = step(item, s, &cur);
            let mut grew = false;
            for (a, &x) in acc.iter_mut().zip(&next) {
                if x && !*a {
                    *a = true;
                    grew = true;
                }
            }
            cur = next;
            n += 1;
            if !grew && extra.is_none() {
                break;
            }
            if cur.iter().all(|b| !b) {
                break;
            }
        }
        cur = acc;
    }
    cur
}

impl Regex {
    pub fn new(pattern: &str) -> Option<Regex> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser { s: &chars, i: 0 };
        let top = p.branches()?;
        (p.i == chars.len()).then_some(Regex { top })
    }

    pub fn is_match(&self, text: &str) -> bool {
        let s: Vec<char> = text.chars().collect();
        let mut start = vec![false; s.len() + 1];
        start[0] = true;
        step(&self.top, &s, &start)[s.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    #[test]
    fn anchored_patterns() {
        let r = Regex::new("[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}").unwrap();
        assert!(r.is_match("52:54:00:aa:bb:cc"));
        assert!(!r.is_match("52:54:00:aa:bb"));
        let r = Regex::new("(0x)?[0-9a-fA-F]{1,4}|[0-9]+").unwrap();
        assert!(r.is_match("0x1f") && r.is_match("123") && !r.is_match("0x"));
        let r = Regex::new("[^/]+").unwrap();
        assert!(r.is_match("abc") && !r.is_match("a/b"));
        let r = Regex::new("[a-zA-Z0-9_\\.\\-\\\\:/]+").unwrap();
        assert!(r.is_match("/vrs/val"));
    }
}
