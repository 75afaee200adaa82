// Loads the WSDL at URL?wsdl with node-soap and calls PlayOnPhone, GetCallInfo and
// Disconnect through the generated client; prints one JSON line per operation.
import soap from 'soap';

const [url, entryId, dialString] = process.argv.slice(2);
const client = await soap.createClientAsync(url + '?wsdl');
const [pop] = await client.PlayOnPhoneAsync({ entryId, DialString: dialString });
console.log(JSON.stringify({ op: 'PlayOnPhone', result: pop }));
const callId = pop.PlayOnPhoneResponse;
const [info] = await client.GetCallInfoAsync({ CallId: callId });
console.log(JSON.stringify({ op: 'GetCallInfo', result: info }));
const [dc] = await client.DisconnectAsync({ CallId: callId });
console.log(JSON.stringify({ op: 'Disconnect', result: dc }));
try {
  await client.GetCallInfoAsync({ CallId: 'bm90LWEtY2FsbA==' });
  console.log(JSON.stringify({ op: 'GetCallInfo-unknown', result: 'no fault' }));
} catch (err) {
  console.log(JSON.stringify({ op: 'GetCallInfo-unknown', fault: err.root?.Envelope?.Body?.Fault ?? String(err) }));
}
