package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Hand is the floor the SDK is measured against: what a competent engineer writes by hand with
// net/http and encoding/json. Headers are built once and shared by every request; each response
// body is read into a pooled buffer that keeps its capacity and decoded with json.Unmarshal;
// a listing decodes every page into one reused page. It sends exactly the SDK's requests,
// without retries or checks. It is safe for concurrent use.
type Hand struct {
	hc          *http.Client
	base        string
	read, write http.Header // shared by every request: net/http only reads them
	bufs        sync.Pool   // *bytes.Buffer
}

// NewHand returns a hand-written client for the API at base, sending token as the bearer.
func NewHand(hc *http.Client, base, token string) *Hand {
	auth, accept := []string{"Bearer " + token}, []string{"application/json"}
	return &Hand{hc: hc, base: base,
		read:  http.Header{"Authorization": auth, "Accept": accept},
		write: http.Header{"Authorization": auth, "Accept": accept, "Content-Type": accept},
		bufs:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
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

// HandUser is the hand-written user model: the fields the SDK models.
type HandUser struct {
	ID          string   `json:"id"`
	Environment *HandRef `json:"environment"`
	Username    string   `json:"username"`
	Email       string   `json:"email"`
	Name        struct {
		Given     string `json:"given"`
		Middle    string `json:"middle"`
		Family    string `json:"family"`
		Formatted string `json:"formatted"`
	} `json:"name"`
	ExternalID string   `json:"externalId"`
	Population *HandRef `json:"population"`
	Enabled    bool     `json:"enabled"`
	Lifecycle  struct {
		Status string `json:"status"`
	} `json:"lifecycle"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// HandPage is the hand-written page envelope. PingOne names the embedded array after the
// collection, so it has a field for each; one of them stays empty.
type HandPage[T any] struct {
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
	Embedded struct {
		Populations []T `json:"populations"`
		Users       []T `json:"users"`
	} `json:"_embedded"`
	Count int `json:"count"`
}

// Items returns the page's items.
func (p *HandPage[T]) Items() []T {
	if len(p.Embedded.Users) > 0 {
		return p.Embedded.Users
	}
	return p.Embedded.Populations
}

// reset empties the page for the next decode, keeping the arrays' storage. encoding/json decodes
// into the elements already there without zeroing them, so they are cleared first: otherwise a
// member absent from this page's item would keep the value of an earlier page's.
func (p *HandPage[T]) reset() {
	pops, users := p.Embedded.Populations, p.Embedded.Users
	clear(pops[:cap(pops)])
	clear(users[:cap(users)])
	*p = HandPage[T]{}
	p.Embedded.Populations, p.Embedded.Users = pops[:0], users[:0]
}

func (h *Hand) do(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	hdr := h.read
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, hdr = bytes.NewReader(b), h.write
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header = hdr
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode > 299 || out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode > 299 {
			return fmt.Errorf("%s %s: %s", method, url, resp.Status)
		}
		return nil
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	defer h.bufs.Put(buf)
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n < 64<<20 {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants MinRead free bytes to see the EOF
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	return json.Unmarshal(buf.Bytes(), out)
}

func (h *Hand) env() string  { return h.base + "/environments/" + EnvID }
func (h *Hand) pops() string { return h.env() + "/populations" }

// Get reads a population.
func (h *Hand) Get(ctx context.Context) (*HandPopulation, error) {
	p := new(HandPopulation)
	return p, h.do(ctx, http.MethodGet, h.pops()+"/"+PopID, nil, p)
}

// Create creates a population.
func (h *Hand) Create(ctx context.Context, p *HandPopulation) (*HandPopulation, error) {
	out := new(HandPopulation)
	return out, h.do(ctx, http.MethodPost, h.pops(), writeOf(p), out)
}

// Update replaces a population.
func (h *Hand) Update(ctx context.Context, p *HandPopulation) (*HandPopulation, error) {
	out := new(HandPopulation)
	return out, h.do(ctx, http.MethodPut, h.pops()+"/"+PopID, writeOf(p), out)
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
	return h.do(ctx, http.MethodPut, h.env()+"/users/"+UserID+"/population", &HandRef{ID: PopID}, &out)
}

// Page reads the page at url into p, reusing p's storage.
func Page[T any](ctx context.Context, h *Hand, url string, p *HandPage[T]) error {
	p.reset()
	return h.do(ctx, http.MethodGet, url, nil, p)
}

// ListAll walks every page from firstURL, calling fn for each item. The item is only valid
// during the call: the next page is decoded into the same storage.
func ListAll[T any](ctx context.Context, h *Hand, firstURL string, fn func(*T)) error {
	var p HandPage[T]
	for url := firstURL; url != ""; {
		if err := Page(ctx, h, url, &p); err != nil {
			return err
		}
		items := p.Items()
		for i := range items {
			fn(&items[i])
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
