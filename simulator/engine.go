package simulator

import "errors"

type engine struct{}

func newEngine(cfg Config, net Network, sc Scenario, seed uint64) (*engine, error) {
	return nil, errors.New("simulator engine: not implemented yet")
}

func (e *engine) run() Result { return Result{} }
