// Splits the backend byte stream into messages in time linear in the bytes received. A message
// wholly inside one socket chunk is handed over as a view of that chunk (no copy: the hot
// path); one that spans chunks is copied once, piece by piece as chunks arrive, into a buffer
// sized from its length header. Knows nothing about what the messages mean.

/** Receives one whole message: bytes [start, end) of buf, type byte included. */
export type MessageSink = (buf: Buffer, start: number, end: number) => void;

/** Type byte plus Int32 length. */
const HEADER = 5;

export class MessageReader {
  /** A message being assembled across chunks (null when none is pending). */
  private partial: Buffer | null = null;
  /** Bytes of `partial` filled so far. */
  private filled = 0;
  /** Up to four header bytes that ended a chunk before the length was complete. */
  private readonly head = Buffer.alloc(HEADER);
  private headFilled = 0;

  /** True while a message is incomplete (tests; a clean stream ends with false). */
  get pending(): boolean {
    return this.partial !== null || this.headFilled > 0;
  }

  /**
   * Feed one chunk; calls `sink` for every message it completes, in order. Stops early (and
   * returns the offset reached) when `stopAfter` says so after a message, so the caller can
   * yield to the event loop; returns chunk.length when the chunk is consumed.
   */
  push(chunk: Buffer, sink: MessageSink, stopAfter?: (messageBytes: number) => boolean, from = 0): number {
    let offset = from;
    if (this.headFilled > 0) {
      const take = Math.min(HEADER - this.headFilled, chunk.length - offset);
      chunk.copy(this.head, this.headFilled, offset, offset + take);
      this.headFilled += take;
      offset += take;
      if (this.headFilled < HEADER) return offset;
      this.headFilled = 0;
      const length = this.head.readInt32BE(1);
      if (length < 4) throw new Error(`invalid message length ${length}`);
      const total = 1 + length;
      this.partial = Buffer.allocUnsafe(total);
      this.head.copy(this.partial, 0, 0, HEADER);
      this.filled = HEADER;
    }
    if (this.partial !== null) {
      const msg = this.partial;
      const take = Math.min(msg.length - this.filled, chunk.length - offset);
      chunk.copy(msg, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled < msg.length) return offset;
      this.partial = null;
      this.filled = 0;
      sink(msg, 0, msg.length);
      if (stopAfter !== undefined && offset < chunk.length && stopAfter(msg.length)) return offset;
    }
    // Fast path: whole messages inside this chunk are views of it.
    const len = chunk.length;
    while (len - offset >= HEADER) {
      const length = chunk.readInt32BE(offset + 1);
      if (length < 4) throw new Error(`invalid message length ${length}`);
      const end = offset + 1 + length;
      if (end > len) {
        // Started here, ends in a later chunk: copy what is here into a buffer of its size.
        const msg = Buffer.allocUnsafe(end - offset);
        chunk.copy(msg, 0, offset, len);
        this.partial = msg;
        this.filled = len - offset;
        return len;
      }
      sink(chunk, offset, end);
      const size = end - offset;
      offset = end;
      if (stopAfter !== undefined && offset < len && stopAfter(size)) return offset;
    }
    if (offset < len) {
      chunk.copy(this.head, 0, offset, len);
      this.headFilled = len - offset;
    }
    return len;
  }
}
