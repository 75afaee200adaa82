// Loads the EWS endpoint's WSDL at URL?wsdl with node-soap (which fetches the EWS schema
// it imports) and calls PlayOnPhone, GetPhoneCallInformation and DisconnectPhoneCall
// through the generated client, with the RequestServerVersion header EWS clients send;
// prints one JSON line per operation.
import soap from 'soap';

const [url, itemId, dialString] = process.argv.slice(2);
const client = await soap.createClientAsync(url + '?wsdl');
client.addSoapHeader('<t:RequestServerVersion xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Version="Exchange2013"/>');
const call = async (op, args) => {
  const [result, , header] = await client[op + 'Async'](args);
  console.log(JSON.stringify({ op, result, header }));
  return result;
};
const pop = await call('PlayOnPhone', { ItemId: { attributes: { Id: itemId } }, DialString: dialString });
console.log(JSON.stringify({ op: 'PlayOnPhone-request', xml: client.lastRequest }));
const id = pop.PhoneCallId.attributes.Id;
await call('GetPhoneCallInformation', { PhoneCallId: { attributes: { Id: id } } });
await call('DisconnectPhoneCall', { PhoneCallId: { attributes: { Id: id } } });
const [unknown] = await client.GetPhoneCallInformationAsync({ PhoneCallId: { attributes: { Id: 'bm90LWEtY2FsbA==' } } });
console.log(JSON.stringify({ op: 'GetPhoneCallInformation-unknown', result: unknown }));
