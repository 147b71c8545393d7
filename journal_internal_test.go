package pingone

import (
	stdjson "encoding/json"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
)

// TestPopulationRecordRoundTrip: what a journal records of a population decodes back to the same
// Population, members the SDK does not model included, so Undo recreates it whole.
func TestPopulationRecordRoundTrip(t *testing.T) {
	p := &Population{ID: "p1", Name: "Legacy", Description: "old", UserCount: 3,
		PasswordPolicy:    &Ref{ID: "pp", Extra: map[string]stdjson.RawMessage{"name": stdjson.RawMessage(`"Strict"`)}},
		Theme:             &Ref{ID: "th"},
		PreferredLanguage: "fr", AlternativeIdentifiers: []string{"a", "b"},
		Extra: map[string]stdjson.RawMessage{"customFlag": stdjson.RawMessage(`{"x":[1,2]}`)}}
	v, err := encodePopulation(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"p1","name":"Legacy","description":"old","default":false,"userCount":3,` +
		`"passwordPolicy":{"id":"pp","name":"Strict"},"theme":{"id":"th"},"preferredLanguage":"fr",` +
		`"alternativeIdentifiers":["a","b"],"customFlag":{"x":[1,2]}}`
	if diff := cmp.Diff(want, string(v)); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	var back Population
	if err := json.Unmarshal(v, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, &back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
