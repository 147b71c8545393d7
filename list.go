package pingone

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// ListOptions narrows and pages a list. A nil *ListOptions means the server's defaults.
type ListOptions struct {
	// Filter is a SCIM filter, such as `name sw "Eng"` or `population.id eq "…"`.
	Filter string
	// Limit is the page size; 0 means the server's default. PingOne may return fewer.
	Limit int
	// Cursor resumes a listing from a previous Page.NextCursor. The cursor carries the listing's
	// filter and page size, so on its own it resumes exactly, in any process. Filter and Limit
	// may be left empty with it; given, they must be the listing's own (ErrInvalidArgument
	// otherwise), and they are not sent again where PingOne's next link did not repeat them. A
	// cursor of another listing (another environment or collection) is ErrInvalidArgument.
	Cursor string
}

// Page is one page of a list.
type Page[T any] struct {
	// Items are this page's resources, in the server's order.
	Items []T
	// NextCursor resumes the listing after this page when passed as ListOptions.Cursor, alone:
	// it holds everything PingOne's next link did (filter and page size included). It is "" on
	// the last page. It is opaque: store it, do not build or parse it.
	NextCursor string
	// Count is the number of items in the whole result set, when PingOne reports it.
	Count int
}

// listAll is List for any collection: lazy, following the next links verbatim; it yields one
// error and stops. While the caller works on one page's items (from the second page on), the
// next page is fetched in the background, so a slow consumer waits for the network only when it
// outpaces it: at most one page beyond the one being read is in memory. Breaking out cancels
// that fetch and waits for it, so no goroutine outlives the loop.
func listAll[T any, PT interface {
	*T
	listItem
}](ctx context.Context, c *Client, opts *ListOptions, collection string, segs ...string) iter.Seq2[*T, error] {
	var o *ListOptions
	if opts != nil {
		cp := *opts // later changes to the caller's opts do not affect a running iteration
		o = &cp
	}
	type fetched struct {
		page *Page[T]
		next *url.URL
		err  error
	}
	return func(yield func(*T, error) bool) {
		if ctx == nil {
			yield(nil, errNilContext) // context.WithCancel would panic
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		var pending chan fetched // the page being fetched in the background, if any
		defer func() {
			cancel()
			if pending != nil {
				<-pending
			}
		}()
		prefetch := func(u *url.URL, hint int) {
			pending = make(chan fetched, 1)
			go func(ch chan<- fetched) {
				p, next, err := fetchPage[T, PT](ctx, c, u, collection, hint)
				ch <- fetched{p, next, err}
			}(pending)
		}
		u, err := c.listURL(o, segs...)
		var guard loopGuard
		if err == nil {
			guard.path = u.Path // ours, unlike the next links' paths, which may echo the token
			err = guard.visit(u)
		}
		var f fetched
		pages := 0
		if err == nil {
			f.page, f.next, f.err = fetchPage[T, PT](ctx, c, u, collection, limitHint(o))
		}
		for err == nil {
			if err = f.err; err != nil {
				break
			}
			if err = guard.page(len(f.page.Items), f.next); err != nil {
				break
			}
			if err = guard.items(pageKey(f.page.Items)); err != nil {
				break
			}
			// A next link that repeats a page ends the listing, after this page's items.
			var visitErr error
			if f.next != nil {
				visitErr = guard.visit(f.next)
			}
			// From the second page on, the caller has shown it reads past one page: fetch the
			// next while it reads this one. One that stops within the first page costs no
			// request it did not need.
			if visitErr == nil && f.next != nil && pages > 0 {
				prefetch(f.next, len(f.page.Items))
			}
			pages++
			for i := range f.page.Items {
				if !yield(&f.page.Items[i], nil) {
					return
				}
			}
			switch {
			case visitErr != nil:
				err = visitErr
			case pending != nil:
				f = <-pending
				pending = nil
			case f.next != nil:
				f.page, f.next, f.err = fetchPage[T, PT](ctx, c, f.next, collection, len(f.page.Items))
			default:
				return
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

// listPage is ListPage for any collection.
func listPage[T any, PT interface {
	*T
	listItem
}](ctx context.Context, c *Client, opts *ListOptions, collection string, segs ...string) (*Page[T], error) {
	u, err := c.listURL(opts, segs...)
	if err != nil {
		return nil, err
	}
	p, _, err := fetchPage[T, PT](ctx, c, u, collection, limitHint(opts))
	return p, err
}

// limitHint is how many items the caller's first page should hold: its own Limit (a next link's
// limit is the server's word, and a hostile one could ask for a huge array), up to maxFirstHint.
func limitHint(opts *ListOptions) int {
	if opts == nil || opts.Cursor != "" {
		return 0
	}
	return min(opts.Limit, maxFirstHint)
}

// maxFirstHint bounds the first page's presized items: a Limit far above what the server sends
// (1,000,000 for a page of one) must not hold a large array; a bigger page grows from there. Later
// pages are sized by the page before, which arrived.
const maxFirstHint = 256

// fetchPage GETs one page of collection and returns it with the checked link to the next page.
func fetchPage[T any, PT interface {
	*T
	listItem
}](ctx context.Context, c *Client, u *url.URL, collection string, hint int) (*Page[T], *url.URL, error) {
	p := &pageOf[T, PT]{collection: collection, hint: hint}
	if err := c.do(ctx, http.MethodGet, u, nil, p); err != nil {
		return nil, nil, err
	}
	if p.next == "" {
		return &p.page, nil, nil
	}
	next, err := c.nextURL(p.next)
	if err != nil {
		return nil, nil, err
	}
	p.page.NextCursor = cursorOf(next, u)
	return &p.page, next, nil
}

// cursorPrefix starts every cursor this SDK makes; the rest is the next link's query,
// base64url-encoded. Older cursors (a bare cursor= value, or a whole next link) still work.
const cursorPrefix = "pingone:"

// listURL builds the first page's URL, or resumes from opts.Cursor.
func (c *Client) listURL(opts *ListOptions, segs ...string) (*url.URL, error) {
	u, err := c.endpoint(segs...)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		return u, nil
	}
	if opts.Limit < 0 {
		return nil, invalidArgf("negative limit %d", opts.Limit)
	}
	cur := opts.Cursor
	switch {
	case strings.HasPrefix(cur, cursorPrefix):
		q, err := base64.RawURLEncoding.DecodeString(cur[len(cursorPrefix):])
		if err != nil || strings.ContainsFunc(string(q), func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '#' }) {
			return nil, invalidArgf("bad cursor: not one a Page returned")
		}
		u.RawQuery = string(q)
		return u, resumes(opts, u)
	case strings.HasPrefix(cur, "https://") || strings.HasPrefix(cur, "http://"):
		// A whole next link: what cursors were when the link had no cursor parameter, and are
		// when it points elsewhere than the listing's own path. It must still be this
		// listing's (on the API host, nextURL checks): a cursor read back from storage or a
		// request must not turn a listing of one environment's users into another's.
		own := u
		if u, err = c.nextURL(cur); err != nil {
			return nil, err
		}
		// The same path, but for the case of its IDs (UUIDs, which PingOne may write in lower
		// case) and a trailing slash, as PingOne's own next links may differ from the first URL.
		if !strings.EqualFold(strings.TrimSuffix(u.Path, "/"), own.Path) {
			return nil, invalidArgf("bad cursor: it resumes another listing than this one")
		}
		return u, resumes(opts, u)
	}
	q := url.Values{}
	if opts.Filter != "" {
		q.Set("filter", opts.Filter)
	}
	if opts.Limit > 0 {
		q.Set("limit", fmt.Sprint(opts.Limit))
	}
	if cur != "" {
		q.Set("cursor", cur) // a bare cursor value, as older versions returned
	}
	u.RawQuery = q.Encode()
	return u, nil
}

// resumes checks that the Filter and Limit given with a cursor are those of the listing it
// resumes, where its link names them: the cursor is only valid for that listing.
func resumes(opts *ListOptions, u *url.URL) error {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return invalidArgf("bad cursor: not one a Page returned")
	}
	if opts.Filter != "" && q.Has("filter") && q.Get("filter") != opts.Filter {
		return invalidArgf("the cursor resumes a listing with another filter; pass the cursor alone")
	}
	if opts.Limit > 0 && q.Has("limit") && q.Get("limit") != strconv.Itoa(opts.Limit) {
		return invalidArgf("the cursor resumes a listing with another limit; pass the cursor alone")
	}
	return nil
}

// nextURL checks a _links.next href. The bearer token goes only to the configured API host, so
// a link elsewhere is refused, with one exception: PingOne writes absolute links on its public
// API host (https://api.pingone.<tld>/v1/…), which a client behind a proxy or a custom domain
// (WithBaseURL) must map back to its own base URL. Such a link is re-based: its path after /v1
// and its query are appended to the base URL, and its host is never called.
func (c *Client) nextURL(href string) (*url.URL, error) {
	// The errors do not quote the link: the server wrote it and may have put the token in it.
	u, err := c.base.Parse(href)
	if err != nil {
		return nil, errors.New("pingone: the next page link is not a valid URL; not following it")
	}
	if c.sameOrigin(u) {
		return u, nil
	}
	path := u.EscapedPath()
	if isPingOneAPIHost(u) && (path == "/v1" || strings.HasPrefix(path, "/v1/")) {
		r, err := url.Parse(c.base.Scheme + "://" + c.base.Host + c.base.EscapedPath() + strings.TrimPrefix(path, "/v1"))
		if err == nil {
			r.RawQuery = u.RawQuery
			return r, nil
		}
	}
	return nil, errors.New("pingone: the next page link points to a host that is not the API host; not following it")
}

// isPingOneAPIHost reports whether u is on the https API host of one of PingOne's regions.
func isPingOneAPIHost(u *url.URL) bool {
	if u.Scheme != "https" || u.User != nil || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	for _, r := range regions() {
		if strings.EqualFold(u.Hostname(), "api.pingone."+r.TLD()) {
			return true
		}
	}
	return false
}

// cursorOf makes the cursor that resumes a listing at next, the link that followed the page at
// page: the link's query, which is all PingOne needs to go on, from any process. A link to
// another path (never seen from PingOne) is kept whole, as nextURL checks it again on resuming.
func cursorOf(next, page *url.URL) string {
	if next.EscapedPath() != page.EscapedPath() || next.RawQuery == "" {
		return next.String()
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(next.RawQuery))
}

// maxPageItems bounds the items one page may hold. PingOne's largest documented page is 5,000
// (environments; users allow 1,000): a page with more is a broken or hostile server, and
// decoding a million tiny items would take hundreds of MiB from a body well under maxBody.
const maxPageItems = 5000

// pageOf decodes a collection envelope: _embedded.<collection>, _links.next and count, in one
// pass with no intermediate map.
type pageOf[T any, PT interface {
	*T
	listItem
}] struct {
	collection string
	hint       int // how many items the page likely holds (0: unknown), to size Items once
	page       Page[T]
	next       string
	in         interner
}

// listItem is a resource a listing decodes: it decodes alone, and as a page's item.
type listItem interface {
	decoder
	decodeItem(dec *jsontext.Decoder, in *interner) error
}

func (p *pageOf[T, PT]) decodeFrom(dec *jsontext.Decoder) error {
	p.page, p.next = Page[T]{}, "" // a retried response starts again
	return decodeObject(dec, func(name []byte) (err error) {
		switch string(name) {
		case "_embedded":
			return decodeObject(dec, func(name []byte) error {
				if string(name) != p.collection {
					return dec.SkipValue()
				}
				return decodeArray(dec, func() error {
					if dec.PeekKind() == 'n' {
						return errors.New("null item")
					}
					// Sized once when the page size is known (growing by doubling would
					// allocate twice the page's items; a population is about 190 bytes), and
					// only once there is an item: an empty page stays nil.
					if p.page.Items == nil && p.hint > 0 {
						p.page.Items = make([]T, 0, p.hint)
					}
					if len(p.page.Items) == maxPageItems {
						return fmt.Errorf("more than %d items in one page", maxPageItems)
					}
					var zero T
					p.page.Items = append(p.page.Items, zero)
					return PT(&p.page.Items[len(p.page.Items)-1]).decodeItem(dec, &p.in)
				})
			})
		case "_links":
			return decodeObject(dec, func(name []byte) error {
				if string(name) != "next" {
					return dec.SkipValue()
				}
				return decodeObject(dec, func(name []byte) (err error) {
					if string(name) != "href" {
						return dec.SkipValue()
					}
					p.next, err = readString(dec)
					return err
				})
			})
		case "count":
			p.page.Count, err = readInt(dec)
			return err
		}
		return dec.SkipValue()
	})
}

// maxEmptyPages is how many pages in a row may hold no item but still link to a next page.
// PingOne ends a listing with its last page; a server that sends empty pages with fresh cursors
// would otherwise keep a loop fetching forever without ever giving its body a chance to break.
const maxEmptyPages = 10

// loopGuard ends a listing whose next links go round in circles, or that keeps sending empty
// pages, with an error instead of fetching forever.
type loopGuard struct {
	path  string          // the listing's own path, for errors
	seen  map[string]bool // the cursors (or, without one, the normalised URLs) fetched so far
	empty int             // pages in a row without an item
	pages map[uint64]bool // the keys of the pages fetched so far (pageKey)
}

// visit records a page about to be fetched and refuses one this listing has fetched before.
func (g *loopGuard) visit(u *url.URL) error {
	q := u.Query()
	key := q.Get("cursor")
	if key == "" {
		key = u.Path + "?" + q.Encode() // Encode sorts, so reordered parameters are the same page
	}
	if g.seen[key] {
		return fmt.Errorf("pingone: GET %s: the next page link repeats a page this listing already fetched; stopping", g.path)
	}
	if g.seen == nil {
		g.seen = make(map[string]bool)
	}
	g.seen[key] = true
	return nil
}

// page counts a fetched page's items, given the link to the page after it (nil on the last).
func (g *loopGuard) page(items int, next *url.URL) error {
	if items > 0 || next == nil {
		g.empty = 0
		return nil
	}
	if g.empty++; g.empty >= maxEmptyPages {
		return fmt.Errorf("pingone: GET %s: %d pages in a row held no item yet linked to another; stopping", g.path, g.empty)
	}
	return nil
}

// items refuses a page whose items, in order, are those of a page this listing already fetched:
// a server can serve the same pages again and again under fresh cursors, which visit cannot see.
// PingOne never lists a resource twice in one listing. key is pageKey's; ok false skips the check.
func (g *loopGuard) items(key uint64, ok bool) error {
	if !ok {
		return nil
	}
	if g.pages[key] {
		return fmt.Errorf("pingone: GET %s: a page repeats the items of a page this listing already fetched; stopping", g.path)
	}
	if g.pages == nil {
		g.pages = make(map[uint64]bool)
	}
	g.pages[key] = true
	return nil
}

// listed is a resource that a listing can tell apart by its id.
type listed interface{ listID() string }

func (p *Population) listID() string { return p.ID }
func (u *User) listID() string       { return u.ID }

// pageKey hashes the ids of a page's items, in order. ok is false when the page is empty or an
// item has no id (nothing to tell pages apart by).
func pageKey[T any](items []T) (key uint64, ok bool) {
	if len(items) == 0 {
		return 0, false
	}
	// FNV-1a, inline: hash/fnv would copy every id to a []byte.
	const offset, prime = 14695981039346656037, 1099511628211
	key = offset
	for i := range items {
		it, isListed := any(&items[i]).(listed)
		if !isListed || it.listID() == "" {
			return 0, false
		}
		id := it.listID()
		for j := 0; j < len(id); j++ {
			key = (key ^ uint64(id[j])) * prime
		}
		key *= prime // a 0 byte between ids: "ab","c" and "a","bc" differ
	}
	return key, true
}
