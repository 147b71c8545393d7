package pingone

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
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
	decode func(dec *jsontext.Decoder, m *M) error
	// value returns the member as MarshalJSON writes it, or false to leave it out: only where
	// leaving it out decodes to the same value.
	value func(m *M) (any, bool)
	// send returns the member as Create and Update send it, or false to leave it out; nil sends
	// what value gives.
	send func(m *M) (any, bool)
}

// model is a model's table, where it keeps its Extra, and the members it keeps in Extra but
// never sends (beyond _links and the modelled names).
type model[M any] struct {
	fields []field[M]
	extra  func(*M) *map[string]json.RawMessage
	unsent []string
}

// member is one member a call adds to a write body, such as Import's password.
type member struct {
	name  string
	value any
}

// decode reads one JSON object (or null) into m, which it clears first: modelled members into
// their fields, _links skipped, every other member kept in Extra.
func (md *model[M]) decode(dec *jsontext.Decoder, m *M) error {
	var zero M
	*m = zero
	extra := md.extra(m)
	return decodeObject(dec, func(name []byte) (err error) {
		for i := range md.fields {
			if string(name) == md.fields[i].name {
				return md.fields[i].decode(dec, m)
			}
		}
		if string(name) == "_links" {
			return dec.SkipValue()
		}
		*extra, err = keepExtra(dec, *extra, name)
		return err
	})
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
// one of unsent.
func (md *model[M]) known(name string) bool {
	return name == "_links" || md.field(name) != nil || slices.Contains(md.unsent, name)
}

// marshal encodes the whole of m, read-only fields included, and then the Extra members whose
// names it has not written (an unreadable timestamp kept in Extra under its own name, say), so
// that decoding the result gives m back.
func (md *model[M]) marshal(m *M) ([]byte, error) {
	value := func(f *field[M]) (any, bool) { return f.value(m) }
	written := func(name string) bool {
		f := md.field(name)
		if f == nil {
			return name == "_links" // never decoded into Extra, so never written from it
		}
		_, ok := f.value(m)
		return ok
	}
	return md.encode(m, value, nil, written, jsonv2.JoinOptions(jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)))
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

// MarshalJSON encodes the body; json.Marshal calls it as the request is sent.
func (b *writeBody[M]) MarshalJSON() ([]byte, error) {
	send := func(f *field[M]) (any, bool) {
		if f.access == readOnly || (f.access == onCreate && !b.create) {
			return nil, false
		}
		if f.send != nil {
			return f.send(b.m)
		}
		return f.value(b.m)
	}
	return b.md.encode(b.m, send, b.more, b.md.known)
}

// encode writes an object: the fields pick gives, then more, then the Extra members that skip
// does not refuse, in sorted order; an Extra member that is not valid JSON is never written.
func (md *model[M]) encode(m *M, pick func(*field[M]) (any, bool), more []member, skip func(string) bool, opts ...jsonv2.Options) ([]byte, error) {
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf, opts...)
	err := enc.WriteToken(jsontext.BeginObject)
	put := func(name string, v any) {
		if err == nil {
			err = enc.WriteToken(jsontext.String(name))
		}
		if err == nil {
			err = jsonv2.MarshalEncode(enc, v, opts...)
		}
	}
	for i := range md.fields {
		if v, ok := pick(&md.fields[i]); ok {
			put(md.fields[i].name, v)
		}
	}
	for _, x := range more {
		put(x.name, x.value)
	}
	extra := *md.extra(m)
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if v := jsontext.Value(extra[k]); v.IsValid() && utf8.ValidString(k) && !skip(k) {
			put(k, v)
		}
	}
	if err == nil {
		err = enc.WriteToken(jsontext.EndObject)
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The field kinds below pair a reader (decode.go) with how the member is written.

func stringField[M any](name string, at func(*M) *string, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) (err error) { *at(m), err = readString(dec); return err },
		value:  func(m *M) (any, bool) { s := *at(m); return s, s != "" || acc == required },
	}
}

// boolField and intField are always written: leaving out false or 0 would lose nothing, but
// PingOne's own documents always carry them.
func boolField[M any](name string, at func(*M) *bool, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) (err error) { *at(m), err = readBool(dec); return err },
		value:  func(m *M) (any, bool) { return *at(m), true },
	}
}

func intField[M any](name string, at func(*M) *int, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) (err error) { *at(m), err = readInt(dec); return err },
		value:  func(m *M) (any, bool) { return *at(m), true },
	}
}

// stringsField writes an empty list as [], so that it decodes as empty, not nil; Create and
// Update leave it out.
func stringsField[M any](name string, at func(*M) *[]string, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) (err error) { *at(m), err = readStrings(dec); return err },
		value:  func(m *M) (any, bool) { v := *at(m); return v, v != nil },
		send:   func(m *M) (any, bool) { v := *at(m); return v, len(v) > 0 },
	}
}

// refField sends a reference only when it has an ID (PingOne refuses {} with REQUIRED_VALUE):
// absent, it means the environment's default.
func refField[M any](name string, at func(*M) **Ref, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) (err error) { *at(m), err = readRef(dec); return err },
		value:  func(m *M) (any, bool) { r := *at(m); return r, r != nil },
		send: func(m *M) (any, bool) {
			r := *at(m)
			if r == nil || r.ID == "" {
				return nil, false
			}
			return refModel.body(r, false), true
		},
	}
}

// structField is a small struct decoded by reflection, left out when zero.
func structField[M any, T comparable](name string, at func(*M) *T, acc access) field[M] {
	return field[M]{name: name, access: acc,
		decode: func(dec *jsontext.Decoder, m *M) error { return jsonv2.UnmarshalDecode(dec, at(m), decodeOptions) },
		value:  func(m *M) (any, bool) { var zero T; v := *at(m); return v, v != zero },
	}
}

// timeField keeps a timestamp it cannot read in Extra under its own name (see readTime).
func timeField[M any](name string, at func(*M) *time.Time, extra func(*M) *map[string]json.RawMessage) field[M] {
	return field[M]{name: name, access: readOnly,
		decode: func(dec *jsontext.Decoder, m *M) (err error) {
			*at(m), *extra(m), err = readTime(dec, *extra(m), name)
			return err
		},
		value: func(m *M) (any, bool) { t := *at(m); return t, !t.IsZero() },
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
