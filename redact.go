package pingone

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/go-json-experiment/json"
)

// redacted replaces a credential wherever an error would carry it.
const redacted = "[REDACTED]"

// secrets are the credentials a request carried, in every form a server could echo them: as
// sent in a form body or a Basic header, and JSON-escaped. An error built from a response never
// holds one of them.
type secrets []string

// secretForms returns the forms of a credential that a server might echo.
func secretForms(s string) secrets {
	if s == "" {
		return nil
	}
	forms := secrets{s, url.QueryEscape(s), url.PathEscape(s)}
	if q, err := json.Marshal(s); err == nil {
		forms = append(forms, string(q[1:len(q)-1]), strings.ReplaceAll(string(q[1:len(q)-1]), "/", `\/`))
	}
	// A decode error names where it failed as a quoted JSON pointer, whose member names have
	// '~' written "~0" and '/' written "~1": a server may echo a credential as a member name.
	for _, p := range []string{s, strings.NewReplacer("~", "~0", "/", "~1").Replace(s)} {
		q := strconv.Quote(p)
		forms = append(forms, p, q[1:len(q)-1])
	}
	return forms
}

// basicForms returns the base64 forms of HTTP Basic credentials, with and without the form
// encoding that OAuth 2 asks for (x/oauth2 sends the form-encoded one), in the standard and the
// URL-safe alphabet. They are unpadded: the unpadded text is a prefix of the padded one, so both
// are caught.
func basicForms(id, secret string) secrets {
	var forms secrets
	for _, cred := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		forms = append(forms, base64.RawStdEncoding.EncodeToString([]byte(cred)), base64.RawURLEncoding.EncodeToString([]byte(cred)))
	}
	return forms
}

// redact replaces every credential in s. A server can also echo one in an escaped form no list
// of forms can foresee (lower-case or complete percent-encoding, \u escapes, HTML entities, one
// escape in the middle): if s with its escapes undone holds a credential, the unescaped text,
// redacted, is returned instead.
func (h secrets) redact(s string) string {
	for _, x := range h {
		if x != "" && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, redacted)
		}
	}
	if len(h) == 0 || !strings.ContainsAny(s, `%\+&`) {
		return s
	}
	// An HTML error page may echo with entities (&amp;, &#x73;).
	for _, u := range []string{unescape(s, false), unescape(s, true), html.UnescapeString(s)} {
		if u != s && h.holds(u) {
			return h.redact(u) // u has fewer escapes than s, so this ends
		}
	}
	return s
}

// holds reports whether s contains one of the credentials.
func (h secrets) holds(s string) bool {
	for _, x := range h {
		if x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// unescape undoes one level of percent-encoding (%XX in either case; '+' as a space when plus)
// and of JSON backslash escapes (\uXXXX, surrogate pairs included, and \" \\ \/ \b \f \n \r \t),
// leaving whatever is not a valid escape as it is.
func unescape(s string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		case c == '+' && plus:
			b.WriteByte(' ')
		case c == '\\' && i+5 < len(s) && s[i+1] == 'u' && allHex(s[i+2:i+6]):
			v, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
			r := rune(v)
			i += 5
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' && allHex(s[i+3:i+7]) {
				lo, _ := strconv.ParseUint(s[i+3:i+7], 16, 16)
				if d := utf16.DecodeRune(r, rune(lo)); d != unicode.ReplacementChar {
					r = d
					i += 6
				}
			}
			b.WriteRune(r)
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\/bfnrt`, s[i+1]) >= 0:
			i++
			if k := strings.IndexByte("bfnrt", s[i]); k >= 0 {
				b.WriteByte("\b\f\n\r\t"[k])
			} else {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func allHex(s string) bool {
	for i := range len(s) {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func (h secrets) redactBytes(b []byte) []byte {
	for _, x := range h {
		if x != "" && bytes.Contains(b, []byte(x)) {
			b = bytes.ReplaceAll(b, []byte(x), []byte(redacted))
		}
	}
	return b
}

// redactError redacts every string an APIError carries, inner errors included.
func (h secrets) redactError(e *APIError) {
	if len(h) == 0 {
		return
	}
	for _, p := range []*string{&e.Code, &e.Message, &e.Target, &e.ID, &e.CorrelationID, &e.Body, &e.Method, &e.Path} {
		*p = h.redact(*p)
	}
	for i := range e.Details {
		d := &e.Details[i]
		d.Code, d.Target, d.Message = h.redact(d.Code), h.redact(d.Target), h.redact(d.Message)
		if d.InnerError != nil {
			d.InnerError, _ = h.redactAny(d.InnerError).(map[string]any)
		}
	}
}

// redactAny redacts the strings (keys included) of a decoded JSON value.
func (h secrets) redactAny(v any) any {
	switch v := v.(type) {
	case string:
		return h.redact(v)
	case []any:
		for i := range v {
			v[i] = h.redactAny(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[h.redact(k)] = h.redactAny(x)
		}
		return out
	}
	return v
}

// redactErr returns err, or an error with err's text redacted if that text held a credential.
// (The redacted error no longer unwraps: a chain that holds a secret must not be reachable.)
func (h secrets) redactErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := h.redact(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
