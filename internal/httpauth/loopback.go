package httpauth

import (
	"net"
	"strings"
)

// IsLoopback reports whether host, a host name without a port, is
// "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
