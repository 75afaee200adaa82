package reference

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// ewsWSDLTemplate describes the three EWS UM operations as Exchange's Services.wsdl does
// (MS-OXWUMS 3.1.4.4 gives GetPhoneCallInformation's port type and binding): document/
// literal over SOAP 1.1, the request in a part named request, RequestServerVersion as an
// input header and ServerVersionInfo as an output header. The types are the embedded EWS
// schema itself, imported from beside the endpoint (/EWS/ews-messages.xsd), as Exchange
// imports messages.xsd and types.xsd.
const ewsWSDLTemplate = `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="http://schemas.microsoft.com/exchange/services/2006/messages"
    xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"
    targetNamespace="http://schemas.microsoft.com/exchange/services/2006/messages">
  <wsdl:types>
    <xs:schema>
      <xs:import namespace="http://schemas.microsoft.com/exchange/services/2006/messages" schemaLocation="SCHEMA"/>
    </xs:schema>
  </wsdl:types>
OPERATIONS  <wsdl:portType name="ExchangeServicePortType">
PORTS  </wsdl:portType>
  <wsdl:binding name="ExchangeServiceBinding" type="tns:ExchangeServicePortType">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
BINDINGS  </wsdl:binding>
  <wsdl:service name="ExchangeServices">
    <wsdl:port name="ExchangeServicePort" binding="tns:ExchangeServiceBinding">
      <soap:address location="LOCATION"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`

// ewsWSDL returns the EWS service description for the endpoint the client used.
func ewsWSDL(location string) []byte {
	var msgs, ports, bindings strings.Builder
	for _, op := range []string{"PlayOnPhone", "GetPhoneCallInformation", "DisconnectPhoneCall"} {
		msgs.WriteString(`  <wsdl:message name="` + op + `SoapIn">
    <wsdl:part name="request" element="tns:` + op + `"/>
    <wsdl:part name="RequestVersion" element="t:RequestServerVersion"/>
  </wsdl:message>
  <wsdl:message name="` + op + `SoapOut">
    <wsdl:part name="` + op + `Result" element="tns:` + op + `Response"/>
    <wsdl:part name="ServerVersion" element="t:ServerVersionInfo"/>
  </wsdl:message>
`)
		ports.WriteString(`    <wsdl:operation name="` + op + `"><wsdl:input message="tns:` + op + `SoapIn"/><wsdl:output message="tns:` + op + `SoapOut"/></wsdl:operation>
`)
		bindings.WriteString(`    <wsdl:operation name="` + op + `">
      <soap:operation soapAction="http://schemas.microsoft.com/exchange/services/2006/messages/` + op + `"/>
      <wsdl:input>
        <soap:body parts="request" use="literal"/>
        <soap:header message="tns:` + op + `SoapIn" part="RequestVersion" use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body parts="` + op + `Result" use="literal"/>
        <soap:header message="tns:` + op + `SoapOut" part="ServerVersion" use="literal"/>
      </wsdl:output>
    </wsdl:operation>
`)
	}
	var loc bytes.Buffer
	_ = xml.EscapeText(&loc, []byte(location)) // writes to a bytes.Buffer cannot fail
	schemaURL := location[:strings.LastIndexByte(location, '/')+1] + "ews-messages.xsd"
	var sch bytes.Buffer
	_ = xml.EscapeText(&sch, []byte(schemaURL))
	return []byte(strings.NewReplacer("OPERATIONS", msgs.String(), "PORTS", ports.String(), "BINDINGS", bindings.String(),
		"LOCATION", loc.String(), "SCHEMA", sch.String()).Replace(ewsWSDLTemplate))
}
