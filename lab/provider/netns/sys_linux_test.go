package netns

import "testing"

func TestProcStatusParsing(t *testing.T) {
	tests := []struct {
		name         string
		status       string
		init, zombie bool
	}{
		{"holder", "Name:\tlab\nState:\tS (sleeping)\nNSpid:\t4711\t1\n", true, false},
		{"process in a node", "State:\tS (sleeping)\nNSpid:\t4712\t9\n", false, false},
		{"host process", "State:\tR (running)\nNSpid:\t1\n", false, false},
		{"zombie", "State:\tZ (zombie)\nNSpid:\t4713\t1\n", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nsInit([]byte(tt.status)); got != tt.init {
				t.Errorf("nsInit = %v, want %v", got, tt.init)
			}
			if got := zombie([]byte(tt.status)); got != tt.zombie {
				t.Errorf("zombie = %v, want %v", got, tt.zombie)
			}
		})
	}
}
