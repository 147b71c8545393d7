package pingone

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecretsNeverLeak runs failing and succeeding calls with a debug logger and checks that
// neither the client secret nor any token appears in a log line, an error or a %v of the client.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []string

	refused := &tokenServer{refuse: true}
	c, _ := newWorkerMock(t, refused, WithLogger(logger))
	_, err := c.Populations.Get(t.Context(), testEnv, testPop)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "credentials were refused") {
		t.Errorf("refused credentials: err = %v, want ErrUnauthorized saying the credentials were refused", err)
	}
	errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))

	good := &tokenServer{}
	c, mt := newWorkerMock(t, good, WithLogger(logger))
	for _, r := range []response{status(500, `{"code":"UNEXPECTED_ERROR"}`), status(401, `{}`), status(404, `{}`), ok(`{"id":"p","name":"n"}`), status(429, `{}`)} {
		answer(mt, r)
		_, err := c.Populations.Get(t.Context(), testEnv, testPop)
		if err != nil {
			errs = append(errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	errs = append(errs, fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c.tokens), fmt.Sprintf("%#v", c.tokens))
	for _, s := range errs {
		if containsSecret(s) {
			t.Errorf("secret leaked: %s", s)
		}
	}
	if containsSecret(logs.String()) {
		t.Errorf("secret leaked into logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "attempt=") || !strings.Contains(logs.String(), "status=500") {
		t.Errorf("logs lack attempts and statuses:\n%s", logs.String())
	}
}

func TestEchoedCredentialsNeverInErrors(t *testing.T) {
	const clientID = "client/id+1"
	const secret = "s3cr3t/+=&VALUE " + testSecret
	forbidden := []string{secret, testSecret, testToken, url.QueryEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID) + ":" + url.QueryEscape(secret))),
		base64.StdEncoding.EncodeToString([]byte(clientID + ":" + secret))}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		var apiErr *APIError
		errors.As(err, &apiErr)
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			for _, v := range []any{err, apiErr} {
				got := fmt.Sprintf(f, v)
				for _, s := range forbidden {
					if strings.Contains(got, s) {
						t.Fatalf("%s of the error holds the credential %q:\n%s", f, s, got)
					}
				}
			}
		}
	}
	for _, jsonBody := range []bool{true, false} {
		for _, method := range []TokenAuthMethod{"", ClientSecretBasic, ClientSecretPost} {
			t.Run(fmt.Sprintf("token endpoint json=%v %s", jsonBody, method), func(t *testing.T) {
				srv := echoServer(t, http.StatusUnauthorized, jsonBody)
				c, err := NewWorkerClient("", testEnv, clientID, secret, WithBaseURL(srv.URL+"/v1"), WithAuthURL(srv.URL),
					WithRetryPolicy(fastRetry()), WithTokenAuthMethod(method))
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Populations.Get(t.Context(), testEnv, testPop)
				check(t, err)
			})
		}
		t.Run(fmt.Sprintf("API json=%v", jsonBody), func(t *testing.T) {
			srv := echoServer(t, http.StatusBadRequest, jsonBody)
			c, err := NewClient("", staticToken(), WithBaseURL(srv.URL+"/v1"), WithRetryPolicy(fastRetry()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Populations.Get(t.Context(), testEnv, testPop)
			check(t, err)
		})
	}
	t.Run("a 200 whose fields echo the token fails to decode without quoting it", func(t *testing.T) {
		c, mt := newMockClient(t)
		answer(mt, ok(`{"id":"p","name":"n","userCount":"Bearer `+testToken+`","default":"`+testToken+`"}`))
		_, err := c.Populations.Get(t.Context(), testEnv, testPop)
		check(t, err)
	})
}
