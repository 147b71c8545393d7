package pingone

import (
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CorrelationIDs are PingOne's external correlation IDs. PingOne records them in its audit
// events (externalCorrelation.transactionId and .sessionId), so a program's own logs and
// PingOne's can be lined up. They also appear in the client's debug log lines.
//
// PingOne allows at most 100 characters and turns any character other than letters, digits,
// combining marks and . _ - / @ = # + into "_"; this package refuses only what could corrupt a
// header: control characters, invalid UTF-8, and more than 100 characters.
type CorrelationIDs struct {
	// TransactionID is sent as X-Ping-External-Transaction-ID: one business transaction, such
	// as a user sync run or an incoming request of your service.
	TransactionID string
	// SessionID is sent as X-Ping-External-Session-ID: a longer-lived session, such as a
	// process or a signed-in operator.
	SessionID string
}

const (
	headerTransactionID = "X-Ping-External-Transaction-ID"
	headerSessionID     = "X-Ping-External-Session-ID"
	maxCorrelationID    = 100 // PingOne's documented maximum length
)

// WithCorrelationIDs sends ids with every call the client makes. Empty fields are not sent;
// PingOne then generates its own. Invalid IDs make NewClient fail with ErrInvalidArgument.
func WithCorrelationIDs(ids CorrelationIDs) Option {
	return func(s *settings) { s.correlation = ids }
}

// WithCorrelationIDs returns a client that sends ids with each of its calls, for one transaction
// or session: a non-empty field replaces c's, an empty one keeps c's. The new client shares c's
// token, connections, retry policy and logger, so it is cheap to make one per transaction, and c
// is not changed. Not a ctx value, so the IDs a call sends are visible where it is made:
//
//	tc, err := c.WithCorrelationIDs(pingone.CorrelationIDs{TransactionID: runID})
//	user, err := tc.Users.Get(ctx, envID, userID)
func (c *Client) WithCorrelationIDs(ids CorrelationIDs) (*Client, error) {
	merged := c.corr.ids
	if ids.TransactionID != "" {
		merged.TransactionID = ids.TransactionID
	}
	if ids.SessionID != "" {
		merged.SessionID = ids.SessionID
	}
	cp := *c
	cp.logger = c.corr.base // setCorrelation adds the new IDs to the logger without the old ones
	if err := cp.setCorrelation(merged); err != nil {
		return nil, err
	}
	cp.wireServices()
	return &cp, nil
}

// CorrelationIDs returns the IDs the client sends with every call.
func (c *Client) CorrelationIDs() CorrelationIDs { return c.corr.ids }

// correlation is a client's correlation IDs, and its logger before they were added to it.
type correlation struct {
	ids  CorrelationIDs
	base *slog.Logger
}

// setCorrelation validates ids and makes the client send and log them.
func (c *Client) setCorrelation(ids CorrelationIDs) error {
	for _, f := range []struct{ header, v string }{{headerTransactionID, ids.TransactionID}, {headerSessionID, ids.SessionID}} {
		if err := checkCorrelationID(f.header, f.v); err != nil {
			return err
		}
	}
	c.corr = correlation{ids: ids, base: c.logger}
	if c.logger == nil {
		return nil
	}
	var attrs []any
	if ids.TransactionID != "" {
		attrs = append(attrs, slog.String("transaction_id", ids.TransactionID))
	}
	if ids.SessionID != "" {
		attrs = append(attrs, slog.String("session_id", ids.SessionID))
	}
	if len(attrs) > 0 {
		c.logger = c.logger.With(attrs...)
	}
	return nil
}

func checkCorrelationID(header, v string) error {
	switch {
	case !utf8.ValidString(v):
		return invalidArgf("bad %s: invalid UTF-8", header)
	case strings.ContainsFunc(v, unicode.IsControl):
		return invalidArgf("bad %s %q: control characters", header, v)
	case utf8.RuneCountInString(v) > maxCorrelationID:
		return invalidArgf("bad %s: longer than %d characters", header, maxCorrelationID)
	}
	return nil
}

// set puts the IDs on an attempt's request.
func (c *correlation) set(h http.Header) {
	if c.ids.TransactionID != "" {
		h.Set(headerTransactionID, c.ids.TransactionID)
	}
	if c.ids.SessionID != "" {
		h.Set(headerSessionID, c.ids.SessionID)
	}
}
