// Package filestore is a [store.Store] that keeps session records in
// files on a local disk, so that a program can resume its sessions after
// a restart and several processes on one machine can share them.
//
// Each session has a JSON file of its own in the store's directory, named
// after the session id. With one file per session, a write to one
// session leaves the others untouched, so a damaged file loses no more
// than one session. Each session also has its own lock files, so
// processes that renew different sessions do not wait for each other. A file holds bearer tokens, so the directory is created
// with mode 0700 and each file with mode 0600, and [New] rejects an
// existing directory that other users can read or enter.
//
// # Writes
//
// [Store.Save] writes a temporary file in the same directory, syncs it to
// disk, renames it over the session's file and syncs the directory, so a
// reader sees the old record or the new one and never a partial write.
// Before the new record replaces the old one, the old one, if it decodes,
// is kept as a backup file ending in ".bak". Each file carries a SHA-256
// checksum of its record.
//
// [Store.Load] falls back to the backup when the session's file cannot be
// read or decoded, and logs a warning. When neither decodes, it returns a
// [*CorruptError], which wraps [store.ErrCorrupt]. The next Save moves a
// damaged file aside to a name ending in ".corrupt" and keeps the backup.
//
// # Locks
//
// Store is also a [store.Locker]: a process that renews a session holds
// that session's lock file, so processes sharing the directory renew
// each session one at a time. Saves take a second lock file per session.
// On unix systems the locks are flock(2) locks, which the kernel releases
// when the holder exits, even by a crash. They work between processes
// and between goroutines of one process alike. Keep the directory on a
// local disk: on network file systems such as NFS, flock is emulated or
// missing depending on the system, and this package was tested on local
// disks only.
//
// NOTE: On systems other than unix, such as Windows, the locks hold only
// within one process: two processes sharing a directory there may renew
// a session at the same time.
package filestore
