// server-timing-enabled: the Server-Timing header PostgREST sends, `jwt;dur=…, parse;dur=…,
// plan;dur=…, transaction;dur=…, response;dur=…` in milliseconds. One instance per request,
// created only when the option is on, so a disabled gateway pays a null check per phase.

export type TimingPhase = 'jwt' | 'parse' | 'plan' | 'transaction' | 'response';

export class ServerTiming {
  private last = performance.now();
  private readonly parts: string[] = [];

  /** Closes the phase that ran since the previous lap (or since the request started). */
  lap(phase: TimingPhase): void {
    const now = performance.now();
    this.parts.push(`${phase};dur=${(now - this.last).toFixed(1)}`);
    this.last = now;
  }

  /** The header value; phases a request never reached (it failed early) are left out. */
  header(): string {
    return this.parts.join(', ');
  }
}
