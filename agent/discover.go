package agent

import "context"

func (a *Agent) discoverLoop(ctx context.Context) {}
