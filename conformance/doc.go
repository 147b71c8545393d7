// Package conformance has no code of its own: its tests are the PingOne behaviours this SDK
// depends on, written once as scenarios and run against two targets.
//
// By default (go test ./...) they run against pingonetest, once with its default rules and once
// with the other side of every rule it had to choose. With the build tag tenant and the PINGONE_*
// variables set they run against a real tenant instead:
//
//	go test -tags tenant -v -count=1 ./conformance
//
// The suite creates only populations and users whose names start with
// "pingone-conformance-<random>", deletes them when it ends, and touches nothing else except the
// default population flag, which it switches to its own populations and back. Documented
// behaviour is asserted on both targets; for each of the reference's open questions the suite
// records the answer it observed and prints a report (with -v), so a tenant run can turn each into
// a documented rule of the fake. Same scenarios passing on both targets is what makes the fake
// faithful. See pingonetest/README.md.
package conformance
