package generate

import (
	"fmt"
	"sync"

	"github.com/umconform/umconform/schema"
)

var (
	validatorsOnce sync.Once
	validators     map[API]*schema.Validator
	validatorsErr  error
)

// validatorFor returns the API's compiled schema, the one the harness judges answers with.
func validatorFor(api API) (*schema.Validator, error) {
	validatorsOnce.Do(func() {
		validators = map[API]*schema.Validator{}
		for a, s := range map[API]schema.API{UM: schema.UM, EWS: schema.EWS} {
			v, err := schema.Load(schema.For(s))
			if err != nil {
				validatorsErr = fmt.Errorf("compiling the %s schema: %w", a, err)
				return
			}
			validators[a] = v
		}
	})
	return validators[api], validatorsErr
}

// validateAll marks each request schema-valid or not, as the API's schema judges it: what a
// schema-validating server (EWS) must refuse is what libxml2 refuses, not what the
// operator meant to break (a foreign namespace in a lax header block breaks nothing).
func validateAll(api API, v *schema.Validator, rs []Request) error {
	if v == nil {
		var err error
		if v, err = validatorFor(api); err != nil {
			return err
		}
	}
	for i := range rs {
		res := v.ValidateAs(rs[i].Body, schema.KindRequest)
		rs[i].SchemaValid = res.Valid()
		if !res.Valid() {
			rs[i].Violation = res.Violations[0].String()
		}
	}
	return nil
}
