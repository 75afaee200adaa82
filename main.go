// Command umconform is a conformance harness for Exchange's Unified Messaging phone-call
// operations, through both APIs: the UM web service (GetCallInfo, PlayOnPhone, Disconnect)
// and EWS (GetPhoneCallInformation, PlayOnPhone, DisconnectPhoneCall). Its commands are in
// internal/cli.
package main

import (
	"context"
	"os"

	"github.com/umconform/umconform/internal/cli"
	"github.com/umconform/umconform/internal/termsafe"
)

func main() {
	stop := startProfile()
	// Every command writes text for a person or a log, some of it a target's or a
	// client's bytes: their control characters are escaped (package termsafe).
	code := cli.Main(context.Background(), cli.Prog(os.Args[0]), os.Args[1:], os.Stdin,
		termsafe.NewWriter(os.Stdout), termsafe.NewWriter(os.Stderr))
	stop()
	os.Exit(code)
}
