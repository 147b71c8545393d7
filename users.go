package pingone

import (
	"context"
	"iter"
	"net/http"

	"github.com/go-json-experiment/json/jsontext"
)

// UsersService manages users and their population: /environments/{envID}/users.
type UsersService struct{ c *Client }

// userBody is what Create sends: the writable fields, and Extra members.
type userBody struct {
	Username   string                    `json:"username"`
	Email      string                    `json:"email"`
	Name       UserName                  `json:"name,omitzero"`
	ExternalID string                    `json:"externalId,omitempty"`
	Population *refBody                  `json:"population,omitempty"`
	Extra      map[string]jsontext.Value `json:",embed"`
}

func userMembers() []string {
	return []string{"_links", "id", "environment", "username", "email", "name", "externalId", "population",
		"enabled", "lifecycle", "createdAt", "updatedAt"}
}

// Create creates a user: POST /environments/{envID}/users. Username and Email are required; a nil
// Population puts the user in the default population. u is not modified. A username already
// taken is ErrConflict. Like every POST, it is not retried after a 5xx or a timeout.
func (s *UsersService) Create(ctx context.Context, envID string, u *User) (*User, error) {
	if u == nil {
		return nil, invalidArgf("nil user")
	}
	if u.Username == "" || u.Email == "" {
		return nil, invalidArgf("username and email are required")
	}
	if u.Population != nil {
		if err := checkSegment("population ID", u.Population.ID); err != nil {
			return nil, err
		}
	}
	body := &userBody{Username: u.Username, Email: u.Email, Name: u.Name, ExternalID: u.ExternalID,
		Population: newRefBody(u.Population), Extra: extraToSend(u.Extra, userMembers)}
	return call[User](ctx, s.c, http.MethodPost, body, "environments", envID, "users")
}

// Get reads a user: GET /environments/{envID}/users/{userID}. An unknown ID is ErrNotFound.
func (s *UsersService) Get(ctx context.Context, envID, userID string) (*User, error) {
	return call[User](ctx, s.c, http.MethodGet, nil, "environments", envID, "users", userID)
}

// List returns every user matching opts, fetching pages lazily: GET /environments/{envID}/users,
// then each _links.next. Any SCIM filter PingOne supports works, such as
// `population.id eq "…"`. It stops fetching when the loop breaks, and on an error it yields
// (nil, err) once and stops. Ranging it again starts over.
func (s *UsersService) List(ctx context.Context, envID string, opts *ListOptions) iter.Seq2[*User, error] {
	return listAll[User](ctx, s.c, opts, "users", "environments", envID, "users")
}

// ListPage returns one page of users: GET /environments/{envID}/users. Pass the page's NextCursor
// as opts.Cursor to get the next one.
func (s *UsersService) ListPage(ctx context.Context, envID string, opts *ListOptions) (*Page[User], error) {
	return listPage[User](ctx, s.c, opts, "users", "environments", envID, "users")
}

// Delete deletes a user: DELETE /environments/{envID}/users/{userID}.
func (s *UsersService) Delete(ctx context.Context, envID, userID string) error {
	u, err := s.c.endpoint("environments", envID, "users", userID)
	if err != nil {
		return err
	}
	return s.c.do(ctx, http.MethodDelete, u, nil, nil)
}

// GetPopulation returns the user's population: GET /environments/{envID}/users/{userID}/population.
func (s *UsersService) GetPopulation(ctx context.Context, envID, userID string) (*Ref, error) {
	return call[Ref](ctx, s.c, http.MethodGet, nil, "environments", envID, "users", userID, "population")
}

// MovePopulation moves a user to another population:
// PUT /environments/{envID}/users/{userID}/population with the body {"id":"<populationID>"}. It is
// idempotent, so it is retried like any PUT. An unknown population is an *APIError (400).
func (s *UsersService) MovePopulation(ctx context.Context, envID, userID, populationID string) error {
	if err := checkSegment("population ID", populationID); err != nil {
		return err
	}
	u, err := s.c.endpoint("environments", envID, "users", userID, "population")
	if err != nil {
		return err
	}
	return s.c.do(ctx, http.MethodPut, u, &Ref{ID: populationID}, nil)
}
