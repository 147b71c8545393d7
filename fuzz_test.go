package pingone

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Fuzz targets for everything that reads server or user input. Seeds are in testdata/fuzz;
// CI runs each target briefly (.ci/run).

func FuzzErrorBody(f *testing.F) {
	f.Add([]byte(`{"id":"e1","code":"INVALID_DATA","message":"bad","details":[{"code":"UNIQUENESS_VIOLATION","target":"name","innerError":{"existingId":"p"}}]}`), 400)
	f.Add([]byte("<html>\n<h1>502</h1></html>"), 502)
	f.Add([]byte(`{"error":"invalid_client","error_description":"no"}`), 401)
	f.Fuzz(func(t *testing.T, raw []byte, status int) {
		e := apiErrorOf(status, http.Header{}, raw, "GET", "/v1/x", nil)
		msg := e.Error()
		if strings.ContainsAny(msg, "\n\r") || !strings.HasPrefix(msg, "pingone: ") {
			t.Fatalf("Error() is not one pingone: line: %q", msg)
		}
		if len(e.Body) > 210*4 {
			t.Fatalf("excerpt too long: %d bytes", len(e.Body))
		}
		_ = e.Is(ErrConflict)
		_ = preciseRetryAfter(e, nowForFuzz)
	})
}

func FuzzDecodePopulation(f *testing.F) {
	f.Add([]byte(`{"id":"p","name":"N","userCount":2.0,"default":"true","x":{"y":[1]},"_links":{}}`))
	f.Add([]byte(`{"name":"\u00e9","alternativeIdentifiers":["a",null],"theme":null}`))
	f.Add(largeObject(`{"id":"p","name":"N","theme":{"id":"t","mode":"x"}`, 300))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Population
		if err := p.UnmarshalJSON(data); err != nil {
			return
		}
		checkExtraNames(t, data, p.Extra, refExtra(p.Theme), refExtra(p.PasswordPolicy), refExtra(p.Environment))
		if p.Name == "" || strings.TrimSpace(p.Name) == "" {
			p.Name = "n"
		}
		checkRoundTrip(t, &p, new(Population))
		body, err := populationBody(&p)
		if err != nil {
			return // e.g. a theme reference without an id, refused before sending
		}
		out, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("a decoded population does not encode: %v", err)
		}
		var back Population
		if err := back.UnmarshalJSON(out); err != nil {
			t.Fatalf("the Update body does not decode: %v\n%s", err, out)
		}
		if back.Name != p.Name || back.Description != p.Description || len(back.Extra) != len(extraToSend(p.Extra, populationModel.known)) {
			t.Fatalf("round trip changed the population:\n%+v\n%+v", p, back)
		}
	})
}

func FuzzDecodeUser(f *testing.F) {
	f.Add([]byte(`{"id":"u","username":"a","email":"a@b","name":{"given":"A"},"population":{"id":"p"},"enabled":"false","mfa":true}`))
	f.Add(largeObject(`{"id":"u","username":"a","population":{"id":"p","x":1}`, 300))
	f.Add([]byte("{\"username\":\"a\",\"name\":{\"given\":\"A\",\"honorificPrefix\":\"Dr\",\"z\":{\"x\": [1]},\"n\\u0041\xff\":1,\"z\":2,\"_links\":{}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var u User
		if err := u.UnmarshalJSON(data); err != nil {
			return
		}
		checkExtraNames(t, data, u.Extra, refExtra(u.Population), refExtra(u.Environment))
		checkRoundTrip(t, &u, new(User))
		for k, v := range u.Extra {
			if !jsontext.Value(v).IsValid() {
				t.Fatalf("Extra[%q] is not valid JSON: %s", k, v)
			}
		}
	})
}

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"_links":{"next":{"href":"https://api.pingone.eu/v1/x?cursor=c"}},"_embedded":{"populations":[{"id":"1","name":"a"}],"users":[]},"count":1,"size":1}`))
	f.Add([]byte(`{"_embedded":null,"count":"3"}`))
	f.Add([]byte(`{"_embedded":{"users":[{"id":"u1","mfaEnabled":true,"account":{"x":1},"population":{"id":"p"}},` +
		`{"id":"u2","mfa\u0045nabled":false,"account":null,"population":{"id":"p"},"accoun":2}]}}`))
	// Values the interner shares, escaped forms of them, and what is not a string.
	f.Add([]byte(`{"_embedded":{"populations":[{"id":"1","environment":{"id":"e"},"preferredLanguage":"en","theme":{"id":"t"}},` +
		`{"id":"2","environment":{"id":"\u0065"},"preferredLanguage":"e\n","theme":{"id":"e"}},` +
		"{\"id\":\"3\",\"environment\":{\"id\":\"e\xff\"},\"preferredLanguage\":7,\"theme\":{\"id\":null}}," +
		`{"id":"4","environment":{"id":""},"preferredLanguage":"en","passwordPolicy":{"id":true}}]}}`))
	var items []string
	for i := range 60 {
		items = append(items, string(largeObject(fmt.Sprintf(`{"id":"%d","name":"n%d"`, i, i), 5+i%7)))
	}
	f.Add([]byte(`{"_embedded":{"populations":[` + strings.Join(items, ",") + `]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &pageOf[Population, *Population]{collection: "populations"}
		dec := jsontext.NewDecoder(strings.NewReader(string(data)), decodeOptions)
		if err := p.decodeFrom(dec); err != nil {
			return
		}
		for _, it := range p.page.Items {
			checkExtraNames(t, data, it.Extra, refExtra(it.Theme), refExtra(it.PasswordPolicy), refExtra(it.Environment))
		}
		checkPageItems(t, data, "populations", p.page.Items)
		users := &pageOf[User, *User]{collection: "users"}
		if users.decodeFrom(jsontext.NewDecoder(bytes.NewReader(data), decodeOptions)) == nil {
			checkPageItems(t, data, "users", users.page.Items)
		}
	})
}

// checkPageItems fails unless each item of a decoded page is what decoding its own bytes alone
// gives: a page shares repeated strings between its items (interner), which must not show.
func checkPageItems[T any, PT interface {
	*T
	decoder
}](t *testing.T, data []byte, collection string, got []T) {
	t.Helper()
	raws, ok := pageItems(data, collection)
	if !ok {
		return
	}
	if len(raws) != len(got) {
		t.Fatalf("page decoded %d %s, its document holds %d", len(got), collection, len(raws))
	}
	for i, raw := range raws {
		var alone T
		if err := unmarshalV1(raw, PT(&alone)); err != nil {
			t.Fatalf("%s %d decodes in its page but not alone: %v", collection, i, err)
		}
		if !reflect.DeepEqual(alone, got[i]) { // cheap first: fuzzing runs this on every input
			t.Fatalf("%s %d differs from its own decoding (-alone +in page):\n%s", collection, i, gocmp.Diff(alone, got[i]))
		}
	}
}

// pageItems returns the raw items of a page's _embedded.<collection> arrays, in order, read the
// way pageOf reads them (repeated members included); ok is false for anything unusual.
func pageItems(data []byte, collection string) (items [][]byte, ok bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), decodeOptions)
	err := decodeObject(dec, func(name []byte) error {
		if string(name) != "_embedded" {
			return dec.SkipValue()
		}
		return decodeObject(dec, func(name []byte) error {
			if string(name) != collection {
				return dec.SkipValue()
			}
			return decodeArray(dec, func() error {
				v, err := dec.ReadValue()
				items = append(items, bytes.Clone(v))
				return err
			})
		})
	})
	return items, err == nil
}

func FuzzParseRegion(f *testing.F) {
	for _, s := range []string{"EU", " com.au ", "asia", "", "us", "ÉU"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRegion(s)
		if err != nil {
			if r != "" {
				t.Fatalf("ParseRegion(%q) returned %q with an error", s, r)
			}
			return
		}
		if r.TLD() == "" || r.APIURL() == "" {
			t.Fatalf("ParseRegion(%q) = %q, which has no hosts", s, r)
		}
		if again, err := ParseRegion(string(r)); err != nil || again != r {
			t.Fatalf("ParseRegion(%q) = %q, but ParseRegion(%q) = %q, %v", s, r, r, again, err)
		}
	})
}

// checkRoundTrip fails unless encoding/json gives v back from its own encoding: json.Marshal then
// json.Unmarshal into back. Extra members compare as JSON values: encoding/json compacts them.
func checkRoundTrip[M any](t *testing.T, v, back *M) {
	t.Helper()
	b, err := stdjson.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal of a decoded %T: %v", v, err)
	}
	if err := stdjson.Unmarshal(b, back); err != nil {
		t.Fatalf("json.Unmarshal of json.Marshal's output: %v\n%s", err, b)
	}
	if diff := gocmp.Diff(v, back, sameJSON); diff != "" {
		t.Fatalf("json round trip changed the %T (-want +got):\n%s\n%s", v, diff, b)
	}
}

// sameJSON compares raw JSON values by what they mean, not by their spacing.
var sameJSON = gocmp.Comparer(func(a, b stdjson.RawMessage) bool {
	var x, y any
	return stdjson.Unmarshal(a, &x) == nil && stdjson.Unmarshal(b, &y) == nil && gocmp.Equal(x, y)
})

// largeObject closes head (an object's opening members) with n unknown members whose long values
// of varying lengths make a body cross the decoder's buffer at many offsets.
func largeObject(head string, n int) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		fmt.Fprintf(&b, `,"futureSetting%d":"%s"`, i, strings.Repeat("v", 1+(i*131)%900))
	}
	b.WriteString("}")
	return []byte(b.String())
}

func refExtra(r *Ref) map[string]stdjson.RawMessage {
	if r == nil {
		return nil
	}
	return r.Extra
}

// checkExtraNames fails unless every Extra key is the name of a member somewhere in data, as an
// independent decoder (encoding/json's tokenizer) reads it. A key built from a stale decoder
// buffer, such as "}utureSetting", is not.
func checkExtraNames(t *testing.T, data []byte, extras ...map[string]stdjson.RawMessage) {
	t.Helper()
	names := map[string]bool{}
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	// One entry per open container: for an object, whether the next token is a member name.
	var stack []*bool
	valueDone := func() { // a value ended: in an object, a name comes next
		if n := len(stack); n > 0 && stack[n-1] != nil {
			*stack[n-1] = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return // encoding/json refuses what the tolerant decoder took: nothing to compare
		}
		switch v := tok.(type) {
		case stdjson.Delim:
			switch v {
			case '{':
				expectName := true
				stack = append(stack, &expectName)
			case '[':
				stack = append(stack, nil)
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1] != nil && *stack[n-1] {
				names[normalName(v)] = true
				*stack[n-1] = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
		if len(stack) == 0 {
			break // the first value is all the SDK reads
		}
	}
	for _, extra := range extras {
		for k := range extra {
			if !names[normalName(k)] {
				t.Fatalf("Extra key %q is not a member name of the input", k)
			}
		}
	}
}

// normalName folds what the two decoders may do differently with invalid UTF-8 (one U+FFFD per
// bad byte, or one per run of them).
func normalName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for strings.Contains(s, "\uFFFD\uFFFD") {
		s = strings.ReplaceAll(s, "\uFFFD\uFFFD", "\uFFFD")
	}
	return s
}
