package oauth2grant

import (
	"encoding/base64"
	"net/url"
)

// Maximum lengths of the server's text in an [*Error].
const (
	maxDescriptionBytes = 256
	maxCodeBytes        = 64
)

// basicCredentials returns the value that follows "Basic " in the
// Authorization header for the client id and secret.
func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
