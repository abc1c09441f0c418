package chaos

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkMeasure250 measures a halt seen by 249 observers whose journals
// hold 1000 entries each: one poll of the wait loop on a large lab.
func BenchmarkMeasure250(b *testing.B) {
	var observers []string
	journals := map[string][]Entry{}
	for i := 1; i <= 250; i++ {
		n := fmt.Sprintf("web_%d", i)
		if i == 3 {
			continue
		}
		observers = append(observers, n)
		j := make([]Entry, 0, 1000)
		for k := range 999 {
			j = append(j, ent(uint64(k+1), time.Duration(k-1000)*time.Millisecond, EventJoin, fmt.Sprintf("web_%d", k%250+1)))
		}
		j = append(j, ent(1000, time.Duration(4000+i)*time.Millisecond, EventFailed, "web_3"))
		journals[n] = j
	}
	in := MeasureInput{Injected: t0, Timeout: 40 * time.Second, Outcomes: ActHalt.Outcomes(),
		Expect: SameSubjects(observers, []string{"web_3"}), Journals: journals}
	b.ReportAllocs()
	for b.Loop() {
		if r := Measure(in); r.Stats.N != 249 {
			b.Fatalf("saw %d", r.Stats.N)
		}
	}
}
