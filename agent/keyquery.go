package agent

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Cluster-wide keyring operations, as `serf keys`: the agent applies the
// operation, sends it to every alive member over memberlist's reliable
// (TCP, encrypted) channel, and each member applies it and answers.
const (
	msgKeyRequest  byte = 3
	msgKeyResponse byte = 4
)

type keyRequest struct {
	ID     uint64
	Origin string
	Op     KeyOp
	Key    string
}

type keyResponse struct {
	ID    uint64
	Node  string
	Error string
}

func encodeKeyRequest(r keyRequest) []byte {
	b := []byte{msgKeyRequest}
	b = binary.AppendUvarint(b, r.ID)
	b = appendString(b, r.Origin)
	b = appendString(b, string(r.Op))
	return appendString(b, r.Key)
}

func decodeKeyRequest(b []byte) (keyRequest, error) {
	if len(b) < 2 || b[0] != msgKeyRequest {
		return keyRequest{}, errShortMessage
	}
	rd := reader{b: b[1:]}
	r := keyRequest{ID: rd.uvarint()}
	r.Origin = string(rd.bytes())
	r.Op = KeyOp(rd.bytes())
	r.Key = string(rd.bytes())
	return r, rd.err
}

func encodeKeyResponse(r keyResponse) []byte {
	b := []byte{msgKeyResponse}
	b = binary.AppendUvarint(b, r.ID)
	b = appendString(b, r.Node)
	return appendString(b, r.Error)
}

func decodeKeyResponse(b []byte) (keyResponse, error) {
	if len(b) < 2 || b[0] != msgKeyResponse {
		return keyResponse{}, errShortMessage
	}
	rd := reader{b: b[1:]}
	r := keyResponse{ID: rd.uvarint()}
	r.Node = string(rd.bytes())
	r.Error = string(rd.bytes())
	return r, rd.err
}

// KeysResult is the outcome of a cluster-wide key operation.
type KeysResult struct {
	Keys      []string          `json:"keys"`      // this agent's keys afterwards, primary first
	Asked     int               `json:"asked"`     // other members asked
	Responded int               `json:"responded"` // of those, how many answered
	Errors    map[string]string `json:"errors"`    // member -> error (failed or no answer)
}

// KeysCluster applies op (install, use or remove) on this agent and on
// every alive member, waiting for their answers until ctx ends (or all
// answered). list only reads this agent's keys.
func (a *Agent) KeysCluster(ctx context.Context, op KeyOp, key string) (KeysResult, error) {
	keys, err := a.Keys(op, key)
	if err != nil || op == KeyList {
		return KeysResult{Keys: keys, Errors: map[string]string{}}, err
	}
	ml, err := a.running()
	if err != nil {
		return KeysResult{}, err
	}
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	id := binary.LittleEndian.Uint64(idb[:])
	ch := make(chan keyResponse, 64)
	a.mu.Lock()
	if a.keyWaiters == nil {
		a.keyWaiters = map[uint64]chan keyResponse{}
	}
	a.keyWaiters[id] = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.keyWaiters, id)
		a.mu.Unlock()
	}()

	msg := encodeKeyRequest(keyRequest{ID: id, Origin: a.cfg.NodeName, Op: op, Key: key})
	res := KeysResult{Keys: keys, Errors: map[string]string{}}
	pending := map[string]bool{}
	for _, n := range ml.Members() {
		if n.Name == a.cfg.NodeName {
			continue
		}
		res.Asked++
		if err := ml.SendReliable(n, msg); err != nil {
			res.Errors[n.Name] = "not reached: " + err.Error()
			continue
		}
		pending[n.Name] = true
	}
	for len(pending) > 0 {
		select {
		case <-ctx.Done():
			for n := range pending {
				res.Errors[n] = "no answer before the timeout"
			}
			pending = nil
		case r := <-ch:
			if !pending[r.Node] {
				continue
			}
			delete(pending, r.Node)
			res.Responded++
			if r.Error != "" {
				res.Errors[r.Node] = r.Error
			}
		}
	}
	return res, nil
}

// receiveKeyRequest applies a member's key operation here and answers.
// It runs on memberlist's goroutine: the answer is sent from another.
func (a *Agent) receiveKeyRequest(r keyRequest) {
	resp := keyResponse{ID: r.ID, Node: a.cfg.NodeName}
	switch r.Op {
	case KeyInstall, KeyUse, KeyRemove:
		if _, err := a.Keys(r.Op, r.Key); err != nil {
			resp.Error = err.Error()
		}
	default:
		resp.Error = fmt.Sprintf("unknown key operation %q", r.Op)
	}
	a.logger.Info("key operation requested by a member", "op", string(r.Op), "from", r.Origin, "err", resp.Error)
	go func() {
		ml, err := a.running()
		if err != nil {
			return
		}
		for _, n := range ml.Members() {
			if n.Name == r.Origin {
				if err := ml.SendReliable(n, encodeKeyResponse(resp)); err != nil {
					a.logger.Warn("cannot answer key operation", "to", r.Origin, "err", err)
				}
				return
			}
		}
	}()
}

func (a *Agent) receiveKeyResponse(r keyResponse) {
	a.mu.Lock()
	ch := a.keyWaiters[r.ID]
	a.mu.Unlock()
	if ch != nil {
		select {
		case ch <- r:
		default:
		}
	}
}
