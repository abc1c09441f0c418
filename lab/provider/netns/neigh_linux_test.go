package netns

import "testing"

func TestNeighbourEntries(t *testing.T) {
	for _, tc := range []struct{ n, atLeast int }{{10, 90}, {52, 52 * 51}, {250, 250 * 249}} {
		if got := neighbourEntries(tc.n); got < tc.atLeast {
			t.Errorf("neighbourEntries(%d) = %d, want at least %d", tc.n, got, tc.atLeast)
		}
	}
}
