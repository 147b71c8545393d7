package pingone

import (
	"fmt"
	"strings"
)

// Region is a PingOne geography. Every environment of an organization lives in one region, and
// the region decides the hosts the client talks to. The value is PingOne's region code.
type Region string

// The PingOne regions, named by their region codes.
const (
	RegionNorthAmerica Region = "NA" // api.pingone.com
	RegionCanada       Region = "CA" // api.pingone.ca
	RegionEurope       Region = "EU" // api.pingone.eu
	RegionAustralia    Region = "AU" // api.pingone.com.au
	RegionSingapore    Region = "SG" // api.pingone.sg
	RegionAsiaPacific  Region = "AP" // api.pingone.asia, a legacy region open only to existing customers
)

// regions lists every region in a fixed order, for ParseRegion's error message.
func regions() []Region {
	return []Region{RegionNorthAmerica, RegionCanada, RegionEurope, RegionAustralia, RegionSingapore, RegionAsiaPacific}
}

// TLD returns the region's top-level domain ("com", "eu", "com.au", …), or "" for an unknown region.
func (r Region) TLD() string {
	switch r {
	case RegionNorthAmerica:
		return "com"
	case RegionCanada:
		return "ca"
	case RegionEurope:
		return "eu"
	case RegionAustralia:
		return "com.au"
	case RegionSingapore:
		return "sg"
	case RegionAsiaPacific:
		return "asia"
	}
	return ""
}

// APIURL returns the base URL of the region's management API, for example
// "https://api.pingone.eu/v1", or "" for an unknown region.
func (r Region) APIURL() string {
	if tld := r.TLD(); tld != "" {
		return "https://api.pingone." + tld + "/v1"
	}
	return ""
}

// AuthURL returns the base URL of the region's authorization server, for example
// "https://auth.pingone.eu", or "" for an unknown region. Tokens come from
// AuthURL()/<environmentID>/as/token.
func (r Region) AuthURL() string {
	if tld := r.TLD(); tld != "" {
		return "https://auth.pingone." + tld
	}
	return ""
}

// ParseRegion parses a region code ("EU") or top-level domain ("eu", "com.au"), in any case and
// with surrounding spaces ignored. Unknown input is an error listing the valid values: there is
// no silent fallback to North America, which would send credentials to the wrong geography.
func ParseRegion(s string) (Region, error) {
	v := strings.TrimSpace(s)
	var valid []string
	for _, r := range regions() {
		if strings.EqualFold(v, string(r)) || strings.EqualFold(v, r.TLD()) {
			return r, nil
		}
		valid = append(valid, string(r)+" ("+r.TLD()+")")
	}
	return "", fmt.Errorf("pingone: unknown region %q: want one of %s: %w", s, strings.Join(valid, ", "), ErrInvalidArgument)
}
