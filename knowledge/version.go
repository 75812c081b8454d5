package knowledge

import (
	"runtime/debug"
	"sync"
)

const modulePath = "github.com/sessionkit/sessionkit"

// libraryVersion returns the version of this module recorded in the
// binary's build information, or "devel" when there is none, as in a
// build from a work tree without version control information.
var libraryVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	version := info.Main.Version
	if info.Main.Path != modulePath {
		version = dependencyVersion(info.Deps)
	}
	if version == "" || version == "(devel)" {
		return "devel"
	}
	return version
})

func dependencyVersion(deps []*debug.Module) string {
	for _, dep := range deps {
		if dep.Path == modulePath {
			return dep.Version
		}
	}
	return ""
}
