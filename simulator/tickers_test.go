package simulator

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortByKeyIsAStableSort(t *testing.T) {
	tests := []struct {
		name string
		n    int
		span int64 // keys in [0, span)
	}{
		{"empty", 0, 1},
		{"all equal", 100, 1},
		{"few distinct", 1000, 3},
		{"one digit", 1000, 1 << 16},
		{"three digits", 10_000, 1 << 40},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type kv struct {
		k int64
		v int32
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, vals := make([]int64, tt.n), make([]int32, tt.n)
			want := make([]kv, tt.n)
			for i := range keys {
				keys[i], vals[i] = rng.Int64N(tt.span), int32(i)
				want[i] = kv{keys[i], vals[i]}
			}
			slices.SortStableFunc(want, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
			sortByKey(keys, vals)
			for i, w := range want {
				if keys[i] != w.k || vals[i] != w.v {
					t.Fatalf("at %d: (%d, %d), want (%d, %d)", i, keys[i], vals[i], w.k, w.v)
				}
			}
		})
	}
}
