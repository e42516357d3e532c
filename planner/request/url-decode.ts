// Percent-decoding as PostgREST's (http-types urlDecode): every valid %XX escape becomes its
// byte, a malformed one (`%^`, a lone `%`) stays as it is, and the bytes are read as UTF-8
// with invalid sequences replaced. Pure; the fast path is the platform's decoder.

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();
const hex = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

export function lenientDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    const bytes = encoder.encode(s);
    const out = new Uint8Array(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 37 && i + 2 < bytes.length && hex(bytes[i + 1]!) >= 0 && hex(bytes[i + 2]!) >= 0) {
        out[n++] = hex(bytes[i + 1]!) * 16 + hex(bytes[i + 2]!);
        i += 2;
      } else out[n++] = b;
    }
    return utf8.decode(out.subarray(0, n));
  }
}
