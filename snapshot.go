package pingone

import (
	"bufio"
	"context"
	"io"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// snapshotLine is every line of a snapshot; each type uses some of the members.
type snapshotLine struct {
	Type         string         `json:"type"`
	Time         time.Time      `json:"time,omitzero"`
	Environment  string         `json:"environment,omitempty"`
	SDK          string         `json:"sdk,omitempty"`
	Population   jsontext.Value `json:"population,omitempty"`
	ID           string         `json:"id,omitempty"`
	Username     string         `json:"username,omitempty"`
	PopulationID string         `json:"populationId,omitempty"`
	Members      *int           `json:"members,omitempty"`
}

// Snapshot writes a population and its members to w as JSON Lines, and returns how many members
// it wrote: GET /environments/{envID}/populations/{populationID}, then
// GET /environments/{envID}/users?filter=population.id eq "…", page by page. It streams: memory
// stays flat however many members there are. The lines are
//
//	{"type":"population","environment":"…","sdk":"0.1.0","time":"…","population":{…}}
//	{"type":"member","id":"…","username":"…","populationId":"…"}
//	{"type":"end","members":1000}
//
// The population is recorded whole, as in a journal's delete line (see JournalFormat); each
// member line is a user as the listing showed it, with the population it was listed in. A
// snapshot without its end line is incomplete. A listing made while users move may miss or
// repeat some: take it before changing anything, as Retire does with BulkOptions.Snapshot.
func (s *PopulationsService) Snapshot(ctx context.Context, envID, populationID string, w io.Writer) (int, error) {
	if err := checkSegment("population ID", populationID); err != nil {
		return 0, err
	}
	p, err := s.Get(ctx, envID, populationID)
	if err != nil {
		return 0, err
	}
	return s.snapshot(ctx, envID, p, w)
}

// snapshot is Snapshot of a population already read (Retire has just read it).
func (s *PopulationsService) snapshot(ctx context.Context, envID string, p *Population, w io.Writer) (int, error) {
	rec, err := encodePopulation(p)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	enc := jsontext.NewEncoder(bw)
	put := func(l *snapshotLine) error {
		if err := json.MarshalEncode(enc, l); err != nil {
			return &journalWriteError{"snapshot", err}
		}
		return nil
	}
	if err := put(&snapshotLine{Type: "population", Environment: envID, SDK: Version, Time: now(), Population: rec}); err != nil {
		return 0, err
	}
	n := 0
	for u, err := range s.c.Users.members(ctx, envID, p.ID) {
		if err != nil {
			return n, err
		}
		if err := put(&snapshotLine{Type: "member", ID: u.ID, Username: u.Username, PopulationID: popID(u)}); err != nil {
			return n, err
		}
		n++
	}
	if err := put(&snapshotLine{Type: "end", Members: &n}); err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, &journalWriteError{"snapshot", err}
	}
	return n, nil
}
