// The Date header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most once a second.
let second = -1;
let cached = '';

export function httpDate(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    cached = new Date(s * 1000).toUTCString();
  }
  return cached;
}
