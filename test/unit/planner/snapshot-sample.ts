// Shared snapshot-test fixture: a schema-cache snapshot of the one-table films catalog.

import type { SchemaSnapshot } from '../../../planner/schema/snapshot.js';
import { filmsTables } from './films-schema.js';
import { NO_COMMENTS, NO_TYPES } from '../../../planner/schema/annotations.js';

export const sampleSnapshot: SchemaSnapshot = {
  fingerprint: 'f'.repeat(64),
  schemas: ['api'],
  queries: 'q1',
  createdAt: '2026-11-23T00:00:00.000Z',
  catalog: { tables: filmsTables, foreignKeys: '[]', views: '{"views":[],"columns":[]}', routines: '[]', computed: '[]', mediaHandlers: '[]', comments: NO_COMMENTS, types: NO_TYPES },
  roleSettings: '[["web_anon","statement_timeout=5s"]]',
};
