module github.com/sessionkit/sessionkit/bench

go 1.26.8

require (
	github.com/sessionkit/sessionkit v0.0.0
	golang.org/x/oauth2 v0.38.0
)

require (
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
	golang.org/x/sync v0.25.0 // indirect
)

replace github.com/sessionkit/sessionkit => ../
