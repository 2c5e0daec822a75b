//! Scanner and recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2).
//!
//! Grammar (with real-client tolerance):
//!
//! ```text
//! filter    = orExpr
//! orExpr    = andExpr *( "or" andExpr )
//! andExpr   = unary *( "and" unary )
//! unary     = "not" "(" orExpr ")" / "(" orExpr ")" / attrExpr
//! attrExpr  = attrPath "pr"
//!           / attrPath compareOp compValue
//!           / attrPath "[" orExpr "]"                      ; valuePath
//!           / attrPath "[" orExpr "]" "." ATTRNAME ( "pr" / compareOp compValue )   ; Entra form
//! attrPath  = [URI ":"] ATTRNAME ["." ATTRNAME]
//! compValue = JSON string / JSON number / true / false / null / bare token
//! ```
//!
//! The scanner is driven by the parser (it is asked for "an attribute path",
//! "an operator", "a value" ...) because SCIM tokens are context dependent:
//! a URN contains `:` and `.`, and a bare (unquoted) value may contain almost
//! anything. All positions are byte offsets into the input and always fall on
//! a `char` boundary.

use std::fmt;

use super::ast::{AttrPath, CompValue, CompareOp, Filter};

/// Maximum accepted length of a filter or PATCH path, in bytes.
pub const MAX_FILTER_LEN: usize = 8192;
/// Maximum nesting depth (parentheses + `not` + value-filter brackets).
pub const MAX_DEPTH: usize = 64;

/// A filter or path syntax error. `position` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub position: usize,
}

impl FilterError {
    pub fn new(message: impl Into<String>, position: usize) -> Self {
        FilterError {
            message: message.into(),
            position,
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for FilterError {}

/// Parse a SCIM filter expression.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    parse_with_max_len(input, MAX_FILTER_LEN)
}

fn parse_with_max_len(input: &str, max_len: usize) -> Result<Filter, FilterError> {
    check_len(input, max_len, "filter")?;
    let mut p = Parser::new(input);
    p.skip_ws();
    if p.at_end() {
        return Err(FilterError::new("empty filter", 0));
    }
    let filter = p.parse_or(0, false)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.trailing_error());
    }
    Ok(filter)
}

pub(super) fn check_len(input: &str, max_len: usize, what: &str) -> Result<(), FilterError> {
    if input.len() > max_len {
        // Report the last char boundary at or before the limit.
        let mut position = max_len;
        while !input.is_char_boundary(position) {
            position -= 1;
        }
        return Err(FilterError::new(
            format!("{what} is too long: {} bytes (maximum is {max_len})", input.len()),
            position,
        ));
    }
    Ok(())
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Characters that end an attribute path / bare word.
fn is_delim(c: char) -> bool {
    is_ws(c) || matches!(c, '(' | ')' | '[' | ']' | '"')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_operator_word(w: &str) -> bool {
    const WORDS: [&str; 12] = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or"];
    WORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

/// Is `s` a JSON number (`-? (0|[1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`)?
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i == b.len()
}

fn parse_op(word: &str) -> Option<Option<CompareOp>> {
    let op = match word.to_ascii_lowercase().as_str() {
        "eq" => CompareOp::Eq,
        "ne" => CompareOp::Ne,
        "co" => CompareOp::Co,
        "sw" => CompareOp::Sw,
        "ew" => CompareOp::Ew,
        "gt" => CompareOp::Gt,
        "ge" => CompareOp::Ge,
        "lt" => CompareOp::Lt,
        "le" => CompareOp::Le,
        "pr" => return Some(None),
        _ => return None,
    };
    Some(Some(op))
}

/// Parser state: the input and a byte cursor (always on a char boundary).
pub(super) struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Parser { src, pos: 0 }
    }

    // ----------------------------------------------------------------------
    // Scanner primitives
    // ----------------------------------------------------------------------

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }

    /// The run of `[A-Za-z0-9_-]` at the cursor (not consumed).
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Consume the keyword `kw` (case-insensitive) if it is the next word.
    fn eat_keyword(&mut self, kw: &str) -> bool {
        let w = self.word();
        if w.eq_ignore_ascii_case(kw) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    /// Human-readable description of what is at the cursor, for error messages.
    pub(super) fn found(&self) -> String {
        let Some(c) = self.peek() else {
            return "end of input".to_string();
        };
        if is_ws(c) {
            return "whitespace".to_string();
        }
        if is_delim(c) {
            return format!("\"{c}\"");
        }
        let rest = self.rest();
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_delim(c))
            .map_or(rest.len(), |(i, _)| i);
        let token: String = rest[..end].chars().take(24).collect();
        format!("{token:?}")
    }

    pub(super) fn trailing_error(&self) -> FilterError {
        match self.peek() {
            Some(')') => FilterError::new("unbalanced parentheses: unexpected \")\"", self.pos),
            Some(']') => FilterError::new("unbalanced brackets: unexpected \"]\"", self.pos),
            _ => FilterError::new(format!("expected \"and\" or \"or\", found {}", self.found()), self.pos),
        }
    }

    fn too_deep(&self) -> FilterError {
        FilterError::new(
            format!("filter is nested too deeply (maximum nesting depth is {MAX_DEPTH})"),
            self.pos,
        )
    }

    // ----------------------------------------------------------------------
    // Logical expressions
    // ----------------------------------------------------------------------

    /// `orExpr = andExpr *( "or" andExpr )`
    pub(super) fn parse_or(&mut self, depth: usize, in_brackets: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_and(depth, in_brackets)?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.eat_keyword("or") {
                let right = self.parse_and(depth, in_brackets)?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    /// `andExpr = unary *( "and" unary )`
    fn parse_and(&mut self, depth: usize, in_brackets: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary(depth, in_brackets)?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.eat_keyword("and") {
                let right = self.parse_unary(depth, in_brackets)?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    /// `unary = "not" "(" orExpr ")" / "(" orExpr ")" / attrExpr`
    fn parse_unary(&mut self, depth: usize, in_brackets: bool) -> Result<Filter, FilterError> {
        self.skip_ws();
        match self.peek() {
            None => Err(FilterError::new(
                "expected an attribute path, \"(\" or \"not\", found end of input",
                self.pos,
            )),
            Some('(') => self.parse_group(depth, in_brackets),
            Some(_) => {
                if self.eat_keyword("not") {
                    self.skip_ws();
                    if self.peek() != Some('(') {
                        return Err(FilterError::new(
                            format!("expected \"(\" after \"not\", found {}", self.found()),
                            self.pos,
                        ));
                    }
                    if depth >= MAX_DEPTH {
                        return Err(self.too_deep());
                    }
                    let inner = self.parse_group(depth + 1, in_brackets)?;
                    Ok(Filter::Not(Box::new(inner)))
                } else {
                    self.parse_attr_expr(depth, in_brackets)
                }
            }
        }
    }

    /// `"(" orExpr ")"`; the cursor is on the `(`.
    fn parse_group(&mut self, depth: usize, in_brackets: bool) -> Result<Filter, FilterError> {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        let open = self.pos;
        self.pos += 1;
        let inner = self.parse_or(depth + 1, in_brackets)?;
        self.skip_ws();
        match self.peek() {
            Some(')') => {
                self.pos += 1;
                Ok(inner)
            }
            None => Err(FilterError::new(
                format!("unbalanced parentheses: \"(\" at byte {open} is never closed"),
                self.pos,
            )),
            Some(_) => Err(FilterError::new(
                format!("expected \"and\", \"or\" or \")\", found {}", self.found()),
                self.pos,
            )),
        }
    }

    // ----------------------------------------------------------------------
    // Attribute expressions
    // ----------------------------------------------------------------------

    fn parse_attr_expr(&mut self, depth: usize, in_brackets: bool) -> Result<Filter, FilterError> {
        let start = self.pos;
        let w = self.word();
        if !w.is_empty()
            && is_operator_word(w)
            && self.src[start + w.len()..]
                .chars()
                .next()
                .is_none_or(|c| is_ws(c) || matches!(c, '"' | '(' | ')' | ']'))
        {
            return Err(FilterError::new(
                format!("expected an attribute path before operator \"{w}\""),
                start,
            ));
        }
        let path = self.parse_attr_path()?;
        if self.peek() != Some('[') {
            return self.parse_comparison(path);
        }
        let inner = self.parse_bracket_filter(&path, depth, in_brackets)?;
        if self.peek() != Some('.') {
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        // Entra ID form: `attr[inner].sub op value` / `attr[inner].sub pr`.
        self.pos += 1;
        let sub = self.parse_attr_name("a sub-attribute name after \"].\"")?;
        self.check_attr_end()?;
        let tail = self.parse_comparison(AttrPath::simple(sub))?;
        Ok(Filter::ValuePath(
            path,
            Box::new(Filter::And(Box::new(inner), Box::new(tail))),
        ))
    }

    /// Parse `"[" orExpr "]"` after `path`; the cursor is on the `[`.
    pub(super) fn parse_bracket_filter(
        &mut self,
        path: &AttrPath,
        depth: usize,
        in_brackets: bool,
    ) -> Result<Filter, FilterError> {
        let open = self.pos;
        if in_brackets {
            return Err(FilterError::new(
                "nested value filters (\"[\" inside \"[...]\") are not allowed",
                open,
            ));
        }
        if path.sub.is_some() {
            return Err(FilterError::new(
                format!("a value filter \"[...]\" cannot follow the sub-attribute path \"{path}\""),
                open,
            ));
        }
        if depth >= MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(']') {
            return Err(FilterError::new("empty value filter \"[]\"", self.pos));
        }
        let inner = self.parse_or(depth + 1, true)?;
        self.skip_ws();
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Ok(inner)
            }
            None => Err(FilterError::new(
                format!("unbalanced brackets: \"[\" at byte {open} is never closed"),
                self.pos,
            )),
            Some(_) => Err(FilterError::new(
                format!("expected \"and\", \"or\" or \"]\", found {}", self.found()),
                self.pos,
            )),
        }
    }

    /// `attrPath ( "pr" / compareOp compValue )`, after the attribute path.
    fn parse_comparison(&mut self, path: AttrPath) -> Result<Filter, FilterError> {
        self.skip_ws();
        let op_pos = self.pos;
        let w = self.word();
        if w.is_empty() {
            return Err(FilterError::new(
                format!("expected a comparison operator after \"{path}\""),
                op_pos,
            ));
        }
        let Some(op) = parse_op(w) else {
            return Err(FilterError::new(
                format!("unknown comparison operator \"{w}\" after \"{path}\""),
                op_pos,
            ));
        };
        self.pos += w.len();
        let Some(op) = op else {
            return Ok(Filter::Present(path));
        };
        self.skip_ws();
        let value_pos = self.pos;
        let value = self.parse_value(op)?;
        if matches!(op, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le) {
            let bad = match value {
                CompValue::Bool(true) => Some("true"),
                CompValue::Bool(false) => Some("false"),
                CompValue::Null => Some("null"),
                _ => None,
            };
            if let Some(bad) = bad {
                return Err(FilterError::new(
                    format!("operator \"{op}\" cannot be used with {bad} (only strings and numbers are ordered)"),
                    value_pos,
                ));
            }
        }
        Ok(Filter::Compare(path, op, value))
    }

    // ----------------------------------------------------------------------
    // Attribute paths
    // ----------------------------------------------------------------------

    /// `attrPath = [URI ":"] ATTRNAME ["." ATTRNAME]`
    pub(super) fn parse_attr_path(&mut self) -> Result<AttrPath, FilterError> {
        if self.rest().get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            return self.parse_urn_attr_path();
        }
        let name = self.parse_attr_name("an attribute name")?;
        let sub = self.parse_opt_sub()?;
        self.check_attr_end()?;
        Ok(AttrPath { uri: None, name, sub })
    }

    fn parse_opt_sub(&mut self) -> Result<Option<String>, FilterError> {
        if self.peek() == Some('.') {
            self.pos += 1;
            Ok(Some(self.parse_attr_name("a sub-attribute name after \".\"")?))
        } else {
            Ok(None)
        }
    }

    /// `urn:...:name[.sub]`: the URI is everything before the last `:`.
    fn parse_urn_attr_path(&mut self) -> Result<AttrPath, FilterError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_delim(c) {
                break;
            }
            if !c.is_ascii_graphic() {
                return Err(FilterError::new(
                    format!("invalid character {c:?} in schema URN"),
                    self.pos,
                ));
            }
            self.pos += 1;
        }
        let token = &self.src[start..self.pos];
        // `token` starts with "urn:", so there is at least one ':'.
        let colon = token.rfind(':').unwrap_or(3);
        let uri = &token[..colon];
        if uri.len() <= 4 {
            return Err(FilterError::new(
                "expected a schema URN of the form \"urn:...:attribute\"",
                start,
            ));
        }
        self.pos = start + colon + 1;
        let name = self.parse_attr_name("an attribute name after the schema URN")?;
        let sub = self.parse_opt_sub()?;
        self.check_attr_end()?;
        Ok(AttrPath {
            uri: Some(uri.to_string()),
            name,
            sub,
        })
    }

    /// `ATTRNAME = ALPHA *( "-" / "_" / DIGIT / ALPHA )`, or `$ref`.
    pub(super) fn parse_attr_name(&mut self, what: &str) -> Result<String, FilterError> {
        let start = self.pos;
        let rest = self.rest();
        if rest.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("$ref"))
            && !rest[4..].chars().next().is_some_and(is_name_char)
        {
            self.pos += 4;
            return Ok(rest[..4].to_string());
        }
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            return Err(FilterError::new(
                format!("expected {what}, found {}", self.found()),
                start,
            ));
        }
        let w = self.word();
        self.pos += w.len();
        Ok(w.to_string())
    }

    /// After an attribute path only a delimiter (or the end) may follow.
    pub(super) fn check_attr_end(&self) -> Result<(), FilterError> {
        match self.peek() {
            None => Ok(()),
            Some(c) if is_delim(c) => Ok(()),
            Some('.') => Err(FilterError::new(
                "unexpected \".\": only one level of sub-attribute is allowed",
                self.pos,
            )),
            Some(c) => Err(FilterError::new(
                format!("invalid character {c:?} in attribute path"),
                self.pos,
            )),
        }
    }

    // ----------------------------------------------------------------------
    // Values
    // ----------------------------------------------------------------------

    fn parse_value(&mut self, op: CompareOp) -> Result<CompValue, FilterError> {
        match self.peek() {
            None | Some(')') | Some(']') => Err(FilterError::new(
                format!("expected a value after operator \"{op}\""),
                self.pos,
            )),
            Some('"') => Ok(CompValue::Str(self.parse_string()?)),
            Some(_) => self.parse_bare_value(),
        }
    }

    /// An unquoted value: runs until whitespace, `)`, `]` or the end.
    /// `true`/`false`/`null` (any case) and JSON numbers keep their JSON
    /// meaning; anything else is a string (Entra ID sends `externalId eq jyoung`).
    fn parse_bare_value(&mut self) -> Result<CompValue, FilterError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_ws(c) || c == ')' || c == ']' {
                break;
            }
            if c == '"' || c == '(' || c == '[' || c.is_control() {
                return Err(FilterError::new(
                    format!("invalid character {c:?} in unquoted value (string values should be quoted: \"...\")"),
                    self.pos,
                ));
            }
            self.pos += c.len_utf8();
        }
        let token = &self.src[start..self.pos];
        if token.eq_ignore_ascii_case("true") {
            return Ok(CompValue::Bool(true));
        }
        if token.eq_ignore_ascii_case("false") {
            return Ok(CompValue::Bool(false));
        }
        if token.eq_ignore_ascii_case("null") {
            return Ok(CompValue::Null);
        }
        if is_json_number(token) {
            return match serde_json::from_str::<serde_json::Number>(token) {
                Ok(n) => Ok(CompValue::Num(n)),
                Err(_) => Err(FilterError::new(format!("number {token} is out of range"), start)),
            };
        }
        Ok(CompValue::Str(token.to_string()))
    }

    /// A JSON string literal; the cursor is on the opening `"`.
    fn parse_string(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c_pos = self.pos;
            let Some(c) = self.bump() else {
                return Err(FilterError::new("unterminated string starting", start));
            };
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(FilterError::new("unterminated string starting", start));
                    };
                    match e {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        '/' => out.push('/'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => out.push(self.parse_unicode_escape(c_pos)?),
                        other => {
                            return Err(FilterError::new(
                                format!("invalid escape sequence \"\\{}\" in string", other.escape_debug()),
                                c_pos,
                            ));
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(FilterError::new(
                        format!("unescaped control character U+{:04X} in string", c as u32),
                        c_pos,
                    ));
                }
                c => out.push(c),
            }
        }
    }

    /// After `\u` (which started at `esc_pos`): 4 hex digits, with surrogate pairs.
    fn parse_unicode_escape(&mut self, esc_pos: usize) -> Result<char, FilterError> {
        let hi = self.read_hex4(esc_pos)?;
        let code = match hi {
            0xD800..=0xDBFF => {
                let low_pos = self.pos;
                if !self.rest().starts_with("\\u") {
                    return Err(FilterError::new(
                        format!("unpaired surrogate \\u{hi:04X} in string"),
                        esc_pos,
                    ));
                }
                self.pos += 2;
                let lo = self.read_hex4(low_pos)?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(FilterError::new(
                        format!("unpaired surrogate \\u{hi:04X} in string"),
                        esc_pos,
                    ));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(FilterError::new(
                    format!("unpaired surrogate \\u{hi:04X} in string"),
                    esc_pos,
                ));
            }
            _ => hi,
        };
        char::from_u32(code).ok_or_else(|| FilterError::new(format!("invalid unicode escape \\u{code:04X}"), esc_pos))
    }

    fn read_hex4(&mut self, esc_pos: usize) -> Result<u32, FilterError> {
        let hex = self
            .rest()
            .get(..4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(hex) = hex else {
            return Err(FilterError::new(
                "invalid \\u escape in string (expected 4 hex digits)",
                esc_pos,
            ));
        };
        self.pos += 4;
        u32::from_str_radix(hex, 16)
            .map_err(|_| FilterError::new("invalid \\u escape in string (expected 4 hex digits)", esc_pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompareOp::*;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

    fn a(name: &str) -> AttrPath {
        AttrPath::simple(name)
    }
    fn asub(name: &str, sub: &str) -> AttrPath {
        AttrPath {
            uri: None,
            name: name.into(),
            sub: Some(sub.into()),
        }
    }
    fn au(uri: &str, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: Some(uri.into()),
            name: name.into(),
            sub: sub.map(Into::into),
        }
    }
    fn s(v: &str) -> CompValue {
        CompValue::Str(v.into())
    }
    fn n(v: &str) -> CompValue {
        CompValue::Num(serde_json::from_str(v).unwrap())
    }
    fn b(v: bool) -> CompValue {
        CompValue::Bool(v)
    }
    fn c(p: AttrPath, op: CompareOp, v: CompValue) -> Filter {
        Filter::Compare(p, op, v)
    }
    fn pr(p: AttrPath) -> Filter {
        Filter::Present(p)
    }
    fn and(x: Filter, y: Filter) -> Filter {
        Filter::And(Box::new(x), Box::new(y))
    }
    fn or(x: Filter, y: Filter) -> Filter {
        Filter::Or(Box::new(x), Box::new(y))
    }
    fn not(x: Filter) -> Filter {
        Filter::Not(Box::new(x))
    }
    fn vp(p: AttrPath, f: Filter) -> Filter {
        Filter::ValuePath(p, Box::new(f))
    }

    fn valid_cases() -> Vec<(&'static str, Filter)> {
        vec![
            // --- every operator ---
            ("userName eq \"bjensen\"", c(a("userName"), Eq, s("bjensen"))),
            ("userName ne \"bjensen\"", c(a("userName"), Ne, s("bjensen"))),
            (
                "name.familyName co \"O'Malley\"",
                c(asub("name", "familyName"), Co, s("O'Malley")),
            ),
            ("userName sw \"J\"", c(a("userName"), Sw, s("J"))),
            ("userName ew \"sen\"", c(a("userName"), Ew, s("sen"))),
            ("title pr", pr(a("title"))),
            (
                "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
                c(asub("meta", "lastModified"), Gt, s("2011-05-13T04:42:34Z")),
            ),
            (
                "meta.lastModified ge \"2011-05-13T04:42:34Z\"",
                c(asub("meta", "lastModified"), Ge, s("2011-05-13T04:42:34Z")),
            ),
            (
                "meta.lastModified lt \"2011-05-13T04:42:34Z\"",
                c(asub("meta", "lastModified"), Lt, s("2011-05-13T04:42:34Z")),
            ),
            (
                "meta.lastModified le \"2011-05-13T04:42:34Z\"",
                c(asub("meta", "lastModified"), Le, s("2011-05-13T04:42:34Z")),
            ),
            // --- case-insensitive keywords ---
            ("userName EQ \"x\"", c(a("userName"), Eq, s("x"))),
            ("userName Eq \"x\"", c(a("userName"), Eq, s("x"))),
            ("userName eQ \"x\"", c(a("userName"), Eq, s("x"))),
            ("userName NE \"x\"", c(a("userName"), Ne, s("x"))),
            ("userName CO \"x\"", c(a("userName"), Co, s("x"))),
            ("userName Sw \"x\"", c(a("userName"), Sw, s("x"))),
            ("userName EW \"x\"", c(a("userName"), Ew, s("x"))),
            ("age GT 1", c(a("age"), Gt, n("1"))),
            ("age Ge 1", c(a("age"), Ge, n("1"))),
            ("age LT 1", c(a("age"), Lt, n("1"))),
            ("age lE 1", c(a("age"), Le, n("1"))),
            ("title PR", pr(a("title"))),
            ("title pr AND userName pr", and(pr(a("title")), pr(a("userName")))),
            ("title pr Or userName pr", or(pr(a("title")), pr(a("userName")))),
            ("NOT (title pr)", not(pr(a("title")))),
            ("Not (title pr)", not(pr(a("title")))),
            // --- numbers, booleans, null ---
            ("age gt 5", c(a("age"), Gt, n("5"))),
            ("age eq 0", c(a("age"), Eq, n("0"))),
            ("x eq -1", c(a("x"), Eq, n("-1"))),
            ("x eq -1.5e3", c(a("x"), Eq, n("-1.5e3"))),
            ("x eq 1E+2", c(a("x"), Eq, n("1E+2"))),
            ("x eq 2.5e-3", c(a("x"), Eq, n("2.5e-3"))),
            ("x lt 3.14159", c(a("x"), Lt, n("3.14159"))),
            ("x eq 18446744073709551615", c(a("x"), Eq, n("18446744073709551615"))),
            ("active eq true", c(a("active"), Eq, b(true))),
            ("active eq false", c(a("active"), Eq, b(false))),
            ("active eq TRUE", c(a("active"), Eq, b(true))),
            ("active eq False", c(a("active"), Eq, b(false))),
            ("manager eq null", c(a("manager"), Eq, CompValue::Null)),
            ("manager ne NULL", c(a("manager"), Ne, CompValue::Null)),
            ("active eq \"true\"", c(a("active"), Eq, s("true"))),
            ("x eq \"42\"", c(a("x"), Eq, s("42"))),
            // --- precedence and associativity ---
            (
                "a eq 1 or b eq 2 and c eq 3",
                or(c(a("a"), Eq, n("1")), and(c(a("b"), Eq, n("2")), c(a("c"), Eq, n("3")))),
            ),
            (
                "a eq 1 and b eq 2 or c eq 3",
                or(and(c(a("a"), Eq, n("1")), c(a("b"), Eq, n("2"))), c(a("c"), Eq, n("3"))),
            ),
            ("a pr and b pr and c pr", and(and(pr(a("a")), pr(a("b"))), pr(a("c")))),
            ("a pr or b pr or c pr", or(or(pr(a("a")), pr(a("b"))), pr(a("c")))),
            (
                "a pr or b pr and c pr or d pr",
                or(or(pr(a("a")), and(pr(a("b")), pr(a("c")))), pr(a("d"))),
            ),
            // --- parentheses ---
            ("(a pr or b pr) and c pr", and(or(pr(a("a")), pr(a("b"))), pr(a("c")))),
            ("a pr and (b pr or c pr)", and(pr(a("a")), or(pr(a("b")), pr(a("c"))))),
            ("((a pr))", pr(a("a"))),
            ("( a pr )", pr(a("a"))),
            ("(a pr)and(b pr)", and(pr(a("a")), pr(a("b")))),
            // --- not ---
            ("not (a pr)", not(pr(a("a")))),
            ("not(a pr)", not(pr(a("a")))),
            ("not   (a pr)", not(pr(a("a")))),
            ("not (a pr) and b pr", and(not(pr(a("a"))), pr(a("b")))),
            (
                "b pr and not (a pr or c pr)",
                and(pr(a("b")), not(or(pr(a("a")), pr(a("c"))))),
            ),
            ("not (not (a pr))", not(not(pr(a("a"))))),
            ("title pr or not (title pr)", or(pr(a("title")), not(pr(a("title"))))),
            // --- value paths ---
            ("emails[type eq \"work\"]", vp(a("emails"), c(a("type"), Eq, s("work")))),
            (
                "emails[type eq \"work\" and value co \"@example.com\"]",
                vp(
                    a("emails"),
                    and(c(a("type"), Eq, s("work")), c(a("value"), Co, s("@example.com"))),
                ),
            ),
            (
                "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
                or(
                    vp(
                        a("emails"),
                        and(c(a("type"), Eq, s("work")), c(a("value"), Co, s("@example.com"))),
                    ),
                    vp(
                        a("ims"),
                        and(c(a("type"), Eq, s("xmpp")), c(a("value"), Co, s("@foo.com"))),
                    ),
                ),
            ),
            (
                "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
                and(
                    c(a("userType"), Eq, s("Employee")),
                    vp(
                        a("emails"),
                        and(c(a("type"), Eq, s("work")), c(a("value"), Co, s("@example.com"))),
                    ),
                ),
            ),
            (
                "members[value eq \"abc\"]",
                vp(a("members"), c(a("value"), Eq, s("abc"))),
            ),
            (
                "emails[not (type eq \"work\")]",
                vp(a("emails"), not(c(a("type"), Eq, s("work")))),
            ),
            (
                "emails[(type eq \"work\" or type eq \"home\") and primary eq true]",
                vp(
                    a("emails"),
                    and(
                        or(c(a("type"), Eq, s("work")), c(a("type"), Eq, s("home"))),
                        c(a("primary"), Eq, b(true)),
                    ),
                ),
            ),
            (
                "emails[ type eq \"work\" ]",
                vp(a("emails"), c(a("type"), Eq, s("work"))),
            ),
            ("emails[display pr]", vp(a("emails"), pr(a("display")))),
            (
                "not (emails[type eq \"work\"])",
                not(vp(a("emails"), c(a("type"), Eq, s("work")))),
            ),
            // --- Entra ID `attr[inner].sub op value` form ---
            (
                "emails[type eq \"work\"].value eq \"x@y.com\"",
                vp(
                    a("emails"),
                    and(c(a("type"), Eq, s("work")), c(a("value"), Eq, s("x@y.com"))),
                ),
            ),
            (
                "emails[type eq \"work\"].value pr",
                vp(a("emails"), and(c(a("type"), Eq, s("work")), pr(a("value")))),
            ),
            (
                "addresses[type eq \"work\"].streetAddress co \"Main\" and title pr",
                and(
                    vp(
                        a("addresses"),
                        and(c(a("type"), Eq, s("work")), c(a("streetAddress"), Co, s("Main"))),
                    ),
                    pr(a("title")),
                ),
            ),
            // --- URN-prefixed attributes ---
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
                c(au(ENT, "employeeNumber", None), Eq, s("701984")),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915\"",
                c(au(ENT, "manager", Some("value")), Eq, s("26118915")),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
                c(au(CORE, "userName", None), Sw, s("J")),
            ),
            (
                "URN:IETF:params:scim:schemas:core:2.0:User:name.familyName pr",
                pr(au(
                    "URN:IETF:params:scim:schemas:core:2.0:User",
                    "name",
                    Some("familyName"),
                )),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"]",
                vp(au(CORE, "emails", None), c(a("type"), Eq, s("work"))),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"R&D\" and userName pr",
                and(c(au(ENT, "department", None), Eq, s("R&D")), pr(a("userName"))),
            ),
            // --- names ---
            (
                "members.$ref eq \"https://x/Users/1\"",
                c(asub("members", "$ref"), Eq, s("https://x/Users/1")),
            ),
            ("$ref pr", pr(a("$ref"))),
            ("x-custom_attr2 eq \"v\"", c(a("x-custom_attr2"), Eq, s("v"))),
            ("name.familyName pr", pr(asub("name", "familyName"))),
            (
                "meta.resourceType eq \"User\"",
                c(asub("meta", "resourceType"), Eq, s("User")),
            ),
            // --- strings: unicode and escapes ---
            (
                "displayName eq \"Jöhn Dœ 日本語 🎉\"",
                c(a("displayName"), Eq, s("Jöhn Dœ 日本語 🎉")),
            ),
            ("x eq \"a\\\"b\"", c(a("x"), Eq, s("a\"b"))),
            ("x eq \"a\\\\b\"", c(a("x"), Eq, s("a\\b"))),
            ("x eq \"caf\\u00e9\"", c(a("x"), Eq, s("café"))),
            ("x eq \"caf\\u00E9\"", c(a("x"), Eq, s("café"))),
            ("x eq \"\\ud83d\\ude00\"", c(a("x"), Eq, s("😀"))),
            ("x eq \"a\\/b\"", c(a("x"), Eq, s("a/b"))),
            ("x eq \"\\n\\t\\r\\b\\f\"", c(a("x"), Eq, s("\n\t\r\u{8}\u{c}"))),
            ("x eq \"\\u0000\"", c(a("x"), Eq, s("\0"))),
            ("x eq \"\"", c(a("x"), Eq, s(""))),
            ("x eq\"\"", c(a("x"), Eq, s(""))),
            ("x eq \"a b  c\"", c(a("x"), Eq, s("a b  c"))),
            ("x eq \"(not) [and] or ]\"", c(a("x"), Eq, s("(not) [and] or ]"))),
            // --- injection text is just data ---
            ("userName eq \"x' OR '1'='1\"", c(a("userName"), Eq, s("x' OR '1'='1"))),
            (
                "userName eq \"x\\\"; DROP TABLE users; --\"",
                c(a("userName"), Eq, s("x\"; DROP TABLE users; --")),
            ),
            (
                "userName eq \"Robert'); DROP TABLE Students;--\"",
                c(a("userName"), Eq, s("Robert'); DROP TABLE Students;--")),
            ),
            (
                "userName eq \"$where: 1 == 1\"",
                c(a("userName"), Eq, s("$where: 1 == 1")),
            ),
            // --- bare (unquoted) values ---
            ("externalId eq jyoung", c(a("externalId"), Eq, s("jyoung"))),
            (
                "externalId eq jyoung and active eq true",
                and(c(a("externalId"), Eq, s("jyoung")), c(a("active"), Eq, b(true))),
            ),
            ("(externalId eq jyoung)", c(a("externalId"), Eq, s("jyoung"))),
            ("emails[type eq work]", vp(a("emails"), c(a("type"), Eq, s("work")))),
            (
                "userName eq john@example.com",
                c(a("userName"), Eq, s("john@example.com")),
            ),
            ("displayName eq José", c(a("displayName"), Eq, s("José"))),
            ("x eq 12abc", c(a("x"), Eq, s("12abc"))),
            ("x eq 1.", c(a("x"), Eq, s("1."))),
            ("x eq +1", c(a("x"), Eq, s("+1"))),
            ("x eq O'Brien", c(a("x"), Eq, s("O'Brien"))),
            ("x eq nullx", c(a("x"), Eq, s("nullx"))),
            // --- whitespace leniency ---
            ("userName   eq\t\"x\"", c(a("userName"), Eq, s("x"))),
            ("  title pr  ", pr(a("title"))),
            ("\ttitle\tpr\tand\tx\tpr", and(pr(a("title")), pr(a("x")))),
            (
                "userName eq \"x\"and title pr",
                and(c(a("userName"), Eq, s("x")), pr(a("title"))),
            ),
            ("a pr\nor\r\nb pr", or(pr(a("a")), pr(a("b")))),
            // --- misc ---
            (
                "userName eq \"x\" or userName eq \"y\" or userName eq \"z\"",
                or(
                    or(c(a("userName"), Eq, s("x")), c(a("userName"), Eq, s("y"))),
                    c(a("userName"), Eq, s("z")),
                ),
            ),
            (
                "id eq \"2819c223-7f76-453a-919d-413861904646\"",
                c(a("id"), Eq, s("2819c223-7f76-453a-919d-413861904646")),
            ),
            ("emails co \"example.com\"", c(a("emails"), Co, s("example.com"))),
            ("orange pr", pr(a("orange"))),
            ("notes pr", pr(a("notes"))),
            ("android pr", pr(a("android"))),
        ]
    }

    #[test]
    fn valid_filters_parse_to_exact_ast() {
        let cases = valid_cases();
        assert!(cases.len() >= 80, "only {} cases", cases.len());
        for (input, expected) in cases {
            match parse(input) {
                Ok(f) => assert_eq!(f, expected, "input: {input:?}"),
                Err(e) => panic!("input {input:?} failed: {e}"),
            }
        }
    }

    fn invalid_cases() -> Vec<(String, &'static str)> {
        let v: Vec<(&str, &str)> = vec![
            ("", "empty filter"),
            ("   \t ", "empty filter"),
            ("userName", "expected a comparison operator after \"userName\""),
            ("userName \"x\"", "expected a comparison operator after \"userName\""),
            ("userName éq \"x\"", "expected a comparison operator"),
            ("userName eqq \"x\"", "unknown comparison operator \"eqq\""),
            ("userName eq1", "unknown comparison operator \"eq1\""),
            ("userName like \"x\"", "unknown comparison operator \"like\""),
            ("userName eq", "expected a value after operator \"eq\""),
            ("userName eq   ", "expected a value after operator \"eq\""),
            ("(userName eq)", "expected a value after operator \"eq\""),
            ("emails[type eq]", "expected a value after operator \"eq\""),
            ("title pr \"x\"", "expected \"and\" or \"or\""),
            ("title pr pr", "expected \"and\" or \"or\""),
            ("userName eq \"x\" userName eq \"y\"", "expected \"and\" or \"or\""),
            ("userName eq \"abc", "unterminated string"),
            ("userName eq \"", "unterminated string"),
            ("userName eq \"\\", "unterminated string"),
            ("userName eq \"abc\\\"", "unterminated string"),
            ("userName eq \"\\x\"", "invalid escape sequence"),
            ("userName eq \"\\'\"", "invalid escape sequence"),
            ("userName eq \"\\ud800\"", "unpaired surrogate"),
            ("userName eq \"\\udc00\"", "unpaired surrogate"),
            ("userName eq \"\\ud800\\u0041\"", "unpaired surrogate"),
            ("userName eq \"\\ud800\\\"", "unpaired surrogate"),
            ("userName eq \"\\u12\"", "expected 4 hex digits"),
            ("userName eq \"\\u12G4\"", "expected 4 hex digits"),
            ("userName eq \"\\u00é\"", "expected 4 hex digits"),
            ("userName eq \"a\u{1}b\"", "control character U+0001"),
            ("userName eq \"a\nb\"", "control character U+000A"),
            ("userName eq \"x\" or 1=1", "expected an attribute name, found \"1=1\""),
            ("userName eq \"x\" or", "expected an attribute path"),
            ("userName eq \"x\" and", "expected an attribute path"),
            ("userName eq \"x\" and and title pr", "before operator \"and\""),
            ("and title pr", "before operator \"and\""),
            ("eq \"x\"", "before operator \"eq\""),
            ("pr", "before operator \"pr\""),
            ("or", "before operator \"or\""),
            ("(title pr", "\"(\" at byte 0 is never closed"),
            ("((title pr)", "is never closed"),
            ("title pr)", "unbalanced parentheses"),
            ("(title pr))", "unbalanced parentheses"),
            (")", "expected an attribute name"),
            ("()", "expected an attribute name"),
            (")(", "expected an attribute name"),
            ("(title pr]", "expected \"and\", \"or\" or \")\", found \"]\""),
            ("emails[type eq \"work\"", "\"[\" at byte 6 is never closed"),
            (
                "emails[type eq \"work\")",
                "expected \"and\", \"or\" or \"]\", found \")\"",
            ),
            ("(emails[type eq \"work\")]", "expected \"and\", \"or\" or \"]\""),
            ("title pr]", "unbalanced brackets"),
            ("]", "expected an attribute name"),
            ("[type eq \"x\"]", "expected an attribute name"),
            ("emails[type[value eq \"x\"] eq \"y\"]", "nested value filters"),
            ("emails[x[y pr]]", "nested value filters"),
            ("emails[]", "empty value filter"),
            ("emails[ ]", "empty value filter"),
            ("name.familyName[x eq \"y\"]", "cannot follow the sub-attribute"),
            ("not title pr", "expected \"(\" after \"not\""),
            ("not", "expected \"(\" after \"not\""),
            ("not ()", "expected an attribute name"),
            ("a.b.c eq \"x\"", "only one level of sub-attribute"),
            ("name. eq \"x\"", "expected a sub-attribute name"),
            ("userName; eq \"x\"", "invalid character ';' in attribute path"),
            ("1userName eq \"x\"", "expected an attribute name"),
            ("_x eq \"x\"", "expected an attribute name"),
            ("user\u{0}Name eq \"x\"", "invalid character '\\0' in attribute path"),
            ("userName eq \"x\" \u{7}", "expected \"and\" or \"or\""),
            ("userName eq \"x\"é", "expected \"and\" or \"or\""),
            ("日本 eq \"x\"", "expected an attribute name"),
            ("user名 eq \"x\"", "invalid character '名'"),
            ("age gt true", "operator \"gt\" cannot be used with true"),
            ("age ge FALSE", "operator \"ge\" cannot be used with false"),
            ("age lt null", "operator \"lt\" cannot be used with null"),
            ("age le Null", "operator \"le\" cannot be used with null"),
            ("userName eq x\"y\"", "invalid character '\"' in unquoted value"),
            ("userName eq (x)", "invalid character '(' in unquoted value"),
            ("userName eq a\u{1}b", "invalid character '\\u{1}' in unquoted value"),
            ("urn:foo eq \"x\"", "schema URN"),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User: eq \"x\"",
                "attribute name after the schema URN",
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:Üser:x eq 1",
                "invalid character 'Ü' in schema URN",
            ),
            ("urn:a:b.c.d pr", "only one level of sub-attribute"),
            ("x eq 1e999", "out of range"),
            (".value eq \"x\"", "expected an attribute name"),
            (
                "emails[type eq \"work\"].value",
                "expected a comparison operator after \"value\"",
            ),
            ("emails[type eq \"work\"].", "expected a sub-attribute name"),
            (
                "emails[type eq \"work\"].value.x eq 1",
                "only one level of sub-attribute",
            ),
            ("emails[type eq \"work\"]x", "expected \"and\" or \"or\""),
            ("\"x\" eq userName", "expected an attribute name"),
            ("userName eq \"x\" or (", "expected an attribute"),
        ];
        v.into_iter().map(|(i, m)| (i.to_string(), m)).collect()
    }

    #[test]
    fn invalid_filters_are_rejected_with_meaningful_messages() {
        for (input, needle) in invalid_cases() {
            match parse(&input) {
                Ok(f) => panic!("input {input:?} unexpectedly parsed as {f:?}"),
                Err(e) => {
                    assert!(
                        e.message.contains(needle),
                        "input {input:?}: message {:?} does not contain {needle:?}",
                        e.message
                    );
                    assert!(e.position <= input.len(), "input {input:?}: bad position {e:?}");
                    assert!(input.is_char_boundary(e.position), "input {input:?}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn error_display_and_positions() {
        let e = parse("userName \"x\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a comparison operator after \"userName\" at position 9"
        );
        let e = parse("userName eq \"abc").unwrap_err();
        assert_eq!(e.to_string(), "unterminated string starting at position 12");
        let e = parse("userName eqq \"x\"").unwrap_err();
        assert_eq!(e.position, 9);
        let e = parse("userName eq \"x\" or 1=1").unwrap_err();
        assert_eq!(e.position, 19);
        let e = parse("emails[type eq \"work\"").unwrap_err();
        assert_eq!(e.position, 21);
        let e = parse("userName eq \"a\\qb\"").unwrap_err();
        assert_eq!(e.position, 14);
        let e = parse("age gt true").unwrap_err();
        assert_eq!(e.position, 7);
        let e = parse("日本語 eq x").unwrap_err();
        assert_eq!(e.position, 0);
        let e = parse("x eq \"é\" é").unwrap_err();
        assert_eq!(e.position, 10);
        let err: &dyn std::error::Error = &e;
        assert!(err.to_string().contains("at position 10"));
    }

    #[test]
    fn length_limit() {
        let ok = format!("userName eq \"{}\"", "a".repeat(MAX_FILTER_LEN - 14));
        assert_eq!(ok.len(), MAX_FILTER_LEN);
        assert!(parse(&ok).is_ok());
        let long = format!("userName eq \"{}\"", "a".repeat(9000));
        let e = parse(&long).unwrap_err();
        assert!(e.message.contains("too long"), "{e}");
        let e = parse(&" ".repeat(9000)).unwrap_err();
        assert!(e.message.contains("too long"), "{e}");
        let wide = format!("displayName eq \"{}\"", "日".repeat(3000));
        let e = parse(&wide).unwrap_err();
        assert!(e.message.contains("too long"), "{e}");
        assert!(wide.is_char_boundary(e.position) && e.position <= MAX_FILTER_LEN);
    }

    #[test]
    fn depth_limit() {
        let nest = |d: usize| format!("{}title pr{}", "(".repeat(d), ")".repeat(d));
        assert_eq!(parse(&nest(MAX_DEPTH)).unwrap(), pr(a("title")));
        let e = parse(&nest(MAX_DEPTH + 1)).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
        assert_eq!(e.position, MAX_DEPTH);

        // `not (` counts as two levels.
        let nots = |d: usize| format!("{}title pr{}", "not (".repeat(d), ")".repeat(d));
        assert!(parse(&nots(MAX_DEPTH / 2)).is_ok());
        let e = parse(&nots(MAX_DEPTH / 2 + 1)).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");

        // Brackets count too.
        let deep = format!(
            "{}emails[type pr]{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&deep).is_ok());
        let deeper = format!("{}emails[type pr]{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&deeper).unwrap_err().message.contains("nested too deeply"));
    }

    #[test]
    fn hostile_deep_nesting_does_not_overflow() {
        let parens = "(".repeat(100_000);
        assert!(parse(&parens).is_err());
        // Bypass the length limit to prove the depth limit alone protects the stack.
        let e = parse_with_max_len(&parens, usize::MAX).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
        let full = format!("{}a pr{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_with_max_len(&full, usize::MAX).is_err());

        let nots = "not(".repeat(10_000);
        assert!(parse(&nots).is_err());
        let e = parse_with_max_len(&nots, usize::MAX).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");

        let within_limit = "(".repeat(8000);
        assert!(parse(&within_limit).unwrap_err().message.contains("nested too deeply"));
        let not_within_limit = "not (".repeat(1600);
        assert!(
            parse(&not_within_limit)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );

        let brackets = "a[".repeat(4000);
        assert!(parse(&brackets).unwrap_err().message.contains("nested value filters"));
        let closers = ")".repeat(8000);
        assert!(parse(&closers).is_err());
        let ands = format!("a pr{}", " and a pr".repeat(900));
        assert!(parse(&ands).is_ok());
    }

    /// Tiny deterministic PRNG (xorshift) so the fuzz test needs no extra crates.
    fn xorshift(state: &mut u64) -> u64 {
        let mut x = *state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *state = x;
        x
    }

    #[test]
    fn never_panics_on_random_or_truncated_input() {
        const PIECES: [&str; 32] = [
            "(", ")", "[", "]", "\"", "\\", "\\u", "d800", " ", "\t", "eq", "pr", "and", "or", "not", "userName",
            "emails", ".", ":", "urn:", "1", "-", "e", "true", "é", "日本", "🎉", "\u{0}", "$ref", "x", "\u{7f}", "ne",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let len = (xorshift(&mut state) % 12) as usize;
            let mut input = String::new();
            for _ in 0..len {
                input.push_str(PIECES[(xorshift(&mut state) % PIECES.len() as u64) as usize]);
            }
            if let Err(e) = parse(&input) {
                assert!(
                    e.position <= input.len() && input.is_char_boundary(e.position),
                    "{input:?} {e:?}"
                );
            }
        }
        // Every prefix (at char boundaries) of every valid case.
        for (input, _) in valid_cases() {
            for (i, _) in input.char_indices() {
                if let Err(e) = parse(&input[..i]) {
                    assert!(input[..i].is_char_boundary(e.position), "{:?} {e:?}", &input[..i]);
                }
            }
        }
    }

    #[test]
    fn attr_path_display_and_op_names() {
        assert_eq!(a("userName").to_string(), "userName");
        assert_eq!(asub("name", "familyName").to_string(), "name.familyName");
        assert_eq!(
            au(ENT, "manager", Some("value")).to_string(),
            format!("{ENT}:manager.value")
        );
        assert_eq!(
            au(ENT, "employeeNumber", None).to_string(),
            format!("{ENT}:employeeNumber")
        );
        let ops = [Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le];
        let names: Vec<&str> = ops.iter().map(CompareOp::as_str).collect();
        assert_eq!(names, ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
        // Round trip: every operator parses back to itself.
        for op in ops {
            let f = parse(&format!("x {} \"v\"", op.as_str().to_uppercase())).unwrap();
            assert_eq!(f, c(a("x"), op, s("v")));
        }
    }
}
