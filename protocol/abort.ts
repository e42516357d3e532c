// The abort hook a batch listens to while it waits or runs: what the pool needs of an
// AbortSignal, and AbortFlag, a cheap one-listener implementation for the HTTP hot path
// (an AbortController per request costs an EventTarget and its bookkeeping).

/** The part of AbortSignal the pool uses; AbortSignal itself satisfies it. */
export interface AbortHook {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A request's abort flag. Holds listeners in a small array: a request runs one batch at a
 * time, so there is rarely more than one. Listeners run once, on the first abort().
 */
export class AbortFlag implements AbortHook {
  aborted = false;
  private listeners: (() => void)[] | null = null;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const ls = this.listeners;
    this.listeners = null;
    if (ls !== null) for (const l of ls) l();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const ls = this.listeners;
    if (ls === null) return;
    const i = ls.indexOf(listener);
    if (i >= 0) ls.splice(i, 1);
  }
}
