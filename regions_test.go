package pingone

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRegion(t *testing.T) {
	tests := []struct {
		in   string
		want Region
	}{
		{"NA", RegionNorthAmerica}, {"com", RegionNorthAmerica}, {" eu ", RegionEurope}, {"Eu", RegionEurope},
		{"CA", RegionCanada}, {"ca", RegionCanada}, {"AU", RegionAustralia}, {"com.au", RegionAustralia},
		{"COM.AU", RegionAustralia}, {"sg", RegionSingapore}, {"AP", RegionAsiaPacific}, {"asia", RegionAsiaPacific},
	}
	for _, tt := range tests {
		got, err := ParseRegion(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRegion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "us", "europe", "api.pingone.eu", "e u"} {
		got, err := ParseRegion(bad)
		if err == nil || got != "" {
			t.Errorf("ParseRegion(%q) = %q, %v; want an error and no region (never a fallback)", bad, got, err)
			continue
		}
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "NA (com)") || !strings.Contains(err.Error(), "SG (sg)") {
			t.Errorf("ParseRegion(%q) error %q should be ErrInvalidArgument and list the valid values", bad, err)
		}
	}
}

func TestRegionURLs(t *testing.T) {
	tests := []struct {
		r                 Region
		tld, api, authURL string
	}{
		{RegionNorthAmerica, "com", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{RegionCanada, "ca", "https://api.pingone.ca/v1", "https://auth.pingone.ca"},
		{RegionEurope, "eu", "https://api.pingone.eu/v1", "https://auth.pingone.eu"},
		{RegionAustralia, "com.au", "https://api.pingone.com.au/v1", "https://auth.pingone.com.au"},
		{RegionSingapore, "sg", "https://api.pingone.sg/v1", "https://auth.pingone.sg"},
		{RegionAsiaPacific, "asia", "https://api.pingone.asia/v1", "https://auth.pingone.asia"},
		{Region("XX"), "", "", ""},
	}
	for _, tt := range tests {
		if got := tt.r.TLD(); got != tt.tld {
			t.Errorf("%q.TLD() = %q, want %q", tt.r, got, tt.tld)
		}
		if got := tt.r.APIURL(); got != tt.api {
			t.Errorf("%q.APIURL() = %q, want %q", tt.r, got, tt.api)
		}
		if got := tt.r.AuthURL(); got != tt.authURL {
			t.Errorf("%q.AuthURL() = %q, want %q", tt.r, got, tt.authURL)
		}
	}
}
