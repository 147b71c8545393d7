package pingone

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// A model's table (models.go) lists the members it models. The code here turns a table into the
// model's decoder, its MarshalJSON, the body Create and Update send, and the names an Extra member
// may not take, so that all four agree.

// access says whether Create and Update send a field.
type access uint8

const (
	readOnly access = iota // filled by PingOne and never sent
	writable               // sent when set (not empty)
	required               // always sent, empty or not
	onCreate               // sent by Create only, when set
)

// field is one member a model M models.
type field[M any] struct {
	name   string
	access access
	decode func(dec *jsontext.Decoder, m *M, in *interner) error
	// put appends the member's value to dst, as a write body sends it (body true) or as
	// MarshalJSON writes the whole model, and reports false to leave the member out: in
	// MarshalJSON only where leaving it out decodes to the same value.
	put func(dst []byte, m *M, body bool) ([]byte, bool, error)
	// rawInExtra: decoding keeps a value it cannot read in Extra under the field's name (see
	// timeField), so MarshalJSON writes that Extra member back when the field is empty.
	rawInExtra bool
}

// model is a model's table, where it keeps the members it does not model, the members it keeps
// in Extra but never sends (beyond _links and the modelled names), and those it never keeps.
type model[M any] struct {
	fields []field[M]
	extra  func(*M) *map[string]json.RawMessage
	// rest, for a model that must stay comparable (no map, as UserName), keeps the members not
	// in fields instead of extra: as the text of JSON members, such as `"a":1,"b":{}` (see
	// restText), which decoding made and every write sends back as it is. With neither
	// extra nor rest, such members are dropped.
	rest   func(*M) *string
	unsent []string
	// dropped are members never kept, as _links: decoding skips them, and nothing writes them
	// from Extra (a user's password, which PingOne never returns: one a server echoes must not
	// reach a caller's logs through the returned value).
	dropped []string
}

// member is one member a call adds to a write body, such as Import's password.
type member struct {
	name  string
	value any
}

// decode reads one JSON object (or null) into m, which it clears first: modelled members into
// their fields, _links and dropped skipped, every other member kept in Extra (or rest). in, when
// not nil, shares the strings a listing repeats (see interner).
func (md *model[M]) decode(dec *jsontext.Decoder, m *M, in *interner) error {
	var zero M
	*m = zero
	var rest map[string]json.RawMessage // for md.rest: kept as for Extra, then written out once
	err := decodeObject(dec, func(name []byte) (err error) {
		for i := range md.fields {
			if string(name) == md.fields[i].name {
				return md.fields[i].decode(dec, m, in)
			}
		}
		extra := &rest
		switch {
		case skips(md, name) || (md.extra == nil && md.rest == nil):
			return dec.SkipValue()
		case md.extra != nil:
			extra = md.extra(m)
		}
		*extra, err = keepExtra(dec, *extra, name, in)
		return err
	})
	if len(rest) > 0 {
		*md.rest(m) = restText(rest)
	}
	return err
}

// restText is the text model.rest keeps for the members decoding kept: sorted by name, each
// value in its shortest form with <, >, & and U+2028/U+2029 escaped. That is the form
// encoding/json leaves as it is when it reformats what MarshalJSON returns, so a name survives
// json.Marshal → json.Unmarshal equal (==), and two names PingOne sent with other spacing or
// escapes compare equal. The meaning of every value is unchanged.
func restText(kept map[string]json.RawMessage) string {
	for k, v := range kept {
		f := jsontext.Value(v)
		if f.Format(jsontext.EscapeForHTML(true), jsontext.EscapeForJS(true)) == nil {
			kept[k] = json.RawMessage(f)
		}
	}
	return string(appendMembers(nil, 0, kept, nil))
}

// appendMembers appends the members of extra in sorted order, as appendName starts them (start
// is where the object's members begin), leaving out those skip reports and any that is not
// valid JSON.
func appendMembers(dst []byte, start int, extra map[string]json.RawMessage, skip func(string) bool) []byte {
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		v := jsontext.Value(extra[k])
		if !v.IsValid() || !utf8.ValidString(k) || (skip != nil && skip(k)) {
			continue
		}
		dst = append(appendName(dst, start, k), v...)
	}
	return dst
}

// field returns the modelled member called name, or nil.
func (md *model[M]) field(name string) *field[M] {
	for i := range md.fields {
		if md.fields[i].name == name {
			return &md.fields[i]
		}
	}
	return nil
}

// known reports whether an Extra member called name is never sent: a modelled name, _links, or
// one of unsent or dropped.
func (md *model[M]) known(name string) bool {
	return skips(md, name) || md.field(name) != nil || slices.Contains(md.unsent, name)
}

// skips reports whether decoding md skips a member called name: _links, or one of dropped. The
// name is the decoder's bytes or a string, compared without a copy either way.
func skips[M any, S ~string | ~[]byte](md *model[M], name S) bool {
	if string(name) == "_links" {
		return true
	}
	for _, s := range md.dropped {
		if s == string(name) {
			return true
		}
	}
	return false
}

// marshal encodes the whole of m, read-only fields included, and then the Extra members a decode
// can have put there (see unmarshaled), so that decoding the result gives m back.
func (md *model[M]) marshal(m *M) ([]byte, error) {
	return md.appendObject(nil, m, false, false, nil)
}

// body returns what Create (create true) or Update sends for m: its writable fields, the members
// the call adds (more), and the Extra members whose names the model does not know. It encodes
// itself when the request is sent.
func (md *model[M]) body(m *M, create bool, more ...member) *writeBody[M] {
	return &writeBody[M]{md: md, m: m, create: create, more: more}
}

// writeBody is a model's Create or Update body.
type writeBody[M any] struct {
	md     *model[M]
	m      *M
	create bool
	more   []member
}

// appendJSON appends the encoded body to dst; send calls it, without reflection.
func (b *writeBody[M]) appendJSON(dst []byte) ([]byte, error) {
	return b.md.appendObject(dst, b.m, true, b.create, b.more)
}

// MarshalJSON encodes the body, for json.Marshal.
func (b *writeBody[M]) MarshalJSON() ([]byte, error) { return b.appendJSON(nil) }

// appendObject appends m as a JSON object. As a write body (body true): the fields Create
// (create) or Update sends, then more, then the Extra members whose names the model does not
// know. Otherwise: every field, then the Extra members a decode can have kept. Extra members go in
// sorted order, and one that is not valid JSON is never written. No reflection but for the
// members a call adds.
func (md *model[M]) appendObject(dst []byte, m *M, body, create bool, more []member) ([]byte, error) {
	dst = append(dst, '{')
	start := len(dst)
	var wrote uint64 // bit i: fields[i] was written (a model has far fewer than 64)
	for i := range md.fields {
		f := &md.fields[i]
		if body && (f.access == readOnly || (f.access == onCreate && !create)) {
			continue
		}
		mark := len(dst)
		dst = appendName(dst, start, f.name)
		var ok bool
		var err error
		if dst, ok, err = f.put(dst, m, body); err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if !ok {
			dst = dst[:mark]
			continue
		}
		wrote |= 1 << i
	}
	for _, x := range more {
		v, err := jsonv2.Marshal(x.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
		dst = append(appendName(dst, start, x.name), v...)
	}
	if md.extra != nil {
		if extra := *md.extra(m); len(extra) > 0 {
			dst = appendMembers(dst, start, extra, func(k string) bool {
				return (body && md.known(k)) || (!body && !md.unmarshaled(k, wrote))
			})
		}
	}
	if md.rest != nil {
		if rest := *md.rest(m); rest != "" {
			if len(dst) > start {
				dst = append(dst, ',')
			}
			dst = append(dst, rest...)
		}
	}
	return append(dst, '}'), nil
}

// unmarshaled reports whether MarshalJSON writes an Extra member called name, given the fields it
// wrote: whether decoding can have put it in Extra, so that writing it decodes back into Extra.
// A name decoding skips (_links, dropped) never is, nor a modelled one, which decodes into its
// field: written, it would turn a member Update never sends into a field Update sends. The
// exception is a field that keeps an unreadable value in Extra under its name (rawInExtra, an
// unreadable timestamp), when MarshalJSON left the field out.
func (md *model[M]) unmarshaled(name string, wrote uint64) bool {
	for i := range md.fields {
		if md.fields[i].name == name {
			return md.fields[i].rawInExtra && wrote&(1<<i) == 0
		}
	}
	return !skips(md, name)
}

// appendName appends a member's name and colon, after a comma unless it is the object's first
// (start is where its members begin). name is valid UTF-8.
func appendName(dst []byte, start int, name string) []byte {
	if len(dst) > start {
		dst = append(dst, ',')
	}
	dst, _ = jsontext.AppendQuote(dst, name)
	return append(dst, ':')
}

// appendString appends s quoted. A write body refuses invalid UTF-8, as json.Marshal does;
// MarshalJSON replaces it with U+FFFD, as encoding/json does.
func appendString(dst []byte, s string, body bool) ([]byte, error) {
	out, err := jsontext.AppendQuote(dst, s)
	if err != nil {
		if body {
			return dst, err
		}
		out, err = jsontext.AppendQuote(dst, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return out, err
}

// The field kinds below pair a reader (decode.go) with how the member is written.

func stringField[M any](name string, at func(*M) *string, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, _ *interner) (err error) { *at(m), err = readString(dec); return err },
		put: func(dst []byte, m *M, body bool) ([]byte, bool, error) {
			s := *at(m)
			if s == "" && acc != required {
				return dst, false, nil
			}
			dst, err := appendString(dst, s, body)
			return dst, true, err
		},
	}
}

// sharedStringField is a stringField whose values repeat across a listing's items (a
// reference's id, a language): a listing decodes it through its interner.
func sharedStringField[M any](name string, at func(*M) *string, acc access) field[M] {
	f := stringField(name, at, acc)
	f.decode = func(dec *jsontext.Decoder, m *M, in *interner) (err error) { *at(m), err = in.read(dec); return err }
	return f
}

// boolField and intField are always written: leaving out false or 0 would lose nothing, but
// PingOne's own documents always carry them.
func boolField[M any](name string, at func(*M) *bool, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, _ *interner) (err error) { *at(m), err = readBool(dec); return err },
		put: func(dst []byte, m *M, _ bool) ([]byte, bool, error) {
			return strconv.AppendBool(dst, *at(m)), true, nil
		},
	}
}

func intField[M any](name string, at func(*M) *int, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, _ *interner) (err error) { *at(m), err = readInt(dec); return err },
		put: func(dst []byte, m *M, _ bool) ([]byte, bool, error) {
			return strconv.AppendInt(dst, int64(*at(m)), 10), true, nil
		},
	}
}

// stringsField writes an empty list as [], so that it decodes as empty, not nil; a write body
// leaves it out.
func stringsField[M any](name string, at func(*M) *[]string, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, _ *interner) (err error) { *at(m), err = readStrings(dec); return err },
		put: func(dst []byte, m *M, body bool) ([]byte, bool, error) {
			v := *at(m)
			if v == nil || (body && len(v) == 0) {
				return dst, false, nil
			}
			dst = append(dst, '[')
			for i, s := range v {
				if i > 0 {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = appendString(dst, s, body); err != nil {
					return dst, true, err
				}
			}
			return append(dst, ']'), true, nil
		},
	}
}

// refField sends a reference only when it has an ID (PingOne refuses {} with REQUIRED_VALUE):
// absent, it means the environment's default.
func refField[M any](name string, at func(*M) **Ref, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, in *interner) (err error) {
			*at(m), err = readRef(dec, in)
			return err
		},
		put: func(dst []byte, m *M, body bool) ([]byte, bool, error) {
			r := *at(m)
			if r == nil || (body && r.ID == "") {
				return dst, false, nil
			}
			dst, err := refModel.appendObject(dst, r, body, false, nil)
			return dst, true, err
		},
	}
}

// objectField is a small comparable struct (such as a user's name), described by its own table;
// it is left out when zero. Members its table does not model are kept in its rest, or skipped
// if it has none.
func objectField[M any, T comparable](name string, at func(*M) *T, acc access, md *model[T]) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M, in *interner) error { return md.decode(dec, at(m), in) },
		put: func(dst []byte, m *M, body bool) ([]byte, bool, error) {
			var zero T
			if *at(m) == zero {
				return dst, false, nil
			}
			dst, err := md.appendObject(dst, at(m), body, false, nil)
			return dst, true, err
		},
	}
}

// timeField keeps a timestamp it cannot read in Extra under its own name (see readTime), and
// writes one in RFC 3339 with the fraction it has.
func timeField[M any](name string, at func(*M) *time.Time, extra func(*M) *map[string]json.RawMessage) field[M] {
	return field[M]{name: name, access: readOnly, rawInExtra: true,
		decode: func(dec *jsontext.Decoder, m *M, _ *interner) (err error) {
			*at(m), *extra(m), err = readTime(dec, *extra(m), name)
			return err
		},
		put: func(dst []byte, m *M, _ bool) ([]byte, bool, error) {
			t := *at(m)
			if t.IsZero() {
				return dst, false, nil
			}
			// AppendText is RFC 3339 with the fraction, and refuses a year past 9999 as
			// time.Time's MarshalJSON does: written anyway, it would decode as a zero time.
			out, err := t.AppendText(append(dst, '"'))
			return append(out, '"'), true, err
		},
	}
}

// extraToSend copies the Extra members an Update may send: valid JSON under a name the model
// does not know.
func extraToSend(extra map[string]json.RawMessage, known func(string) bool) map[string]jsontext.Value {
	var out map[string]jsontext.Value
	for k, v := range extra {
		if jsontext.Value(v).IsValid() && utf8.ValidString(k) && !known(k) {
			if out == nil {
				out = make(map[string]jsontext.Value, len(extra))
			}
			out[k] = jsontext.Value(v)
		}
	}
	return out
}
