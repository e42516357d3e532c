// The one test for "a JSON object" (not null, not an array) that decoding catalog answers,
// request bodies, JWT keys and response GUCs all start from.

/** A JSON object as JSON.parse returns it: not null, not an array. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
