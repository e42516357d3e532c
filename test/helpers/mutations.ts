// Deterministic query-string mutations for the grammar robustness tests (unit and
// integration): seed queries covering every grammar rule, a PRNG and a mutator.

export const SEEDS = [
  'select=id,name:title,year::text,details->>lang',
  'or=(id.eq.1,and(year.in.(1,2),title.like(any).{a*}),not.or(tags.cs.{a,b}))',
  'title=in.("a,b","c\\"d")&order=year.desc.nullslast&limit=3&offset=1',
  'search=wfts(english).cat&details->a->>0=eq.x',
  'not.and=(year.is.null,title.not.ilike(all).{*x*,y*})',
  '%22information.cpe%22=eq.x&select=%22information.cpe%22',
];
const ALPHABET = '.,()"\\{}[]*:->%&=!notandor0129xyz \u00e9';

/** xorshift32: reproducible mutations. */
export function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export function mutate(s: string, r: () => number): string {
  const chars = [...s];
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (chars.length + 1));
    const op = r();
    if (op < 0.4) chars.splice(at, 1);
    else if (op < 0.8) chars.splice(at, 0, ALPHABET[Math.floor(r() * ALPHABET.length)]!);
    else chars.splice(at, Math.floor(r() * 5));
  }
  return chars.join('');
}
