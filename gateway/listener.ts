// The dedicated LISTEN connection for `NOTIFY pgrst, 'reload schema' | 'reload config'`
// (db-channel). Reconnects with backoff 1 s doubling to 32 s and asks for a schema reload after
// reconnecting, since notifications sent meanwhile were lost.

import { Connection, type ConnInfo } from '../protocol/index.js';
import { quoteIdent } from '../planner/index.js';

export type Notification = 'reload schema' | 'reload config';

export interface Listener {
  stop(): Promise<void>;
}

/** PostgREST's payloads: an empty payload means a schema reload; anything else is ignored. */
export function classifyPayload(payload: string): Notification | null {
  if (payload === '' || payload === 'reload schema') return 'reload schema';
  if (payload === 'reload config') return 'reload config';
  return null;
}

export function startListener(info: ConnInfo, channel: string, onNotify: (n: Notification) => void, log: (line: string) => void): Listener {
  let conn: Connection | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let delay = 1000;

  const connect = async (reconnecting: boolean): Promise<void> => {
    if (stopped) return;
    try {
      const c = await Connection.connect(info, {
        statementCacheSize: 1,
        preparedStatements: false,
        onNotification: (ch, payload) => {
          if (ch !== channel) return;
          const n = classifyPayload(payload);
          if (n !== null) onNotify(n);
        },
      });
      if (stopped) {
        await c.close();
        return;
      }
      await c.send([{ text: `LISTEN ${quoteIdent(channel)}`, params: [] }]);
      conn = c;
      delay = 1000;
      log(`Listening for notifications on the ${channel} channel`);
      c.onClose(() => {
        if (stopped) return;
        log('The notification listener lost its connection; retrying');
        schedule();
      });
      if (reconnecting) onNotify('reload schema');
    } catch (err) {
      log(`Could not start the notification listener: ${err instanceof Error ? err.message : String(err)}`);
      schedule();
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void connect(true), delay);
    delay = Math.min(delay * 2, 32000);
  };
  void connect(false);
  return {
    stop: async () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await conn?.close();
    },
  };
}
