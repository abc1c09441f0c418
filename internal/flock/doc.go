// Package flock holds advisory, whole-file, exclusive locks between
// processes: the lab directory's lock and the lock that serialises writers
// of .lab/known_hosts. The operating system drops a lock when its holder
// exits, even by kill -9.
package flock
