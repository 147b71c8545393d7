package pingone

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"
)

// PopulationsService manages populations: /environments/{envID}/populations.
type PopulationsService struct{ c *Client }

// populationBody checks p and returns what Create and Update send for it: the writable fields
// and the Extra members.
func populationBody(p *Population) (*writeBody[Population], error) {
	if p == nil {
		return nil, invalidArgf("nil population")
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, invalidArgf("population name is required")
	}
	return populationModel.body(p, false), nil
}

// Create creates a population: POST /environments/{envID}/populations. Only Name is required;
// read-only fields of p are ignored and p is not modified. A duplicate name is ErrConflict.
//
// Create is never retried after a 5xx or a timeout, since the first attempt may have created the
// population; use GetByName to find out.
func (s *PopulationsService) Create(ctx context.Context, envID string, p *Population) (*Population, error) {
	body, err := populationBody(p)
	if err != nil {
		return nil, err
	}
	return call[Population](ctx, s.c, http.MethodPost, body, "environments", envID, "populations")
}

// Get reads a population: GET /environments/{envID}/populations/{populationID}. An unknown ID is
// ErrNotFound.
func (s *PopulationsService) Get(ctx context.Context, envID, populationID string) (*Population, error) {
	return call[Population](ctx, s.c, http.MethodGet, nil, "environments", envID, "populations", populationID)
}

// List returns every population matching opts, fetching pages lazily as the loop asks for them:
// GET /environments/{envID}/populations, then each _links.next. It stops fetching when the loop
// breaks, and on an error it yields (nil, err) once and stops. Ranging it again starts over.
func (s *PopulationsService) List(ctx context.Context, envID string, opts *ListOptions) iter.Seq2[*Population, error] {
	return listAll[Population](ctx, s.c, opts, "populations", "environments", envID, "populations")
}

// ListPage returns one page of populations: GET /environments/{envID}/populations. Pass the
// page's NextCursor as opts.Cursor to get the next one.
func (s *PopulationsService) ListPage(ctx context.Context, envID string, opts *ListOptions) (*Page[Population], error) {
	return listPage[Population](ctx, s.c, opts, "populations", "environments", envID, "populations")
}

// Update replaces a population: PUT /environments/{envID}/populations/{populationID}. PUT replaces
// the whole resource: an empty Description, PreferredLanguage or AlternativeIdentifiers is cleared,
// a nil PasswordPolicy or Theme reverts to the environment default, and Default false is sent as
// such. So change a population by reading it first (Get → change → Update); members PingOne sent
// that the SDK does not model travel in Extra and are sent back. Read-only fields are ignored.
func (s *PopulationsService) Update(ctx context.Context, envID, populationID string, p *Population) (*Population, error) {
	body, err := populationBody(p)
	if err != nil {
		return nil, err
	}
	return call[Population](ctx, s.c, http.MethodPut, body, "environments", envID, "populations", populationID)
}

// Delete deletes a population: DELETE /environments/{envID}/populations/{populationID}. PingOne
// refuses to delete the default population, one that still has users, or the environment's last
// population (an *APIError, usually 400 with a CONSTRAINT_VIOLATION detail).
func (s *PopulationsService) Delete(ctx context.Context, envID, populationID string) error {
	u, err := s.c.endpoint("environments", envID, "populations", populationID)
	if err != nil {
		return err
	}
	return s.c.do(ctx, http.MethodDelete, u, nil, nil)
}

// GetByName finds the population called name with one request,
// GET /environments/{envID}/populations?filter=name eq "…". Names are unique ignoring case. No
// match is ErrNotFound.
func (s *PopulationsService) GetByName(ctx context.Context, envID, name string) (*Population, error) {
	if name == "" {
		return nil, invalidArgf("empty population name")
	}
	page, err := s.ListPage(ctx, envID, &ListOptions{Filter: "name eq " + QuoteFilter(name)})
	if err != nil {
		return nil, err
	}
	var match *Population
	for i := range page.Items {
		p := &page.Items[i]
		if p.Name == name {
			return p, nil
		}
		if match == nil && strings.EqualFold(p.Name, name) {
			match = p
		}
	}
	if match == nil {
		return nil, fmt.Errorf("pingone: no population named %q: %w", name, ErrNotFound)
	}
	return match, nil
}

// GetDefault returns the environment's default population: GET /environments/{envID}/populations,
// page by page until it finds it (PingOne has no filter on default). None is ErrNotFound.
func (s *PopulationsService) GetDefault(ctx context.Context, envID string) (*Population, error) {
	for p, err := range s.List(ctx, envID, nil) {
		if err != nil {
			return nil, err
		}
		if p.Default {
			return p, nil
		}
	}
	return nil, fmt.Errorf("pingone: environment %q has no default population: %w", envID, ErrNotFound)
}

// QuoteFilter quotes value as a SCIM filter string literal, so any value can go into a
// ListOptions.Filter without ending the literal early or changing the filter:
//
//	opts := &pingone.ListOptions{Filter: "email eq " + pingone.QuoteFilter(addr)}
//
// Quotes, backslashes and control characters are escaped by JSON string rules.
func QuoteFilter(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// GetDefaultIdentityProvider returns the population's default identity provider, where its users
// sign on: GET /environments/{envID}/populations/{populationID}/defaultIdentityProvider. An empty
// ID means PingOne itself; the provider's type, when PingOne sends it, is in Extra["type"].
func (s *PopulationsService) GetDefaultIdentityProvider(ctx context.Context, envID, populationID string) (*Ref, error) {
	return call[Ref](ctx, s.c, http.MethodGet, nil, "environments", envID, "populations", populationID, "defaultIdentityProvider")
}

// SetDefaultIdentityProvider makes an external identity provider the population's default:
// PUT /environments/{envID}/populations/{populationID}/defaultIdentityProvider with the body
// {"id":"<identityProviderID>"}. It is idempotent, so it is retried like any PUT. To make PingOne
// the default again, use ResetDefaultIdentityProvider.
func (s *PopulationsService) SetDefaultIdentityProvider(ctx context.Context, envID, populationID, identityProviderID string) (*Ref, error) {
	if err := checkSegment("identity provider ID", identityProviderID); err != nil {
		return nil, err
	}
	return call[Ref](ctx, s.c, http.MethodPut, refModel.body(&Ref{ID: identityProviderID}, false), "environments", envID, "populations", populationID, "defaultIdentityProvider")
}

// ResetDefaultIdentityProvider makes PingOne the population's default identity provider again:
// PUT /environments/{envID}/populations/{populationID}/defaultIdentityProvider with the body {}.
func (s *PopulationsService) ResetDefaultIdentityProvider(ctx context.Context, envID, populationID string) (*Ref, error) {
	return call[Ref](ctx, s.c, http.MethodPut, struct{}{}, "environments", envID, "populations", populationID, "defaultIdentityProvider")
}

// Ensure returns the population named p.Name, creating it from p if there is none:
// GET /environments/{envID}/populations?filter=name eq "…", then POST if needed. created says
// whether this call created it. It is safe to retry: when the create fails in a way that leaves
// its outcome unknown (a 5xx, a timeout, a dropped connection) or with a conflict, Ensure looks
// the name up before reporting the error, so a create that did succeed is returned (as created)
// and never duplicated. If ctx has ended by then, the lookup gets 15 seconds of its own.
func (s *PopulationsService) Ensure(ctx context.Context, envID string, p *Population) (pop *Population, created bool, err error) {
	if p == nil || strings.TrimSpace(p.Name) == "" {
		return nil, false, invalidArgf("a population with a name is required")
	}
	if found, err := s.GetByName(ctx, envID, p.Name); err == nil {
		return found, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	pop, err = s.Create(ctx, envID, p)
	if err == nil {
		return pop, true, nil
	}
	var apiErr *APIError
	conflict := errors.Is(err, ErrConflict)
	definite := errors.Is(err, ErrInvalidArgument) || errors.Is(err, context.Canceled) ||
		(errors.As(err, &apiErr) && apiErr.StatusCode < 500 && !conflict && apiErr.StatusCode != http.StatusRequestTimeout)
	if definite {
		return nil, false, err
	}
	lookCtx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		lookCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
	}
	// A population just created may take a moment to show in a filtered list.
	for attempt := 0; attempt < 4; attempt++ {
		found, lerr := s.GetByName(lookCtx, envID, p.Name)
		if lerr == nil {
			return found, !conflict, nil
		}
		if !errors.Is(lerr, ErrNotFound) || sleepCtx(lookCtx, time.Duration(1<<attempt)*250*time.Millisecond) != nil {
			break
		}
	}
	return nil, false, err
}

// SetDefault makes the population the environment's default with a read-modify-write (GET, then
// PUT /environments/{envID}/populations/{populationID}) that leaves every other field (and any field the SDK does not model) as it was. PingOne clears the
// flag on the previous default.
func (s *PopulationsService) SetDefault(ctx context.Context, envID, populationID string) (*Population, error) {
	p, err := s.Get(ctx, envID, populationID)
	if err != nil || p.Default {
		return p, err
	}
	p.Default = true
	return s.Update(ctx, envID, populationID, p)
}
