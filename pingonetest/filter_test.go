package pingonetest

import (
	"slices"
	"strings"
	"testing"
)

// TestFilterGrammarTable: every attribute and operator of the table is accepted and reaches the
// resource's value; every other SCIM operator on it is refused. So widening the table without
// giving the attribute a value, or an operator without a comparison, fails here.
func TestFilterGrammarTable(t *testing.T) {
	pop := &population{ID: "p-id", populationBody: populationBody{Name: "p-name"}}
	usr := &user{ID: "u-id", popID: "u-pop", userBody: userBody{Username: "u-username", Email: "u-email",
		MobilePhone: "u-phone", Name: &userName{Given: "u-given", Family: "u-family"}}}
	get := map[string]func(string) string{"populations": pop.attr, "users": usr.attr}
	for collection, attrs := range filterGrammar() {
		for attr, ops := range attrs {
			value := get[collection](attr)
			if value == "" {
				t.Errorf("%s: %s has no value in attr", collection, attr)
				continue
			}
			for _, op := range []string{"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"} {
				// The whole value matches under eq, sw and ew alike.
				m, err := parseFilter(strings.ToUpper(attr)+" "+strings.ToUpper(op)+` "`+strings.ToUpper(value)+`"`, attrs)
				if want := slices.Contains(ops, op); want != (err == nil) {
					t.Errorf("%s: %s %s accepted = %v, want %v (%v)", collection, attr, op, err == nil, want, err)
				}
				if err == nil && !m(get[collection]) {
					t.Errorf("%s: %s %s %q does not match its own value", collection, attr, op, value)
				}
			}
		}
	}
}

func TestFilterSyntax(t *testing.T) {
	attrs := filterGrammar()["users"]
	u := &user{popID: "p1", userBody: userBody{Username: "Ada", Email: "ada@acme.com", Name: &userName{Given: "Ada", Family: "Lovelace"}}}
	tests := []struct {
		filter string
		match  bool
		err    string // a substring of the error, when refused
	}{
		{filter: `username eq "ada"`, match: true},
		{filter: `username sw "b"`, match: false},
		{filter: `email ew "@ACME.com"`, match: true},
		{filter: `population.id eq "p1" and (email ew "@acme.com")`, match: true},
		{filter: `population.id eq "p2" or name.family sw "Love" and name.given eq "Ada"`, match: true},
		{filter: `(population.id eq "p2" or name.family sw "Love") and name.given eq "Bob"`, match: false},
		{filter: `  ( ( username eq "Ada" ) )  `, match: true},
		{filter: `name.given eq "A\u0064a"`, match: true},
		{filter: `id eq "x"`, err: `"id" cannot be filtered on here`},
		{filter: `username co "d"`, err: `operator "co" is not supported for username`},
		{filter: `not (username eq "Ada")`, err: `"not" cannot be filtered on`},
		{filter: `username eq "Ada" and`, err: "expected an attribute"},
		{filter: `username eq "Ada`, err: "unterminated string"},
		{filter: `username eq "Ada") `, err: "unexpected"},
		{filter: `username eq "\x"`, err: "bad string"},
	}
	for _, tt := range tests {
		m, err := parseFilter(tt.filter, attrs)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want one saying %q", tt.filter, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.filter, err)
		case m(u.attr) != tt.match:
			t.Errorf("%s: match = %v, want %v", tt.filter, !tt.match, tt.match)
		}
	}
}
