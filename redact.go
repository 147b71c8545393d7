package pingone

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

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
	return forms
}

// basicForms returns the base64 forms of HTTP Basic credentials, with and without the form
// encoding that OAuth 2 asks for (x/oauth2 sends the form-encoded one).
func basicForms(id, secret string) secrets {
	enc := base64.StdEncoding.EncodeToString
	return secrets{enc([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret))), enc([]byte(id + ":" + secret))}
}

func (h secrets) redact(s string) string {
	for _, x := range h {
		if x != "" && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, redacted)
		}
	}
	return s
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
