package reference

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if nodeSoapDir != "" {
		os.RemoveAll(nodeSoapDir) // shared by the toolkit tests, so not a t.TempDir
	}
	os.Exit(code)
}

// TestEWSWSDLDrivesNodeSoap loads the EWS endpoint's ?wsdl in node-soap, which fetches the
// EWS schema the WSDL imports from beside the endpoint, and calls the three operations
// through the generated client with a RequestServerVersion header: the EWS twin of
// TestWSDLLoadsInAMainstreamToolkit.
func TestEWSWSDLDrivesNodeSoap(t *testing.T) {
	_, lines := runNodeSoap(t, "check-ews.mjs", (*Server).EWSURL)
	result := func(op string) map[string]any { r, _ := lines[op]["result"].(map[string]any); return r }
	class := func(op string) string {
		a, _ := result(op)["attributes"].(map[string]any)
		s, _ := a["ResponseClass"].(string)
		return s
	}
	for _, op := range []string{"PlayOnPhone", "GetPhoneCallInformation", "DisconnectPhoneCall"} {
		if class(op) != "Success" || result(op)["ResponseCode"] != "NoError" {
			t.Errorf("%s through node-soap: %v", op, lines[op])
		}
		if h, _ := lines[op]["header"].(map[string]any); h["ServerVersionInfo"] == nil {
			t.Errorf("%s through node-soap: no ServerVersionInfo header read: %v", op, lines[op])
		}
	}
	info, _ := result("GetPhoneCallInformation")["PhoneCallInformation"].(map[string]any)
	if state, _ := info["PhoneCallState"].(string); state == "" || info["ConnectionFailureCause"] != "None" {
		t.Errorf("GetPhoneCallInformation through node-soap: %v", info)
	}
	if class("GetPhoneCallInformation-unknown") != "Error" || result("GetPhoneCallInformation-unknown")["ResponseCode"] != "ErrorInvalidPhoneCallId" {
		t.Errorf("an unknown PhoneCallId did not come back as ErrorInvalidPhoneCallId: %v", lines["GetPhoneCallInformation-unknown"])
	}
	if xml, _ := lines["PlayOnPhone-request"]["xml"].(string); !strings.Contains(xml, "RequestServerVersion") || !strings.Contains(xml, "ItemId") {
		t.Errorf("node-soap's PlayOnPhone request lacks the header or the ItemId: %s", xml)
	}
}
