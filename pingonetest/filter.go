package pingonetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// parseFilter compiles the SCIM filter subset PingOne documents for these endpoints: eq, ne, sw,
// co and ew on the given attributes (case-insensitive names and values), joined by and, or,
// not and parentheses. Values are JSON string literals, so escaped quotes work.
func parseFilter(src string, attrs map[string]bool) (func(get func(string) string) bool, error) {
	p := &filterParser{src: src, attrs: attrs}
	m, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.pos != len(p.src) {
		return nil, fmt.Errorf("unexpected %q at %d", p.src[p.pos:], p.pos)
	}
	return m, nil
}

type matcher = func(get func(string) string) bool

type filterParser struct {
	src   string
	pos   int
	attrs map[string]bool
}

func (p *filterParser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// word reads a bare word (attribute, operator or keyword).
func (p *filterParser) word() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.src) {
		c := rune(p.src[p.pos])
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '.' || c == '_') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *filterParser) peekWord(w string) bool {
	save := p.pos
	got := p.word()
	if strings.EqualFold(got, w) && (p.pos == len(p.src) || p.src[p.pos] == ' ' || p.src[p.pos] == '(') {
		return true
	}
	p.pos = save
	return false
}

func (p *filterParser) or() (matcher, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(get func(string) string) bool { return l(get) || right(get) }
	}
	return left, nil
}

func (p *filterParser) and() (matcher, error) {
	left, err := p.factor()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		right, err := p.factor()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(get func(string) string) bool { return l(get) && right(get) }
	}
	return left, nil
}

func (p *filterParser) factor() (matcher, error) {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		p.pos++
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.skipSpace(); p.pos >= len(p.src) || p.src[p.pos] != ')' {
			return nil, fmt.Errorf("missing ')' at %d", p.pos)
		}
		p.pos++
		return m, nil
	}
	if p.peekWord("not") {
		m, err := p.factor()
		if err != nil {
			return nil, err
		}
		return func(get func(string) string) bool { return !m(get) }, nil
	}
	attr := strings.ToLower(p.word())
	if attr == "" {
		return nil, fmt.Errorf("expected an attribute at %d", p.pos)
	}
	if !p.attrs[attr] {
		return nil, fmt.Errorf("attribute %q is not supported in filters here", attr)
	}
	op := strings.ToLower(p.word())
	val, err := p.value()
	if err != nil {
		return nil, err
	}
	v := strings.ToLower(val)
	var cmp func(string) bool
	switch op {
	case "eq":
		cmp = func(s string) bool { return strings.ToLower(s) == v }
	case "ne":
		cmp = func(s string) bool { return strings.ToLower(s) != v }
	case "sw":
		cmp = func(s string) bool { return strings.HasPrefix(strings.ToLower(s), v) }
	case "ew":
		cmp = func(s string) bool { return strings.HasSuffix(strings.ToLower(s), v) }
	case "co":
		cmp = func(s string) bool { return strings.Contains(strings.ToLower(s), v) }
	default:
		return nil, fmt.Errorf("unsupported operator %q", op)
	}
	return func(get func(string) string) bool { return cmp(get(attr)) }, nil
}

// value reads a JSON string literal.
func (p *filterParser) value() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '"' {
		return "", fmt.Errorf("expected a quoted value at %d", p.pos)
	}
	end := p.pos + 1
	for ; end < len(p.src); end++ {
		if p.src[end] == '\\' {
			end++
			continue
		}
		if p.src[end] == '"' {
			break
		}
	}
	if end >= len(p.src) {
		return "", fmt.Errorf("unterminated string at %d", p.pos)
	}
	var s string
	if err := json.Unmarshal([]byte(p.src[p.pos:end+1]), &s); err != nil {
		return "", fmt.Errorf("bad string at %d: %v", p.pos, err)
	}
	p.pos = end + 1
	return s, nil
}
