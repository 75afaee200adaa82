package reference

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// wsdlTemplate describes the three operations as WSDL 1.1, document/literal, SOAP 1.1
// binding. The element names and enumerations follow docs/PROTOCOL.md; the type names are ours,
// since they never appear on the wire.
const wsdlTemplate = `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="http://schemas.microsoft.com/exchange/services/2006/messages"
    targetNamespace="http://schemas.microsoft.com/exchange/services/2006/messages">
  <wsdl:types>
    <xs:schema targetNamespace="http://schemas.microsoft.com/exchange/services/2006/messages" elementFormDefault="qualified">
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
  </wsdl:types>
  <wsdl:message name="PlayOnPhoneSoapIn"><wsdl:part name="parameters" element="tns:PlayOnPhone"/></wsdl:message>
  <wsdl:message name="PlayOnPhoneSoapOut"><wsdl:part name="parameters" element="tns:PlayOnPhoneResponse"/></wsdl:message>
  <wsdl:message name="GetCallInfoSoapIn"><wsdl:part name="parameters" element="tns:GetCallInfo"/></wsdl:message>
  <wsdl:message name="GetCallInfoSoapOut"><wsdl:part name="parameters" element="tns:GetCallInfoResponse"/></wsdl:message>
  <wsdl:message name="DisconnectSoapIn"><wsdl:part name="parameters" element="tns:Disconnect"/></wsdl:message>
  <wsdl:message name="DisconnectSoapOut"><wsdl:part name="parameters" element="tns:DisconnectResponse"/></wsdl:message>
  <wsdl:portType name="UMServiceSoap">
    <wsdl:operation name="PlayOnPhone"><wsdl:input message="tns:PlayOnPhoneSoapIn"/><wsdl:output message="tns:PlayOnPhoneSoapOut"/></wsdl:operation>
    <wsdl:operation name="GetCallInfo"><wsdl:input message="tns:GetCallInfoSoapIn"/><wsdl:output message="tns:GetCallInfoSoapOut"/></wsdl:operation>
    <wsdl:operation name="Disconnect"><wsdl:input message="tns:DisconnectSoapIn"/><wsdl:output message="tns:DisconnectSoapOut"/></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="UMServiceSoap" type="tns:UMServiceSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="PlayOnPhone">
      <soap:operation soapAction="http://schemas.microsoft.com/exchange/services/2006/messages/PlayOnPhone" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="GetCallInfo">
      <soap:operation soapAction="http://schemas.microsoft.com/exchange/services/2006/messages/GetCallInfo" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="Disconnect">
      <soap:operation soapAction="http://schemas.microsoft.com/exchange/services/2006/messages/Disconnect" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="UMService">
    <wsdl:port name="UMServiceSoap" binding="tns:UMServiceSoap">
      <soap:address location="LOCATION"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`

// wsdl returns the service description with the endpoint address the client used.
func wsdl(location string) []byte {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(location)) // writes to a bytes.Buffer cannot fail
	return []byte(strings.Replace(wsdlTemplate, "LOCATION", esc.String(), 1))
}
