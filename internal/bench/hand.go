package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Hand is what a user would write by hand with net/http and encoding/json: the floor the SDK
// is measured against. It does exactly the SDK's requests, without retries or checks.
type Hand struct {
	HC    *http.Client
	Base  string
	Token string
}

// HandRef is the hand-written reference model.
type HandRef struct {
	ID string `json:"id"`
}

// HandPopulation is the hand-written population model.
type HandPopulation struct {
	ID                     string    `json:"id,omitempty"`
	Environment            *HandRef  `json:"environment,omitempty"`
	Name                   string    `json:"name"`
	Description            string    `json:"description,omitempty"`
	Default                bool      `json:"default"`
	UserCount              int       `json:"userCount,omitempty"`
	PasswordPolicy         *HandRef  `json:"passwordPolicy,omitempty"`
	Theme                  *HandRef  `json:"theme,omitempty"`
	PreferredLanguage      string    `json:"preferredLanguage,omitempty"`
	AlternativeIdentifiers []string  `json:"alternativeIdentifiers,omitempty"`
	CreatedAt              time.Time `json:"createdAt,omitzero"`
	UpdatedAt              time.Time `json:"updatedAt,omitzero"`
}

type handWrite struct {
	Name                   string   `json:"name"`
	Description            string   `json:"description,omitempty"`
	Default                bool     `json:"default"`
	PasswordPolicy         *HandRef `json:"passwordPolicy,omitempty"`
	Theme                  *HandRef `json:"theme,omitempty"`
	PreferredLanguage      string   `json:"preferredLanguage,omitempty"`
	AlternativeIdentifiers []string `json:"alternativeIdentifiers,omitempty"`
}

// HandPage is the hand-written page envelope.
type HandPage struct {
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
	Embedded struct {
		Populations []HandPopulation `json:"populations"`
	} `json:"_embedded"`
	Count int `json:"count"`
}

func (h *Hand) do(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.HC.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (h *Hand) pops() string { return h.Base + "/environments/" + EnvID + "/populations" }

// Get reads a population.
func (h *Hand) Get(ctx context.Context) (*HandPopulation, error) {
	var p HandPopulation
	return &p, h.do(ctx, http.MethodGet, h.pops()+"/"+PopID, nil, &p)
}

// Create creates a population.
func (h *Hand) Create(ctx context.Context, p *HandPopulation) (*HandPopulation, error) {
	var out HandPopulation
	return &out, h.do(ctx, http.MethodPost, h.pops(), writeOf(p), &out)
}

// Update replaces a population.
func (h *Hand) Update(ctx context.Context, p *HandPopulation) (*HandPopulation, error) {
	var out HandPopulation
	return &out, h.do(ctx, http.MethodPut, h.pops()+"/"+PopID, writeOf(p), &out)
}

func writeOf(p *HandPopulation) *handWrite {
	return &handWrite{Name: p.Name, Description: p.Description, Default: p.Default, PasswordPolicy: p.PasswordPolicy,
		Theme: p.Theme, PreferredLanguage: p.PreferredLanguage, AlternativeIdentifiers: p.AlternativeIdentifiers}
}

// Delete deletes a population.
func (h *Hand) Delete(ctx context.Context) error {
	return h.do(ctx, http.MethodDelete, h.pops()+"/"+PopID, nil, nil)
}

// Move moves a user.
func (h *Hand) Move(ctx context.Context) error {
	var out HandRef
	return h.do(ctx, http.MethodPut, h.Base+"/environments/"+EnvID+"/users/"+UserID+"/population", &HandRef{ID: PopID}, &out)
}

// Page reads one page.
func (h *Hand) Page(ctx context.Context, url string) (*HandPage, error) {
	var p HandPage
	return &p, h.do(ctx, http.MethodGet, url, nil, &p)
}

// ListAll walks every page, calling fn for each population.
func (h *Hand) ListAll(ctx context.Context, firstURL string, fn func(*HandPopulation)) error {
	for url := firstURL; url != ""; {
		p, err := h.Page(ctx, url)
		if err != nil {
			return err
		}
		for i := range p.Embedded.Populations {
			fn(&p.Embedded.Populations[i])
		}
		url = ""
		if p.Links.Next != nil {
			url = p.Links.Next.Href
		}
	}
	return nil
}

// RoundTrip is the bare transport cost: GET → 204, no JSON.
func (h *Hand) RoundTrip(ctx context.Context, host string) error {
	return h.do(ctx, http.MethodGet, host+"/empty", nil, nil)
}
