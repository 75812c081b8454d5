package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/session"
	"github.com/sessionkit/sessionkit/store"
)

// formatVersion is the version of the envelope and payload layout below.
// A record with another format is reported as corrupt.
const formatVersion = 1

// cipherName names the only cipher an envelope can use.
const cipherName = "AES-GCM"

// envelope is the JSON value stored in Redis. A plain envelope contains
// Record. An encrypted one contains Cipher, Nonce and Sealed, which is
// the AES-GCM encryption of the payload JSON, tag included.
type envelope struct {
	Format int             `json:"format"`
	Record json.RawMessage `json:"record,omitempty"`
	Cipher string          `json:"cipher,omitempty"`
	Nonce  []byte          `json:"nonce,omitempty"`
	Sealed []byte          `json:"sealed,omitempty"`
}

// payload is the JSON form of a [store.Record].
type payload struct {
	SessionID    string    `json:"sessionId"`
	Kind         string    `json:"kind"`
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Version      int64     `json:"version"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// codec turns records into envelopes and back. With a nil aead it
// writes and accepts only plain records, and with an aead only
// encrypted ones. Safe for concurrent use.
type codec struct {
	aead cipher.AEAD
}

func newCodec(key []byte) (*codec, error) {
	if key == nil {
		return &codec{}, nil
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, KeySizeError(len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	return &codec{aead: aead}, nil
}

// encode returns the envelope of r. The session id is the additional
// data of the encryption, so a sealed record copied to the key of
// another session fails to decrypt.
func (c *codec) encode(r store.Record) ([]byte, error) {
	if _, ok := parseKind(r.Kind.String()); !ok {
		return nil, fmt.Errorf("invalid session kind %s", r.Kind)
	}
	if r.AccessToken == "" {
		return nil, errors.New("record has no access token")
	}
	plain, err := json.Marshal(payload{
		SessionID:    r.SessionID,
		Kind:         r.Kind.String(),
		AccessToken:  r.AccessToken,
		RefreshToken: r.RefreshToken,
		Version:      r.Version,
		UpdatedAt:    r.UpdatedAt.UTC(),
	})
	if err != nil {
		return nil, err
	}
	env := envelope{Format: formatVersion}
	if c.aead == nil {
		env.Record = plain
		return json.Marshal(env)
	}
	env.Cipher = cipherName
	env.Nonce = make([]byte, c.aead.NonceSize())
	rand.Read(env.Nonce) // never returns an error; see crypto/rand.Read
	env.Sealed = c.aead.Seal(nil, env.Nonce, plain, []byte(r.SessionID))
	return json.Marshal(env)
}

// decode returns the record that data contains for the session id.
// Every error wraps [store.ErrCorrupt] and describes the defect in fixed
// words, because data may contain tokens and no error may quote it.
func (c *codec) decode(id string, data []byte) (store.Record, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return store.Record{}, corrupt("value is not a JSON envelope")
	}
	if env.Format != formatVersion {
		return store.Record{}, corrupt(fmt.Sprintf("unsupported format %d", env.Format))
	}
	plain, err := c.open(id, env)
	if err != nil {
		return store.Record{}, err
	}
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return store.Record{}, corrupt("record is not valid JSON")
	}
	return p.record(id)
}

// open returns the payload JSON of env, decrypted when it is sealed.
func (c *codec) open(id string, env envelope) ([]byte, error) {
	sealed := env.Cipher != "" || env.Sealed != nil
	switch {
	case sealed && c.aead == nil:
		return nil, corrupt("record is encrypted and no EncryptionKey is set")
	case !sealed && c.aead != nil:
		return nil, corrupt("record is not encrypted but an EncryptionKey is set")
	case !sealed:
		if env.Record == nil {
			return nil, corrupt("envelope has no record")
		}
		return env.Record, nil
	case env.Cipher != cipherName:
		return nil, corrupt(fmt.Sprintf("unsupported cipher %q", env.Cipher))
	case len(env.Nonce) != c.aead.NonceSize():
		return nil, corrupt("invalid nonce size")
	}
	plain, err := c.aead.Open(nil, env.Nonce, env.Sealed, []byte(id))
	if err != nil {
		return nil, corrupt("decryption failed: wrong key, or the value was altered or belongs to another session")
	}
	return plain, nil
}

// record checks p against the session id it was loaded for.
func (p payload) record(id string) (store.Record, error) {
	kind, ok := parseKind(p.Kind)
	switch {
	case p.SessionID != id:
		return store.Record{}, corrupt("record belongs to another session")
	case !ok:
		return store.Record{}, corrupt(fmt.Sprintf("unknown session kind %q", p.Kind))
	case p.AccessToken == "":
		return store.Record{}, corrupt("record has no access token")
	}
	return store.Record{
		SessionID:    p.SessionID,
		Kind:         kind,
		AccessToken:  p.AccessToken,
		RefreshToken: p.RefreshToken,
		Version:      p.Version,
		UpdatedAt:    p.UpdatedAt,
	}, nil
}

// parseKind is the inverse of [session.Kind.String].
func parseKind(s string) (session.Kind, bool) {
	for _, k := range []session.Kind{session.Timed, session.Refreshable, session.Permanent} {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// corrupt returns an error wrapping [store.ErrCorrupt] with the reason.
func corrupt(reason string) error {
	return fmt.Errorf("%w: %s", store.ErrCorrupt, reason)
}
