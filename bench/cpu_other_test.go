//go:build !unix

package bench

import "time"

// processCPU returns 0: the CPU time of the process is read only on
// unix systems.
func processCPU() time.Duration { return 0 }
