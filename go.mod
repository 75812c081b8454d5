module github.com/sessionkit/sessionkit

go 1.26.8

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/jarcoal/httpmock v1.4.2
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.25.0
)
