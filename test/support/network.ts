/**
 * The national network as SPEC §6 models it: a map from 住民票コード to values, changed by
 * feed records. Differences name codes and fields, never values.
 */
import { EVENT_CLASS } from './csv-files.ts';
import type { FeedRecord, NetworkValues } from './csv-files.ts';
import { valuesOf } from './registry-model.ts';
import type { Standing } from './registry-model.ts';

/** The network's state: 住民票コード → values. */
export type Network = Map<string, NetworkValues>;

/** A way in which the outputs break the contract. Holds codes and ids, no personal values. */
export interface ReplayDifference {
  /** Which check found it, e.g. `replay-setup`, `exceptions`, `reconciliation`. */
  readonly check: string;
  /** For the daily checks (SPEC §7.5): the day, 0 for the setup's state. */
  readonly day?: number;
  /** `missing`: expected but absent; `unexpected`: present but not expected; `value`: a field differs. */
  readonly kind: 'missing' | 'unexpected' | 'value' | 'count' | 'format' | 'order';
  readonly juminhyoCode?: string;
  readonly personId?: string;
  /** The field that differs (`name`, `nameKana`, `birthDate`, `sex`, `address`, …). */
  readonly field?: string;
  /** A human-readable explanation, free of personal values. */
  readonly detail: string;
}

const FIELDS = ['name', 'nameKana', 'birthDate', 'sex', 'address'] as const;

/**
 * Applies feed records in file order: add creates or overwrites, modify overwrites, 34
 * re-keys from `previous_juminhyo_code`, remove deletes. A modify or remove of an absent
 * code, or a re-key from one, is something the network would refuse: it is a warning.
 */
export function applyFeed(network: Network, records: readonly FeedRecord[], file: string, warnings: string[]): ReplayDifference[] {
  const differences: ReplayDifference[] = [];
  for (const r of records) {
    const cls = EVENT_CLASS[r.eventCode];
    const where = `${file}:${r.line}`;
    if (cls === undefined) {
      differences.push({ check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, detail: `${where}: unknown event_code ${r.eventCode}` });
      continue;
    }
    if ((r.eventCode === '34') !== (r.previousJuminhyoCode !== '')) {
      differences.push({
        check: 'format', kind: 'format', juminhyoCode: r.juminhyoCode, field: 'previous_juminhyo_code',
        detail: `${where}: previous_juminhyo_code must be set for event 34 and only for it`,
      });
    }
    if (r.eventCode === '34' && r.previousJuminhyoCode !== '') {
      if (!network.delete(r.previousJuminhyoCode)) warnings.push(`${where}: 34 re-keys absent code ${r.previousJuminhyoCode}`);
      network.set(r.juminhyoCode, valuesOf(r));
    } else if (cls === 'remove') {
      if (!network.delete(r.juminhyoCode)) warnings.push(`${where}: ${r.eventCode} removes absent code ${r.juminhyoCode}`);
    } else {
      if (cls === 'modify' && !network.has(r.juminhyoCode)) warnings.push(`${where}: ${r.eventCode} modifies absent code ${r.juminhyoCode}`);
      network.set(r.juminhyoCode, valuesOf(r));
    }
  }
  return differences;
}

/** A network holding each standing; two persons holding one code at once is a warning. */
export function networkOf(standings: Iterable<Standing>, warnings: string[]): Network {
  const network: Network = new Map();
  for (const s of standings) {
    if (network.has(s.juminhyoCode)) warnings.push(`two persons hold code ${s.juminhyoCode} at once`);
    network.set(s.juminhyoCode, s.values);
  }
  return network;
}

/** Differences between the network and what it should hold, by code and field. */
export function compareNetwork(actual: Network, expected: Network, check: string): ReplayDifference[] {
  const out: ReplayDifference[] = [];
  for (const [code, want] of expected) {
    const got = actual.get(code);
    if (got === undefined) {
      out.push({ check, kind: 'missing', juminhyoCode: code, detail: `code ${code} should be in the network but is not` });
      continue;
    }
    for (const f of FIELDS) {
      if (got[f] === want[f]) continue;
      // A date's shape (digits masked) tells a format bug from a wrong value without the value.
      const hint = f === 'birthDate' ? ` (got ${_shape(got[f])}, want ${_shape(want[f])})` : '';
      out.push({ check, kind: 'value', juminhyoCode: code, field: f, detail: `code ${code}: ${f} differs${hint}` });
    }
  }
  for (const code of actual.keys()) {
    if (!expected.has(code)) out.push({ check, kind: 'unexpected', juminhyoCode: code, detail: `code ${code} is in the network but should not be` });
  }
  return out;
}

function _shape(s: string): string {
  return s.replace(/\d/gu, '9');
}
