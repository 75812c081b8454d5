// Package redisstore is a [store.Store] and [store.Locker] that keeps
// sessions in Redis, so that many processes acting for the same users
// behave like one client. One of them refreshes or logs in at each
// expiry, and the others wait for it and then use its tokens.
//
// Give the [Store] to the Store field of
// [github.com/sessionkit/sessionkit/transport.Options]. Before each
// renewal the transport takes the session's lock with [Store.Lock] and
// loads the stored record. It adopts the stored tokens if another
// process renewed them already, and otherwise renews and saves the
// result, before it releases the lock.
//
// # Records
//
// A record is a JSON envelope with a format number. With
// [Options.EncryptionKey] set, the envelope holds the record encrypted
// with AES-GCM under a random nonce, with the session id as additional
// data. Without a key, Redis holds the bearer tokens in plain text.
//
// [Store.Save] compares versions in a Lua script, so a process never
// overwrites a newer record with an older one, unless the newer one
// cannot be decoded.
//
// # When Redis is unreachable
//
// Every call returns the client's error, and the transport renews on
// its own, as a process without a store would. The Store logs the start
// and the end of the outage once each. When Redis is reachable again,
// the next renewals take the lock again.
package redisstore
