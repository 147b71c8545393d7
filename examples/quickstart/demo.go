package main

import (
	"github.com/seedb6d25dc8/pingone"
	"github.com/seedb6d25dc8/pingone/pingonetest"
)

// startDemo starts pingonetest, an in-memory PingOne, in this process and returns a client for
// it, its environment, and a function that stops it. This file is the demo path: a program
// against a real tenant needs none of it (see connect in main.go).
func startDemo() (*pingone.Client, string, func(), error) {
	srv := pingonetest.NewServer()
	c, err := srv.Client(pingone.WithUserAgent("pingone-quickstart"))
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return c, srv.EnvironmentID, srv.Close, nil
}
