package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// dispatch runs one decoded request. Streaming commands send their items
// themselves and return the final (possibly nil) result.
func (s *rpcServer) dispatch(ctx context.Context, req rpc.Request, args any, send func(rpc.Response) error, r *bufio.Reader) (any, error) {
	a := s.a
	switch req.Command {
	case rpc.CmdMembers:
		return rpc.MembersResult{Members: wireMembers(a.Members())}, nil
	case rpc.CmdInfo:
		return a.Info(), nil
	case rpc.CmdAuth: // the token was checked before
		return nil, nil
	case rpc.CmdJoin:
		jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		n, err := a.Join(jctx, args.(*rpc.JoinArgs).Addrs)
		return rpc.JoinResult{Contacted: n}, err
	case rpc.CmdLeave:
		lctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := a.Leave(lctx); err != nil {
			return nil, err
		}
		// Shut down after this answer is sent, as `serf leave` does.
		go func() {
			time.Sleep(100 * time.Millisecond)
			_ = a.Shutdown()
		}()
		return nil, nil
	case rpc.CmdForceLeave:
		return nil, a.ForceLeave(args.(*rpc.ForceLeaveArgs).Node)
	case rpc.CmdEvent:
		e := args.(*rpc.EventArgs)
		return nil, a.UserEvent(e.Name, e.Payload, e.Coalesce)
	case rpc.CmdTags:
		t := args.(*rpc.TagsArgs)
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if len(t.Set) > 0 || len(t.Delete) > 0 {
			if err := a.SetTags(tctx, t.Set, t.Delete); err != nil {
				return nil, err
			}
		}
		return rpc.TagsResult{Tags: a.Tags()}, nil
	case rpc.CmdKeys:
		k := args.(*rpc.KeysArgs)
		if k.Local || k.Op == string(KeyList) {
			keys, err := a.Keys(KeyOp(k.Op), k.Key)
			return rpc.KeysResult{Keys: keys}, err
		}
		kctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		res, err := a.KeysCluster(kctx, KeyOp(k.Op), k.Key)
		return rpc.KeysResult{Keys: res.Keys, Asked: res.Asked, Responded: res.Responded, Errors: res.Errors}, err
	case rpc.CmdFault:
		return s.fault(args.(*rpc.FaultArgs))
	case rpc.CmdMonitor:
		return nil, s.monitor(ctx, req.Seq, args.(*rpc.MonitorArgs), send, r)
	case rpc.CmdJournal:
		return s.journal(ctx, req.Seq, args.(*rpc.JournalArgs), send, r)
	}
	return nil, errors.New("command not implemented: " + req.Command)
}

func wireMembers(ms []Member) []rpc.Member {
	out := make([]rpc.Member, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Member)
	}
	return out
}

func (s *rpcServer) fault(fa *rpc.FaultArgs) (any, error) {
	f := s.a.Fault()
	if fa.Clear {
		f = Fault{}
	}
	if fa.Loss != nil {
		f.Loss = *fa.Loss
	}
	if fa.Partition != nil {
		f.Partition = fa.Partition
	}
	if fa.Delay != "" {
		d, _ := time.ParseDuration(fa.Delay) // validated by the decoder
		f.Delay = d
	}
	if err := s.a.SetFault(f); err != nil {
		return nil, err
	}
	return s.a.Fault(), nil
}

// watchClose cancels when the client closes its end of a stream (any
// further input on a streaming connection also ends the stream).
func watchClose(ctx context.Context, r *bufio.Reader) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = r.ReadByte()
		cancel()
	}()
	return ctx, cancel
}

func (s *rpcServer) monitor(ctx context.Context, seq uint64, ma *rpc.MonitorArgs, send func(rpc.Response) error, r *bufio.Reader) error {
	level, err := parseLogLevel(ma.LogLevel)
	if err != nil {
		return err
	}
	lines, stop := s.a.monitor.subscribe(level)
	defer stop()
	ctx, cancel := watchClose(ctx, r)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case l := <-lines:
			b, _ := json.Marshal(rpc.MonitorItem{Line: l})
			if err := send(rpc.Response{Seq: seq, Result: b, More: true}); err != nil {
				return nil
			}
		}
	}
}

func (s *rpcServer) journal(ctx context.Context, seq uint64, ja *rpc.JournalArgs, send func(rpc.Response) error, r *bufio.Reader) (any, error) {
	j := s.a.journal
	if !ja.Follow {
		return journalBatch(j, ja.Since), nil
	}
	wake, stop := j.Notify()
	defer stop()
	ctx, cancel := watchClose(ctx, r)
	defer cancel()
	since := ja.Since
	for {
		batch := journalBatch(j, since)
		if n := len(batch.Entries); n > 0 {
			since = batch.Entries[n-1].Seq
			b, _ := json.Marshal(batch)
			if err := send(rpc.Response{Seq: seq, Result: b, More: true}); err != nil {
				return nil, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-wake:
		}
	}
}

func journalBatch(j *Journal, since uint64) rpc.JournalResult {
	es := j.Since(since)
	out := make([]rpc.Entry, len(es))
	for i, e := range es {
		out[i] = e.Wire()
	}
	return rpc.JournalResult{Entries: out, FirstSeq: j.FirstSeq()}
}
