// Package sessiontest provides a fake knowledge service for tests of code
// that logs in, refreshes tokens and calls a protected API.
//
// A [Server] implements three endpoints of the service:
//
//   - POST [LoginPath] checks the x-tenant-api-key header and issues a token
//     pair for the ExternalUserId of the JSON body.
//   - POST [RefreshPath] rotates the refresh token of the JSON body: it
//     issues a new pair and marks the old refresh token as used. Presenting
//     a used refresh token again fails with 401 and counts as reuse in
//     [Stats.RefreshReuse]. Reuse does not revoke the newer tokens.
//   - Any method on [APIPath], or a path below it, checks the bearer token of
//     the Authorization header. It responds 200 with an [APIResponse] that
//     describes the request, or 401 with WWW-Authenticate:
//     Bearer error="invalid_token".
//
// Login and refresh responses have the JSON body {"accessToken",
// "refreshToken", "expirationDate"}, with the date in RFC 3339 form in UTC.
// Error responses have the body {"message": "..."}, and no message
// contains a token or key. Login and refresh also check the request form
// that the protocol defines, and reject a method other than POST (405), an
// Authorization header (400) and a Content-Type other than
// application/json (415).
//
// Access tokens are JWTs signed with HS256 and a key that is random per
// Server. Their claims are tenant, roles, exp and iat (integer seconds),
// iss (the server's base URL), ext-sub (the external user id) and a random
// jti that makes each token unique. Refresh tokens are opaque random
// strings that never expire.
//
// [NewServer] serves on a loopback [httptest.Server]. [NewMock] serves
// through an [httpmock.MockTransport], without a network server, and both
// run the same [Server.ServeHTTP]:
//
//	mt := httpmock.NewMockTransport()
//	fake := sessiontest.NewMock(mt, "https://kg.example.com")
//	defer fake.Close()
//	client := &http.Client{Transport: mt}
//
// A test sets up state with [Server.Issue] and the revocation methods,
// injects faults per [Endpoint] with [Server.FailNext], [Server.DelayNext],
// [Server.DropNext] and [Server.SetLatency], and checks the outcome with
// [Server.Stats], [Server.SeenTokens] and [Server.IssuedSecrets]. [NewJWT]
// makes tokens with arbitrary claims for tests that only decode them.
//
// The package imports no other sessionkit package, so every package of the
// module can use it in its tests.
package sessiontest
