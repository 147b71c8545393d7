package pingonetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// grammar is the SCIM filter subset the fake accepts: per collection, each attribute that can be
// filtered and the operators it takes. Clauses combine with and, or and parentheses.
type grammar map[string]map[string][]string

// filterGrammar is the one table of what PingOne documents, and so all the fake accepts; anything
// else (ne, co, pr, gt, ge, lt, le, not, or another attribute) is PingOne's 400 for a bad filter.
// When a tenant proves more (the conformance suite reports what one accepts), widen it here: an
// operator beyond eq, sw and ew also needs its comparison in compare, and a new attribute its
// value in the resource's attr method.
func filterGrammar() grammar {
	return grammar{
		// The spec: "only the id and name parameters are supported"; the docs' quick reference
		// lists name sw and id eq; the Terraform provider looks populations up with name eq.
		"populations": {
			"id":   {"eq"},
			"name": {"eq", "sw"},
		},
		// The users reference: eq on these six attributes; the admin docs add sw on them and ew
		// on email, name.given and name.family. Nothing documents a filter on a user's id.
		"users": {
			"username":      {"eq", "sw"},
			"email":         {"eq", "sw", "ew"},
			"name.given":    {"eq", "sw", "ew"},
			"name.family":   {"eq", "sw", "ew"},
			"mobilePhone":   {"eq", "sw"},
			"population.id": {"eq", "sw"},
		},
	}
}

// FilterGrammar returns the SCIM filters the fake accepts, which are those PingOne documents:
// collection ("populations", "users") → attribute → operators. Clauses combine with and, or and
// parentheses. The conformance suite tries every one on a tenant.
func FilterGrammar() map[string]map[string][]string { return filterGrammar() }

// compare applies a supported operator; values compare ignoring case, as SCIM does for strings
// that are not case-exact.
func compare(op, have, want string) bool {
	have, want = strings.ToLower(have), strings.ToLower(want)
	switch op {
	case "eq":
		return have == want
	case "sw":
		return strings.HasPrefix(have, want)
	case "ew":
		return strings.HasSuffix(have, want)
	}
	return false
}

// matcher reports whether a resource matches; get returns the value of a canonical attribute name.
type matcher = func(get func(attr string) string) bool

// parseFilter compiles src against the attributes and operators in attrs. Attribute names,
// operators and the keywords and/or match ignoring case; values are JSON string literals, so
// escaped quotes work. The error says what is wrong, for the INVALID_FILTER detail.
func parseFilter(src string, attrs map[string][]string) (matcher, error) {
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

type filterParser struct {
	src   string
	pos   int
	attrs map[string][]string
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

// keyword consumes w (ignoring case) if it comes next as a whole word.
func (p *filterParser) keyword(w string) bool {
	save := p.pos
	if strings.EqualFold(p.word(), w) && (p.pos == len(p.src) || p.src[p.pos] == ' ' || p.src[p.pos] == '(') {
		return true
	}
	p.pos = save
	return false
}

func (p *filterParser) or() (matcher, error) {
	left, err := p.and()
	for err == nil && p.keyword("or") {
		var right matcher
		if right, err = p.and(); err == nil {
			l := left
			left = func(get func(string) string) bool { return l(get) || right(get) }
		}
	}
	return left, err
}

func (p *filterParser) and() (matcher, error) {
	left, err := p.factor()
	for err == nil && p.keyword("and") {
		var right matcher
		if right, err = p.factor(); err == nil {
			l := left
			left = func(get func(string) string) bool { return l(get) && right(get) }
		}
	}
	return left, err
}

// factor reads a parenthesised filter or one clause: attribute, operator, quoted value.
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
	at := p.pos
	name := p.word()
	if name == "" {
		return nil, fmt.Errorf("expected an attribute at %d", at)
	}
	attr, ops := p.attribute(name)
	if attr == "" {
		return nil, fmt.Errorf("%q cannot be filtered on here (at %d); supported: %s", name, at, strings.Join(p.supported(), ", "))
	}
	p.skipSpace()
	at = p.pos
	op := strings.ToLower(p.word())
	if !slices.Contains(ops, op) {
		return nil, fmt.Errorf("operator %q is not supported for %s (at %d); it takes %s", op, attr, at, strings.Join(ops, ", "))
	}
	val, err := p.value()
	if err != nil {
		return nil, err
	}
	return func(get func(string) string) bool { return compare(op, get(attr), val) }, nil
}

// attribute returns the canonical name of a filterable attribute and its operators, or "".
func (p *filterParser) attribute(name string) (string, []string) {
	for attr, ops := range p.attrs {
		if strings.EqualFold(attr, name) {
			return attr, ops
		}
	}
	return "", nil
}

func (p *filterParser) supported() []string {
	var out []string
	for attr, ops := range p.attrs {
		out = append(out, attr+" ("+strings.Join(ops, ", ")+")")
	}
	slices.Sort(out)
	return out
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
