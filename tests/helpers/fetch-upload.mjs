/* global Blob, FormData */
// Sends GraphQL multipart uploads with Node's fetch (undici) from its own process, as a
// partner's client would (in the test's own process the server reads as fast as the client
// writes, which hides the resets a separate client meets), and prints one JSON line per answer:
//   {"status":400,"code":"BAD_REQUEST","retryAfter":null,"connection":"close"}
// or {"error":"fetch failed","cause":"EPIPE"}.
// Usage: node fetch-upload.mjs URL '{"header":"value"}' OPERATIONS FILE_BYTES TIMES
// (FILE_BYTES 0: the map names a file that is not sent).
const [url, headersJson, operations, fileBytes, times] = process.argv.slice(2);
const headers = JSON.parse(headersJson);
const file = Number(fileBytes) > 0 ? new Blob([Buffer.alloc(Number(fileBytes), 7)]) : undefined;
for (let i = 0; i < Number(times); i++) {
  const form = new FormData();
  form.append('operations', operations);
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  if (file) form.append('0', file, 'big.ogg');
  try {
    const res = await fetch(url, { method: 'POST', body: form, headers });
    const body = await res.json();
    console.log(
      JSON.stringify({
        status: res.status,
        code: body.errors?.[0]?.extensions?.code,
        retryAfter: res.headers.get('retry-after'),
        connection: res.headers.get('connection'),
      }),
    );
  } catch (err) {
    console.log(
      JSON.stringify({ error: err.message, cause: err.cause?.code ?? err.cause?.message }),
    );
  }
}
