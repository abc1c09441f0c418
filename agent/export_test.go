package agent

import "sync"

// StallPacketHandler makes this agent's memberlist packet handler stop at
// the next user event it receives, as a CPU-starved agent's would, until
// release is called. Meanwhile memberlist keeps reading packets and
// queueing alive, dead, suspect and user messages for the handler; it
// takes them newest first once released. Only user events stop (nothing
// else takes the lock held here): probes are still answered.
func (a *Agent) StallPacketHandler() (release func()) {
	a.events.mu.Lock()
	var once sync.Once
	return func() { once.Do(a.events.mu.Unlock) }
}
