package pingone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeOptions make every decode tolerant of what a server or proxy may send: a repeated member
// or a stray invalid UTF-8 byte never fails a read.
var decodeOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// unmarshalV1 lets encoding/json users get the same tolerant decoding.
func unmarshalV1(b []byte, v decoder) error {
	dec := jsontext.NewDecoder(bytes.NewReader(b), decodeOptions)
	return v.decodeFrom(dec)
}

// decodeObject reads one JSON object (or null), calling member with each unescaped name; member
// must consume the value.
func decodeObject(dec *jsontext.Decoder, member func(name []byte) error) error {
	if open, err := enter(dec, '{', "object"); !open {
		return err
	}
	for dec.PeekKind() != '}' {
		raw, err := dec.ReadValue() // a name: its quoted bytes, without allocating
		if err != nil {
			return err
		}
		// name aliases the decoder's buffer, which the next read may overwrite: member must
		// compare or copy it before reading the value (keepExtra copies it first).
		name := raw[1 : len(raw)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			// The decoder validated the literal, so AppendUnquote's only possible error is
			// invalid UTF-8 (a stray byte or a lone surrogate escape), which it has replaced by
			// U+FFFD in what it returns, as the decoder does in string values: a stray byte must
			// not fail the read. (An unescaped name keeps its bytes; keepExtra replaces them.)
			name, _ = jsontext.AppendUnquote(nil, raw)
		}
		if err := member(name); err != nil {
			return atPointer(dec, err)
		}
	}
	_, err := dec.ReadToken()
	return err
}

// enter reads the token that opens a JSON object ('{') or array ('['). It reports false, with
// no error, for null, which reads as an empty one.
func enter(dec *jsontext.Decoder, kind jsontext.Kind, what string) (bool, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch tok.Kind() {
	case kind:
		return true, nil
	case 'n':
		return false, nil
	}
	return false, fmt.Errorf("want a JSON %s, got %v", what, tok.Kind())
}

// decodeArray reads one JSON array (or null), calling elem for each element.
func decodeArray(dec *jsontext.Decoder, elem func() error) error {
	if open, err := enter(dec, '[', "array"); !open {
		return err
	}
	for dec.PeekKind() != ']' {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// pointerError says where in the document decoding failed, as a JSON pointer such as
// "/_embedded/users/3/name". (Not the member name decodeObject saw: its bytes alias the decoder's
// buffer and may have been overwritten by the time an error comes back.)
type pointerError struct {
	at  jsontext.Pointer
	err error
}

func (e *pointerError) Error() string {
	return "at " + strconv.Quote(string(e.at)) + ": " + e.err.Error()
}

func (e *pointerError) Unwrap() error { return e.err }

// atPointer wraps err with the decoder's position, once: the innermost object knows it best.
func atPointer(dec *jsontext.Decoder, err error) error {
	var pe *pointerError
	if errors.As(err, &pe) {
		return err
	}
	if se, ok := err.(*jsontext.SyntacticError); ok && se.JSONPointer != "" {
		// Its own pointer repeats ours, cut to 100 bytes: a credential echoed as a member name
		// would then show in part, which no redaction can recognise. Ours is whole.
		plain := *se
		plain.JSONPointer = ""
		err = &plain
	}
	return &pointerError{at: dec.StackPointer(), err: err}
}

// keepExtra stores the next value under name in m, allocating m on first use. in, when not nil,
// shares the names that a listing's items repeat.
func keepExtra(dec *jsontext.Decoder, m map[string]json.RawMessage, name []byte, in *interner) (map[string]json.RawMessage, error) {
	// Copy the name before reading on: name aliases the decoder's buffer, which ReadValue may
	// refill or shift, and a garbled key would make Update erase the real member.
	key := in.share(name)
	v, err := dec.ReadValue()
	if err != nil {
		return m, err
	}
	if !strictJSON(v) {
		// The decoder tolerates invalid UTF-8 and repeated names; Extra holds only valid JSON
		// (so Update can send it back), with invalid bytes replaced as in decoded strings.
		var x any
		if jsonv2.Unmarshal(v, &x, decodeOptions) != nil {
			return m, nil
		}
		if v, err = jsonv2.Marshal(x, jsonv2.Deterministic(true)); err != nil {
			return m, nil
		}
	}
	if m == nil {
		m = make(map[string]json.RawMessage, 1)
	}
	if !utf8.ValidString(key) {
		key = strings.ToValidUTF8(key, "\uFFFD") // as the decoder does for string values
	}
	m[key] = json.RawMessage(v.Clone()) // the decoder reuses its buffer
	return m, nil
}

// strictJSON reports whether v, a value the decoder read, is valid JSON without its tolerance:
// only invalid UTF-8 (raw, or a lone surrogate escaped) and, within an object, a repeated name
// can make it otherwise. (Checking a scalar for UTF-8 alone spares parsing every unknown member
// again.)
func strictJSON(v jsontext.Value) bool {
	switch v.Kind() {
	case '{', '[':
		return v.IsValid()
	case '"':
		if bytes.Contains(v, []byte(`\u`)) {
			return v.IsValid() // an escaped lone surrogate ("\ud800") is tolerated too
		}
	}
	return utf8.Valid(v)
}

func readString(dec *jsontext.Decoder) (string, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
	case 'n':
		return "", nil
	case '0', 't', 'f':
		return tok.String(), nil // a scalar where a string was documented: keep its text
	}
	return "", fmt.Errorf("want a string, got %v", tok.Kind())
}

// readBool accepts true/false, and "true"/"false" since one PingOne table types default as a string.
func readBool(dec *jsontext.Decoder) (bool, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch tok.Kind() {
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return false, nil
	case '"':
		return strconv.ParseBool(strings.TrimSpace(tok.String()))
	}
	return false, fmt.Errorf("want a boolean, got %v", tok.Kind())
}

// readInt accepts 2, 2.0 and "2": the spec types counts as number.
func readInt(dec *jsontext.Decoder) (int, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return 0, err
	}
	switch tok.Kind() {
	case 'n':
		return 0, nil
	case '0':
		if n, err := tok.Int(); err == nil && n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
		f, err := tok.Float()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("want an integer, got %s", tok.String())
		}
		return int(f), nil
	case '"':
		f, err := strconv.ParseFloat(strings.TrimSpace(tok.String()), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, fmt.Errorf("want an integer, got %q", tok.String())
		}
		return int(f), nil
	}
	return 0, fmt.Errorf("want a number, got %v", tok.Kind())
}

// readTime reads a timestamp. PingOne documents RFC 3339; nearby forms its sources show are read
// too (no zone, taken as UTC; a space for the T; a zone without a colon). Any other value does not
// fail the read: the time stays zero and the raw value goes to extra under name, so nothing
// PingOne sent is lost (being read-only, it is never sent back).
func readTime(dec *jsontext.Decoder, extra map[string]json.RawMessage, name string) (time.Time, map[string]json.RawMessage, error) {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return time.Time{}, extra, err
	case '"':
	default:
		extra, err := keepExtra(dec, extra, []byte(name), nil)
		return time.Time{}, extra, err
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return time.Time{}, extra, err
	}
	// PingOne's own form, RFC 3339, is parsed from the decoder's bytes: no string per timestamp.
	b, plain := stringBytes(raw)
	var t time.Time
	if plain && t.UnmarshalText(b) == nil {
		return t, extra, nil
	}
	if len(b) == 0 {
		return time.Time{}, extra, nil
	}
	s := strings.TrimSpace(string(b))
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, extra, nil
		}
	}
	// Kept as it came, spaces and all: trimmed, a value of only spaces would be kept as "",
	// which reads back as no time and no Extra, so a MarshalJSON round trip would lose it.
	raw, _ = jsontext.AppendQuote(nil, b) // valid UTF-8 by now
	if extra == nil {
		extra = make(map[string]json.RawMessage, 1)
	}
	extra[name] = json.RawMessage(raw)
	return time.Time{}, extra, nil
}

func readRef(dec *jsontext.Decoder, in *interner) (*Ref, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	r := new(Ref)
	return r, refModel.decode(dec, r, in)
}

// interner shares the strings a listing's items repeat: every item's environment id, the few
// themes and password policies, the language, the names of the members kept in Extra. A page of 1,000 populations then holds one copy
// of its environment's id instead of 1,000. It remembers the last few distinct values (the
// repeated ones are few, and a map would grow with every unique id); strings are immutable, so
// sharing one between items is invisible to the caller. A nil interner shares nothing.
type interner struct {
	recent [16]string
	next   int // the slot the next new value takes, round robin
}

// read reads a string as readString does, through the interner.
func (in *interner) read(dec *jsontext.Decoder) (string, error) {
	if in == nil || dec.PeekKind() != '"' {
		return readString(dec)
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	b, plain := stringBytes(raw)
	if !plain {
		return string(b), nil // escapes or invalid UTF-8: not worth sharing
	}
	return in.share(b), nil
}

// stringBytes returns the text of a string literal the decoder read: the bytes between its
// quotes, which alias the decoder's buffer, when they need no unquoting (plain); otherwise a
// copy with its escapes decoded and invalid UTF-8, which the decoder tolerates, replaced by
// U+FFFD as the decoder does for string values.
func stringBytes(raw jsontext.Value) (b []byte, plain bool) {
	b = raw[1 : len(raw)-1]
	if bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return b, true
	}
	b, _ = jsontext.AppendUnquote(nil, raw) // the decoder validated the literal
	return b, false
}

// share returns b as a string: one the interner remembers, or a new one it then remembers. A nil
// interner always makes a new one.
func (in *interner) share(b []byte) string {
	if in == nil {
		return string(b)
	}
	for _, s := range in.recent {
		if s == string(b) && s != "" { // no allocation: the compiler compares in place
			return s
		}
	}
	s := string(b)
	in.recent[in.next] = s
	in.next = (in.next + 1) % len(in.recent)
	return s
}

func readStrings(dec *jsontext.Decoder) ([]string, error) {
	if open, err := enter(dec, '[', "array"); !open {
		return nil, err
	}
	out := []string{}
	for dec.PeekKind() != ']' {
		s, err := readString(dec)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	_, err := dec.ReadToken()
	return out, err
}
