// Fetch-style handler for the hello benchmark (Bun / Deno / Hono convention):
// a new WHATWG Response per request, as such handlers are written.
export default {
  fetch: () => new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } }),
};
