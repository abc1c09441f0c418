package simulator

// bitset is a set of node indices, one bit each: a flag read for random
// nodes (is it up, has it something queued, is it a subject) costs a
// cache line per 512 nodes instead of one per node.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) get(i int32) bool { return b[i>>6]&(1<<(i&63)) != 0 }

func (b bitset) set(i int32, v bool) {
	if v {
		b[i>>6] |= 1 << (i & 63)
	} else {
		b[i>>6] &^= 1 << (i & 63)
	}
}
