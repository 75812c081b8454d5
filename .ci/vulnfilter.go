// Command vulnfilter reads the JSON output of govulncheck from standard
// input, prints one line per vulnerability the code calls, and exits 1
// when one of them is in a module the project requires. Vulnerabilities
// of the standard library are printed as warnings only, because the Go
// release on the build machines is fixed and cannot be upgraded there.
//
//	govulncheck -format json ./... | go run .ci/vulnfilter.go
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

type message struct {
	Finding *finding `json:"finding"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Function string `json:"function"`
}

func main() {
	called, err := calledFindings(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnfilter:", err)
		os.Exit(2)
	}
	failed := false
	for _, f := range called {
		top := f.Trace[0]
		kind := "warning (standard library)"
		if top.Module != "stdlib" {
			kind = "FAIL (dependency)"
			failed = true
		}
		fmt.Printf("%s: %s in %s@%s, fixed in %s\n", kind, f.OSV, top.Module, top.Version, f.FixedVersion)
	}
	fmt.Printf("vulnfilter: %d called vulnerabilities\n", len(called))
	if failed {
		os.Exit(1)
	}
}

// calledFindings returns one finding per vulnerability whose trace
// reaches a function, that is, one the code calls.
func calledFindings(r io.Reader) ([]finding, error) {
	dec := json.NewDecoder(r)
	var out []finding
	var seen []string
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" || slices.Contains(seen, f.OSV) {
			continue
		}
		seen = append(seen, f.OSV)
		out = append(out, *f)
	}
}
