package reference

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// wsdlData is what differs between the two APIs' service descriptions, WSDL 1.1 documents
// of the same skeleton (document/literal over SOAP 1.1, one port): their names, their
// types, and how each operation's messages and bound input and output read. describe
// writes the skeleton once for either.
type wsdlData struct {
	decls                            string // namespace declarations besides wsdl, soap, xs and tns
	types                            func(location string) string
	portType, binding, service, port string
	ops                              []string
	messages                         func(op string) string // the operation's wsdl:message elements
	bound                            func(op string) string // its soap:operation, input and output in the binding
}

// describe returns the service description of the operations ops with the endpoint address
// the client used.
func (w wsdlData) describe(location string, ops []string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="` + MessagesNamespace + `"
` + w.decls + `    targetNamespace="` + MessagesNamespace + `">
  <wsdl:types>
` + w.types(location) + `  </wsdl:types>
`)
	for _, op := range ops {
		b.WriteString(w.messages(op))
	}
	b.WriteString(`  <wsdl:portType name="` + w.portType + `">
`)
	for _, op := range ops {
		b.WriteString(`    <wsdl:operation name="` + op + `"><wsdl:input message="tns:` + op + `SoapIn"/><wsdl:output message="tns:` + op + `SoapOut"/></wsdl:operation>
`)
	}
	b.WriteString(`  </wsdl:portType>
  <wsdl:binding name="` + w.binding + `" type="tns:` + w.portType + `">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
`)
	for _, op := range ops {
		b.WriteString(`    <wsdl:operation name="` + op + `">
` + w.bound(op) + `    </wsdl:operation>
`)
	}
	b.WriteString(`  </wsdl:binding>
  <wsdl:service name="` + w.service + `">
    <wsdl:port name="` + w.port + `" binding="tns:` + w.binding + `">
      <soap:address location="` + xmlText(location) + `"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`)
	return []byte(b.String())
}

func xmlText(s string) string {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(s)) // writes to a bytes.Buffer cannot fail
	return esc.String()
}

// umWSDL describes the UM web service's three operations. The types are inline; the element
// names and enumerations follow docs/PROTOCOL.md; the type names are ours, since they never
// appear on the wire.
var umWSDL = wsdlData{
	types:    func(string) string { return umWSDLTypes },
	portType: "UMServiceSoap", binding: "UMServiceSoap", service: "UMService", port: "UMServiceSoap",
	messages: func(op string) string {
		return `  <wsdl:message name="` + op + `SoapIn"><wsdl:part name="parameters" element="tns:` + op + `"/></wsdl:message>
  <wsdl:message name="` + op + `SoapOut"><wsdl:part name="parameters" element="tns:` + op + `Response"/></wsdl:message>
`
	},
	bound: func(op string) string {
		return `      <soap:operation soapAction="` + MessagesNamespace + `/` + op + `" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
`
	},
}

// ewsWSDL describes the three EWS UM operations as Exchange's Services.wsdl does
// (MS-OXWUMS 3.1.4.4 gives GetPhoneCallInformation's port type and binding): the request in
// a part named request, RequestServerVersion as an input header and ServerVersionInfo as an
// output header. The types are the embedded EWS schema itself, imported from beside the
// endpoint (/EWS/ews-messages.xsd), as Exchange imports messages.xsd and types.xsd.
var ewsWSDL = wsdlData{
	decls: `    xmlns:t="` + TypesNamespace + `"
`,
	types: func(location string) string {
		return `    <xs:schema>
      <xs:import namespace="` + MessagesNamespace + `" schemaLocation="` +
			xmlText(location[:strings.LastIndexByte(location, '/')+1]+"ews-messages.xsd") + `"/>
    </xs:schema>
`
	},
	portType: "ExchangeServicePortType", binding: "ExchangeServiceBinding", service: "ExchangeServices", port: "ExchangeServicePort",
	messages: func(op string) string {
		return `  <wsdl:message name="` + op + `SoapIn">
    <wsdl:part name="request" element="tns:` + op + `"/>
    <wsdl:part name="RequestVersion" element="t:RequestServerVersion"/>
  </wsdl:message>
  <wsdl:message name="` + op + `SoapOut">
    <wsdl:part name="` + op + `Result" element="tns:` + op + `Response"/>
    <wsdl:part name="ServerVersion" element="t:ServerVersionInfo"/>
  </wsdl:message>
`
	},
	bound: func(op string) string {
		return `      <soap:operation soapAction="` + MessagesNamespace + `/` + op + `"/>
      <wsdl:input>
        <soap:body parts="request" use="literal"/>
        <soap:header message="tns:` + op + `SoapIn" part="RequestVersion" use="literal"/>
      </wsdl:input>
      <wsdl:output>
        <soap:body parts="` + op + `Result" use="literal"/>
        <soap:header message="tns:` + op + `SoapOut" part="ServerVersion" use="literal"/>
      </wsdl:output>
`
	},
}

// umWSDLTypes is the UM web service's schema, inline in its description.
const umWSDLTypes = `    <xs:schema targetNamespace="http://schemas.microsoft.com/exchange/services/2006/messages" elementFormDefault="qualified">
      <xs:simpleType name="UMCallState">
        <xs:restriction base="xs:string">
          <xs:enumeration value="Idle"/>
          <xs:enumeration value="Connecting"/>
          <xs:enumeration value="Alerted"/>
          <xs:enumeration value="Connected"/>
          <xs:enumeration value="Disconnected"/>
          <xs:enumeration value="Incoming"/>
          <xs:enumeration value="Transferring"/>
          <xs:enumeration value="Forwarding"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:simpleType name="UMEventCause">
        <xs:restriction base="xs:string">
          <xs:enumeration value="None"/>
          <xs:enumeration value="UserBusy"/>
          <xs:enumeration value="NoAnswer"/>
          <xs:enumeration value="Unavailable"/>
          <xs:enumeration value="Other"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:complexType name="CallInfoType">
        <xs:sequence>
          <xs:element name="CallState" type="tns:UMCallState"/>
          <xs:element name="EventCause" type="tns:UMEventCause"/>
        </xs:sequence>
      </xs:complexType>
      <xs:element name="PlayOnPhone">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="entryId" type="xs:string"/>
            <xs:element name="DialString" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="PlayOnPhoneResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="PlayOnPhoneResponse" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="GetCallInfo">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="CallId" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="GetCallInfoResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="GetCallInfoResponse" type="tns:CallInfoType"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="Disconnect">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="CallId" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="DisconnectResponse">
        <xs:complexType/>
      </xs:element>
    </xs:schema>
`
