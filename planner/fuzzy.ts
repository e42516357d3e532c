// PostgREST's "Perhaps you meant" matching: the fuzzyset 0.2 rule its error hints use
// (cosine similarity of 3-grams, then 2-grams, of the normalized text, the best 50 rescored
// by normalized Levenshtein similarity, kept at or above a minimum score). Pure.


interface Entry {
  readonly value: string;
  /** Lower-cased value: what exact matches and the Levenshtein rescoring compare. */
  readonly key: string;
  /** gram size → (gram → count) and its euclidean norm. */
  readonly vectors: ReadonlyMap<number, { readonly grams: ReadonlyMap<string, number>; readonly norm: number }>;
}

const GRAM_SIZES = [3, 2] as const;

/** Lower-cased, then only letters, digits, whitespace and commas; enclosed in hyphens. */
const normalized = (s: string): string => '-' + s.toLowerCase().replace(/[^\p{L}\p{N}\s,]/gu, '') + '-';

function gramVector(s: string, size: number): Map<string, number> {
  const str = normalized(s);
  const out = new Map<string, number>();
  for (let i = 0; i + size <= str.length; i++) {
    const g = str.slice(i, i + size);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

const norm = (v: ReadonlyMap<string, number>): number => Math.sqrt([...v.values()].reduce((a, c) => a + c * c, 0));

/** Edit distance (insertions, deletions, substitutions of UTF-16 units). */
export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** 1 - distance / longer length, as text-metrics' levenshteinNorm. */
function similarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - levenshtein(a, b) / longer;
}

export class FuzzySet {
  private readonly entries: Entry[] = [];
  private readonly exact = new Map<string, string>();

  constructor(values: Iterable<string>) {
    for (const value of values) {
      const key = value.toLowerCase();
      if (this.exact.has(key)) continue;
      this.exact.set(key, value);
      const vectors = new Map(GRAM_SIZES.map((n) => {
        const grams = gramVector(key, n);
        return [n, { grams, norm: norm(grams) }] as const;
      }));
      this.entries.push({ value, key, vectors });
    }
  }

  /** The closest entry scoring at least `minScore` (fuzzyset's getOneWithMinScore), or null. */
  closest(query: string, minScore: number): string | null {
    const key = query.toLowerCase();
    const exact = this.exact.get(key);
    if (exact !== undefined) return exact;
    for (const size of GRAM_SIZES) {
      const q = gramVector(key, size);
      const qNorm = norm(q);
      const scored: { readonly score: number; readonly entry: Entry }[] = [];
      for (const entry of this.entries) {
        const v = entry.vectors.get(size)!;
        let dot = 0;
        for (const [g, c] of q) dot += c * (v.grams.get(g) ?? 0);
        if (dot > 0) scored.push({ score: dot / (qNorm * v.norm), entry });
      }
      const best = scored
        .sort((a, b) => b.score - a.score)
        .slice(0, 50)
        .map(({ entry }) => ({ score: similarity(key, entry.key), entry }))
        .sort((a, b) => b.score - a.score)
        .filter((m) => m.score >= minScore);
      if (best.length > 0) return best[0]!.entry.value;
    }
    return null;
  }
}

/** Minimum score of PostgREST's table and function name hints. */
export const NAME_HINT_SCORE = 0.75;
/** Minimum score of its parameter-list hints (fuzzyset's default). */
export const PARAMS_HINT_SCORE = 0.33;
