package pingone

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"
)

// Do sends a request to any PingOne management API endpoint, for the ones this package does not
// wrap, through the same path as every other call: the client's token (refreshed once on a 401),
// its retry rules (429 for every method; 408, 5xx and dropped connections for GET, HEAD, PUT,
// DELETE and OPTIONS only), its attempt timeout, its logging and correlation IDs, and its error
// mapping, so a non-2xx answer is an *APIError that errors.Is matches against ErrNotFound and the
// other sentinels.
//
// path is relative to the API base URL, such as "environments/{envID}/applications" or
// "/environments/{envID}/groups?limit=10"; escape each ID you put in it with url.PathEscape. An
// absolute URL is accepted only on the API's own scheme and host and under its base path (a
// _links.next href, say). A path with a "." or ".." segment, a fragment or control characters is
// refused with ErrInvalidArgument before anything is sent.
//
// body, when not nil, is encoded with encoding/json and sent as application/json; pass a
// json.RawMessage to send bytes as they are. out, when not nil, must be a pointer: a 2xx
// response's JSON body is decoded into it with encoding/json. A 204 or an empty body leaves out
// unchanged.
//
//	var apps struct {
//		Embedded struct {
//			Applications []struct{ ID, Name string } `json:"applications"`
//		} `json:"_embedded"`
//	}
//	err := c.Do(ctx, http.MethodGet, "environments/"+url.PathEscape(envID)+"/applications", nil, &apps)
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	if !validMethod(method) {
		return invalidArgf("bad method %q: want an HTTP method such as GET or POST", method)
	}
	u, err := c.resolve(path)
	if err != nil {
		return err
	}
	var in any
	if body != nil {
		raw, err := stdjson.Marshal(body)
		if err != nil {
			return invalidArgf("encode %s %s body: %v", method, u.Path, err)
		}
		in = jsontext.Value(raw)
	}
	var dec decoder
	if out != nil {
		dec = &anyDecoder{out: out}
	}
	return c.send(ctx, method, u, in, dec, nil)
}

// resolve turns Do's path into a URL on the API host, under its base path.
func (c *Client) resolve(path string) (*url.URL, error) {
	if strings.ContainsFunc(path, unicode.IsControl) {
		return nil, invalidArgf("bad path: control characters")
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, invalidArgf("bad path %q: not a URL path", path)
	}
	if ref.Fragment != "" || ref.User != nil || ref.Opaque != "" {
		return nil, invalidArgf("bad path %q: no fragment or user info allowed", path)
	}
	if strings.Trim(ref.Path, "/") == "" {
		return nil, invalidArgf("empty path")
	}
	for _, seg := range strings.Split(ref.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, invalidArgf("bad path %q: must not contain \".\" or \"..\" segments", path)
		}
	}
	u := *c.base
	u.RawQuery = ref.RawQuery
	if ref.Scheme != "" || ref.Host != "" {
		if !c.sameOrigin(ref) || !strings.HasPrefix(ref.Path, c.base.Path+"/") {
			return nil, invalidArgf("bad path %q: an absolute URL must be on the API base %s", path, c.base)
		}
		u.Path, u.RawPath = ref.Path, ref.RawPath
		return &u, nil
	}
	rel := strings.TrimPrefix(ref.EscapedPath(), "/")
	u.Path = c.base.Path + "/" + strings.TrimPrefix(ref.Path, "/")
	if escaped := c.base.EscapedPath() + "/" + rel; escaped != u.EscapedPath() {
		u.RawPath = escaped
	}
	return &u, nil
}

// validMethod accepts an HTTP method token in upper case, such as GET or PATCH.
func validMethod(m string) bool {
	return m != "" && !strings.ContainsFunc(m, func(r rune) bool { return r < 'A' || r > 'Z' })
}

// anyDecoder decodes a response into the caller's value with encoding/json.
type anyDecoder struct{ out any }

func (a *anyDecoder) decodeFrom(dec *jsontext.Decoder) error {
	raw, err := dec.ReadValue()
	if errors.Is(err, io.EOF) && dec.InputOffset() == 0 {
		return nil // an empty body, as a HEAD or some 200s have: out stays as it was
	}
	if err != nil {
		return err
	}
	d := stdjson.NewDecoder(bytes.NewReader(raw))
	return d.Decode(a.out)
}
