package bench

import (
	"context"
	"net/http"
	"reflect"
	"testing"
)

// TestRoundTripLeavesRequestUntouched checks that the transports of the
// fast-path benchmarks change nothing in the caller's request, as the
// contract of [http.RoundTripper] demands, so that the benchmarks
// compare transports that honor it.
func TestRoundTripLeavesRequestUntouched(t *testing.T) {
	for _, tc := range newTransportCases(t, newCannedTransport) {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, context.Background())
			before := *req
			wantHeader := req.Header.Clone()
			wantURL := *req.URL

			if err := roundTrip(tc.rt, req); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(req.Header, wantHeader) {
				t.Errorf("caller's Header = %v; want %v", req.Header, wantHeader)
			}
			if *req.URL != wantURL {
				t.Errorf("caller's URL = %v; want %v", req.URL, &wantURL)
			}
			if !reflect.DeepEqual(*req, before) {
				t.Errorf("caller's request fields changed")
			}
		})
	}
}

// recordingTransport is a canned base transport that stores the
// Authorization header of the last request it received.
type recordingTransport struct {
	canned        http.RoundTripper
	authorization string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.authorization = req.Header.Get("Authorization")
	return r.canned.RoundTrip(req)
}

// TestBenchmarkTransportsSendToken checks that the token reaches the
// base transport, so the fast-path benchmarks measure requests that
// carry it.
func TestBenchmarkTransportsSendToken(t *testing.T) {
	var bases []*recordingTransport
	newBase := func() http.RoundTripper {
		r := &recordingTransport{canned: newCannedTransport()}
		bases = append(bases, r)
		return r
	}
	cases := newTransportCases(t, newBase)
	want := "Bearer " + newAccessToken("user-1")
	for i, tc := range cases {
		if err := roundTrip(tc.rt, newRequest(t, context.Background())); err != nil {
			t.Fatal(err)
		}
		got := bases[i].authorization
		switch {
		case tc.name == "bare" && got != "":
			t.Errorf("%s: Authorization is set; want it absent", tc.name)
		case tc.name != "bare" && got != want:
			t.Errorf("%s: Authorization has %d bytes; want the %d bytes of the bearer token",
				tc.name, len(got), len(want))
		}
	}
}
