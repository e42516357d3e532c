// respond(): the main statement's single row + the plan → status, headers and body bytes.
// The body column goes out untouched; counts and GUC columns decide status and headers
// (Content-Range, 206/416, singular-object 406, Preference-Applied, Content-Location).

import { contentType, legacyTargetWarning, locationHeader, reportedTotal, rangeAnswer, resultColumns, singularityError, WriteColumns, type ApiError, type Plan } from '../planner/index.js';
import { mergeGucHeaders, parseGucHeaders, parseGucStatus } from './guc-response.js';
import { errorResponse, type HttpResponse } from './http-response.js';

type Headers = [string, string][];

function text(cell: Buffer | null | undefined): string | null {
  return cell === null || cell === undefined ? null : cell.toString('utf8');
}

/**
 * Preference-Applied in PostgREST's order. `readTx` is a read's honoured `tx=` (writes and
 * calls carry theirs in the plan): PostgREST reports it on reads too.
 */
function preferenceApplied(plan: Plan, readTx: 'commit' | 'rollback' | null): string | null {
  const p = plan.request.preferences;
  const applied: string[] = [];
  const mutate = plan.kind === 'mutate' ? plan : null;
  if (mutate !== null && mutate.conflict !== null && mutate.putKey === null) applied.push(`resolution=${mutate.conflict.resolution}`);
  // missing= applies to POST and PATCH (PostgREST leaves it out for PUT and DELETE).
  if (mutate !== null && p.missing !== null && mutate.putKey === null && mutate.mutation !== 'delete') applied.push(`missing=${p.missing}`);
  if (p.return !== null && mutate !== null) applied.push(`return=${p.return}`);
  if (p.count !== null) applied.push(`count=${p.count}`);
  const tx = plan.kind === 'read' ? readTx : plan.txApplied;
  if (tx !== null) applied.push(`tx=${tx}`);
  if (p.handling !== null) applied.push(`handling=${p.handling}`);
  if (p.timezone !== null) applied.push(`timezone=${p.timezone}`);
  if (plan.kind !== 'read' && plan.maxAffected !== null) applied.push(`max-affected=${plan.maxAffected}`);
  return applied.length === 0 ? null : applied.join(', ');
}

/**
 * 201 for an insert. A merge-duplicates upsert that inserted nothing is 200 (ignore-duplicates
 * stays 201); PUT is 204 unless a representation was asked for, then 201/200 by whether it
 * inserted — PostgREST's isInsertIfGTZero.
 */
function insertStatus(plan: Extract<Plan, { kind: 'mutate' }>, inserted: string | null): number {
  const anyInserted = inserted === null || Number(inserted) > 0;
  if (plan.putKey !== null) return !plan.returnRepresentation ? 204 : anyInserted ? 201 : 200;
  return anyInserted ? 201 : 200;
}

/** `/<relation>?<canonical query>`, ASCII-safe. */
function contentLocation(plan: Plan): string {
  const q = plan.request.canonicalQuery;
  return '/' + encodeURIComponent(plan.request.relation) + (q === '' ? '' : '?' + q);
}

/** 416: the error body with `Content-Range: *\/total`, as RFC 9110 and PostgREST send it. */
function unsatisfiable(error: ApiError, total: number | null): HttpResponse {
  return errorResponse(error, [['Content-Range', `*/${total ?? '*'}`]]);
}

/** The main statement's row + plan → status, headers, body. */
export function respond(plan: Plan, row: readonly (Buffer | null)[], planned: number | null = null, readTx: 'commit' | 'rollback' | null = null): HttpResponse {
  const columns = resultColumns(plan);
  const totalText = text(row[columns.total]);
  const total = reportedTotal(plan, totalText === null ? null : Number(totalText), planned);
  const page = Number(text(row[columns.pageTotal]) ?? '0');
  const body = row[columns.body] ?? undefined;
  const headers: Headers = [];
  const media = plan.request.media;
  const voidCall = plan.kind === 'call' && plan.routine.returns.kind === 'void';
  const withBody = plan.kind === 'mutate' ? plan.returnRepresentation : !plan.headOnly && !voidCall;
  if (media.kind === 'object' && withBody && page !== 1) return errorResponse(singularityError(page));
  let status: number;
  switch (plan.kind) {
    case 'call': {
      // A void function answers 204 without a body, as PostgREST v12+.
      if (voidCall) {
        status = 204;
        break;
      }
      const answer = rangeAnswer(plan.range.offset, page, total);
      if (!answer.ok) return unsatisfiable(answer.error, total);
      status = answer.value.status;
      headers.push(['Content-Range', answer.value.contentRange]);
      headers.push(['Content-Type', contentType(media)]);
      break;
    }
    case 'read': {
      const answer = rangeAnswer(plan.range.offset, page, total);
      if (!answer.ok) return unsatisfiable(answer.error, total);
      status = answer.value.status;
      headers.push(['Content-Range', answer.value.contentRange]);
      headers.push(['Content-Location', contentLocation(plan)]);
      headers.push(['Content-Type', contentType(media)]);
      break;
    }
    case 'mutate': {
      // count=exact/estimated on a write report the written rows as the total (PostgREST's
      // shouldCount); count=planned has no total on a write (no EXPLAIN is run for it).
      const c = plan.request.preferences.count;
      const written = c === 'exact' || c === 'estimated' ? String(page) : '*';
      if (plan.mutation === 'insert') {
        status = insertStatus(plan, text(row[WriteColumns.inserted]));
        // A PUT is a single-row upsert, not a range: PostgREST sends no Content-Range for it.
        if (plan.putKey === null) headers.push(['Content-Range', `*/${written}`]);
        const loc = text(row[WriteColumns.location]);
        const location = loc === null ? null : locationHeader(plan, loc);
        if (location !== null) headers.push(['Location', location]);
      } else {
        status = plan.returnRepresentation ? 200 : 204;
        // PATCH reports the range of updated rows; DELETE only the total, as PostgREST.
        const range = plan.mutation === 'update' && page > 0 ? `0-${page - 1}` : '*';
        headers.push(['Content-Range', `${range}/${written}`]);
      }
      if (plan.returnRepresentation) headers.push(['Content-Type', contentType(media)]);
      break;
    }
  }
  const applied = preferenceApplied(plan, readTx);
  if (applied !== null) headers.push(['Preference-Applied', applied]);
  const gucHeaders = text(row[columns.headers]);
  let merged: [string, string][] = headers;
  if (gucHeaders !== null) {
    const parsed = parseGucHeaders(gucHeaders);
    if (!parsed.ok) return errorResponse(parsed.error);
    merged = mergeGucHeaders(headers, parsed.value);
  }
  const gucStatus = text(row[columns.status]);
  if (gucStatus !== null) {
    const parsed = parseGucStatus(gucStatus);
    if (!parsed.ok) return errorResponse(parsed.error);
    status = parsed.value;
  }
  if (plan.request.legacyTargets !== undefined) merged = [...merged, ['Warning', legacyTargetWarning(plan.request.legacyTargets)]];
  // No body value: an empty JSON array, but nothing at all for a media type handler's value
  // (a function returning NULL of its domain).
  return { status, headers: merged, body: withBody ? body ?? (media.kind === 'handler' ? Buffer.alloc(0) : Buffer.from('[]')) : undefined };
}
